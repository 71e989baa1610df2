package domain

import (
	"time"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryProcessed = "processed"
	DeliveryIgnored   = "ignored"
	DeliveryFailed    = "failed"
)

// Delivery is one received webhook (webhook_deliveries).
type Delivery struct {
	ID              string     `json:"delivery_id"`
	DedupeKey       string     `json:"dedupe_key"`
	WebhookActionID string     `json:"webhook_action_id"`
	Action          string     `json:"action"`
	ScheduleID      string     `json:"schedule_id"`
	Payload         []byte     `json:"-"`
	Status          string     `json:"status"`
	Attempts        int        `json:"attempts"`
	LastError       string     `json:"last_error"`
	ReceivedAt      time.Time  `json:"received_at"`
	ProcessedAt     *time.Time `json:"processed_at"`
}

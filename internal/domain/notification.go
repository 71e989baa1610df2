package domain

import (
	"time"
)

// Notification statuses.
const (
	NotificationPending = "pending"
	NotificationSent    = "sent"
	NotificationFailed  = "failed"
	// NotificationStored means Slack is not configured: the notice is kept
	// here for the admin API and dashboard.
	NotificationStored = "stored"
)

// Notification is a Slack message aaa sent or meant to send.
type Notification struct {
	ID          string    `json:"notification_id"`
	ExecutionID string    `json:"execution_id"`
	Kind        string    `json:"kind"`
	Channel     string    `json:"channel"`
	MessageTS   string    `json:"message_ts"`
	Status      string    `json:"status"`
	Error       string    `json:"error"`
	Text        string    `json:"text"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

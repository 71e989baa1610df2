package domain

import (
	"time"
)

// StageVisit is one stay of an application in an interview stage
// (application_stage_history): Ashby's applicationHistory item.
type StageVisit struct {
	ApplicationID string     `json:"application_id"`
	StageID       string     `json:"stage_id"`
	Title         string     `json:"title"`
	EnteredAt     time.Time  `json:"entered_at"`
	LeftAt        *time.Time `json:"left_at,omitempty"`
	HistoryID     string     `json:"history_id,omitempty"`
	StageNumber   int        `json:"stage_number,omitempty"`
	ActorID       string     `json:"actor_id,omitempty"`
	// Source is where the visit came from ("api", or "webhook").
	Source string `json:"source,omitempty"`
}

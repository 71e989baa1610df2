package domain

import (
	"time"
)

// Review is a human verdict on a shadow decision (shadow_reviews).
type Review struct {
	ID          string    `json:"review_id"`
	ExecutionID string    `json:"execution_id"`
	RuleID      string    `json:"rule_id"`
	Verdict     string    `json:"verdict"` // agree | disagree
	Note        string    `json:"note"`
	Reviewer    string    `json:"reviewer"`
	CreatedAt   time.Time `json:"created_at"`
}

// Review verdicts.
const (
	VerdictAgree    = "agree"
	VerdictDisagree = "disagree"
)

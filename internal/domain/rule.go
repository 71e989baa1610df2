package domain

import (
	"encoding/json"
	"time"
)

// Rule modes: shadow records decisions only; live acts in Ashby.
const (
	ModeShadow = "shadow"
	ModeLive   = "live"
)

// On-reject actions: notify a human in Slack, or archive automatically.
const (
	OnRejectNotify  = "notify"
	OnRejectArchive = "archive"
)

// Requirement operators.
const (
	OpGE = ">="
	OpGT = ">"
	OpLE = "<="
	OpLT = "<"
	OpEQ = "=="
	OpNE = "!="
	OpIn = "in"
)

// Operators lists every operator a requirement may use.
var Operators = []string{OpGE, OpGT, OpLE, OpLT, OpEQ, OpNE, OpIn}

// Aggregates: "each" (every interviewer must pass, the default), "avg", "min",
// "max" and "count>=k" (at least k interviewers pass).
const (
	AggEach = "each"
	AggAvg  = "avg"
	AggMin  = "min"
	AggMax  = "max"
)

// Rule decides what happens to schedules in one interview stage of one plan
// (optionally of one job).
type Rule struct {
	ID               string
	Name             string
	JobID            string // empty: every job
	InterviewPlanID  string
	InterviewStageID string
	TargetStageID    string // empty: next stage by order
	Mode             string
	OnReject         string
	Priority         int
	Active           bool
	Version          int
	// ArchiveReasonID and CommunicationTemplateID are used when archiving a
	// rejected candidate; empty falls back to the configured default reason
	// and no email.
	ArchiveReasonID         string
	CommunicationTemplateID string
	// NotifyInShadow asks for Slack notices (marked dry run) in shadow mode.
	NotifyInShadow bool
	// RejectDelay schedules a live archive that long after the click (or
	// the rule's own decision) instead of executing it at once; it can be
	// cancelled until then. Zero archives at once.
	RejectDelay time.Duration
	// ActInWorkHours holds live advances and archives to the next working
	// window (REMINDER_WORK_HOURS, REMINDER_WORKDAYS, REMINDER_TIMEZONE).
	ActInWorkHours bool
	// NotifyOnAdvance sends the recruiter a Slack message for each live
	// advance, with an Undo button.
	NotifyOnAdvance bool
	// TimeoutDays and MinWaitMinutes override the global settings when > 0.
	TimeoutDays    int
	MinWaitMinutes int
	Requirements   []Requirement
	Actions        []Action
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Requirement is one condition of a rule over the feedback of one interview.
type Requirement struct {
	ID          string
	RuleID      string
	InterviewID string
	// FieldPath is a dotted path into submittedValues.
	FieldPath string
	Operator  string
	Threshold string
	Aggregate string
	Required  bool
	Position  int
	CreatedAt time.Time
}

// Action is a seed-compatible rule action row (kept for the admin API).
type Action struct {
	ID             string
	RuleID         string
	ActionType     string
	ActionConfig   json.RawMessage
	ExecutionOrder int
	CreatedAt      time.Time
}

package domain

import (
	"encoding/json"
	"time"
)

// Outcomes of an evaluation.
const (
	OutcomeAdvance = "advance"
	OutcomeReject  = "reject"
	OutcomeWait    = "wait"
	OutcomeTimeout = "timeout"
	OutcomeNoRule  = "no_rule"
	OutcomeSkip    = "skip"
)

// Execution statuses written to advancement_executions. The first four are
// the seed's and keep its meaning.
const (
	ExecSuccess  = "success"  // advanced in Ashby
	ExecFailed   = "failed"   // could not act (reason recorded)
	ExecDryRun   = "dry_run"  // shadow decision, nothing written to Ashby
	ExecRejected = "rejected" // archived after a human (or the rule) decided
	ExecStale    = "stale"    // the application left the stage before aaa acted
	ExecTimeout  = "timeout"  // feedback did not arrive in time
	// ExecPending is a claimed live action whose Ashby call is under way or
	// was interrupted; a retry re-reads the application before acting.
	ExecPending = "pending"
	// ExecNotified is a reject decision waiting for a human's click in Slack.
	ExecNotified = "notified"
	// ExecScheduled is a live action held until its ActAt: an archive with
	// the rule's reject_delay, or an action held to working hours. It can be
	// cancelled until then.
	ExecScheduled = "scheduled"
	// ExecCancelled is a scheduled action a person cancelled (RevertedBy).
	ExecCancelled = "cancelled"
	// ExecUndoing is an undo whose changeStage is under way or was
	// interrupted; a retry re-reads the application before acting.
	ExecUndoing = "undoing"
	// ExecUndone is an advance or archive by aaa a person took back within
	// UNDO_WINDOW: the candidate is back in the stage it came from.
	ExecUndone = "undone"
	// ExecKept is a rejection a recruiter overrode with "Keep in process".
	ExecKept = "kept"
)

// ExecStatuses lists every execution status, in the order people read them.
var ExecStatuses = []string{ExecSuccess, ExecFailed, ExecDryRun, ExecRejected, ExecStale, ExecTimeout,
	ExecPending, ExecNotified, ExecScheduled, ExecCancelled, ExecUndoing, ExecUndone, ExecKept}

// Reason is one machine-readable explanation of a decision.
type Reason struct {
	Code          string   `json:"code"`
	RequirementID string   `json:"requirement_id,omitempty"`
	InterviewID   string   `json:"interview_id,omitempty"`
	EventID       string   `json:"event_id,omitempty"`
	InterviewerID string   `json:"interviewer_id,omitempty"`
	Field         string   `json:"field,omitempty"`
	Value         any      `json:"value,omitempty"`
	Operator      string   `json:"operator,omitempty"`
	Threshold     string   `json:"threshold,omitempty"`
	Aggregate     string   `json:"aggregate,omitempty"`
	Passed        *bool    `json:"passed,omitempty"`
	Missing       []string `json:"missing,omitempty"`
	// JobID, PlanID and StageID name the schedule's scope of a
	// no_matching_rule reason.
	JobID   string `json:"job_id,omitempty"`
	PlanID  string `json:"interview_plan_id,omitempty"`
	StageID string `json:"interview_stage_id,omitempty"`
	// At is when an event ends (event_not_ended) or a min wait ends
	// (min_wait).
	At *time.Time `json:"at,omitempty"`
	// Message is the engine's sentence with ids; people read the rendering
	// of the fields above (internal/explain) instead.
	Message string `json:"message"`
}

// Decision is the engine's answer for one schedule.
type Decision struct {
	Outcome     string     `json:"outcome"`
	RuleID      string     `json:"rule_id,omitempty"`
	RuleVersion int        `json:"rule_version,omitempty"`
	Mode        string     `json:"mode,omitempty"`
	DueAt       *time.Time `json:"due_at,omitempty"`
	Summary     string     `json:"summary"`
	Reasons     []Reason   `json:"reasons"`
}

// Execution is one row of advancement_executions: the audit record of a
// decision and what aaa did about it.
type Execution struct {
	ID            string
	ScheduleID    string
	ApplicationID string
	RuleID        string
	RuleVersion   int
	Mode          string
	Outcome       string
	Status        string
	FromStageID   string
	ToStageID     string
	FailureReason string
	Summary       string
	Reasons       json.RawMessage
	ExecutedAt    time.Time
	ExecutedBy    string
	UpdatedAt     time.Time
	// ActAt is when a scheduled action runs (zero when none is scheduled).
	ActAt time.Time
	// ActedAt is when aaa's advance or archive landed in Ashby: the undo
	// window starts there.
	ActedAt time.Time
	// RevertedBy and RevertedAt say who cancelled, undid or kept it, and
	// when.
	RevertedBy string
	RevertedAt time.Time
}

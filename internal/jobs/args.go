package jobs

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Queues: each kind of work has its own River queue and workers, so a burst
// of slow ingests (Ashby lookups at ASHBY_RATE_LIMIT) cannot hold up
// evaluations or a recruiter's Archive click, nor they a periodic sync.
const (
	// QueueIngest processes webhook deliveries.
	QueueIngest = "ingest"
	// QueueEvaluate evaluates schedules.
	QueueEvaluate = "evaluate"
	// QueueActions archives after Slack clicks (or by rule) and sends
	// Slack notices.
	QueueActions = "actions"
	// QueuePeriodic runs the periodic tasks (syncs, sweep, reminders).
	QueuePeriodic = "periodic"
)

// uniqueWhileQueued makes a job unique by its arguments while one is queued
// or running. Completed runs are left out of the states: with River's
// default they would block every later equal job until the job cleaner
// removes them (24h).
var uniqueWhileQueued = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateScheduled, rivertype.JobStateRetryable,
}}

// IngestArgs processes one stored webhook delivery.
type IngestArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (IngestArgs) Kind() string { return "ingest_delivery" }

// InsertOpts puts ingestion in its own queue.
func (IngestArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueIngest} }

// IngestBatchArgs processes the deliveries one acknowledgement stored
// together (one job per group commit, not one per delivery). A delivery the
// batch cannot process is handed to an IngestArgs job of its own, with the
// single delivery's retries and failure handling.
type IngestBatchArgs struct {
	DeliveryIDs []string `json:"delivery_ids"`
}

// Kind implements river.JobArgs.
func (IngestBatchArgs) Kind() string { return "ingest_deliveries" }

// InsertOpts puts batches with the other ingestion.
func (IngestBatchArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueIngest} }

// EvaluateArgs evaluates one schedule. Jobs are unique per schedule and
// per reason to run: At is the due time of a scheduled re-check (empty for
// "now"), Change the schedule change that asked for the run. So a burst of
// requests for one change runs once, while a new change is never swallowed
// by a run still in progress on older data, and a timer never blocks an
// immediate run.
type EvaluateArgs struct {
	ScheduleID string `json:"schedule_id"`
	At         string `json:"at,omitempty"`
	Change     string `json:"change,omitempty"`
}

// Kind implements river.JobArgs.
func (EvaluateArgs) Kind() string { return "evaluate_schedule" }

// InsertOpts makes evaluations unique per schedule (and due time).
func (EvaluateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueEvaluate, UniqueOpts: uniqueWhileQueued}
}

// EvaluateBatchArgs evaluates the schedules one ingestion batch changed,
// together (advance's bulk path: a few queries to load them, set
// statements to record). It is not unique: each batch's job evaluates its
// own changes, so a change is never swallowed by a run on older data; an
// overlap with another job is harmless (decisions are claimed once).
type EvaluateBatchArgs struct {
	ScheduleIDs []string `json:"schedule_ids"`
}

// Kind implements river.JobArgs.
func (EvaluateBatchArgs) Kind() string { return "evaluate_schedules" }

// InsertOpts puts batches with the other evaluations.
func (EvaluateBatchArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueEvaluate} }

// ArchiveArgs archives an application after a recruiter's Slack click (or
// by rule). Unique per decision: a double click or a Slack retry while the
// first archive is queued or running adds nothing.
type ArchiveArgs struct {
	ExecutionID   string `json:"execution_id" river:"unique"`
	ApplicationID string `json:"application_id"`
	UserID        string `json:"user_id,omitempty"`
	UserName      string `json:"user_name,omitempty"`
	Channel       string `json:"channel,omitempty"`
	MessageTS     string `json:"message_ts,omitempty"`
	Auto          bool   `json:"auto,omitempty"`
}

// Kind implements river.JobArgs.
func (ArchiveArgs) Kind() string { return "slack_archive" }

// InsertOpts makes archives unique per decision.
func (ArchiveArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueActions, UniqueOpts: uniqueWhileQueued}
}

// NotifyArgs sends the Slack notice of a decision.
type NotifyArgs struct {
	ExecutionID string `json:"execution_id"`
}

// Kind implements river.JobArgs.
func (NotifyArgs) Kind() string { return "slack_notify" }

// InsertOpts puts notices with the other Slack actions.
func (NotifyArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueActions} }

// DecisionArgs does a person's Slack click on Cancel, Undo or Keep in
// process. Unique per decision and action while queued or running: a
// double click does it once.
type DecisionArgs struct {
	Action      string `json:"action"`
	ExecutionID string `json:"execution_id"`
	UserID      string `json:"user_id,omitempty"`
	UserName    string `json:"user_name,omitempty"`
	Channel     string `json:"channel,omitempty"`
	MessageTS   string `json:"message_ts,omitempty"`
}

// Kind implements river.JobArgs.
func (DecisionArgs) Kind() string { return "decision_action" }

// InsertOpts puts clicks with the other Slack actions, unique per decision
// and action.
func (DecisionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueActions, UniqueOpts: uniqueWhileQueued}
}

// RefreshArgs re-renders the Slack message of a decision for its current
// status (scheduled, cancelled, undone, kept, ...).
type RefreshArgs struct {
	ExecutionID string `json:"execution_id"`
}

// Kind implements river.JobArgs.
func (RefreshArgs) Kind() string { return "slack_refresh" }

// InsertOpts puts refreshes with the other Slack actions.
func (RefreshArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueActions} }

// PeriodicArgs runs one periodic task by name.
type PeriodicArgs struct {
	Task string `json:"task"`
}

// Kind implements river.JobArgs.
func (PeriodicArgs) Kind() string { return "periodic" }

// InsertOpts keeps one pending run per task. Completed runs are left out
// of the unique states: with River's default they would block every later
// run until the job cleaner removes them (24h).
func (PeriodicArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePeriodic, MaxAttempts: 3, UniqueOpts: uniqueWhileQueued}
}

// Interval pairs a periodic task with its period.
type Interval struct {
	Task  string
	Every time.Duration
}

// Periodic task names (as in the seed's scheduler).
const (
	TaskFeedbackSync    = "sync_feedback"
	TaskEvaluationSweep = "advancement_evaluations"
	TaskMetadataSync    = "sync_metadata"
	TaskInterviewSync   = "sync_interviews"
	TaskSlackUserSync   = "sync_slack_users"
	// TaskReminders sends due feedback reminders and escalations.
	TaskReminders = "send_due_reminders"
	// TaskDeliveryRetention empties the payloads of processed deliveries
	// older than DELIVERY_RETENTION.
	TaskDeliveryRetention = "prune_delivery_payloads"
)

package domain

import (
	"encoding/json"
	"time"
)

// Ashby interview schedule statuses (Ashby's published enum).
const (
	StatusNeedsScheduling   = "NeedsScheduling"
	StatusScheduled         = "Scheduled"
	StatusWaitingOnFeedback = "WaitingOnFeedback"
	StatusComplete          = "Complete"
	StatusCancelled         = "Cancelled"
	StatusOnHold            = "OnHold"
)

// Schedule is one Ashby interview schedule: a candidate's application in one
// interview stage, with its events.
type Schedule struct {
	ID               string
	ApplicationID    string
	CandidateID      string
	InterviewStageID string
	InterviewPlanID  string
	JobID            string
	Status           string
	Cancelled        bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// LastEvaluatedAt is when aaa last evaluated the schedule (nil: never).
	LastEvaluatedAt *time.Time
	// LastOutcome, LastSummary and DueAt describe the latest evaluation; DueAt
	// is set for a wait that falls due at a known time.
	LastOutcome string
	LastSummary string
	DueAt       *time.Time
	// SourceUpdatedAt is Ashby's own time of the data (the schedule's
	// updatedAt, else its newest event's; zero when Ashby sent neither) and
	// SourceAt when aaa received it. An upsert of older data than the stored
	// row's is refused: older by SourceUpdatedAt when both have one, by
	// SourceAt otherwise and on a tie.
	SourceUpdatedAt time.Time
	SourceAt        time.Time
	Events          []Event
}

// Event is one interview event of a schedule (one interview slot with its
// panel of interviewers).
type Event struct {
	ID                   string
	ScheduleID           string
	InterviewID          string
	StartTime            time.Time
	EndTime              time.Time
	FeedbackLink         string
	Location             string
	MeetingLink          string
	HasSubmittedFeedback bool
	CreatedAt            time.Time
	UpdatedAt            time.Time
	Interviewers         []Assignment
}

// Training roles an interviewer may hold on an event. Shadows never owe
// feedback that counts toward a decision.
const (
	TrainingRoleShadow        = "Shadow"
	TrainingRoleReverseShadow = "ReverseShadow"
	TrainingRoleTrained       = "Trained"
)

// Assignment is an interviewer assigned to an event.
type Assignment struct {
	EventID            string
	InterviewerID      string
	FirstName          string
	LastName           string
	Email              string
	GlobalRole         string
	TrainingRole       string
	IsEnabled          bool
	IsFeedbackRequired bool
	PoolID             string
	PoolTitle          string
}

// Name is the interviewer's display name.
func (a Assignment) Name() string {
	switch {
	case a.FirstName != "" && a.LastName != "":
		return a.FirstName + " " + a.LastName
	case a.FirstName != "":
		return a.FirstName
	case a.LastName != "":
		return a.LastName
	case a.Email != "":
		return a.Email
	}
	return a.InterviewerID
}

// OwesFeedback reports whether the interviewer's feedback is expected before a
// decision: shadows and assignments with feedback not required are excluded.
func (a Assignment) OwesFeedback() bool {
	if !a.IsFeedbackRequired {
		return false
	}
	return a.TrainingRole != TrainingRoleShadow
}

// Feedback is one submitted scorecard.
type Feedback struct {
	ID            string
	ApplicationID string
	EventID       string
	InterviewID   string
	InterviewerID string
	FormID        string
	SubmittedAt   time.Time
	// Values is the raw `submittedValues` object, kept as JSON. It may hold
	// free text, which must never be logged or sent to Slack.
	Values    json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// EvaluationRequest asks for an evaluation of a schedule: now when At is
// zero, else at At. ChangedAt names the schedule change that asks for it,
// so a request for a new change is never swallowed by one for an older
// change still queued or running.
type EvaluationRequest struct {
	ScheduleID    string
	At, ChangedAt time.Time
}

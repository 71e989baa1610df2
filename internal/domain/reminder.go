package domain

import (
	"time"
)

// Reminder kinds (feedback_reminders_sent.kind).
const (
	ReminderKindReminder   = "reminder"
	ReminderKindEscalation = "escalation"
)

// Reminder statuses (feedback_reminders_sent.status).
const (
	// ReminderPending is a claimed reminder whose Slack post has not
	// finished (or whose worker died mid-way: it is never re-sent).
	ReminderPending = "pending"
	ReminderSent    = "sent"
	ReminderFailed  = "failed"
	// ReminderNoSlackUser means the interviewer has no Slack account under
	// their Ashby email; they are named in the escalation instead.
	ReminderNoSlackUser = "no_slack_user"
	// ReminderSkipped means the feedback arrived between the job's first
	// look and its claim: nothing was sent.
	ReminderSkipped = "skipped"
)

// Reminder is one feedback reminder or escalation aaa sent, or meant to
// send, to one interviewer for one event (feedback_reminders_sent). At most
// one row exists per (EventID, InterviewerID, Kind, Sequence).
type Reminder struct {
	ID            string `json:"reminder_id"`
	EventID       string `json:"event_id"`
	InterviewerID string `json:"interviewer_id"`
	InterviewID   string `json:"interview_id"`
	ScheduleID    string `json:"schedule_id"`
	ApplicationID string `json:"application_id"`
	RuleID        string `json:"rule_id"`
	// Kind is ReminderKindReminder or ReminderKindEscalation.
	Kind string `json:"kind"`
	// Sequence is the reminder number (1, 2, ...); 1 for an escalation.
	Sequence         int    `json:"sequence"`
	InterviewerEmail string `json:"interviewer_email"`
	SlackUserID      string `json:"slack_user_id"`
	SlackChannelID   string `json:"slack_channel_id"`
	SlackMessageTS   string `json:"slack_message_ts"`
	Status           string `json:"status"`
	Error            string `json:"error"`
	// EventEndedAt is when the interview event ended.
	EventEndedAt time.Time `json:"event_ended_at"`
	// SentAt is when the reminder was claimed and sent.
	SentAt time.Time `json:"sent_at"`
	// SubmittedAt is when the interviewer's feedback was submitted (zero
	// while it is still owed).
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at"`
}

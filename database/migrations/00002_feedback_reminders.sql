-- +goose Up
-- Feedback reminders (issue 11). One row per reminder or escalation aaa
-- sent, or meant to send, to one interviewer for one event. The row is
-- inserted (claimed) before Slack is called, so the UNIQUE constraint makes
-- every reminder at-most-once across restarts and instances.
-- kind: 'reminder' | 'escalation'; sequence: reminder number (1, 2, ...),
-- 1 for the escalation.
-- status: 'pending' (claimed, not yet posted) | 'sent' | 'failed' |
-- 'no_slack_user' | 'skipped' (feedback arrived inside the claim).
CREATE TABLE feedback_reminders_sent (
    reminder_id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    interviewer_id TEXT NOT NULL,
    interview_id TEXT NOT NULL DEFAULT '',
    schedule_id TEXT NOT NULL,
    application_id TEXT NOT NULL,
    rule_id TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    interviewer_email TEXT NOT NULL DEFAULT '',
    slack_user_id TEXT NOT NULL DEFAULT '',
    slack_channel_id TEXT NOT NULL DEFAULT '',
    slack_message_ts TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    event_ended_at TIMESTAMP,
    sent_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, interviewer_id, kind, sequence)
);
CREATE INDEX idx_feedback_reminders_sent_schedule ON feedback_reminders_sent (schedule_id, interviewer_id);
CREATE INDEX idx_feedback_reminders_sent_sent_at ON feedback_reminders_sent (sent_at);
CREATE INDEX idx_feedback_reminders_sent_open ON feedback_reminders_sent (submitted_at, sent_at);

-- Per-rule overrides of the global reminder policy (REMINDER_* settings).
-- A zero value inherits the global setting; enabled = FALSE turns reminders
-- off for the rule's schedules. Kept apart from advancement_rules so the
-- rule rows (and their versioning) are untouched.
CREATE TABLE reminder_policies (
    rule_id TEXT PRIMARY KEY,
    first_after_minutes INTEGER NOT NULL DEFAULT 0,
    every_minutes INTEGER NOT NULL DEFAULT 0,
    max_reminders INTEGER NOT NULL DEFAULT 0,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    skip_shadow BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL
);

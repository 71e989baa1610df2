// Package notify owns what aaa tells people in Slack: the rejection notice
// of a decision (with its Archive button, or marked as a dry run), edits of
// that notice once the candidate is archived, moved or the decision goes
// stale, admin alerts (timeouts, failed actions, failed deliveries), and the
// feedback reminders and escalations of remind.go. Without Slack every
// notice is stored for the admin API and the dashboard.
//
// Notices show values of score and select fields only, never feedback free
// text. Sending is idempotent through the notification and reminder rows:
// jobs run at least once.
package notify

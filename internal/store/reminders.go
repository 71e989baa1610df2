package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// ReminderUpdate records the outcome of a claimed reminder.
type ReminderUpdate struct {
	ID             string
	Status         string
	Error          string
	SlackUserID    string
	SlackChannelID string
	SlackMessageTS string
	// SubmittedAt, when set, records that the feedback has arrived.
	SubmittedAt time.Time
	At          time.Time
}

// ReminderSubmission marks the reminders of one interviewer for one
// interview of a schedule as answered.
type ReminderSubmission struct {
	ScheduleID    string
	InterviewID   string
	InterviewerID string
	SubmittedAt   time.Time
	At            time.Time
}

// RulePolicy overrides the global reminder policy for one rule
// (reminder_policies). Zero durations and counts inherit the global value.
type RulePolicy struct {
	RuleID            string    `json:"rule_id"`
	FirstAfterMinutes int       `json:"first_after_minutes"`
	EveryMinutes      int       `json:"every_minutes"`
	MaxReminders      int       `json:"max_reminders"`
	Enabled           bool      `json:"enabled"`
	SkipShadow        bool      `json:"skip_shadow"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// ReminderStats summarises reminders sent since a time, for /admin/stats.
type ReminderStats struct {
	Since time.Time `json:"since"`
	// RemindersSent counts reminder DMs posted; RemindersFailed those Slack
	// refused; NoSlackUser the reminders that found nobody in Slack;
	// Skipped those dropped because feedback arrived at the last moment.
	RemindersSent   int `json:"reminders_sent"`
	RemindersFailed int `json:"reminders_failed"`
	NoSlackUser     int `json:"no_slack_user"`
	Skipped         int `json:"skipped_feedback_arrived"`
	// EscalationsSent counts interviewers escalated to a recruiter or the
	// admin channel.
	EscalationsSent int `json:"escalations_sent"`
	// InterviewersReminded counts distinct (event, interviewer) pairs with a
	// reminder sent; SubmittedAfterReminder those whose feedback arrived
	// since; StillOwed those whose feedback has not.
	InterviewersReminded   int `json:"interviewers_reminded"`
	SubmittedAfterReminder int `json:"submitted_after_reminder"`
	StillOwed              int `json:"still_owed"`
	// FeedbackCount counts submissions since Since whose event end is known;
	// MedianTimeToFeedback is the median time from interview end to
	// submission over them.
	FeedbackCount               int           `json:"feedback_count"`
	MedianTimeToFeedback        time.Duration `json:"-"`
	MedianTimeToFeedbackSeconds float64       `json:"median_time_to_feedback_seconds"`
	// MedianTimeToFeedbackReminded is the same median over the reminded
	// interviewers whose feedback arrived.
	MedianTimeToFeedbackReminded        time.Duration `json:"-"`
	MedianTimeToFeedbackRemindedSeconds float64       `json:"median_time_to_feedback_reminded_seconds"`
}

// ReminderScan selects the schedules the reminder job looks at.
type ReminderScan struct {
	// EndedAfter and EndedBefore bound the end time of at least one event.
	EndedAfter, EndedBefore time.Time
}

// ReminderStore keeps feedback reminders and per-rule reminder policies.
type ReminderStore interface {
	// ClaimReminder inserts r (status, sent_at and ids as given) unless a
	// row with its (EventID, InterviewerID, Kind, Sequence) exists; claimed
	// is false then and nothing is written. An empty ID is generated.
	ClaimReminder(ctx context.Context, r domain.Reminder) (claimed bool, id string, err error)
	// UpdateReminder records the outcome of a claimed reminder.
	UpdateReminder(ctx context.Context, u ReminderUpdate) error
	// MarkRemindersSubmitted sets submitted_at on the still-open reminders
	// of one interviewer for one interview of a schedule; n is how many.
	MarkRemindersSubmitted(ctx context.Context, p ReminderSubmission) (n int, err error)
	// RemindersBySchedule returns a schedule's reminders and escalations
	// ordered by interviewer, event, kind (reminders first) and sequence;
	// the dashboard counts them per interviewer.
	RemindersBySchedule(ctx context.Context, scheduleID string) ([]domain.Reminder, error)
	// ListReminderSchedules returns ids of schedules the reminder job must
	// look at: not cancelled, not decided advance/reject, with an event
	// that ended in (EndedAfter, EndedBefore]; plus any schedule with a
	// reminder sent after EndedAfter whose feedback has not been seen yet
	// (so its submitted_at still gets set).
	ListReminderSchedules(ctx context.Context, p ReminderScan) ([]string, error)
	// ReminderStats summarises reminders and time to feedback since since.
	ReminderStats(ctx context.Context, since time.Time) (ReminderStats, error)
	// GetRulePolicy returns a rule's reminder override (domain.ErrNotFound
	// when it has none).
	GetRulePolicy(ctx context.Context, ruleID string) (RulePolicy, error)
	// PutRulePolicy creates or replaces a rule's reminder override.
	PutRulePolicy(ctx context.Context, p RulePolicy) error
}

var _ ReminderStore = (*DB)(nil)

const reminderColumns = `reminder_id, event_id, interviewer_id, interview_id, schedule_id, application_id, rule_id,
    kind, sequence, interviewer_email, slack_user_id, slack_channel_id, slack_message_ts, status, error,
    event_ended_at, sent_at, submitted_at, updated_at`

// ClaimReminder implements ReminderStore.
func (db *DB) ClaimReminder(ctx context.Context, r domain.Reminder) (bool, string, error) {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.Status == "" {
		r.Status = domain.ReminderPending
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.SentAt
	}
	res, err := db.exec(ctx, `INSERT INTO feedback_reminders_sent (`+reminderColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT (event_id, interviewer_id, kind, sequence) DO NOTHING`,
		r.ID, r.EventID, r.InterviewerID, r.InterviewID, r.ScheduleID, r.ApplicationID, r.RuleID,
		r.Kind, r.Sequence, r.InterviewerEmail, r.SlackUserID, r.SlackChannelID, r.SlackMessageTS, r.Status, r.Error,
		utc(r.EventEndedAt), r.SentAt.UTC(), utc(r.SubmittedAt), r.UpdatedAt.UTC())
	if err != nil {
		return false, "", fmt.Errorf("claim reminder: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, "", fmt.Errorf("claim reminder: %w", db.mapErr(err))
	}
	if n == 0 {
		return false, "", nil
	}
	return true, r.ID, nil
}

// UpdateReminder implements ReminderStore.
func (db *DB) UpdateReminder(ctx context.Context, u ReminderUpdate) error {
	res, err := db.exec(ctx, `UPDATE feedback_reminders_sent
SET status = $2, error = $3, slack_user_id = CASE WHEN $4 = '' THEN slack_user_id ELSE $4 END,
    slack_channel_id = $5, slack_message_ts = $6, submitted_at = COALESCE(submitted_at, $7), updated_at = $8
WHERE reminder_id = $1`, u.ID, u.Status, u.Error, u.SlackUserID, u.SlackChannelID, u.SlackMessageTS,
		utc(u.SubmittedAt), u.At.UTC())
	if err != nil {
		return fmt.Errorf("update reminder %s: %w", u.ID, err)
	}
	return affectedOne(res, "reminder "+u.ID)
}

// MarkRemindersSubmitted implements ReminderStore.
func (db *DB) MarkRemindersSubmitted(ctx context.Context, p ReminderSubmission) (int, error) {
	res, err := db.exec(ctx, `UPDATE feedback_reminders_sent SET submitted_at = $4, updated_at = $5
WHERE schedule_id = $1 AND interview_id = $2 AND interviewer_id = $3 AND submitted_at IS NULL`,
		p.ScheduleID, p.InterviewID, p.InterviewerID, p.SubmittedAt.UTC(), p.At.UTC())
	if err != nil {
		return 0, fmt.Errorf("mark reminders submitted: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mark reminders submitted: %w", db.mapErr(err))
	}
	return int(n), nil
}

// RemindersBySchedule implements ReminderStore.
func (db *DB) RemindersBySchedule(ctx context.Context, scheduleID string) ([]domain.Reminder, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+reminderColumns+` FROM feedback_reminders_sent
WHERE schedule_id = $1 ORDER BY interviewer_id, event_id, kind DESC, sequence`, scheduleID)
	if err != nil {
		return nil, fmt.Errorf("list reminders of %s: %w", scheduleID, db.mapErr(err))
	}
	defer rows.Close()
	var out []domain.Reminder
	for rows.Next() {
		var r domain.Reminder
		var ended, sent, submitted, updated sql.NullTime
		if err := rows.Scan(&r.ID, &r.EventID, &r.InterviewerID, &r.InterviewID, &r.ScheduleID, &r.ApplicationID, &r.RuleID,
			&r.Kind, &r.Sequence, &r.InterviewerEmail, &r.SlackUserID, &r.SlackChannelID, &r.SlackMessageTS, &r.Status, &r.Error,
			&ended, &sent, &submitted, &updated); err != nil {
			return nil, fmt.Errorf("scan reminder: %w", db.mapErr(err))
		}
		r.EventEndedAt, r.SentAt, r.SubmittedAt, r.UpdatedAt = timeOf(ended), timeOf(sent), timeOf(submitted), timeOf(updated)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list reminders of %s: %w", scheduleID, db.mapErr(err))
	}
	return out, nil
}

// SentReminderCounts counts the reminders actually posted per interviewer
// id (the dashboard's "reminders sent" column).
func SentReminderCounts(rs []domain.Reminder) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		if r.Kind == domain.ReminderKindReminder && r.Status == domain.ReminderSent {
			out[r.InterviewerID]++
		}
	}
	return out
}

// ListReminderSchedules implements ReminderStore.
func (db *DB) ListReminderSchedules(ctx context.Context, p ReminderScan) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `
SELECT s.schedule_id FROM interview_schedules s
WHERE s.is_cancelled = FALSE AND s.last_outcome NOT IN ($1, $2)
    AND EXISTS (SELECT 1 FROM interview_events e WHERE e.schedule_id = s.schedule_id
        AND e.end_time > $3 AND e.end_time <= $4)
UNION
SELECT r.schedule_id FROM feedback_reminders_sent r WHERE r.submitted_at IS NULL AND r.sent_at > $3
ORDER BY 1`, domain.OutcomeAdvance, domain.OutcomeReject, p.EndedAfter.UTC(), p.EndedBefore.UTC())
	if err != nil {
		return nil, fmt.Errorf("list reminder schedules: %w", db.mapErr(err))
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("list reminder schedules: %w", db.mapErr(err))
	}
	return ids, nil
}

// ReminderStats implements ReminderStore.
func (db *DB) ReminderStats(ctx context.Context, since time.Time) (ReminderStats, error) {
	st := ReminderStats{Since: since.UTC()}
	rows, err := db.r.QueryContext(ctx, `SELECT kind, status, COUNT(*) FROM feedback_reminders_sent
WHERE sent_at >= $1 GROUP BY kind, status`, since.UTC())
	if err != nil {
		return st, fmt.Errorf("reminder stats: %w", db.mapErr(err))
	}
	for rows.Next() {
		var kind, status string
		var n int
		if err := rows.Scan(&kind, &status, &n); err != nil {
			rows.Close()
			return st, fmt.Errorf("reminder stats: %w", db.mapErr(err))
		}
		switch {
		case kind == domain.ReminderKindEscalation && status == domain.ReminderSent:
			st.EscalationsSent += n
		case kind != domain.ReminderKindReminder:
		case status == domain.ReminderSent:
			st.RemindersSent += n
		case status == domain.ReminderFailed:
			st.RemindersFailed += n
		case status == domain.ReminderNoSlackUser:
			st.NoSlackUser += n
		case status == domain.ReminderSkipped:
			st.Skipped += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("reminder stats: %w", db.mapErr(err))
	}

	// Reminded (event, interviewer) pairs with their end and submission;
	// aggregated in Go because SQLite's MIN() of a TIMESTAMP is untyped text.
	type pair struct{ event, interviewer string }
	seen := map[pair]bool{}
	var reminded []time.Duration
	rows, err = db.r.QueryContext(ctx, `SELECT event_id, interviewer_id, event_ended_at, submitted_at FROM feedback_reminders_sent
WHERE kind = $1 AND status = $2 AND sent_at >= $3`, domain.ReminderKindReminder, domain.ReminderSent, since.UTC())
	if err != nil {
		return st, fmt.Errorf("reminder stats: %w", db.mapErr(err))
	}
	for rows.Next() {
		var k pair
		var ended, submitted sql.NullTime
		if err := rows.Scan(&k.event, &k.interviewer, &ended, &submitted); err != nil {
			rows.Close()
			return st, fmt.Errorf("reminder stats: %w", db.mapErr(err))
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		st.InterviewersReminded++
		if !submitted.Valid {
			st.StillOwed++
			continue
		}
		st.SubmittedAfterReminder++
		if ended.Valid {
			reminded = append(reminded, timeOf(submitted).Sub(timeOf(ended)))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("reminder stats: %w", db.mapErr(err))
	}

	var all []time.Duration
	rows, err = db.r.QueryContext(ctx, `SELECT e.end_time, f.submitted_at FROM feedback_submissions f
JOIN interview_events e ON e.event_id = f.event_id
WHERE f.submitted_at >= $1 AND e.end_time IS NOT NULL`, since.UTC())
	if err != nil {
		return st, fmt.Errorf("reminder stats: %w", db.mapErr(err))
	}
	for rows.Next() {
		var ended, submitted sql.NullTime
		if err := rows.Scan(&ended, &submitted); err != nil {
			rows.Close()
			return st, fmt.Errorf("reminder stats: %w", db.mapErr(err))
		}
		all = append(all, timeOf(submitted).Sub(timeOf(ended)))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("reminder stats: %w", db.mapErr(err))
	}
	st.FeedbackCount = len(all)
	st.MedianTimeToFeedback = median(all)
	st.MedianTimeToFeedbackSeconds = st.MedianTimeToFeedback.Seconds()
	st.MedianTimeToFeedbackReminded = median(reminded)
	st.MedianTimeToFeedbackRemindedSeconds = st.MedianTimeToFeedbackReminded.Seconds()
	return st, nil
}

// median returns the median of ds (the mean of the middle two for an even
// count), 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	m := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[m]
	}
	return (ds[m-1] + ds[m]) / 2
}

// GetRulePolicy implements ReminderStore.
func (db *DB) GetRulePolicy(ctx context.Context, ruleID string) (RulePolicy, error) {
	var p RulePolicy
	var updated sql.NullTime
	err := db.r.QueryRowContext(ctx, `SELECT rule_id, first_after_minutes, every_minutes, max_reminders, enabled,
    skip_shadow, updated_at FROM reminder_policies WHERE rule_id = $1`, ruleID).
		Scan(&p.RuleID, &p.FirstAfterMinutes, &p.EveryMinutes, &p.MaxReminders, &p.Enabled, &p.SkipShadow, &updated)
	if err != nil {
		return RulePolicy{}, fmt.Errorf("get reminder policy of rule %s: %w", ruleID, db.mapErr(err))
	}
	p.UpdatedAt = timeOf(updated)
	return p, nil
}

// PutRulePolicy implements ReminderStore.
func (db *DB) PutRulePolicy(ctx context.Context, p RulePolicy) error {
	if p.FirstAfterMinutes < 0 || p.EveryMinutes < 0 || p.MaxReminders < 0 {
		return fmt.Errorf("reminder policy of rule %s: negative values: %w", p.RuleID, domain.ErrInvalid)
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = time.Now()
	}
	if _, err := db.exec(ctx, `
INSERT INTO reminder_policies (rule_id, first_after_minutes, every_minutes, max_reminders, enabled, skip_shadow, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (rule_id) DO UPDATE SET first_after_minutes = excluded.first_after_minutes,
    every_minutes = excluded.every_minutes, max_reminders = excluded.max_reminders, enabled = excluded.enabled,
    skip_shadow = excluded.skip_shadow, updated_at = excluded.updated_at`,
		p.RuleID, p.FirstAfterMinutes, p.EveryMinutes, p.MaxReminders, p.Enabled, p.SkipShadow, p.UpdatedAt.UTC()); err != nil {
		return fmt.Errorf("put reminder policy of rule %s: %w", p.RuleID, err)
	}
	return nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// LifecycleStore follows a candidate through Ashby after aaa's decisions:
// stage changes seen in webhooks, the Slack messages that name a
// candidate, erasure on request and candidate merges.
type LifecycleStore interface {
	// RecordStageChange records that an application entered a stage (a
	// webhook) in application_stage_history, in one transaction: it closes
	// the open visit and opens one in the new stage. It writes nothing (and
	// returns false) when the open visit is already in that stage or began
	// after c.At (an older webhook arriving late), so re-running a change
	// is harmless. Visits stored by `aaa sync history` count the same.
	RecordStageChange(ctx context.Context, c StageChange) (bool, error)
	// CandidateApplications returns the ids of the applications aaa holds
	// for a candidate (cached applications and interview schedules), sorted.
	CandidateApplications(ctx context.Context, candidateID string) ([]string, error)
	// CandidateMessages returns the Slack messages aaa posted that name a
	// candidate: the notices of the applications' decisions, every notice
	// whose text contains one of names (as a word, any case) and the
	// feedback reminders of the applications. Each message is listed once,
	// sorted by channel and timestamp.
	CandidateMessages(ctx context.Context, applicationIDs, names []string) ([]PostedMessage, error)
	// EraseCandidate deletes or scrubs, in one transaction, everything aaa
	// holds that identifies a candidate (see Erasure). Decisions stay,
	// pseudonymised, so counts and review records are unchanged. A second
	// call finds nothing and returns a zero Erasure.
	EraseCandidate(ctx context.Context, candidateID string, at time.Time) (Erasure, error)
	// MergeCandidates moves a candidate merged away in Ashby (deletedID) to
	// the candidate it was merged into, in one transaction: the cached
	// applications (with mergedName when not empty, and the profile link)
	// and the interview schedules. It returns the rows changed; a second
	// call changes none.
	MergeCandidates(ctx context.Context, deletedID, mergedID, mergedName string) (int, error)
}

// StageChange is an application entering a stage, as a webhook reports it.
type StageChange struct {
	ApplicationID string
	StageID       string
	StageTitle    string
	// At is when the application entered StageID.
	At time.Time
	// PreviousStageID, when set, is the stage the application left; it is
	// recorded (as a closed visit) only when aaa holds no history yet.
	PreviousStageID string
	// PreviousEnteredAt is when the application entered PreviousStageID
	// (zero: unknown, the visit is recorded as entered at At).
	PreviousEnteredAt time.Time
}

// PostedMessage is a Slack message aaa posted.
type PostedMessage struct {
	Channel string
	TS      string
	// Kind is the notification kind (rejection, timeout_alert, ...) or the
	// reminder kind (reminder, escalation).
	Kind string
}

// Erasure counts what EraseCandidate deleted or scrubbed.
type Erasure struct {
	// Applications and Schedules are rows deleted (a schedule's events and
	// interviewer assignments go with it); so are Feedback submissions.
	Applications int
	Schedules    int
	Feedback     int
	// Notifications are notices whose text was emptied.
	Notifications int
	// Reminders are feedback reminders deleted.
	Reminders int
	// Deliveries are webhook deliveries whose payload, error and schedule
	// were emptied (the rows stay, so a redelivery is still refused).
	Deliveries int
	// Visits are stage history rows deleted.
	Visits int
	// Decisions are executions pseudonymised (application, schedule and
	// claim key replaced, reasons, summary and failure emptied).
	Decisions int
	// Reviews are dry-run reviews whose note was emptied.
	Reviews int
}

// Zero reports whether nothing was erased.
func (e Erasure) Zero() bool { return e == Erasure{} }

// Stage history sources (application_stage_history.source).
const (
	visitSourceWebhook = "webhook"
)

// RecordStageChange implements LifecycleStore. Closing the open visit is
// conditional (left_at still NULL): on Postgres, a concurrent change of the
// same application that closed it first makes the UPDATE match nothing once
// that change commits, and the visit is read again. Two first changes of an
// application with no history at all, committed at once, can still both
// open a visit; the next change closes the newest.
func (db *DB) RecordStageChange(ctx context.Context, c StageChange) (bool, error) {
	if c.ApplicationID == "" || c.StageID == "" || c.At.IsZero() {
		return false, fmt.Errorf("record stage change: application, stage and time are required: %w", domain.ErrInvalid)
	}
	at := stampOf(c.At)
	wrote := false
	err := db.inTx(ctx, func(t *DB) error {
		for attempt := 1; ; attempt++ {
			done, err := t.recordStageChange(ctx, c, at, &wrote)
			if err != nil || done {
				return err
			}
			// Each lost attempt is another change committed first; an
			// application sees a handful at once at most.
			if attempt == 5 {
				return fmt.Errorf("record stage change of %s: the open visit keeps changing: %w", c.ApplicationID, domain.ErrConflict)
			}
		}
	})
	if err != nil {
		return false, err
	}
	return wrote, nil
}

// recordStageChange is one attempt of RecordStageChange; done is false when
// the open visit was closed by someone else meanwhile.
func (db *DB) recordStageChange(ctx context.Context, c StageChange, at time.Time, wrote *bool) (done bool, err error) {
	// The newest visit, open or not: an open one is where the application
	// is; without one, the newest closed visit still tells a late webhook
	// from a new change.
	var stage string
	var entered, left sql.NullTime
	err = db.r.QueryRowContext(ctx, `SELECT stage_id, entered_at, left_at FROM application_stage_history
WHERE application_id = $1 ORDER BY CASE WHEN left_at IS NULL THEN 0 ELSE 1 END, entered_at DESC, stage_id LIMIT 1`,
		c.ApplicationID).Scan(&stage, &entered, &left)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if c.PreviousStageID != "" && c.PreviousStageID != c.StageID {
			prev := at
			if !c.PreviousEnteredAt.IsZero() && c.PreviousEnteredAt.Before(at) {
				prev = stampOf(c.PreviousEnteredAt)
			}
			if _, err := db.insertVisit(ctx, c.ApplicationID, c.PreviousStageID, "", prev, at, at); err != nil {
				return false, err
			}
		}
	case err != nil:
		return false, fmt.Errorf("record stage change of %s: %w", c.ApplicationID, db.mapErr(err))
	default:
		open := !left.Valid
		if open && stage == c.StageID {
			return true, nil
		}
		if at.Before(entered.Time.UTC()) || (!open && at.Before(left.Time.UTC())) {
			// An older change arriving after a newer one: history has
			// already moved on.
			return true, nil
		}
		if open {
			n, err := db.count(ctx, `UPDATE application_stage_history SET left_at = $4
WHERE application_id = $1 AND stage_id = $2 AND entered_at = $3 AND left_at IS NULL`,
				c.ApplicationID, stage, entered.Time.UTC(), at)
			if err != nil {
				return false, fmt.Errorf("close stage visit of %s: %w", c.ApplicationID, err)
			}
			if n == 0 {
				return false, nil
			}
			*wrote = true
		}
	}
	n, err := db.insertVisit(ctx, c.ApplicationID, c.StageID, c.StageTitle, at, time.Time{}, at)
	if err != nil {
		return false, err
	}
	*wrote = *wrote || n > 0
	return true, nil
}

// insertVisit stores a visit seen in a webhook unless one with the same
// key exists; left zero leaves it open. It returns the rows inserted.
func (db *DB) insertVisit(ctx context.Context, appID, stageID, title string, entered, left, fetched time.Time) (int64, error) {
	res, err := db.exec(ctx, `
INSERT INTO application_stage_history (application_id, stage_id, entered_at, left_at, title, source, fetched_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (application_id, stage_id, entered_at) DO NOTHING`,
		appID, stageID, entered.UTC(), nullTime(left), title, visitSourceWebhook, fetched.UTC())
	if err != nil {
		return 0, fmt.Errorf("insert stage visit of %s: %w", appID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("insert stage visit of %s: %w", appID, db.mapErr(err))
	}
	return n, nil
}

// CandidateApplications implements LifecycleStore.
func (db *DB) CandidateApplications(ctx context.Context, candidateID string) ([]string, error) {
	if candidateID == "" {
		return nil, fmt.Errorf("candidate applications: a candidate id is required: %w", domain.ErrInvalid)
	}
	rows, err := db.r.QueryContext(ctx, `
SELECT application_id FROM applications WHERE candidate_id = $1
UNION
SELECT application_id FROM interview_schedules WHERE candidate_id = $1
ORDER BY 1`, candidateID)
	if err != nil {
		return nil, fmt.Errorf("candidate applications: %w", db.mapErr(err))
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("candidate applications: %w", db.mapErr(err))
	}
	return ids, nil
}

// CandidateMessages implements LifecycleStore.
func (db *DB) CandidateMessages(ctx context.Context, applicationIDs, names []string) ([]PostedMessage, error) {
	seen := map[[2]string]bool{}
	var out []PostedMessage
	add := func(m PostedMessage) {
		k := [2]string{m.Channel, m.TS}
		if m.Channel == "" || m.TS == "" || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, m)
	}
	if len(applicationIDs) > 0 {
		ph, args := placeholders(applicationIDs, 1)
		rows, err := db.r.QueryContext(ctx, `SELECT n.channel, n.message_ts, n.kind FROM notifications n
JOIN advancement_executions e ON e.execution_id = n.execution_id
WHERE e.application_id IN (`+ph+`) AND n.channel <> '' AND n.message_ts <> ''
UNION
SELECT slack_channel_id, slack_message_ts, kind FROM feedback_reminders_sent
WHERE application_id IN (`+ph+`) AND slack_channel_id <> '' AND slack_message_ts <> ''
ORDER BY 1, 2, 3`, args...)
		if err != nil {
			return nil, fmt.Errorf("candidate messages: %w", db.mapErr(err))
		}
		if err := scanMessages(rows, add); err != nil {
			return nil, fmt.Errorf("candidate messages: %w", db.mapErr(err))
		}
	}
	named, err := db.notificationsNaming(ctx, names, true)
	if err != nil {
		return nil, err
	}
	for _, n := range named {
		add(PostedMessage{Channel: n.Channel, TS: n.MessageTS, Kind: n.Kind})
	}
	slices.SortFunc(out, func(a, b PostedMessage) int {
		return strings.Compare(a.Channel+"\x00"+a.TS, b.Channel+"\x00"+b.TS)
	})
	return out, nil
}

func scanMessages(rows *sql.Rows, add func(PostedMessage)) error {
	defer rows.Close()
	for rows.Next() {
		var m PostedMessage
		if err := rows.Scan(&m.Channel, &m.TS, &m.Kind); err != nil {
			return err
		}
		add(m)
	}
	return rows.Err()
}

// notificationsNaming returns the notifications whose text contains one of
// names as a word, in any case (posted only: with a channel and a
// timestamp). SQL narrows the rows (LOWER folds ASCII only on SQLite, so
// a name is also matched as written); Go then checks word boundaries, so
// "Li" does not pick every notice that says "click".
func (db *DB) notificationsNaming(ctx context.Context, names []string, postedOnly bool) ([]domain.Notification, error) {
	names = cleanNames(names)
	if len(names) == 0 {
		return nil, nil
	}
	var conds []string
	var args []any
	for _, n := range names {
		args = append(args, "%"+likeEscape(n)+"%")
		conds = append(conds, fmt.Sprintf(`LOWER(text) LIKE LOWER($%d) ESCAPE '\' OR text LIKE $%d ESCAPE '\'`, len(args), len(args)))
	}
	q := `SELECT notification_id, channel, message_ts, kind, text FROM notifications WHERE text <> '' AND (` +
		strings.Join(conds, " OR ") + `)`
	if postedOnly {
		q += ` AND channel <> '' AND message_ts <> ''`
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY notification_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find notifications naming the candidate: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []domain.Notification
	for rows.Next() {
		var n domain.Notification
		if err := rows.Scan(&n.ID, &n.Channel, &n.MessageTS, &n.Kind, &n.Text); err != nil {
			return nil, fmt.Errorf("scan notification: %w", db.mapErr(err))
		}
		if slices.ContainsFunc(names, func(name string) bool { return containsWord(n.Text, name) }) {
			out = append(out, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find notifications naming the candidate: %w", db.mapErr(err))
	}
	return out, nil
}

// cleanNames trims names and drops empty and repeated ones.
func cleanNames(names []string) []string {
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// containsWord reports whether text contains name, ignoring case, with no
// letter or digit right before or after it.
func containsWord(text, name string) bool {
	t, n := strings.ToLower(text), strings.ToLower(name)
	for from := 0; from <= len(t); {
		i := strings.Index(t[from:], n)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(n)
		before, _ := utf8.DecodeLastRuneInString(t[:i])
		after, _ := utf8.DecodeRuneInString(t[end:])
		if (i == 0 || !isWordRune(before)) && (end == len(t) || !isWordRune(after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(t[i:])
		from = i + size
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// EraseCandidate implements LifecycleStore. What it leaves, on purpose:
//   - decisions (advancement_executions) and their reviews' verdicts, under
//     a pseudonym, so /admin/stats, the rule's shadow record and the
//     agreement rate do not change;
//   - webhook delivery rows without their payload, so a redelivery is still
//     refused (a delivery still pending fails to decode and is never
//     applied);
//   - River's job table (river_job), whose args may hold the application's
//     or schedule's ids (never a name or an email): River deletes finished
//     jobs itself (its job cleaner), and aaa never writes to River's tables;
//     a job still to run finds nothing under those ids;
//   - history_backfill.after_application_id, a resume cursor that may hold
//     one of the application ids and names no one.
func (db *DB) EraseCandidate(ctx context.Context, candidateID string, at time.Time) (Erasure, error) {
	if candidateID == "" {
		return Erasure{}, fmt.Errorf("erase candidate: a candidate id is required: %w", domain.ErrInvalid)
	}
	at = stampOf(at)
	var res Erasure
	err := db.inTx(ctx, func(t *DB) error {
		apps, err := t.CandidateApplications(ctx, candidateID)
		if err != nil {
			return err
		}
		var names, schedules []string
		if len(apps) > 0 {
			ph, args := placeholders(apps, 1)
			if names, err = t.queryStrings(ctx, `SELECT DISTINCT candidate_name FROM applications
WHERE application_id IN (`+ph+`) AND candidate_name <> ''`, args...); err != nil {
				return fmt.Errorf("erase candidate: read names: %w", err)
			}
			// The schedules of the applications, and those decisions and
			// reminders name (their schedule row may be gone).
			if schedules, err = t.queryStrings(ctx, `SELECT schedule_id FROM interview_schedules WHERE application_id IN (`+ph+`)
UNION SELECT schedule_id FROM advancement_executions WHERE application_id IN (`+ph+`)
UNION SELECT schedule_id FROM feedback_reminders_sent WHERE application_id IN (`+ph+`)`, args...); err != nil {
				return fmt.Errorf("erase candidate: read schedules: %w", err)
			}
		}
		// Notices and review notes first: they are found through the
		// decisions' application ids, which the pseudonyms replace.
		if res.Notifications, err = t.scrubNotifications(ctx, apps, names, at); err != nil {
			return err
		}
		if len(apps) > 0 {
			ph, args := placeholders(apps, 1)
			if res.Reviews, err = t.count(ctx, `UPDATE shadow_reviews SET note = ''
WHERE note <> '' AND execution_id IN (SELECT execution_id FROM advancement_executions WHERE application_id IN (`+ph+`))`,
				args...); err != nil {
				return fmt.Errorf("erase candidate: scrub review notes: %w", err)
			}
		}
		if res.Decisions, err = t.pseudonymiseDecisions(ctx, apps, schedules, at); err != nil {
			return err
		}
		if len(apps) > 0 {
			ph, args := placeholders(apps, 1)
			sph, sargs := placeholders(schedules, len(apps)+1)
			inSchedules := ""
			if len(schedules) > 0 {
				inSchedules = ` OR schedule_id IN (` + sph + `)`
			}
			steps := []struct {
				n    *int
				what string
				q    string
				args []any
			}{
				{&res.Feedback, "feedback", `DELETE FROM feedback_submissions WHERE application_id IN (` + ph + `)`, args},
				{&res.Reminders, "reminders", `DELETE FROM feedback_reminders_sent WHERE application_id IN (` + ph + `)` +
					inSchedules, append(slices.Clone(args), sargs...)},
				{&res.Visits, "stage history", `DELETE FROM application_stage_history WHERE application_id IN (` + ph + `)`, args},
				// Events and their interviewer assignments cascade.
				{&res.Schedules, "schedules", `DELETE FROM interview_schedules WHERE application_id IN (` + ph + `)`, args},
				{&res.Applications, "applications", `DELETE FROM applications WHERE application_id IN (` + ph + `)`, args},
			}
			for _, s := range steps {
				if *s.n, err = t.count(ctx, s.q, s.args...); err != nil {
					return fmt.Errorf("erase candidate: delete %s: %w", s.what, err)
				}
			}
		}
		if res.Deliveries, err = t.scrubDeliveries(ctx, candidateID, apps, schedules); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return Erasure{}, err
	}
	return res, nil
}

// scrubNotifications empties the text of the notices of the applications'
// decisions and of every notice naming the candidate.
func (db *DB) scrubNotifications(ctx context.Context, apps, names []string, at time.Time) (int, error) {
	named, err := db.notificationsNaming(ctx, names, false)
	if err != nil {
		return 0, err
	}
	ids := make([]string, len(named))
	for i, n := range named {
		ids[i] = n.ID
	}
	var conds []string
	args := []any{at}
	if len(apps) > 0 {
		ph, a := placeholders(apps, len(args)+1)
		conds = append(conds, `execution_id IN (SELECT execution_id FROM advancement_executions WHERE application_id IN (`+ph+`))`)
		args = append(args, a...)
	}
	if len(ids) > 0 {
		ph, a := placeholders(ids, len(args)+1)
		conds = append(conds, `notification_id IN (`+ph+`)`)
		args = append(args, a...)
	}
	if len(conds) == 0 {
		return 0, nil
	}
	n, err := db.count(ctx, `UPDATE notifications SET text = '', updated_at = $1
WHERE text <> '' AND (`+strings.Join(conds, " OR ")+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("erase candidate: scrub notifications: %w", err)
	}
	return n, nil
}

// pseudonymiseDecisions replaces the application and schedule ids of the
// applications' decisions with pseudonyms (one per application, one per
// schedule, so decisions of one application still group together), their
// claim keys with one that names no application, and empties what may name
// the candidate (reasons, summary, failure). Outcome, mode, status, rule,
// times and actors stay. updated_at moves to at, so a worker fenced on the
// row's old stamp stops.
func (db *DB) pseudonymiseDecisions(ctx context.Context, apps, schedules []string, at time.Time) (int, error) {
	total := 0
	for _, app := range apps {
		n, err := db.count(ctx, `UPDATE advancement_executions SET application_id = $1,
    claim_key = CASE WHEN claim_key IS NULL THEN NULL ELSE 'erased|' || execution_id END,
    evaluation_results = NULL, summary = '',
    failure_reason = CASE WHEN failure_reason IS NULL OR failure_reason = '' THEN failure_reason ELSE '' END,
    updated_at = $2
WHERE application_id = $3`, "erased-"+NewID(), at, app)
		if err != nil {
			return 0, fmt.Errorf("erase candidate: pseudonymise decisions: %w", err)
		}
		total += n
	}
	for _, s := range schedules {
		if _, err := db.exec(ctx, `UPDATE advancement_executions SET schedule_id = $1 WHERE schedule_id = $2`,
			"erased-"+NewID(), s); err != nil {
			return 0, fmt.Errorf("erase candidate: pseudonymise decisions: %w", err)
		}
	}
	return total, nil
}

// scrubDeliveries empties the payload, error and schedule of the webhook
// deliveries of the candidate's schedules or whose payload holds the
// candidate's or an application's id. Payloads are not indexed: this scans
// them, which a rare erasure can afford.
func (db *DB) scrubDeliveries(ctx context.Context, candidateID string, apps, schedules []string) (int, error) {
	var conds []string
	var args []any
	for _, id := range append([]string{candidateID}, apps...) {
		args = append(args, "%"+likeEscape(id)+"%")
		conds = append(conds, fmt.Sprintf(`payload LIKE $%d ESCAPE '\'`, len(args)))
	}
	if len(schedules) > 0 {
		ph, a := placeholders(schedules, len(args)+1)
		conds = append(conds, `schedule_id IN (`+ph+`)`)
		args = append(args, a...)
	}
	n, err := db.count(ctx, `UPDATE webhook_deliveries SET payload = '', last_error = '', schedule_id = ''
WHERE (payload <> '' OR last_error <> '' OR schedule_id <> '') AND (`+strings.Join(conds, " OR ")+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("erase candidate: scrub deliveries: %w", err)
	}
	return n, nil
}

// MergeCandidates implements LifecycleStore.
func (db *DB) MergeCandidates(ctx context.Context, deletedID, mergedID, mergedName string) (int, error) {
	if deletedID == "" || mergedID == "" {
		return 0, fmt.Errorf("merge candidates: both candidate ids are required: %w", domain.ErrInvalid)
	}
	if deletedID == mergedID {
		return 0, nil
	}
	total := 0
	err := db.inTx(ctx, func(t *DB) error {
		q := `UPDATE applications SET candidate_id = $2, profile_url = REPLACE(profile_url, $1, $2)`
		args := []any{deletedID, mergedID}
		if mergedName = strings.TrimSpace(mergedName); mergedName != "" {
			q += `, candidate_name = $3`
			args = append(args, mergedName)
		}
		n, err := t.count(ctx, q+` WHERE candidate_id = $1`, args...)
		if err != nil {
			return fmt.Errorf("merge candidates: move applications: %w", err)
		}
		m, err := t.count(ctx, `UPDATE interview_schedules SET candidate_id = $2 WHERE candidate_id = $1`, deletedID, mergedID)
		if err != nil {
			return fmt.Errorf("merge candidates: move schedules: %w", err)
		}
		total = n + m
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// count runs a write and returns the rows it affected.
func (db *DB) count(ctx context.Context, q string, args ...any) (int, error) {
	res, err := db.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, db.mapErr(err)
	}
	return int(n), nil
}

// queryStrings runs a query of one text column.
func (db *DB) queryStrings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.mapErr(err)
	}
	out, err := scanStrings(rows)
	return out, db.mapErr(err)
}

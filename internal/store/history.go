package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// HistoryProgress is the resumable state of one history backfill
// (history_backfill).
type HistoryProgress struct {
	Name  string
	Since time.Time
	// AfterApplication is the last application (in id order) whose history
	// is stored; a resumed run starts after it.
	AfterApplication string
	Applications     int
	Visits           int
	// FeedbackCursor resumes the feedback listing; FeedbackDone marks it
	// complete.
	FeedbackCursor string
	FeedbackDone   bool
	Feedback       int
	StartedAt      time.Time
	UpdatedAt      time.Time
	// FinishedAt is set once the whole backfill completed.
	FinishedAt *time.Time
}

// BacktestQuery selects the past schedules of one plan stage (optionally of
// some jobs) and everything needed to judge them.
type BacktestQuery struct {
	PlanID  string
	StageID string
	// JobIDs restricts schedules to these jobs; empty means every job.
	JobIDs []string
}

// BacktestSet is the data of a backtest, loaded in a handful of queries.
type BacktestSet struct {
	// Schedules are the stage's schedules (not cancelled) with their events
	// and interviewers.
	Schedules []domain.Schedule
	// Feedback is every stored submission of those applications, by
	// application id, oldest first.
	Feedback map[string][]domain.Feedback
	// History is the stored stage history of those applications, by
	// application id, oldest visit first.
	History map[string][]domain.StageVisit
	// Stages are the cached stages of the plan, in plan order.
	Stages []domain.Stage
	// CandidateNames maps application id to the cached candidate name.
	CandidateNames map[string]string
}

// HistoryStore keeps application stage history and the backfill progress,
// and loads backtest data in bulk.
type HistoryStore interface {
	// UpsertStageHistory stores visits; a visit already stored (same
	// application, stage and entry time) is updated, never duplicated.
	UpsertStageHistory(ctx context.Context, visits []domain.StageVisit, at time.Time) error
	// ListStageHistory returns an application's visits, oldest first.
	ListStageHistory(ctx context.Context, applicationID string) ([]domain.StageVisit, error)
	// CountStageHistory counts stored visits.
	CountStageHistory(ctx context.Context) (int, error)
	// ListHistoryApplications returns, in id order, up to limit application
	// ids after `after` that have a schedule created or updated since.
	ListHistoryApplications(ctx context.Context, since time.Time, after string, limit int) ([]string, error)
	// GetHistoryProgress returns a backfill's progress; an unknown one is
	// domain.ErrNotFound.
	GetHistoryProgress(ctx context.Context, name string) (HistoryProgress, error)
	SaveHistoryProgress(ctx context.Context, p HistoryProgress) error
	// LoadBacktestSet loads the schedules of a stage with their events,
	// feedback, history, the plan's stages and candidate names.
	LoadBacktestSet(ctx context.Context, q BacktestQuery) (BacktestSet, error)
}

var _ HistoryStore = (*DB)(nil)

// UpsertStageHistory implements HistoryStore.
func (db *DB) UpsertStageHistory(ctx context.Context, visits []domain.StageVisit, at time.Time) error {
	if len(visits) == 0 {
		return nil
	}
	return db.inTx(ctx, func(t *DB) error {
		for _, v := range visits {
			src := v.Source
			if src == "" {
				src = "api"
			}
			if _, err := t.exec(ctx, `
INSERT INTO application_stage_history (application_id, stage_id, entered_at, left_at, history_id, title,
    stage_number, actor_id, source, fetched_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (application_id, stage_id, entered_at) DO UPDATE SET
    left_at = COALESCE(excluded.left_at, application_stage_history.left_at),
    history_id = CASE WHEN excluded.history_id = '' THEN application_stage_history.history_id ELSE excluded.history_id END,
    title = CASE WHEN excluded.title = '' THEN application_stage_history.title ELSE excluded.title END,
    stage_number = excluded.stage_number, actor_id = excluded.actor_id, fetched_at = excluded.fetched_at`,
				v.ApplicationID, v.StageID, v.EnteredAt.UTC(), utcPtr(v.LeftAt), v.HistoryID, v.Title,
				v.StageNumber, v.ActorID, src, at.UTC()); err != nil {
				return fmt.Errorf("upsert stage history of %s: %w", v.ApplicationID, err)
			}
		}
		return nil
	})
}

const visitCols = `application_id, stage_id, entered_at, left_at, history_id, title, stage_number, actor_id, source`

func scanVisit(sc interface{ Scan(...any) error }) (domain.StageVisit, error) {
	var v domain.StageVisit
	var entered, left sql.NullTime
	err := sc.Scan(&v.ApplicationID, &v.StageID, &entered, &left, &v.HistoryID, &v.Title, &v.StageNumber, &v.ActorID, &v.Source)
	v.EnteredAt, v.LeftAt = timeOf(entered), timePtr(left)
	return v, err
}

// ListStageHistory implements HistoryStore.
func (db *DB) ListStageHistory(ctx context.Context, applicationID string) ([]domain.StageVisit, error) {
	byApp, err := db.queryVisits(ctx, `SELECT `+visitCols+` FROM application_stage_history
WHERE application_id = $1 ORDER BY entered_at, stage_id`, applicationID)
	if err != nil {
		return nil, err
	}
	return byApp[applicationID], nil
}

func (db *DB) queryVisits(ctx context.Context, q string, args ...any) (map[string][]domain.StageVisit, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list stage history: %w", db.mapErr(err))
	}
	defer rows.Close()
	out := map[string][]domain.StageVisit{}
	for rows.Next() {
		v, err := scanVisit(rows)
		if err != nil {
			return nil, fmt.Errorf("scan stage history: %w", db.mapErr(err))
		}
		out[v.ApplicationID] = append(out[v.ApplicationID], v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list stage history: %w", db.mapErr(err))
	}
	return out, nil
}

// CountStageHistory implements HistoryStore.
func (db *DB) CountStageHistory(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM application_stage_history`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count stage history: %w", db.mapErr(err))
	}
	return n, nil
}

// ListHistoryApplications implements HistoryStore.
func (db *DB) ListHistoryApplications(ctx context.Context, since time.Time, after string, limit int) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `
SELECT DISTINCT application_id FROM interview_schedules
WHERE (created_at >= $1 OR updated_at >= $1) AND application_id > $2
ORDER BY application_id LIMIT $3`, since.UTC(), after, limit)
	if err != nil {
		return nil, fmt.Errorf("list history applications: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan history application: %w", db.mapErr(err))
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// GetHistoryProgress implements HistoryStore.
func (db *DB) GetHistoryProgress(ctx context.Context, name string) (HistoryProgress, error) {
	var p HistoryProgress
	var since, started, updated, finished sql.NullTime
	err := db.r.QueryRowContext(ctx, `
SELECT name, since, after_application_id, applications_done, visits, feedback_cursor, feedback_done, feedback,
    started_at, updated_at, finished_at
FROM history_backfill WHERE name = $1`, name).Scan(&p.Name, &since, &p.AfterApplication, &p.Applications,
		&p.Visits, &p.FeedbackCursor, &p.FeedbackDone, &p.Feedback, &started, &updated, &finished)
	if err != nil {
		return HistoryProgress{}, fmt.Errorf("get history progress %s: %w", name, db.mapErr(err))
	}
	p.Since, p.StartedAt, p.UpdatedAt, p.FinishedAt = timeOf(since), timeOf(started), timeOf(updated), timePtr(finished)
	return p, nil
}

// SaveHistoryProgress implements HistoryStore.
func (db *DB) SaveHistoryProgress(ctx context.Context, p HistoryProgress) error {
	if _, err := db.exec(ctx, `
INSERT INTO history_backfill (name, since, after_application_id, applications_done, visits, feedback_cursor,
    feedback_done, feedback, started_at, updated_at, finished_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (name) DO UPDATE SET since = excluded.since, after_application_id = excluded.after_application_id,
    applications_done = excluded.applications_done, visits = excluded.visits,
    feedback_cursor = excluded.feedback_cursor, feedback_done = excluded.feedback_done,
    feedback = excluded.feedback, started_at = excluded.started_at, updated_at = excluded.updated_at,
    finished_at = excluded.finished_at`,
		p.Name, p.Since.UTC(), p.AfterApplication, p.Applications, p.Visits, p.FeedbackCursor, p.FeedbackDone,
		p.Feedback, p.StartedAt.UTC(), p.UpdatedAt.UTC(), utcPtr(p.FinishedAt)); err != nil {
		return fmt.Errorf("save history progress %s: %w", p.Name, err)
	}
	return nil
}

// backtestFilter is the WHERE clause (over interview_schedules) of a
// backtest and its arguments; every query of LoadBacktestSet reuses it as a
// sub-select so the set loads in a fixed number of queries.
func backtestFilter(q BacktestQuery) (string, []any) {
	where := `interview_plan_id = $1 AND interview_stage_id = $2 AND is_cancelled = FALSE`
	args := []any{q.PlanID, q.StageID}
	if len(q.JobIDs) > 0 {
		ph, jobArgs := placeholders(q.JobIDs, 3)
		where += ` AND job_id IN (` + ph + `)`
		args = append(args, jobArgs...)
	}
	return where, args
}

// LoadBacktestSet implements HistoryStore. It runs six queries whatever the
// number of schedules.
func (db *DB) LoadBacktestSet(ctx context.Context, q BacktestQuery) (BacktestSet, error) {
	if q.PlanID == "" || q.StageID == "" {
		return BacktestSet{}, fmt.Errorf("load backtest set: plan and stage are required: %w", domain.ErrInvalid)
	}
	where, args := backtestFilter(q)
	apps := `SELECT application_id FROM interview_schedules WHERE ` + where
	set := BacktestSet{Feedback: map[string][]domain.Feedback{}, CandidateNames: map[string]string{}}

	rows, err := db.r.QueryContext(ctx, `SELECT `+scheduleCols+` FROM interview_schedules WHERE `+where+
		` ORDER BY schedule_id`, args...)
	if err != nil {
		return BacktestSet{}, fmt.Errorf("load backtest schedules: %w", db.mapErr(err))
	}
	idx := map[string]int{}
	for rows.Next() {
		s, err := scanSchedule(rows)
		if err != nil {
			rows.Close()
			return BacktestSet{}, fmt.Errorf("scan schedule: %w", db.mapErr(err))
		}
		idx[s.ID] = len(set.Schedules)
		set.Schedules = append(set.Schedules, s)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return BacktestSet{}, fmt.Errorf("load backtest schedules: %w", db.mapErr(err))
	}
	if len(set.Schedules) > 0 {
		if err := db.loadBacktestEvents(ctx, where, args, set.Schedules, idx); err != nil {
			return BacktestSet{}, err
		}
		if err := db.loadBacktestFeedback(ctx, apps, args, set.Feedback); err != nil {
			return BacktestSet{}, err
		}
		if set.History, err = db.queryVisits(ctx, `SELECT `+visitCols+` FROM application_stage_history
WHERE application_id IN (`+apps+`) ORDER BY application_id, entered_at, stage_id`, args...); err != nil {
			return BacktestSet{}, err
		}
		if err := db.loadCandidateNames(ctx, apps, args, set.CandidateNames); err != nil {
			return BacktestSet{}, err
		}
	} else {
		set.History = map[string][]domain.StageVisit{}
	}
	if set.Stages, err = db.ListStages(ctx, q.PlanID); err != nil && !errors.Is(err, domain.ErrNotFound) {
		return BacktestSet{}, err
	}
	return set, nil
}

func (db *DB) loadBacktestEvents(ctx context.Context, where string, args []any, scheds []domain.Schedule, idx map[string]int) error {
	rows, err := db.r.QueryContext(ctx, `
SELECT e.event_id, e.schedule_id, e.interview_id, e.start_time, e.end_time, e.has_submitted_feedback,
    a.interviewer_id, a.first_name, a.last_name, a.email, a.training_role, a.is_enabled, a.is_feedback_required
FROM interview_events e LEFT JOIN interview_assignments a ON a.event_id = e.event_id
WHERE e.schedule_id IN (SELECT schedule_id FROM interview_schedules WHERE `+where+`)
ORDER BY e.schedule_id, e.start_time, e.event_id, a.interviewer_id`, args...)
	if err != nil {
		return fmt.Errorf("load backtest events: %w", db.mapErr(err))
	}
	defer rows.Close()
	lastEvent := ""
	for rows.Next() {
		var e domain.Event
		var start, end sql.NullTime
		var iid, fn, ln, email, trole sql.NullString
		var enabled, required sql.NullBool
		if err := rows.Scan(&e.ID, &e.ScheduleID, &e.InterviewID, &start, &end, &e.HasSubmittedFeedback,
			&iid, &fn, &ln, &email, &trole, &enabled, &required); err != nil {
			return fmt.Errorf("scan backtest event: %w", db.mapErr(err))
		}
		i, ok := idx[e.ScheduleID]
		if !ok {
			continue
		}
		s := &scheds[i]
		if e.ID != lastEvent || len(s.Events) == 0 {
			e.StartTime, e.EndTime = timeOf(start), timeOf(end)
			s.Events = append(s.Events, e)
			lastEvent = e.ID
		}
		if iid.Valid {
			ev := &s.Events[len(s.Events)-1]
			ev.Interviewers = append(ev.Interviewers, domain.Assignment{
				EventID: e.ID, InterviewerID: iid.String, FirstName: fn.String, LastName: ln.String,
				Email: email.String, TrainingRole: trole.String, IsEnabled: enabled.Bool,
				IsFeedbackRequired: required.Bool,
			})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load backtest events: %w", db.mapErr(err))
	}
	return nil
}

func (db *DB) loadBacktestFeedback(ctx context.Context, apps string, args []any, out map[string][]domain.Feedback) error {
	rows, err := db.r.QueryContext(ctx, `
SELECT feedback_id, application_id, event_id, interviewer_id, interview_id, form_definition_id,
    submitted_at, submitted_values
FROM feedback_submissions WHERE application_id IN (`+apps+`)
ORDER BY application_id, submitted_at, feedback_id`, args...)
	if err != nil {
		return fmt.Errorf("load backtest feedback: %w", db.mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var f domain.Feedback
		var sub sql.NullTime
		var values string
		if err := rows.Scan(&f.ID, &f.ApplicationID, &f.EventID, &f.InterviewerID, &f.InterviewID, &f.FormID,
			&sub, &values); err != nil {
			return fmt.Errorf("scan backtest feedback: %w", db.mapErr(err))
		}
		f.SubmittedAt = timeOf(sub)
		f.Values = []byte(values)
		out[f.ApplicationID] = append(out[f.ApplicationID], f)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load backtest feedback: %w", db.mapErr(err))
	}
	return nil
}

func (db *DB) loadCandidateNames(ctx context.Context, apps string, args []any, out map[string]string) error {
	rows, err := db.r.QueryContext(ctx, `SELECT application_id, candidate_name FROM applications
WHERE application_id IN (`+apps+`) AND candidate_name <> ''`, args...)
	if err != nil {
		return fmt.Errorf("load candidate names: %w", db.mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("scan candidate name: %w", db.mapErr(err))
		}
		out[id] = strings.TrimSpace(name)
	}
	return rows.Err()
}

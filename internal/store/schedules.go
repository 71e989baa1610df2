package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// ScheduleStore keeps interview schedules, their events and assignments.
type ScheduleStore interface {
	// UpsertSchedule writes the schedule row and replaces its events and
	// assignments. An empty plan or job id keeps the stored one. Feedback and
	// audit rows are never touched.
	UpsertSchedule(ctx context.Context, s domain.Schedule) error
	// UpsertSchedules does UpsertSchedule for many schedules (distinct ids)
	// with a few multi-row statements, and returns the ids of those it left
	// unchanged because the stored one holds newer data (ErrStaleUpdate).
	UpsertSchedules(ctx context.Context, ss []domain.Schedule) (stale map[string]bool, err error)
	// GetSchedule returns the schedule with its events and interviewers.
	GetSchedule(ctx context.Context, id string) (domain.Schedule, error)
	// GetSchedules returns the schedules with these ids (missing ones are
	// left out), with their events and interviewers, in a few queries.
	GetSchedules(ctx context.Context, ids []string) ([]domain.Schedule, error)
	// ListSchedulesByApplication returns an application's schedules, newest first.
	ListSchedulesByApplication(ctx context.Context, applicationID string) ([]domain.Schedule, error)
	// SetScheduleMeta stores the resolved plan and job ids.
	SetScheduleMeta(ctx context.Context, scheduleID, planID, jobID string) error
	// RecordEvaluation stamps the schedule with its latest evaluation.
	RecordEvaluation(ctx context.Context, p EvaluationStamp) error
	// TouchSchedulesByApplication marks an application's schedules changed
	// (new feedback), so they are evaluated again.
	TouchSchedulesByApplication(ctx context.Context, applicationID string, at time.Time) ([]string, error)
	// ListOpenSchedules returns ids of schedules that may still need a
	// decision: not cancelled, not finally decided, or changed since.
	ListOpenSchedules(ctx context.Context, limit int) ([]string, error)
	// ListOpenApplications returns application ids with open schedules.
	ListOpenApplications(ctx context.Context) ([]string, error)
}

// ErrStaleUpdate is returned by UpsertSchedule when the stored schedule was
// written from newer data (by Ashby's time, then by arrival; see
// domain.Schedule.SourceUpdatedAt), for example a newer webhook processed
// before a late retry of an older one.
var ErrStaleUpdate = errors.New("schedule holds newer data")

// EvaluationStamp is the latest evaluation of a schedule.
type EvaluationStamp struct {
	ScheduleID string
	Outcome    string
	Summary    string
	DueAt      *time.Time
	At         time.Time
}

// finalOutcomes are decisions after which a schedule needs no further
// evaluation until something changes.
var finalOutcomes = []string{domain.OutcomeAdvance, domain.OutcomeReject, domain.OutcomeTimeout}

// UpsertSchedule implements ScheduleStore: a batch of one.
func (db *DB) UpsertSchedule(ctx context.Context, s domain.Schedule) error {
	stale, err := db.UpsertSchedules(ctx, []domain.Schedule{s})
	if err == nil && stale[s.ID] {
		err = fmt.Errorf("upsert schedule %s: %w", s.ID, ErrStaleUpdate)
	}
	return err
}

// UpsertSchedules implements ScheduleStore: one statement per 200 schedule
// rows (RETURNING the ones written), then one delete and one multi-row
// insert for the events and for the assignments of every schedule written.
func (db *DB) UpsertSchedules(ctx context.Context, ss []domain.Schedule) (map[string]bool, error) {
	seen := make(map[string]bool, len(ss))
	for _, s := range ss {
		if seen[s.ID] {
			return nil, fmt.Errorf("upsert schedules: schedule %s twice in one batch: %w", s.ID, domain.ErrInvalid)
		}
		seen[s.ID] = true
	}
	stale := make(map[string]bool)
	err := db.inTx(ctx, func(t *DB) error {
		clear(stale)
		written := make(map[string]bool, len(ss))
		for chunk := range slices.Chunk(ss, batchRows) {
			ids, err := t.upsertScheduleRows(ctx, chunk)
			if err != nil {
				return err
			}
			for _, id := range ids {
				written[id] = true
			}
		}
		var schedIDs []string
		// One row per event id: of two schedules listing the same event,
		// the later one has it (as when written one after the other).
		var events []domain.Event
		eventAt := map[string]int{}
		for _, s := range ss {
			if !written[s.ID] {
				stale[s.ID] = true
				continue
			}
			schedIDs = append(schedIDs, s.ID)
			for _, e := range s.Events {
				e.ScheduleID = s.ID
				if i, ok := eventAt[e.ID]; ok {
					events[i] = e
					continue
				}
				eventAt[e.ID] = len(events)
				events = append(events, e)
			}
		}
		return t.replaceEvents(ctx, schedIDs, events)
	})
	if err != nil {
		return nil, err
	}
	return stale, nil
}

// upsertScheduleRows writes schedule rows where they hold newer data (by
// Ashby's time, then by arrival) and returns the ids written.
func (db *DB) upsertScheduleRows(ctx context.Context, ss []domain.Schedule) ([]string, error) {
	q := setStmt{db: db}
	q.sql(`
INSERT INTO interview_schedules (schedule_id, application_id, candidate_id, interview_stage_id,
    interview_plan_id, job_id, status, is_cancelled, created_at, updated_at, source_received_at, source_updated_at)
VALUES `)
	for i, s := range ss {
		now := s.UpdatedAt.UTC()
		if s.UpdatedAt.IsZero() {
			now = time.Now().UTC()
		}
		created := s.CreatedAt
		if created.IsZero() {
			created = now
		}
		source := s.SourceAt
		if source.IsZero() {
			source = now
		}
		if i > 0 {
			q.sql(", ")
		}
		q.row([]any{s.ID, s.ApplicationID, nullStr(s.CandidateID), nullStr(s.InterviewStageID),
			nullStr(s.InterviewPlanID), nullStr(s.JobID), s.Status, s.Cancelled || s.Status == domain.StatusCancelled,
			created.UTC(), now, source.UTC(), utc(s.SourceUpdatedAt)}, nil)
	}
	q.sql(`
ON CONFLICT (schedule_id) DO UPDATE SET
    application_id = excluded.application_id,
    candidate_id = excluded.candidate_id,
    interview_plan_id = CASE WHEN excluded.interview_stage_id = interview_schedules.interview_stage_id
        THEN COALESCE(excluded.interview_plan_id, interview_schedules.interview_plan_id)
        ELSE excluded.interview_plan_id END,
    interview_stage_id = excluded.interview_stage_id,
    job_id = COALESCE(excluded.job_id, interview_schedules.job_id),
    status = excluded.status,
    is_cancelled = excluded.is_cancelled,
    updated_at = excluded.updated_at,
    source_received_at = excluded.source_received_at,
    source_updated_at = excluded.source_updated_at
WHERE interview_schedules.source_received_at IS NULL
    OR CASE
        WHEN interview_schedules.source_updated_at IS NULL OR excluded.source_updated_at IS NULL
            OR interview_schedules.source_updated_at = excluded.source_updated_at
        THEN interview_schedules.source_received_at <= excluded.source_received_at
        ELSE interview_schedules.source_updated_at < excluded.source_updated_at
    END
RETURNING schedule_id`)
	rows, err := db.w.QueryContext(ctx, q.b.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("upsert %d schedules: %w", len(ss), db.mapErr(err))
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("upsert %d schedules: %w", len(ss), db.mapErr(err))
	}
	return ids, nil
}

// deleteIn deletes the rows of table whose col is one of ids, one
// statement per batchRows ids.
func (db *DB) deleteIn(ctx context.Context, table, col string, ids []string) error {
	for chunk := range slices.Chunk(ids, batchRows) {
		q := setStmt{db: db}
		q.sql(`DELETE FROM ` + table + ` WHERE ` + col + ` IN (`)
		q.inList(chunk)
		q.sql(`)`)
		if _, err := db.exec(ctx, q.b.String(), q.args...); err != nil {
			return fmt.Errorf("delete %d from %s: %w", len(chunk), table, err)
		}
	}
	return nil
}

// replaceEvents replaces the events of the schedules and the assignments of
// the events, a few statements for all of them.
func (db *DB) replaceEvents(ctx context.Context, scheduleIDs []string, events []domain.Event) error {
	if err := db.deleteIn(ctx, "interview_events", "schedule_id", scheduleIDs); err != nil {
		return fmt.Errorf("replace events: %w", err)
	}
	for chunk := range slices.Chunk(events, batchRows) {
		q := setStmt{db: db}
		q.sql(`
INSERT INTO interview_events (event_id, schedule_id, interview_id, created_at, updated_at,
    start_time, end_time, feedback_link, location, meeting_link, has_submitted_feedback)
VALUES `)
		for i, e := range chunk {
			if i > 0 {
				q.sql(", ")
			}
			q.row([]any{e.ID, e.ScheduleID, e.InterviewID, utc(e.CreatedAt), utc(e.UpdatedAt), utc(e.StartTime),
				utc(e.EndTime), e.FeedbackLink, e.Location, e.MeetingLink, e.HasSubmittedFeedback}, nil)
		}
		q.sql(`
ON CONFLICT (event_id) DO UPDATE SET schedule_id = excluded.schedule_id,
    interview_id = excluded.interview_id, updated_at = excluded.updated_at,
    start_time = excluded.start_time, end_time = excluded.end_time,
    feedback_link = excluded.feedback_link, location = excluded.location,
    meeting_link = excluded.meeting_link, has_submitted_feedback = excluded.has_submitted_feedback`)
		if _, err := db.exec(ctx, q.b.String(), q.args...); err != nil {
			return fmt.Errorf("insert %d events: %w", len(chunk), err)
		}
	}
	type assignment struct {
		event string
		domain.Assignment
	}
	var as []assignment
	eventIDs := make([]string, 0, len(events))
	for _, e := range events {
		eventIDs = append(eventIDs, e.ID)
		for _, a := range e.Interviewers {
			as = append(as, assignment{e.ID, a})
		}
	}
	// An event moved from another schedule keeps no assignment of its old
	// one (the events of the schedules written went with the delete above).
	if err := db.deleteIn(ctx, "interview_assignments", "event_id", eventIDs); err != nil {
		return fmt.Errorf("replace assignments: %w", err)
	}
	for chunk := range slices.Chunk(as, batchRows) {
		q := setStmt{db: db}
		q.sql(`
INSERT INTO interview_assignments (event_id, interviewer_id, first_name, last_name, email,
    global_role, training_role, is_enabled, is_feedback_required, interviewer_pool_id, interviewer_pool_title)
VALUES `)
		for i, a := range chunk {
			if i > 0 {
				q.sql(", ")
			}
			q.row([]any{a.event, a.InterviewerID, a.FirstName, a.LastName, a.Email, a.GlobalRole,
				a.TrainingRole, a.IsEnabled, a.IsFeedbackRequired, a.PoolID, a.PoolTitle}, nil)
		}
		q.sql(` ON CONFLICT (event_id, interviewer_id) DO NOTHING`)
		if _, err := db.exec(ctx, q.b.String(), q.args...); err != nil {
			return fmt.Errorf("insert %d assignments: %w", len(chunk), err)
		}
	}
	return nil
}

const scheduleCols = `schedule_id, application_id, COALESCE(candidate_id, ''), COALESCE(interview_stage_id, ''),
    COALESCE(interview_plan_id, ''), COALESCE(job_id, ''), status, is_cancelled,
    created_at, updated_at, last_evaluated_for_advancement_at, last_outcome, last_summary, due_at`

func scanSchedule(sc interface{ Scan(...any) error }) (domain.Schedule, error) {
	var s domain.Schedule
	var created, updated, lastEval, due sql.NullTime
	err := sc.Scan(&s.ID, &s.ApplicationID, &s.CandidateID, &s.InterviewStageID, &s.InterviewPlanID,
		&s.JobID, &s.Status, &s.Cancelled, &created, &updated, &lastEval, &s.LastOutcome, &s.LastSummary, &due)
	s.CreatedAt, s.UpdatedAt = timeOf(created), timeOf(updated)
	s.LastEvaluatedAt, s.DueAt = timePtr(lastEval), timePtr(due)
	return s, err
}

// GetSchedule implements ScheduleStore.
func (db *DB) GetSchedule(ctx context.Context, id string) (domain.Schedule, error) {
	s, err := scanSchedule(db.r.QueryRowContext(ctx, `SELECT `+scheduleCols+` FROM interview_schedules WHERE schedule_id = $1`, id))
	if err != nil {
		return domain.Schedule{}, fmt.Errorf("get schedule %s: %w", id, db.mapErr(err))
	}
	events, err := db.loadEvents(ctx, []string{id})
	if err != nil {
		return domain.Schedule{}, err
	}
	s.Events = events[id]
	return s, nil
}

// GetSchedules implements ScheduleStore.
func (db *DB) GetSchedules(ctx context.Context, ids []string) ([]domain.Schedule, error) {
	var out []domain.Schedule
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		ph, args := placeholders(chunk, 1)
		list, err := db.querySchedules(ctx, `SELECT `+scheduleCols+` FROM interview_schedules WHERE schedule_id IN (`+ph+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

// ListSchedulesByApplication implements ScheduleStore.
func (db *DB) ListSchedulesByApplication(ctx context.Context, applicationID string) ([]domain.Schedule, error) {
	return db.querySchedules(ctx, `SELECT `+scheduleCols+` FROM interview_schedules
WHERE application_id = $1 ORDER BY updated_at DESC, schedule_id`, applicationID)
}

func (db *DB) querySchedules(ctx context.Context, q string, args ...any) ([]domain.Schedule, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query schedules: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []domain.Schedule
	var ids []string
	for rows.Next() {
		s, err := scanSchedule(rows)
		if err != nil {
			return nil, fmt.Errorf("scan schedule: %w", db.mapErr(err))
		}
		out = append(out, s)
		ids = append(ids, s.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query schedules: %w", db.mapErr(err))
	}
	if len(ids) == 0 {
		return out, nil
	}
	events, err := db.loadEvents(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Events = events[out[i].ID]
	}
	return out, nil
}

// loadEvents returns events (with interviewers) keyed by schedule id.
func (db *DB) loadEvents(ctx context.Context, scheduleIDs []string) (map[string][]domain.Event, error) {
	out := make(map[string][]domain.Event, len(scheduleIDs))
	for start := 0; start < len(scheduleIDs); start += 500 {
		chunk := scheduleIDs[start:min(start+500, len(scheduleIDs))]
		ph, args := placeholders(chunk, 1)
		rows, err := db.r.QueryContext(ctx, `
SELECT e.event_id, e.schedule_id, e.interview_id, e.start_time, e.end_time, e.feedback_link,
    e.location, e.meeting_link, e.has_submitted_feedback, e.created_at, e.updated_at,
    a.interviewer_id, a.first_name, a.last_name, a.email, a.global_role, a.training_role,
    a.is_enabled, a.is_feedback_required, a.interviewer_pool_id, a.interviewer_pool_title
FROM interview_events e LEFT JOIN interview_assignments a ON a.event_id = e.event_id
WHERE e.schedule_id IN (`+ph+`)
ORDER BY e.schedule_id, e.start_time, e.event_id, a.interviewer_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("load events: %w", db.mapErr(err))
		}
		idx := map[string]int{}
		for rows.Next() {
			var e domain.Event
			var start, end, created, updated sql.NullTime
			var iid, fn, ln, email, grole, trole, poolID, poolTitle sql.NullString
			var enabled, required sql.NullBool
			if err := rows.Scan(&e.ID, &e.ScheduleID, &e.InterviewID, &start, &end, &e.FeedbackLink,
				&e.Location, &e.MeetingLink, &e.HasSubmittedFeedback, &created, &updated,
				&iid, &fn, &ln, &email, &grole, &trole, &enabled, &required, &poolID, &poolTitle); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan event: %w", db.mapErr(err))
			}
			e.StartTime, e.EndTime, e.CreatedAt, e.UpdatedAt = timeOf(start), timeOf(end), timeOf(created), timeOf(updated)
			evs := out[e.ScheduleID]
			i, ok := idx[e.ID]
			if !ok {
				evs = append(evs, e)
				i = len(evs) - 1
				idx[e.ID] = i
			}
			if iid.Valid {
				evs[i].Interviewers = append(evs[i].Interviewers, domain.Assignment{
					EventID: e.ID, InterviewerID: iid.String, FirstName: fn.String, LastName: ln.String,
					Email: email.String, GlobalRole: grole.String, TrainingRole: trole.String,
					IsEnabled: enabled.Bool, IsFeedbackRequired: required.Bool,
					PoolID: poolID.String, PoolTitle: poolTitle.String,
				})
			}
			out[e.ScheduleID] = evs
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("load events: %w", db.mapErr(err))
		}
	}
	return out, nil
}

// placeholders returns "$n, $n+1, ..." for vals and the args.
func placeholders(vals []string, first int) (string, []any) {
	var b strings.Builder
	args := make([]any, len(vals))
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", first+i)
		args[i] = v
	}
	return b.String(), args
}

// SetScheduleMeta implements ScheduleStore.
func (db *DB) SetScheduleMeta(ctx context.Context, scheduleID, planID, jobID string) error {
	res, err := db.exec(ctx, `UPDATE interview_schedules
SET interview_plan_id = COALESCE($2, interview_plan_id), job_id = COALESCE($3, job_id)
WHERE schedule_id = $1`, scheduleID, nullStr(planID), nullStr(jobID))
	if err != nil {
		return fmt.Errorf("set schedule meta %s: %w", scheduleID, err)
	}
	return affectedOne(res, "schedule "+scheduleID)
}

func affectedOne(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	}
	return nil
}

// RecordEvaluation implements ScheduleStore: a batch of one.
func (db *DB) RecordEvaluation(ctx context.Context, p EvaluationStamp) error {
	return db.RecordEvaluations(ctx, []EvaluationStamp{p})
}

// TouchSchedulesByApplication implements ScheduleStore.
func (db *DB) TouchSchedulesByApplication(ctx context.Context, applicationID string, at time.Time) ([]string, error) {
	if _, err := db.exec(ctx, `UPDATE interview_schedules SET updated_at = $2
WHERE application_id = $1 AND is_cancelled = FALSE`, applicationID, at.UTC()); err != nil {
		return nil, fmt.Errorf("touch schedules of %s: %w", applicationID, err)
	}
	rows, err := db.w.QueryContext(ctx, `SELECT schedule_id FROM interview_schedules
WHERE application_id = $1 AND is_cancelled = FALSE ORDER BY schedule_id`, applicationID)
	if err != nil {
		return nil, fmt.Errorf("list schedules of %s: %w", applicationID, db.mapErr(err))
	}
	return scanStrings(rows)
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ListOpenSchedules implements ScheduleStore.
func (db *DB) ListOpenSchedules(ctx context.Context, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 100000
	}
	ph, args := placeholders(finalOutcomes, 1)
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, `SELECT schedule_id FROM interview_schedules
WHERE is_cancelled = FALSE AND (last_outcome NOT IN (`+ph+`)
    OR last_evaluated_for_advancement_at IS NULL OR updated_at > last_evaluated_for_advancement_at)
ORDER BY updated_at, schedule_id LIMIT $`+fmt.Sprint(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list open schedules: %w", db.mapErr(err))
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("list open schedules: %w", db.mapErr(err))
	}
	return ids, nil
}

// ListOpenApplications implements ScheduleStore.
func (db *DB) ListOpenApplications(ctx context.Context) ([]string, error) {
	ph, args := placeholders(finalOutcomes, 1)
	rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT application_id FROM interview_schedules
WHERE is_cancelled = FALSE AND last_outcome NOT IN (`+ph+`) ORDER BY application_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list open applications: %w", db.mapErr(err))
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("list open applications: %w", db.mapErr(err))
	}
	sort.Strings(ids)
	return ids, nil
}

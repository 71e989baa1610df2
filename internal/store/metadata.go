package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// MetadataStore caches Ashby metadata.
type MetadataStore interface {
	UpsertJob(ctx context.Context, j domain.Job, at time.Time) error
	ListJobs(ctx context.Context, openOnly bool) ([]domain.Job, error)
	GetJob(ctx context.Context, id string) (domain.Job, error)
	UpsertPlan(ctx context.Context, p domain.Plan, at time.Time) error
	ListPlansForJob(ctx context.Context, jobID string) ([]domain.Plan, error)
	ListPlans(ctx context.Context) ([]domain.Plan, error)
	// UpsertStages writes a plan's stages.
	UpsertStages(ctx context.Context, planID string, stages []domain.Stage, at time.Time) error
	GetStage(ctx context.Context, id string) (domain.Stage, error)
	// ListStages returns a plan's stages ordered by their order in the plan.
	ListStages(ctx context.Context, planID string) ([]domain.Stage, error)
	UpsertInterview(ctx context.Context, iv domain.Interview, at time.Time) error
	GetInterview(ctx context.Context, id string) (domain.Interview, error)
	ListInterviews(ctx context.Context, jobID string) ([]domain.Interview, error)
	UpsertForm(ctx context.Context, f domain.Form, at time.Time) error
	GetForm(ctx context.Context, id string) (domain.Form, error)
	UpsertArchiveReason(ctx context.Context, r domain.ArchiveReason, at time.Time) error
	ListArchiveReasons(ctx context.Context) ([]domain.ArchiveReason, error)
	UpsertAshbyUser(ctx context.Context, u domain.AshbyUser, at time.Time) error
	GetAshbyUser(ctx context.Context, id string) (domain.AshbyUser, error)
	UpsertApplication(ctx context.Context, a domain.Application) error
	GetApplication(ctx context.Context, id string) (domain.Application, error)
	// GetApplications returns the cached applications with these ids
	// (missing ones are left out), one query per 500.
	GetApplications(ctx context.Context, ids []string) ([]domain.Application, error)
	// MetadataCounts counts jobs, plans and stages and the last job sync.
	MetadataCounts(ctx context.Context) (MetadataCounts, error)
}

// MetadataCounts summarises the metadata caches for /health.
type MetadataCounts struct {
	Jobs       int        `json:"jobs"`
	Plans      int        `json:"plans"`
	Stages     int        `json:"stages"`
	LastSynced *time.Time `json:"last_synced"`
}

// UpsertJob implements MetadataStore; it also records the job's plans.
func (db *DB) UpsertJob(ctx context.Context, j domain.Job, at time.Time) error {
	return db.inTx(ctx, func(t *DB) error {
		if _, err := t.exec(ctx, `
INSERT INTO jobs (job_id, title, status, department_id, default_interview_plan_id, location_name,
    employment_type, created_at, updated_at, synced_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)
ON CONFLICT (job_id) DO UPDATE SET title = excluded.title, status = excluded.status,
    department_id = excluded.department_id, default_interview_plan_id = excluded.default_interview_plan_id,
    location_name = excluded.location_name, employment_type = excluded.employment_type,
    updated_at = excluded.updated_at, synced_at = excluded.synced_at`,
			j.ID, j.Title, j.Status, nullStr(j.DepartmentID), nullStr(j.DefaultInterviewPlanID), j.LocationName,
			j.EmploymentType, at.UTC()); err != nil {
			return fmt.Errorf("upsert job %s: %w", j.ID, err)
		}
		if j.PlanIDs == nil {
			return nil
		}
		if _, err := t.exec(ctx, `DELETE FROM job_interview_plans WHERE job_id = $1`, j.ID); err != nil {
			return fmt.Errorf("replace plans of job %s: %w", j.ID, err)
		}
		for _, pid := range j.PlanIDs {
			if _, err := t.exec(ctx, `INSERT INTO job_interview_plans (job_id, interview_plan_id, is_default)
VALUES ($1, $2, $3) ON CONFLICT (job_id, interview_plan_id) DO NOTHING`, j.ID, pid, pid == j.DefaultInterviewPlanID); err != nil {
				return fmt.Errorf("link plan %s to job %s: %w", pid, j.ID, err)
			}
		}
		return nil
	})
}

const jobCols = `job_id, title, status, COALESCE(department_id, ''), COALESCE(default_interview_plan_id, ''),
    location_name, employment_type, synced_at`

func scanJob(sc interface{ Scan(...any) error }) (domain.Job, error) {
	var j domain.Job
	var synced sql.NullTime
	err := sc.Scan(&j.ID, &j.Title, &j.Status, &j.DepartmentID, &j.DefaultInterviewPlanID, &j.LocationName, &j.EmploymentType, &synced)
	j.SyncedAt = timeOf(synced)
	return j, err
}

// ListJobs implements MetadataStore.
func (db *DB) ListJobs(ctx context.Context, openOnly bool) ([]domain.Job, error) {
	q := `SELECT ` + jobCols + ` FROM jobs`
	if openOnly {
		q += ` WHERE status = 'Open'`
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY title, job_id`)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", db.mapErr(err))
	}
	defer rows.Close()
	out := []domain.Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("scan job: %w", db.mapErr(err))
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// GetJob implements MetadataStore.
func (db *DB) GetJob(ctx context.Context, id string) (domain.Job, error) {
	j, err := scanJob(db.r.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE job_id = $1`, id))
	if err != nil {
		return domain.Job{}, fmt.Errorf("get job %s: %w", id, db.mapErr(err))
	}
	return j, nil
}

// UpsertPlan implements MetadataStore.
func (db *DB) UpsertPlan(ctx context.Context, p domain.Plan, at time.Time) error {
	if _, err := db.exec(ctx, `
INSERT INTO interview_plans (interview_plan_id, title, is_archived, created_at, updated_at, synced_at)
VALUES ($1, $2, $3, $4, $4, $4)
ON CONFLICT (interview_plan_id) DO UPDATE SET title = excluded.title, is_archived = excluded.is_archived,
    updated_at = excluded.updated_at, synced_at = excluded.synced_at`, p.ID, p.Title, p.IsArchived, at.UTC()); err != nil {
		return fmt.Errorf("upsert plan %s: %w", p.ID, err)
	}
	return nil
}

// ListPlansForJob implements MetadataStore.
func (db *DB) ListPlansForJob(ctx context.Context, jobID string) ([]domain.Plan, error) {
	return db.queryPlans(ctx, `SELECT p.interview_plan_id, p.title, p.is_archived, jp.is_default
FROM job_interview_plans jp JOIN interview_plans p ON p.interview_plan_id = jp.interview_plan_id
WHERE jp.job_id = $1 ORDER BY jp.is_default DESC, p.title`, jobID)
}

// ListPlans implements MetadataStore.
func (db *DB) ListPlans(ctx context.Context) ([]domain.Plan, error) {
	return db.queryPlans(ctx, `SELECT interview_plan_id, title, is_archived, FALSE FROM interview_plans ORDER BY title, interview_plan_id`)
}

func (db *DB) queryPlans(ctx context.Context, q string, args ...any) ([]domain.Plan, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", db.mapErr(err))
	}
	defer rows.Close()
	out := []domain.Plan{}
	for rows.Next() {
		var p domain.Plan
		if err := rows.Scan(&p.ID, &p.Title, &p.IsArchived, &p.IsDefault); err != nil {
			return nil, fmt.Errorf("scan plan: %w", db.mapErr(err))
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// UpsertStages implements MetadataStore.
func (db *DB) UpsertStages(ctx context.Context, planID string, stages []domain.Stage, at time.Time) error {
	return db.inTx(ctx, func(t *DB) error {
		for _, s := range stages {
			if _, err := t.exec(ctx, `
INSERT INTO interview_stages (interview_stage_id, interview_plan_id, title, type, order_in_plan, synced_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (interview_stage_id) DO UPDATE SET interview_plan_id = excluded.interview_plan_id,
    title = excluded.title, type = excluded.type, order_in_plan = excluded.order_in_plan, synced_at = excluded.synced_at`,
				s.ID, planID, s.Title, s.Type, s.Order, at.UTC()); err != nil {
				return fmt.Errorf("upsert stage %s: %w", s.ID, err)
			}
		}
		return nil
	})
}

// GetStage implements MetadataStore.
func (db *DB) GetStage(ctx context.Context, id string) (domain.Stage, error) {
	var s domain.Stage
	err := db.r.QueryRowContext(ctx, `SELECT interview_stage_id, interview_plan_id, title, type, order_in_plan
FROM interview_stages WHERE interview_stage_id = $1`, id).Scan(&s.ID, &s.PlanID, &s.Title, &s.Type, &s.Order)
	if err != nil {
		return domain.Stage{}, fmt.Errorf("get stage %s: %w", id, db.mapErr(err))
	}
	return s, nil
}

// ListStages implements MetadataStore.
func (db *DB) ListStages(ctx context.Context, planID string) ([]domain.Stage, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT interview_stage_id, interview_plan_id, title, type, order_in_plan
FROM interview_stages WHERE interview_plan_id = $1 ORDER BY order_in_plan, interview_stage_id`, planID)
	if err != nil {
		return nil, fmt.Errorf("list stages of %s: %w", planID, db.mapErr(err))
	}
	defer rows.Close()
	out := []domain.Stage{}
	for rows.Next() {
		var s domain.Stage
		if err := rows.Scan(&s.ID, &s.PlanID, &s.Title, &s.Type, &s.Order); err != nil {
			return nil, fmt.Errorf("scan stage: %w", db.mapErr(err))
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// UpsertInterview implements MetadataStore.
func (db *DB) UpsertInterview(ctx context.Context, iv domain.Interview, at time.Time) error {
	if _, err := db.exec(ctx, `
INSERT INTO interviews (interview_id, title, is_archived, is_debrief, job_id, feedback_form_definition_id, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (interview_id) DO UPDATE SET title = excluded.title, is_archived = excluded.is_archived,
    is_debrief = excluded.is_debrief, job_id = excluded.job_id,
    feedback_form_definition_id = excluded.feedback_form_definition_id, updated_at = excluded.updated_at`,
		iv.ID, iv.Title, iv.IsArchived, iv.IsDebrief, nullStr(iv.JobID), nullStr(iv.FormID), at.UTC()); err != nil {
		return fmt.Errorf("upsert interview %s: %w", iv.ID, err)
	}
	return nil
}

const interviewCols = `interview_id, title, COALESCE(job_id, ''), COALESCE(feedback_form_definition_id, ''), is_archived, is_debrief`

// GetInterview implements MetadataStore.
func (db *DB) GetInterview(ctx context.Context, id string) (domain.Interview, error) {
	var iv domain.Interview
	err := db.r.QueryRowContext(ctx, `SELECT `+interviewCols+` FROM interviews WHERE interview_id = $1`, id).
		Scan(&iv.ID, &iv.Title, &iv.JobID, &iv.FormID, &iv.IsArchived, &iv.IsDebrief)
	if err != nil {
		return domain.Interview{}, fmt.Errorf("get interview %s: %w", id, db.mapErr(err))
	}
	return iv, nil
}

// ListInterviews implements MetadataStore; an empty jobID lists all.
func (db *DB) ListInterviews(ctx context.Context, jobID string) ([]domain.Interview, error) {
	q := `SELECT ` + interviewCols + ` FROM interviews`
	var args []any
	if jobID != "" {
		q += ` WHERE job_id = $1`
		args = append(args, jobID)
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY title, interview_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list interviews: %w", db.mapErr(err))
	}
	defer rows.Close()
	out := []domain.Interview{}
	for rows.Next() {
		var iv domain.Interview
		if err := rows.Scan(&iv.ID, &iv.Title, &iv.JobID, &iv.FormID, &iv.IsArchived, &iv.IsDebrief); err != nil {
			return nil, fmt.Errorf("scan interview: %w", db.mapErr(err))
		}
		out = append(out, iv)
	}
	return out, rows.Err()
}

// UpsertForm implements MetadataStore.
func (db *DB) UpsertForm(ctx context.Context, f domain.Form, at time.Time) error {
	if _, err := db.exec(ctx, `
INSERT INTO feedback_form_definitions (form_definition_id, title, definition, is_archived, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (form_definition_id) DO UPDATE SET title = excluded.title, definition = excluded.definition,
    is_archived = excluded.is_archived, updated_at = excluded.updated_at`,
		f.ID, f.Title, string(f.Definition), f.IsArchived, at.UTC()); err != nil {
		return fmt.Errorf("upsert form %s: %w", f.ID, err)
	}
	return nil
}

// GetForm implements MetadataStore.
func (db *DB) GetForm(ctx context.Context, id string) (domain.Form, error) {
	var f domain.Form
	var def string
	err := db.r.QueryRowContext(ctx, `SELECT form_definition_id, title, definition, is_archived
FROM feedback_form_definitions WHERE form_definition_id = $1`, id).Scan(&f.ID, &f.Title, &def, &f.IsArchived)
	if err != nil {
		return domain.Form{}, fmt.Errorf("get form %s: %w", id, db.mapErr(err))
	}
	f.Definition = []byte(def)
	return f, nil
}

// UpsertArchiveReason implements MetadataStore.
func (db *DB) UpsertArchiveReason(ctx context.Context, r domain.ArchiveReason, at time.Time) error {
	if _, err := db.exec(ctx, `
INSERT INTO archive_reasons (archive_reason_id, text, reason_type, is_archived, synced_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (archive_reason_id) DO UPDATE SET text = excluded.text, reason_type = excluded.reason_type,
    is_archived = excluded.is_archived, synced_at = excluded.synced_at`, r.ID, r.Text, r.ReasonType, r.IsArchived, at.UTC()); err != nil {
		return fmt.Errorf("upsert archive reason %s: %w", r.ID, err)
	}
	return nil
}

// ListArchiveReasons implements MetadataStore.
func (db *DB) ListArchiveReasons(ctx context.Context) ([]domain.ArchiveReason, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT archive_reason_id, text, reason_type, is_archived FROM archive_reasons ORDER BY text, archive_reason_id`)
	if err != nil {
		return nil, fmt.Errorf("list archive reasons: %w", db.mapErr(err))
	}
	defer rows.Close()
	out := []domain.ArchiveReason{}
	for rows.Next() {
		var r domain.ArchiveReason
		if err := rows.Scan(&r.ID, &r.Text, &r.ReasonType, &r.IsArchived); err != nil {
			return nil, fmt.Errorf("scan archive reason: %w", db.mapErr(err))
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpsertAshbyUser implements MetadataStore.
func (db *DB) UpsertAshbyUser(ctx context.Context, u domain.AshbyUser, at time.Time) error {
	if _, err := db.exec(ctx, `
INSERT INTO ashby_users (user_id, first_name, last_name, email, global_role, is_enabled, synced_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
    email = excluded.email, global_role = excluded.global_role, is_enabled = excluded.is_enabled,
    synced_at = excluded.synced_at`, u.ID, u.FirstName, u.LastName, u.Email, u.GlobalRole, u.IsEnabled, at.UTC()); err != nil {
		return fmt.Errorf("upsert ashby user %s: %w", u.ID, err)
	}
	return nil
}

// GetAshbyUser implements MetadataStore.
func (db *DB) GetAshbyUser(ctx context.Context, id string) (domain.AshbyUser, error) {
	var u domain.AshbyUser
	err := db.r.QueryRowContext(ctx, `SELECT user_id, first_name, last_name, email, global_role, is_enabled
FROM ashby_users WHERE user_id = $1`, id).Scan(&u.ID, &u.FirstName, &u.LastName, &u.Email, &u.GlobalRole, &u.IsEnabled)
	if err != nil {
		return domain.AshbyUser{}, fmt.Errorf("get ashby user %s: %w", id, db.mapErr(err))
	}
	return u, nil
}

// UpsertApplication implements MetadataStore: a batch of one.
func (db *DB) UpsertApplication(ctx context.Context, a domain.Application) error {
	return db.UpsertApplications(ctx, []domain.Application{a})
}

// GetApplication implements MetadataStore.
func (db *DB) GetApplication(ctx context.Context, id string) (domain.Application, error) {
	a, err := scanApplication(db.r.QueryRowContext(ctx, `SELECT `+applicationCols+` FROM applications WHERE application_id = $1`, id))
	if err != nil {
		return domain.Application{}, fmt.Errorf("get application %s: %w", id, db.mapErr(err))
	}
	return a, nil
}

// GetApplications implements MetadataStore.
func (db *DB) GetApplications(ctx context.Context, ids []string) ([]domain.Application, error) {
	apps, err := queryIn(ctx, db, `SELECT `+applicationCols+` FROM applications WHERE application_id`, ids, scanApplication)
	if err != nil {
		return nil, fmt.Errorf("get applications: %w", err)
	}
	return apps, nil
}

const applicationCols = `application_id, candidate_id, job_id, current_stage_id, status, candidate_name, profile_url,
    recruiter_email, updated_at`

func scanApplication(sc interface{ Scan(...any) error }) (domain.Application, error) {
	var a domain.Application
	var updated sql.NullTime
	err := sc.Scan(&a.ID, &a.CandidateID, &a.JobID, &a.CurrentStageID, &a.Status, &a.CandidateName, &a.ProfileURL,
		&a.RecruiterEmail, &updated)
	a.UpdatedAt = timeOf(updated)
	return a, err
}

// MetadataCounts implements MetadataStore.
func (db *DB) MetadataCounts(ctx context.Context) (MetadataCounts, error) {
	var c MetadataCounts
	var last sql.NullTime
	err := db.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM jobs), (SELECT COUNT(*) FROM interview_plans),
    (SELECT COUNT(*) FROM interview_stages)`).Scan(&c.Jobs, &c.Plans, &c.Stages)
	if err != nil {
		return MetadataCounts{}, fmt.Errorf("count metadata: %w", db.mapErr(err))
	}
	// A plain column keeps its declared type on SQLite (MAX() would not).
	err = db.r.QueryRowContext(ctx, `SELECT synced_at FROM jobs ORDER BY synced_at DESC LIMIT 1`).Scan(&last)
	if err != nil && err != sql.ErrNoRows {
		return MetadataCounts{}, fmt.Errorf("last job sync: %w", db.mapErr(err))
	}
	c.LastSynced = timePtr(last)
	return c, nil
}

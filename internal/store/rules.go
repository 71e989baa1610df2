package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/google/uuid"
)

// RuleStore keeps advancement rules with their requirements and actions.
type RuleStore interface {
	// CreateRule stores a new rule (ids generated when empty). A second
	// active rule with the same scope is domain.ErrConflict.
	CreateRule(ctx context.Context, r domain.Rule) (domain.Rule, error)
	// GetRule returns one rule.
	GetRule(ctx context.Context, id string) (domain.Rule, error)
	// ListRules returns rules, newest first.
	ListRules(ctx context.Context, activeOnly bool) ([]domain.Rule, error)
	// ListRulesForStage returns the active rules of one plan stage.
	ListRulesForStage(ctx context.Context, planID, stageID string) ([]domain.Rule, error)
	// UpdateRule replaces a rule's fields and requirements and bumps its
	// version. It is a compare-and-set: r.Version is the version the caller
	// read, and a rule changed meanwhile is domain.ErrConflict (a missing
	// rule is domain.ErrNotFound).
	UpdateRule(ctx context.Context, r domain.Rule) (domain.Rule, error)
}

// NewID returns a new random id.
func NewID() string { return uuid.NewString() }

// CreateRule implements RuleStore.
func (db *DB) CreateRule(ctx context.Context, r domain.Rule) (domain.Rule, error) {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	r.CreatedAt = r.CreatedAt.UTC()
	r.UpdatedAt = r.CreatedAt
	if r.Version == 0 {
		r.Version = 1
	}
	defaultRule(&r)
	err := db.inTx(ctx, func(t *DB) error {
		if _, err := t.exec(ctx, `
INSERT INTO advancement_rules (rule_id, name, job_id, interview_plan_id, interview_stage_id, target_stage_id,
    is_active, mode, on_reject, priority, version, archive_reason_id, communication_template_id,
    notify_in_shadow, timeout_days, min_wait_minutes, created_at, updated_at,
    reject_delay_seconds, act_in_work_hours, notify_on_advance)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19, $20)`,
			r.ID, r.Name, nullStr(r.JobID), r.InterviewPlanID, r.InterviewStageID, nullStr(r.TargetStageID),
			r.Active, r.Mode, r.OnReject, r.Priority, r.Version, r.ArchiveReasonID, r.CommunicationTemplateID,
			r.NotifyInShadow, r.TimeoutDays, r.MinWaitMinutes, r.CreatedAt,
			int64(r.RejectDelay/time.Second), r.ActInWorkHours, r.NotifyOnAdvance); err != nil {
			return fmt.Errorf("insert rule: %w", err)
		}
		return t.writeRuleChildren(ctx, &r)
	})
	if err != nil {
		return domain.Rule{}, err
	}
	return r, nil
}

func defaultRule(r *domain.Rule) {
	if r.Mode == "" {
		r.Mode = domain.ModeShadow
	}
	if r.OnReject == "" {
		r.OnReject = domain.OnRejectNotify
	}
	for i := range r.Requirements {
		if r.Requirements[i].Aggregate == "" {
			r.Requirements[i].Aggregate = domain.AggEach
		}
	}
}

func (db *DB) writeRuleChildren(ctx context.Context, r *domain.Rule) error {
	if _, err := db.exec(ctx, `DELETE FROM advancement_rule_requirements WHERE rule_id = $1`, r.ID); err != nil {
		return fmt.Errorf("replace requirements: %w", err)
	}
	if _, err := db.exec(ctx, `DELETE FROM advancement_rule_actions WHERE rule_id = $1`, r.ID); err != nil {
		return fmt.Errorf("replace actions: %w", err)
	}
	for i := range r.Requirements {
		q := &r.Requirements[i]
		if q.ID == "" {
			q.ID = NewID()
		}
		q.RuleID, q.Position = r.ID, i
		if q.CreatedAt.IsZero() {
			q.CreatedAt = r.UpdatedAt
		}
		if _, err := db.exec(ctx, `
INSERT INTO advancement_rule_requirements (requirement_id, rule_id, interview_id, score_field_path,
    operator, threshold_value, aggregate, is_required, position, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			q.ID, r.ID, q.InterviewID, q.FieldPath, q.Operator, q.Threshold, q.Aggregate, q.Required, i, q.CreatedAt.UTC()); err != nil {
			return fmt.Errorf("insert requirement: %w", err)
		}
	}
	for i := range r.Actions {
		a := &r.Actions[i]
		if a.ID == "" {
			a.ID = NewID()
		}
		a.RuleID = r.ID
		if a.CreatedAt.IsZero() {
			a.CreatedAt = r.UpdatedAt
		}
		var cfg any
		if len(a.ActionConfig) > 0 && string(a.ActionConfig) != "null" {
			cfg = string(a.ActionConfig)
		}
		if _, err := db.exec(ctx, `
INSERT INTO advancement_rule_actions (action_id, rule_id, action_type, action_config, execution_order, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`, a.ID, r.ID, a.ActionType, cfg, a.ExecutionOrder, a.CreatedAt.UTC()); err != nil {
			return fmt.Errorf("insert action: %w", err)
		}
	}
	return nil
}

const ruleCols = `rule_id, name, COALESCE(job_id, ''), interview_plan_id, interview_stage_id,
    COALESCE(target_stage_id, ''), is_active, mode, on_reject, priority, version, archive_reason_id,
    communication_template_id, notify_in_shadow, timeout_days, min_wait_minutes, created_at, updated_at,
    reject_delay_seconds, act_in_work_hours, notify_on_advance`

// GetRule implements RuleStore.
func (db *DB) GetRule(ctx context.Context, id string) (domain.Rule, error) {
	rules, err := db.queryRules(ctx, `SELECT `+ruleCols+` FROM advancement_rules WHERE rule_id = $1`, id)
	if err != nil {
		return domain.Rule{}, err
	}
	if len(rules) == 0 {
		return domain.Rule{}, fmt.Errorf("rule %s: %w", id, domain.ErrNotFound)
	}
	return rules[0], nil
}

// ListRules implements RuleStore.
func (db *DB) ListRules(ctx context.Context, activeOnly bool) ([]domain.Rule, error) {
	q := `SELECT ` + ruleCols + ` FROM advancement_rules`
	if activeOnly {
		q += ` WHERE is_active`
	}
	return db.queryRules(ctx, q+` ORDER BY created_at DESC, rule_id`)
}

// ListRulesForStage implements RuleStore.
func (db *DB) ListRulesForStage(ctx context.Context, planID, stageID string) ([]domain.Rule, error) {
	return db.queryRules(ctx, `SELECT `+ruleCols+` FROM advancement_rules
WHERE interview_plan_id = $1 AND interview_stage_id = $2 AND is_active ORDER BY created_at, rule_id`, planID, stageID)
}

func (db *DB) queryRules(ctx context.Context, q string, args ...any) ([]domain.Rule, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query rules: %w", db.mapErr(err))
	}
	var out []domain.Rule
	idx := map[string]int{}
	for rows.Next() {
		var r domain.Rule
		var created, updated sql.NullTime
		var delay int64
		if err := rows.Scan(&r.ID, &r.Name, &r.JobID, &r.InterviewPlanID, &r.InterviewStageID, &r.TargetStageID,
			&r.Active, &r.Mode, &r.OnReject, &r.Priority, &r.Version, &r.ArchiveReasonID, &r.CommunicationTemplateID,
			&r.NotifyInShadow, &r.TimeoutDays, &r.MinWaitMinutes, &created, &updated,
			&delay, &r.ActInWorkHours, &r.NotifyOnAdvance); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan rule: %w", db.mapErr(err))
		}
		r.CreatedAt, r.UpdatedAt = timeOf(created), timeOf(updated)
		r.RejectDelay = time.Duration(delay) * time.Second
		idx[r.ID] = len(out)
		out = append(out, r)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("query rules: %w", db.mapErr(err))
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, len(out))
	for i, r := range out {
		ids[i] = r.ID
	}
	ph, qargs := placeholders(ids, 1)
	rows, err = db.r.QueryContext(ctx, `SELECT requirement_id, rule_id, interview_id, score_field_path, operator,
    threshold_value, aggregate, is_required, position, created_at
FROM advancement_rule_requirements WHERE rule_id IN (`+ph+`) ORDER BY rule_id, position, created_at`, qargs...)
	if err != nil {
		return nil, fmt.Errorf("query requirements: %w", db.mapErr(err))
	}
	for rows.Next() {
		var q domain.Requirement
		var created sql.NullTime
		if err := rows.Scan(&q.ID, &q.RuleID, &q.InterviewID, &q.FieldPath, &q.Operator, &q.Threshold,
			&q.Aggregate, &q.Required, &q.Position, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan requirement: %w", db.mapErr(err))
		}
		q.CreatedAt = timeOf(created)
		out[idx[q.RuleID]].Requirements = append(out[idx[q.RuleID]].Requirements, q)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("query requirements: %w", db.mapErr(err))
	}
	rows, err = db.r.QueryContext(ctx, `SELECT action_id, rule_id, action_type, COALESCE(action_config, ''),
    execution_order, created_at
FROM advancement_rule_actions WHERE rule_id IN (`+ph+`) ORDER BY rule_id, execution_order, created_at`, qargs...)
	if err != nil {
		return nil, fmt.Errorf("query actions: %w", db.mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var a domain.Action
		var cfg string
		var created sql.NullTime
		if err := rows.Scan(&a.ID, &a.RuleID, &a.ActionType, &cfg, &a.ExecutionOrder, &created); err != nil {
			return nil, fmt.Errorf("scan action: %w", db.mapErr(err))
		}
		if cfg != "" {
			a.ActionConfig = []byte(cfg)
		}
		a.CreatedAt = timeOf(created)
		out[idx[a.RuleID]].Actions = append(out[idx[a.RuleID]].Actions, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query actions: %w", db.mapErr(err))
	}
	return out, nil
}

// UpdateRule implements RuleStore.
func (db *DB) UpdateRule(ctx context.Context, r domain.Rule) (domain.Rule, error) {
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = time.Now()
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	defaultRule(&r)
	read := r.Version
	err := db.inTx(ctx, func(t *DB) error {
		// The version in the WHERE clause makes this the compare-and-set: on
		// Postgres a concurrent writer waits for the row lock and then finds
		// the version moved on.
		res, err := t.exec(ctx, `UPDATE advancement_rules SET name = $2, job_id = $3, interview_plan_id = $4,
    interview_stage_id = $5, target_stage_id = $6, is_active = $7, mode = $8, on_reject = $9, priority = $10,
    version = version + 1, archive_reason_id = $11, communication_template_id = $12, notify_in_shadow = $13,
    timeout_days = $14, min_wait_minutes = $15, updated_at = $16, reject_delay_seconds = $18,
    act_in_work_hours = $19, notify_on_advance = $20
WHERE rule_id = $1 AND version = $17`, r.ID, r.Name, nullStr(r.JobID), r.InterviewPlanID, r.InterviewStageID, nullStr(r.TargetStageID),
			r.Active, r.Mode, r.OnReject, r.Priority, r.ArchiveReasonID, r.CommunicationTemplateID,
			r.NotifyInShadow, r.TimeoutDays, r.MinWaitMinutes, r.UpdatedAt, read,
			int64(r.RejectDelay/time.Second), r.ActInWorkHours, r.NotifyOnAdvance)
		if err != nil {
			return fmt.Errorf("update rule %s: %w", r.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update rule %s: %w", r.ID, err)
		} else if n == 0 {
			var now int
			if err := t.w.QueryRowContext(ctx, `SELECT version FROM advancement_rules WHERE rule_id = $1`, r.ID).Scan(&now); err != nil {
				return fmt.Errorf("rule %s: %w", r.ID, t.mapErr(err))
			}
			return fmt.Errorf("rule %s is at version %d, not %d: %w", r.ID, now, read, domain.ErrConflict)
		}
		r.Version = read + 1
		return t.writeRuleChildren(ctx, &r)
	})
	if err != nil {
		return domain.Rule{}, err
	}
	return db.GetRule(ctx, r.ID)
}

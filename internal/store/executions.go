package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// ExecutionStore keeps the audit trail of decisions (advancement_executions).
type ExecutionStore interface {
	// InsertExecution records a decision. When e has a claim key already
	// taken, it returns domain.ErrConflict and writes nothing: that is how a
	// live action is claimed exactly once.
	InsertExecution(ctx context.Context, e domain.Execution, claimKey string) (domain.Execution, error)
	// ClaimExecution records a decision unless its claim key is taken
	// (INSERT ... ON CONFLICT DO NOTHING, safe inside a transaction on
	// both backends); it returns the row holding the key and whether this
	// call created it.
	ClaimExecution(ctx context.Context, e domain.Execution, claimKey string) (domain.Execution, bool, error)
	// GetExecution returns one execution.
	GetExecution(ctx context.Context, id string) (domain.Execution, error)
	// GetExecutionByClaim returns the execution holding a claim key.
	GetExecutionByClaim(ctx context.Context, claimKey string) (domain.Execution, error)
	// UpdateExecutionStatus moves an execution to a new status. With
	// fromStatus set, it only changes a row still in that status and returns
	// domain.ErrConflict otherwise (compare-and-set).
	UpdateExecutionStatus(ctx context.Context, p ExecutionUpdate) error
	// ListExecutions returns executions, newest first.
	ListExecutions(ctx context.Context, f ExecutionFilter) ([]domain.Execution, error)
	// TakeOverExecution claims a pending execution (after its worker
	// stopped, or to fence the next step of its own worker): it succeeds
	// only if the row is still pending with the given updated_at, and then
	// stamps it with now (returned as stored) and, when reason is not
	// empty, sets failure_reason. Otherwise it is domain.ErrConflict.
	TakeOverExecution(ctx context.Context, id string, seenUpdatedAt, now time.Time, reason string) (time.Time, error)
	// CountExecutions counts executions by status and mode since a time.
	CountExecutions(ctx context.Context, since time.Time) ([]ExecutionCount, error)
}

// ExecutionUpdate changes the status of an execution.
type ExecutionUpdate struct {
	ID            string
	FromStatus    string // optional compare-and-set
	Status        string
	FailureReason string
	ExecutedBy    string // empty keeps the stored value
	At            time.Time
	// ToStageID, when set, records where the action put the candidate.
	ToStageID string
	// ActAt, when set, is when a scheduled action runs.
	ActAt time.Time
	// Acted stamps acted_at with At: aaa's move landed in Ashby.
	Acted bool
	// RevertedBy, when set, records who cancelled, undid or kept it
	// (reverted_at = At).
	RevertedBy string
}

// ExecutionFilter selects executions.
type ExecutionFilter struct {
	ScheduleID    string
	ApplicationID string
	RuleID        string
	Status        string
	Outcome       string
	Mode          string
	Since         time.Time
	// After continues a listing after this row: only executions that come
	// after it in the listing's order (executed_at DESC, execution_id) are
	// returned. Zero starts from the newest.
	After ExecutionCursor
	Limit int
}

// ExecutionCursor is a position in ListExecutions' order: the executed_at
// and id of the last row of the previous page (keyset pagination, stable
// while rows are added).
type ExecutionCursor struct {
	ExecutedAt time.Time
	ID         string
}

// CursorOf is the cursor that continues a listing after e.
func CursorOf(e domain.Execution) ExecutionCursor {
	return ExecutionCursor{ExecutedAt: e.ExecutedAt, ID: e.ID}
}

// IsZero reports whether c is the start of a listing.
func (c ExecutionCursor) IsZero() bool { return c.ID == "" && c.ExecutedAt.IsZero() }

// ExecutionCount is one group of CountExecutions.
type ExecutionCount struct {
	Status  string `json:"status"`
	Outcome string `json:"outcome"`
	Mode    string `json:"mode"`
	Count   int    `json:"count"`
}

// ClaimKey is the exactly-once key of a live action on an application.
func ClaimKey(action, applicationID, fromStageID, ruleID string, ruleVersion int) string {
	return strings.Join([]string{action, applicationID, fromStageID, ruleID, strconv.Itoa(ruleVersion)}, "|")
}

// ClaimExecution implements ExecutionStore.
// It is a batch of one (ClaimExecutions), so one claim and many mean the
// same.
func (db *DB) ClaimExecution(ctx context.Context, e domain.Execution, claimKey string) (domain.Execution, bool, error) {
	res, err := db.ClaimExecutions(ctx, []ExecutionClaim{{Execution: e, Key: claimKey}})
	if err != nil {
		return domain.Execution{}, false, err
	}
	return res[0].Execution, res[0].Created, nil
}

// InsertExecution implements ExecutionStore.
func (db *DB) InsertExecution(ctx context.Context, e domain.Execution, claimKey string) (domain.Execution, error) {
	e, reasons := prepareExecution(e)
	_, err := db.exec(ctx, `
INSERT INTO advancement_executions (execution_id, schedule_id, application_id, rule_id, rule_version, mode,
    outcome, from_stage_id, to_stage_id, execution_status, failure_reason, summary, evaluation_results,
    claim_key, executed_at, executed_by, updated_at, act_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $15, $17)`,
		e.ID, e.ScheduleID, e.ApplicationID, nullStr(e.RuleID), e.RuleVersion, e.Mode, e.Outcome,
		nullStr(e.FromStageID), nullStr(e.ToStageID), e.Status, nullStr(e.FailureReason), e.Summary, reasons,
		nullStr(claimKey), e.ExecutedAt, e.ExecutedBy, nullTime(e.ActAt))
	if err != nil {
		return domain.Execution{}, fmt.Errorf("insert execution: %w", err)
	}
	return e, nil
}

const execCols = `execution_id, schedule_id, application_id, COALESCE(rule_id, ''), rule_version, mode, outcome,
    COALESCE(from_stage_id, ''), COALESCE(to_stage_id, ''), execution_status, COALESCE(failure_reason, ''),
    summary, COALESCE(evaluation_results, ''), executed_at, executed_by, updated_at,
    act_at, acted_at, COALESCE(reverted_by, ''), reverted_at`

func scanExecution(sc interface{ Scan(...any) error }) (domain.Execution, error) {
	var e domain.Execution
	var reasons string
	var at, updated, actAt, actedAt, revertedAt sql.NullTime
	err := sc.Scan(&e.ID, &e.ScheduleID, &e.ApplicationID, &e.RuleID, &e.RuleVersion, &e.Mode, &e.Outcome,
		&e.FromStageID, &e.ToStageID, &e.Status, &e.FailureReason, &e.Summary, &reasons, &at, &e.ExecutedBy, &updated,
		&actAt, &actedAt, &e.RevertedBy, &revertedAt)
	if reasons != "" {
		e.Reasons = []byte(reasons)
	}
	e.ExecutedAt, e.UpdatedAt = timeOf(at), timeOf(updated)
	e.ActAt, e.ActedAt, e.RevertedAt = timeOf(actAt), timeOf(actedAt), timeOf(revertedAt)
	return e, err
}

// GetExecution implements ExecutionStore.
func (db *DB) GetExecution(ctx context.Context, id string) (domain.Execution, error) {
	e, err := scanExecution(db.r.QueryRowContext(ctx, `SELECT `+execCols+` FROM advancement_executions WHERE execution_id = $1`, id))
	if err != nil {
		return domain.Execution{}, fmt.Errorf("get execution %s: %w", id, db.mapErr(err))
	}
	return e, nil
}

// GetExecutionByClaim implements ExecutionStore.
func (db *DB) GetExecutionByClaim(ctx context.Context, claimKey string) (domain.Execution, error) {
	e, err := scanExecution(db.w.QueryRowContext(ctx, `SELECT `+execCols+` FROM advancement_executions WHERE claim_key = $1`, claimKey))
	if err != nil {
		return domain.Execution{}, fmt.Errorf("get execution by claim: %w", db.mapErr(err))
	}
	return e, nil
}

// UpdateExecutionStatus implements ExecutionStore: a batch of one.
func (db *DB) UpdateExecutionStatus(ctx context.Context, p ExecutionUpdate) error {
	results, err := db.UpdateExecutionStatuses(ctx, []ExecutionUpdate{p})
	if err != nil {
		return err
	}
	return results[0]
}

// ListExecutions implements ExecutionStore.
func (db *DB) ListExecutions(ctx context.Context, f ExecutionFilter) ([]domain.Execution, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.ScheduleID != "" {
		add("schedule_id = $%d", f.ScheduleID)
	}
	if f.ApplicationID != "" {
		add("application_id = $%d", f.ApplicationID)
	}
	if f.RuleID != "" {
		add("rule_id = $%d", f.RuleID)
	}
	if f.Status != "" {
		add("execution_status = $%d", f.Status)
	}
	if f.Outcome != "" {
		add("outcome = $%d", f.Outcome)
	}
	if f.Mode != "" {
		add("mode = $%d", f.Mode)
	}
	if !f.Since.IsZero() {
		add("executed_at >= $%d", f.Since.UTC())
	}
	if !f.After.IsZero() {
		args = append(args, stampOf(f.After.ExecutedAt), f.After.ID)
		where = append(where, fmt.Sprintf("(executed_at < $%d OR (executed_at = $%d AND execution_id > $%d))",
			len(args)-1, len(args)-1, len(args)))
	}
	q := `SELECT ` + execCols + ` FROM advancement_executions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY executed_at DESC, execution_id LIMIT $%d`, len(args))
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list executions: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []domain.Execution
	for rows.Next() {
		e, err := scanExecution(rows)
		if err != nil {
			return nil, fmt.Errorf("scan execution: %w", db.mapErr(err))
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list executions: %w", db.mapErr(err))
	}
	return out, nil
}

// CountExecutions implements ExecutionStore.
func (db *DB) CountExecutions(ctx context.Context, since time.Time) ([]ExecutionCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT execution_status, outcome, mode, COUNT(*)
FROM advancement_executions WHERE executed_at >= $1
GROUP BY execution_status, outcome, mode ORDER BY execution_status, outcome, mode`, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("count executions: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []ExecutionCount
	for rows.Next() {
		var c ExecutionCount
		if err := rows.Scan(&c.Status, &c.Outcome, &c.Mode, &c.Count); err != nil {
			return nil, fmt.Errorf("scan count: %w", db.mapErr(err))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// TakeOverExecution implements ExecutionStore.
func (db *DB) TakeOverExecution(ctx context.Context, id string, seenUpdatedAt, now time.Time, reason string) (time.Time, error) {
	stamp := stampOf(now)
	res, err := db.exec(ctx, `UPDATE advancement_executions SET updated_at = $3, failure_reason = COALESCE($5, failure_reason)
WHERE execution_id = $1 AND execution_status = $4 AND updated_at = $2`, id, seenUpdatedAt.UTC(), stamp, domain.ExecPending, nullStr(reason))
	if err != nil {
		return time.Time{}, fmt.Errorf("take over execution %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return time.Time{}, fmt.Errorf("take over execution %s: %w", id, err)
	}
	if n == 0 {
		return time.Time{}, fmt.Errorf("execution %s was taken over or finished: %w", id, domain.ErrConflict)
	}
	return stamp, nil
}

// stampOf is a time as both backends store it exactly (UTC, whole
// microseconds), so it can be compared for equality after a round trip.
func stampOf(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

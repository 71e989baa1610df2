package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// EvaluationBatchStore records the evaluations of many schedules with set
// statements: one statement per batchRows stamps, claims or status changes,
// however many schedules a pass evaluates. Each method means exactly what
// its one-row counterpart means, applied in slice order; inside InTx they
// commit with the rest of the transaction.
type EvaluationBatchStore interface {
	// RecordEvaluations is RecordEvaluation for many schedules. A schedule
	// named twice keeps its last stamp. The stamps of the schedules that
	// exist are written even when others do not; the error then wraps
	// domain.ErrNotFound and names the missing ones.
	RecordEvaluations(ctx context.Context, stamps []EvaluationStamp) error
	// ClaimExecutions is ClaimExecution for many decisions: each result
	// holds the row that holds its claim key and whether this call created
	// it, in the order of claims. When two claims share a key, the first
	// creates the row (unless it was taken already) and the later ones are
	// returned that row, as if they had been claimed one after the other.
	ClaimExecutions(ctx context.Context, claims []ExecutionClaim) ([]ClaimResult, error)
	// UpdateExecutionStatuses is UpdateExecutionStatus for many executions
	// (distinct ids). It returns one error per update, in order: nil when
	// the row changed, else what UpdateExecutionStatus would have returned
	// (domain.ErrConflict when FromStatus no longer holds,
	// domain.ErrNotFound when there is no such row); err is the failure of
	// the statement itself.
	UpdateExecutionStatuses(ctx context.Context, updates []ExecutionUpdate) (results []error, err error)
	// UpsertApplications is UpsertApplication for many applications (an
	// application named twice keeps its last row).
	UpsertApplications(ctx context.Context, apps []domain.Application) error
	// ApplicationsWithExecutions returns which of these applications have
	// an execution with this outcome in one of these statuses.
	ApplicationsWithExecutions(ctx context.Context, applicationIDs []string, outcome string, statuses ...string) (map[string]bool, error)
}

var _ EvaluationBatchStore = (*DB)(nil)

// ExecutionClaim is one decision to claim: the row to create and its claim
// key (empty claims nothing: the row is always created).
type ExecutionClaim struct {
	Execution domain.Execution
	Key       string
}

// ClaimResult is what a claim found or created.
type ClaimResult struct {
	Execution domain.Execution
	Created   bool
}

// batchRows bounds the rows of one multi-row statement, so that its
// parameters stay well under SQLite's (32,766) and Postgres' (65,535)
// limits whatever the columns.
const batchRows = 500

// setStmt builds the text and arguments of a multi-row statement, each
// argument written where it is used (arg), so the placeholders can be the
// dialect's.
type setStmt struct {
	db   *DB
	b    strings.Builder
	args []any
}

// arg writes the placeholder of v and adds v to the arguments. typ is the
// SQL type of a value that no column gives a type to (a VALUES list that
// feeds an UPDATE), empty otherwise.
func (q *setStmt) arg(v any, typ string) {
	q.args = append(q.args, v)
	q.b.WriteString(q.db.placeholder(len(q.args), typ))
}

// sql writes text.
func (q *setStmt) sql(text string) { q.b.WriteString(text) }

// placeholder is the n-th placeholder of a statement whose arguments are
// bound in the order they appear: the dialect method of the set
// statements. Postgres numbers them ($n), cast to typ when given, since it
// infers no type for a VALUES list that feeds an UPDATE. SQLite gets a
// bare ?: it resolves each $n by name through a list it scans from the
// start, at parse and again at bind, which makes a statement of thousands
// of $n quadratic (seconds per thousand claims), while anonymous ? cost
// nothing to resolve.
func (db *DB) placeholder(n int, typ string) string {
	switch {
	case db.opts.Dialect != DialectPostgres:
		return "?"
	case typ != "":
		return fmt.Sprintf("CAST($%d AS %s)", n, typ)
	}
	return fmt.Sprintf("$%d", n)
}

// row writes one parenthesised row of a VALUES list; types, when given,
// are the values' SQL types (see arg).
func (q *setStmt) row(vals []any, types []string) {
	q.sql("(")
	for c, v := range vals {
		if c > 0 {
			q.sql(", ")
		}
		typ := ""
		if types != nil {
			typ = types[c]
		}
		q.arg(v, typ)
	}
	q.sql(")")
}

// inList writes the placeholders of vals, separated by commas.
func (q *setStmt) inList(vals []string) {
	for i, v := range vals {
		if i > 0 {
			q.sql(", ")
		}
		q.arg(v, "")
	}
}

// RecordEvaluations implements EvaluationBatchStore.
func (db *DB) RecordEvaluations(ctx context.Context, stamps []EvaluationStamp) error {
	// The last stamp of a schedule wins, as it would one after the other.
	last := make(map[string]int, len(stamps))
	for i, s := range stamps {
		last[s.ScheduleID] = i
	}
	uniq := make([]EvaluationStamp, 0, len(last))
	for i, s := range stamps {
		if last[s.ScheduleID] == i {
			uniq = append(uniq, s)
		}
	}
	var missing []string
	for start := 0; start < len(uniq); start += batchRows {
		chunk := uniq[start:min(start+batchRows, len(uniq))]
		q := setStmt{db: db}
		q.sql(`WITH v (v_id, v_at, v_outcome, v_summary, v_due) AS (VALUES `)
		for i, st := range chunk {
			if i > 0 {
				q.sql(", ")
			}
			q.row([]any{st.ScheduleID, st.At.UTC(), st.Outcome, st.Summary, utcPtr(st.DueAt)},
				[]string{"TEXT", "TIMESTAMP", "TEXT", "TEXT", "TIMESTAMP"})
		}
		q.sql(`)
UPDATE interview_schedules SET last_evaluated_for_advancement_at = v_at, last_outcome = v_outcome,
    last_summary = v_summary, due_at = v_due
FROM v WHERE schedule_id = v_id`)
		res, err := db.exec(ctx, q.b.String(), q.args...)
		if err != nil {
			return fmt.Errorf("record evaluations: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("record evaluations: %w", err)
		}
		if int(n) == len(chunk) {
			continue
		}
		ids := make([]string, len(chunk))
		for i, s := range chunk {
			ids[i] = s.ScheduleID
		}
		found, err := db.existing(ctx, "interview_schedules", "schedule_id", ids)
		if err != nil {
			return fmt.Errorf("record evaluations: %w", err)
		}
		for _, id := range ids {
			if !found[id] {
				missing = append(missing, id)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("record evaluations: schedules %s: %w", strings.Join(missing, ", "), domain.ErrNotFound)
	}
	return nil
}

// existing returns which of ids are in table's column col (through the
// writer, so a transaction sees its own rows).
func (db *DB) existing(ctx context.Context, table, col string, ids []string) (map[string]bool, error) {
	found := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += batchRows {
		chunk := ids[start:min(start+batchRows, len(ids))]
		q := setStmt{db: db}
		q.sql(`SELECT ` + col + ` FROM ` + table + ` WHERE ` + col + ` IN (`)
		q.inList(chunk)
		q.sql(`)`)
		rows, err := db.w.QueryContext(ctx, q.b.String(), q.args...)
		if err != nil {
			return nil, db.mapErr(err)
		}
		list, err := scanStrings(rows)
		if err != nil {
			return nil, db.mapErr(err)
		}
		for _, id := range list {
			found[id] = true
		}
	}
	return found, nil
}

// prepareExecution fills what a new execution row takes by default (id,
// time, actor) and returns its reasons as stored.
func prepareExecution(e domain.Execution) (domain.Execution, any) {
	if e.ID == "" {
		e.ID = NewID()
	}
	if e.ExecutedAt.IsZero() {
		e.ExecutedAt = time.Now()
	}
	e.ExecutedAt = stampOf(e.ExecutedAt)
	e.UpdatedAt = e.ExecutedAt
	if e.ExecutedBy == "" {
		e.ExecutedBy = "system"
	}
	var reasons any
	if len(e.Reasons) > 0 {
		reasons = string(e.Reasons)
	}
	return e, reasons
}

// ClaimExecutions implements EvaluationBatchStore: one INSERT ... ON
// CONFLICT (claim_key) DO NOTHING RETURNING per batchRows claims tells which
// rows this call created; one SELECT by claim key reads the rows that held
// the other keys already.
func (db *DB) ClaimExecutions(ctx context.Context, claims []ExecutionClaim) ([]ClaimResult, error) {
	out := make([]ClaimResult, len(claims))
	// A key claimed twice in one call is inserted once, by its first claim;
	// the later ones find that row below, as one after the other would.
	firstOf := map[string]int{}
	var ins []int
	for i, c := range claims {
		e, _ := prepareExecution(c.Execution)
		out[i].Execution = e
		if c.Key != "" {
			if _, dup := firstOf[c.Key]; dup {
				continue
			}
			firstOf[c.Key] = i
		}
		ins = append(ins, i)
	}
	for start := 0; start < len(ins); start += batchRows {
		chunk := ins[start:min(start+batchRows, len(ins))]
		q := setStmt{db: db}
		q.sql(`INSERT INTO advancement_executions (execution_id, schedule_id, application_id, rule_id, rule_version, mode,
    outcome, from_stage_id, to_stage_id, execution_status, failure_reason, summary, evaluation_results,
    claim_key, executed_at, executed_by, updated_at, act_at)
VALUES `)
		for r, i := range chunk {
			if r > 0 {
				q.sql(", ")
			}
			e, reasons := prepareExecution(claims[i].Execution)
			e.ID, e.ExecutedAt, e.UpdatedAt = out[i].Execution.ID, out[i].Execution.ExecutedAt, out[i].Execution.UpdatedAt
			q.row([]any{e.ID, e.ScheduleID, e.ApplicationID, nullStr(e.RuleID), e.RuleVersion, e.Mode, e.Outcome,
				nullStr(e.FromStageID), nullStr(e.ToStageID), e.Status, nullStr(e.FailureReason), e.Summary, reasons,
				nullStr(claims[i].Key), e.ExecutedAt, e.ExecutedBy, e.UpdatedAt, nullTime(e.ActAt)}, nil)
		}
		q.sql(` ON CONFLICT (claim_key) DO NOTHING RETURNING execution_id`)
		rows, err := db.w.QueryContext(ctx, q.b.String(), q.args...)
		if err != nil {
			return nil, fmt.Errorf("insert execution: %w", db.mapErr(err))
		}
		created, err := scanStrings(rows)
		if err != nil {
			return nil, fmt.Errorf("insert execution: %w", db.mapErr(err))
		}
		byID := make(map[string]int, len(chunk))
		for _, i := range chunk {
			byID[out[i].Execution.ID] = i
		}
		for _, id := range created {
			out[byID[id]].Created = true
		}
	}

	// Every claim not created finds the row holding its key.
	var keys []string
	seen := map[string]bool{}
	for i, c := range claims {
		if !out[i].Created && !seen[c.Key] {
			seen[c.Key] = true
			keys = append(keys, c.Key)
		}
	}
	held, err := db.executionsByClaim(ctx, keys)
	if err != nil {
		return nil, err
	}
	for i, c := range claims {
		if out[i].Created {
			continue
		}
		e, ok := held[c.Key]
		if !ok {
			return nil, fmt.Errorf("get execution by claim: %w", domain.ErrNotFound)
		}
		out[i].Execution = e
	}
	return out, nil
}

// executionsByClaim reads the executions holding these claim keys, by key
// (through the writer, as GetExecutionByClaim).
func (db *DB) executionsByClaim(ctx context.Context, keys []string) (map[string]domain.Execution, error) {
	out := make(map[string]domain.Execution, len(keys))
	for start := 0; start < len(keys); start += batchRows {
		chunk := keys[start:min(start+batchRows, len(keys))]
		q := setStmt{db: db}
		q.sql(`SELECT ` + execCols + `, claim_key FROM advancement_executions WHERE claim_key IN (`)
		q.inList(chunk)
		q.sql(`)`)
		rows, err := db.w.QueryContext(ctx, q.b.String(), q.args...)
		if err != nil {
			return nil, fmt.Errorf("get execution by claim: %w", db.mapErr(err))
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				var key string
				e, err := scanExecution(scanAlso{rows, []any{&key}})
				if err != nil {
					return err
				}
				out[key] = e
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, fmt.Errorf("get execution by claim: %w", db.mapErr(err))
		}
	}
	return out, nil
}

// scanAlso scans a row into scanExecution's destinations and then extra.
type scanAlso struct {
	rows  *sql.Rows
	extra []any
}

func (s scanAlso) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra...)...) }

// UpdateExecutionStatuses implements EvaluationBatchStore: one UPDATE ...
// FROM a VALUES list per batchRows updates, whose RETURNING tells which rows
// changed; the others are told apart (changed meanwhile, or missing) by
// one read.
func (db *DB) UpdateExecutionStatuses(ctx context.Context, updates []ExecutionUpdate) ([]error, error) {
	results := make([]error, len(updates))
	seen := make(map[string]bool, len(updates))
	for _, p := range updates {
		if seen[p.ID] {
			return nil, fmt.Errorf("update executions: %s named twice: %w", p.ID, domain.ErrInvalid)
		}
		seen[p.ID] = true
	}
	types := []string{"TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TIMESTAMP", "TEXT", "TIMESTAMP", "TIMESTAMP", "TEXT", "TIMESTAMP"}
	for start := 0; start < len(updates); start += batchRows {
		chunk := updates[start:min(start+batchRows, len(updates))]
		q := setStmt{db: db}
		q.sql(`WITH v (v_id, v_from, v_status, v_reason, v_by, v_at, v_to, v_act_at, v_acted_at, v_reverted_by, v_reverted_at) AS (VALUES `)
		for r, p := range chunk {
			if r > 0 {
				q.sql(", ")
			}
			at := p.At
			if at.IsZero() {
				at = time.Now()
			}
			var actAt, actedAt, revertedAt any
			if !p.ActAt.IsZero() {
				actAt = p.ActAt.UTC()
			}
			if p.Acted {
				actedAt = at.UTC()
			}
			if p.RevertedBy != "" {
				revertedAt = at.UTC()
			}
			q.row([]any{p.ID, nullStr(p.FromStatus), p.Status, nullStr(p.FailureReason), nullStr(p.ExecutedBy),
				at.UTC(), nullStr(p.ToStageID), actAt, actedAt, nullStr(p.RevertedBy), revertedAt}, types)
		}
		q.sql(`)
UPDATE advancement_executions SET execution_status = v_status, failure_reason = v_reason,
    executed_by = COALESCE(v_by, executed_by), updated_at = v_at, to_stage_id = COALESCE(v_to, to_stage_id),
    act_at = COALESCE(v_act_at, act_at), acted_at = COALESCE(v_acted_at, acted_at),
    reverted_by = COALESCE(v_reverted_by, reverted_by), reverted_at = COALESCE(v_reverted_at, reverted_at)
FROM v WHERE execution_id = v_id AND (v_from IS NULL OR execution_status = v_from)
RETURNING execution_id`)
		rows, err := db.w.QueryContext(ctx, q.b.String(), q.args...)
		if err != nil {
			return nil, fmt.Errorf("update executions: %w", db.mapErr(err))
		}
		changed, err := scanStrings(rows)
		if err != nil {
			return nil, fmt.Errorf("update executions: %w", db.mapErr(err))
		}
		if len(changed) == len(chunk) {
			continue
		}
		done := make(map[string]bool, len(changed))
		for _, id := range changed {
			done[id] = true
		}
		var rest []string
		for _, p := range chunk {
			if !done[p.ID] {
				rest = append(rest, p.ID)
			}
		}
		found, err := db.existing(ctx, "advancement_executions", "execution_id", rest)
		if err != nil {
			return nil, fmt.Errorf("update executions: %w", err)
		}
		for i, p := range chunk {
			switch {
			case done[p.ID]:
			case found[p.ID] && p.FromStatus != "":
				results[start+i] = fmt.Errorf("execution %s is no longer %s: %w", p.ID, p.FromStatus, domain.ErrConflict)
			default:
				results[start+i] = fmt.Errorf("execution %s: %w", p.ID, domain.ErrNotFound)
			}
		}
	}
	return results, nil
}

// UpsertApplications implements EvaluationBatchStore with one INSERT ... ON
// CONFLICT DO UPDATE per batchRows applications, the same statement as
// UpsertApplication's with many rows.
func (db *DB) UpsertApplications(ctx context.Context, apps []domain.Application) error {
	// A row may be named once per statement (Postgres refuses to update a
	// row twice in one): the last wins, as one after the other.
	last := make(map[string]int, len(apps))
	for i, a := range apps {
		last[a.ID] = i
	}
	uniq := make([]domain.Application, 0, len(last))
	for i, a := range apps {
		if last[a.ID] == i {
			uniq = append(uniq, a)
		}
	}
	for start := 0; start < len(uniq); start += batchRows {
		chunk := uniq[start:min(start+batchRows, len(uniq))]
		q := setStmt{db: db}
		q.sql(`INSERT INTO applications (application_id, candidate_id, job_id, current_stage_id, status, candidate_name,
    profile_url, recruiter_email, updated_at)
VALUES `)
		for i, a := range chunk {
			if i > 0 {
				q.sql(", ")
			}
			if a.UpdatedAt.IsZero() {
				a.UpdatedAt = time.Now()
			}
			q.row([]any{a.ID, a.CandidateID, a.JobID, a.CurrentStageID, a.Status, a.CandidateName, a.ProfileURL,
				a.RecruiterEmail, a.UpdatedAt.UTC()}, nil)
		}
		q.sql(`
ON CONFLICT (application_id) DO UPDATE SET candidate_id = excluded.candidate_id, job_id = excluded.job_id,
    current_stage_id = excluded.current_stage_id, status = excluded.status,
    candidate_name = CASE WHEN excluded.candidate_name = '' THEN applications.candidate_name ELSE excluded.candidate_name END,
    profile_url = CASE WHEN excluded.profile_url = '' THEN applications.profile_url ELSE excluded.profile_url END,
    recruiter_email = excluded.recruiter_email, updated_at = excluded.updated_at`)
		if _, err := db.exec(ctx, q.b.String(), q.args...); err != nil {
			return fmt.Errorf("upsert applications: %w", err)
		}
	}
	return nil
}

// ApplicationsWithExecutions implements EvaluationBatchStore, one query
// per batchRows applications.
func (db *DB) ApplicationsWithExecutions(ctx context.Context, applicationIDs []string, outcome string, statuses ...string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(statuses) == 0 {
		return out, nil
	}
	for start := 0; start < len(applicationIDs); start += batchRows {
		chunk := applicationIDs[start:min(start+batchRows, len(applicationIDs))]
		q := setStmt{db: db}
		q.sql(`SELECT DISTINCT application_id FROM advancement_executions WHERE outcome = `)
		q.arg(outcome, "")
		q.sql(` AND execution_status IN (`)
		q.inList(statuses)
		q.sql(`) AND application_id IN (`)
		q.inList(chunk)
		q.sql(`)`)
		rows, err := db.r.QueryContext(ctx, q.b.String(), q.args...)
		if err != nil {
			return nil, fmt.Errorf("applications with executions: %w", db.mapErr(err))
		}
		ids, err := scanStrings(rows)
		if err != nil {
			return nil, fmt.Errorf("applications with executions: %w", db.mapErr(err))
		}
		for _, id := range ids {
			out[id] = true
		}
	}
	return out, nil
}

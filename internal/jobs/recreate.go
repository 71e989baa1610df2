package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// ClientID is the River client's id: the leader_id River records in
// river_leader while this instance is the elected leader.
func (q *Queue) ClientID() string {
	if q.pgc != nil {
		return q.pgc.ID()
	}
	return q.txc.ID()
}

// RecreateResult counts what Recreate did.
type RecreateResult struct {
	// Inserted jobs, and Duplicates skipped because an equal unique job
	// (e.g. a periodic sync) was already queued on the target.
	Inserted, Duplicates int
}

// Recreate inserts in tx one job equivalent to each of rows (jobs listed
// from another database with PendingJobs): same kind, args, queue,
// priority, tags, max attempts and scheduled time; the attempt count starts
// over, and a job that was running (its worker stopped with the old
// database) becomes available again. aaa's own kinds keep their unique
// options; other kinds are copied as raw JSON.
func (q *Queue) Recreate(ctx context.Context, tx *sql.Tx, rows []*rivertype.JobRow) (RecreateResult, error) {
	var res RecreateResult
	now := time.Now()
	for _, row := range rows {
		args, err := argsOf(row)
		if err != nil {
			return res, err
		}
		opts := &river.InsertOpts{Queue: row.Queue, Priority: row.Priority, MaxAttempts: row.MaxAttempts, Tags: row.Tags}
		if row.ScheduledAt.After(now) {
			opts.ScheduledAt = row.ScheduledAt
		}
		r, err := q.txc.InsertTx(ctx, tx, args, opts)
		if err != nil {
			return res, fmt.Errorf("re-create job %d (%s): %w", row.ID, row.Kind, err)
		}
		if r.UniqueSkippedAsDuplicate {
			res.Duplicates++
		} else {
			res.Inserted++
		}
	}
	return res, nil
}

// argsOf decodes a listed job's args into aaa's args type for its kind (so
// its InsertOpts apply), or keeps them raw for a kind aaa does not know.
func argsOf(row *rivertype.JobRow) (river.JobArgs, error) {
	switch row.Kind {
	case IngestArgs{}.Kind():
		return decodeArgs[IngestArgs](row)
	case IngestBatchArgs{}.Kind():
		return decodeArgs[IngestBatchArgs](row)
	case EvaluateBatchArgs{}.Kind():
		return decodeArgs[EvaluateBatchArgs](row)
	case EvaluateArgs{}.Kind():
		return decodeArgs[EvaluateArgs](row)
	case ArchiveArgs{}.Kind():
		return decodeArgs[ArchiveArgs](row)
	case NotifyArgs{}.Kind():
		return decodeArgs[NotifyArgs](row)
	case DecisionArgs{}.Kind():
		return decodeArgs[DecisionArgs](row)
	case RefreshArgs{}.Kind():
		return decodeArgs[RefreshArgs](row)
	case PeriodicArgs{}.Kind():
		return decodeArgs[PeriodicArgs](row)
	}
	return rawArgs{kind: row.Kind, args: row.EncodedArgs}, nil
}

func decodeArgs[T river.JobArgs](row *rivertype.JobRow) (river.JobArgs, error) {
	var v T
	if err := json.Unmarshal(row.EncodedArgs, &v); err != nil {
		return nil, fmt.Errorf("decode job %d (%s): %w", row.ID, row.Kind, err)
	}
	return v, nil
}

// rawArgs re-inserts a job of a kind this build does not know.
type rawArgs struct {
	kind string
	args json.RawMessage
}

func (a rawArgs) Kind() string                 { return a.kind }
func (a rawArgs) MarshalJSON() ([]byte, error) { return a.args, nil }

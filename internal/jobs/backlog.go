package jobs

import (
	"context"
	"fmt"
)

// Backlog counts the jobs waiting to run — available, scheduled or
// retryable — by kind and then by state, for the queue backlog gauge. It is
// one grouped query over River's job table, bounded by ctx, on the store's
// database/sql handle (on Postgres over the same pgx pool River uses).
func (q *Queue) Backlog(ctx context.Context) (map[string]map[string]int, error) {
	const query = `SELECT kind, state, COUNT(*) FROM river_job
WHERE state IN ('available', 'scheduled', 'retryable') GROUP BY kind, state`
	out := map[string]map[string]int{}
	rows, err := q.opts.DB.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("count job backlog: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, state string
		var n int
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return nil, fmt.Errorf("scan job backlog: %w", err)
		}
		if out[kind] == nil {
			out[kind] = map[string]int{}
		}
		out[kind][state] = n
	}
	return out, rows.Err()
}

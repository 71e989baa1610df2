package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/jackc/pgx/v5"
)

// DeliveryStore keeps received webhooks.
type DeliveryStore interface {
	// InsertDelivery stores a delivery unless one with the same dedupe key
	// exists; inserted is false for a duplicate.
	InsertDelivery(ctx context.Context, d domain.Delivery) (inserted bool, err error)
	// InsertDeliveries stores many deliveries in one statement, skipping
	// those whose dedupe key exists; it returns the ids it inserted.
	InsertDeliveries(ctx context.Context, ds []domain.Delivery) (map[string]bool, error)
	GetDelivery(ctx context.Context, id string) (domain.Delivery, error)
	// MarkDelivery records the result of processing a delivery.
	MarkDelivery(ctx context.Context, id, status, lastError string, at time.Time) error
	// MarkDeliveries records one result for many deliveries (distinct ids)
	// in one statement; ErrNotFound when some do not exist.
	MarkDeliveries(ctx context.Context, ids []string, status, lastError string, at time.Time) error
	// AcceptDeliveries stores deliveries as InsertDeliveries does and, in
	// the same durable transaction, calls enqueue with what was inserted
	// (the ids of known dedupe keys are left out): a webhook is
	// acknowledged with what processes it, or not at all.
	AcceptDeliveries(ctx context.Context, ds []domain.Delivery, enqueue func(ctx context.Context, tx JobTx, inserted map[string]bool) error) (map[string]bool, error)
	// PendingDeliveryIDs returns the ids of up to limit pending deliveries
	// never attempted on their own (attempts 0), oldest first.
	PendingDeliveryIDs(ctx context.Context, limit int) ([]string, error)
	// GetDeliveries returns the deliveries with these ids (missing ones are
	// left out), in one query per 500.
	GetDeliveries(ctx context.Context, ids []string) ([]domain.Delivery, error)
	// ListDeliveries returns deliveries newest first; empty status lists all.
	ListDeliveries(ctx context.Context, status string, limit int) ([]domain.Delivery, error)
	// CountDeliveries counts deliveries by status.
	CountDeliveries(ctx context.Context) (map[string]int, error)
	// DeliveryBacklog counts the deliveries not processed yet and dates
	// the oldest pending one (for metrics).
	DeliveryBacklog(ctx context.Context) (DeliveryBacklog, error)
}

// DeliveryBacklog is what waits in webhook_deliveries.
type DeliveryBacklog struct {
	// Pending deliveries are stored and not processed yet; Failed ones
	// gave up and wait for a retry by hand.
	Pending, Failed int
	// OldestPending is when the oldest pending delivery arrived (zero when
	// none is pending).
	OldestPending time.Time
}

// InsertDelivery implements DeliveryStore.
func (db *DB) InsertDelivery(ctx context.Context, d domain.Delivery) (bool, error) {
	if d.ID == "" {
		d.ID = NewID()
	}
	if d.Status == "" {
		d.Status = domain.DeliveryPending
	}
	res, err := db.exec(ctx, `
INSERT INTO webhook_deliveries (delivery_id, dedupe_key, webhook_action_id, action, schedule_id, payload,
    status, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (dedupe_key) DO NOTHING`, d.ID, d.DedupeKey, d.WebhookActionID, d.Action, d.ScheduleID,
		string(d.Payload), d.Status, d.ReceivedAt.UTC())
	if err != nil {
		return false, fmt.Errorf("insert delivery: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert delivery: %w", err)
	}
	return n == 1, nil
}

// InsertDeliveries implements DeliveryStore.
func (db *DB) InsertDeliveries(ctx context.Context, ds []domain.Delivery) (map[string]bool, error) {
	inserted := make(map[string]bool, len(ds))
	for chunk := range slices.Chunk(ds, batchRows) {
		q := setStmt{db: db}
		q.sql(`INSERT INTO webhook_deliveries (delivery_id, dedupe_key, webhook_action_id, action, schedule_id,
    payload, status, received_at) VALUES `)
		for i, d := range chunk {
			if i > 0 {
				q.sql(", ")
			}
			status := d.Status
			if status == "" {
				status = domain.DeliveryPending
			}
			q.row([]any{d.ID, d.DedupeKey, d.WebhookActionID, d.Action, d.ScheduleID, string(d.Payload), status, d.ReceivedAt.UTC()}, nil)
		}
		q.sql(` ON CONFLICT (dedupe_key) DO NOTHING RETURNING delivery_id`)
		rows, err := db.w.QueryContext(ctx, q.b.String(), q.args...)
		if err != nil {
			return nil, fmt.Errorf("insert deliveries: %w", db.mapErr(err))
		}
		ids, err := scanStrings(rows)
		if err != nil {
			return nil, fmt.Errorf("insert deliveries: %w", db.mapErr(err))
		}
		for _, id := range ids {
			inserted[id] = true
		}
	}
	return inserted, nil
}

const deliveryCols = `delivery_id, dedupe_key, webhook_action_id, action, schedule_id, payload, status,
    attempts, last_error, received_at, processed_at`

func scanDelivery(sc interface{ Scan(...any) error }) (domain.Delivery, error) {
	var d domain.Delivery
	var payload string
	var received, processed sql.NullTime
	err := sc.Scan(&d.ID, &d.DedupeKey, &d.WebhookActionID, &d.Action, &d.ScheduleID, &payload, &d.Status,
		&d.Attempts, &d.LastError, &received, &processed)
	d.Payload = []byte(payload)
	d.ReceivedAt, d.ProcessedAt = timeOf(received), timePtr(processed)
	return d, err
}

// GetDelivery implements DeliveryStore.
func (db *DB) GetDelivery(ctx context.Context, id string) (domain.Delivery, error) {
	d, err := scanDelivery(db.r.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE delivery_id = $1`, id))
	if err != nil {
		return domain.Delivery{}, fmt.Errorf("get delivery %s: %w", id, db.mapErr(err))
	}
	return d, nil
}

// MarkDelivery implements DeliveryStore.
func (db *DB) MarkDelivery(ctx context.Context, id, status, lastError string, at time.Time) error {
	return db.MarkDeliveries(ctx, []string{id}, status, lastError, at)
}

// MarkDeliveries implements DeliveryStore.
func (db *DB) MarkDeliveries(ctx context.Context, ids []string, status, lastError string, at time.Time) error {
	var processed any
	if status != domain.DeliveryPending {
		processed = at.UTC()
	}
	for chunk := range slices.Chunk(ids, 500) {
		ph, args := placeholders(chunk, 4)
		res, err := db.exec(ctx, `UPDATE webhook_deliveries SET status = $1, last_error = $2, processed_at = $3,
    attempts = attempts + 1 WHERE delivery_id IN (`+ph+`)`, append([]any{status, lastError, processed}, args...)...)
		if err != nil {
			return fmt.Errorf("mark %d deliveries %s: %w", len(chunk), status, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("mark %d deliveries %s: %w", len(chunk), status, err)
		} else if int(n) < len(chunk) {
			what := fmt.Sprintf("%d of %d deliveries", len(chunk)-int(n), len(chunk))
			if len(chunk) == 1 {
				what = "delivery " + chunk[0]
			}
			return fmt.Errorf("mark %s: %w", what, domain.ErrNotFound)
		}
	}
	return nil
}

// GetDeliveries implements DeliveryStore.
func (db *DB) GetDeliveries(ctx context.Context, ids []string) ([]domain.Delivery, error) {
	ds, err := queryIn(ctx, db, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE delivery_id`, ids, scanDelivery)
	if err != nil {
		return nil, fmt.Errorf("get deliveries: %w", err)
	}
	return ds, nil
}

// PendingDeliveryIDs implements DeliveryStore (the (status, received_at)
// index finds them).
func (db *DB) PendingDeliveryIDs(ctx context.Context, limit int) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT delivery_id FROM webhook_deliveries
WHERE status = $1 AND attempts = 0 ORDER BY received_at, delivery_id LIMIT $2`, domain.DeliveryPending, limit)
	if err != nil {
		return nil, fmt.Errorf("list pending deliveries: %w", db.mapErr(err))
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("list pending deliveries: %w", db.mapErr(err))
	}
	return ids, nil
}

// ListDeliveries implements DeliveryStore.
func (db *DB) ListDeliveries(ctx context.Context, status string, limit int) ([]domain.Delivery, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + deliveryCols + ` FROM webhook_deliveries`
	args := []any{}
	if status != "" {
		q += ` WHERE status = $1`
		args = append(args, status)
	}
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY received_at DESC, delivery_id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", db.mapErr(err))
	}
	defer rows.Close()
	out := []domain.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("scan delivery: %w", db.mapErr(err))
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// CountDeliveries implements DeliveryStore.
func (db *DB) CountDeliveries(ctx context.Context) (map[string]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT status, COUNT(*) FROM webhook_deliveries GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count deliveries: %w", db.mapErr(err))
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("scan delivery count: %w", db.mapErr(err))
		}
		out[s] = n
	}
	return out, rows.Err()
}

// DeliveryBacklog implements DeliveryStore. Both queries use the
// (status, received_at) index.
func (db *DB) DeliveryBacklog(ctx context.Context) (DeliveryBacklog, error) {
	var b DeliveryBacklog
	if err := db.r.QueryRowContext(ctx, `SELECT
    (SELECT COUNT(*) FROM webhook_deliveries WHERE status = $1),
    (SELECT COUNT(*) FROM webhook_deliveries WHERE status = $2)`, domain.DeliveryPending, domain.DeliveryFailed).
		Scan(&b.Pending, &b.Failed); err != nil {
		return DeliveryBacklog{}, fmt.Errorf("count delivery backlog: %w", db.mapErr(err))
	}
	if b.Pending == 0 {
		return b, nil
	}
	err := db.r.QueryRowContext(ctx, `SELECT received_at FROM webhook_deliveries WHERE status = $1
ORDER BY received_at LIMIT 1`, domain.DeliveryPending).Scan(&b.OldestPending)
	if err := db.mapErr(err); err != nil && !errors.Is(err, domain.ErrNotFound) {
		return DeliveryBacklog{}, fmt.Errorf("oldest pending delivery: %w", err)
	}
	b.OldestPending = b.OldestPending.UTC()
	return b, nil
}

// queryIn runs sel followed by "IN (ids)" with the ids in chunks of 500
// and scans every row with scan; rows of missing ids are simply absent.
func queryIn[T any](ctx context.Context, db *DB, sel string, ids []string, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	out := make([]T, 0, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		ph, args := placeholders(chunk, 1)
		rows, err := db.r.QueryContext(ctx, sel+` IN (`+ph+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read %d rows: %w", len(chunk), db.mapErr(err))
		}
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan row: %w", db.mapErr(err))
			}
			out = append(out, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read %d rows: %w", len(chunk), db.mapErr(err))
		}
	}
	return out, nil
}

// JobTx is the transaction that jobs committing with deliveries are
// enqueued in: SQL on SQLite (database/sql), Pgx on Postgres (the pgx
// transaction River's pgx driver inserts in). Exactly one is set.
type JobTx struct {
	SQL *sql.Tx
	Pgx pgx.Tx
}

// AcceptDeliveries implements DeliveryStore. On Postgres it runs on its own
// pgx pool (Options.AckPool) directly: one multi-row insert from arrays (unnest) and the
// jobs in one pgx transaction, no database/sql round trips. Elsewhere it
// is InDurableTx with InsertDeliveries.
func (db *DB) AcceptDeliveries(ctx context.Context, ds []domain.Delivery, enqueue func(ctx context.Context, tx JobTx, inserted map[string]bool) error) (map[string]bool, error) {
	for i := range ds { // in the caller's slice: inserted names these ids
		if ds[i].ID == "" {
			ds[i].ID = NewID()
		}
		if ds[i].Status == "" {
			ds[i].Status = domain.DeliveryPending
		}
	}
	if db.opts.AckPool == nil || db.tx != nil {
		var inserted map[string]bool
		err := db.InDurableTx(ctx, func(tx Store) error {
			var err error
			if inserted, err = tx.InsertDeliveries(ctx, ds); err != nil {
				return err
			}
			return enqueue(ctx, JobTx{SQL: tx.SQLTx()}, inserted)
		})
		return inserted, err
	}
	cols := struct {
		id, key, action, actionID, schedule, payload, status []string
		received                                             []time.Time
	}{}
	for _, d := range ds {
		cols.id, cols.key, cols.actionID = append(cols.id, d.ID), append(cols.key, d.DedupeKey), append(cols.actionID, d.WebhookActionID)
		cols.action, cols.schedule = append(cols.action, d.Action), append(cols.schedule, d.ScheduleID)
		cols.payload, cols.status = append(cols.payload, string(d.Payload)), append(cols.status, d.Status)
		cols.received = append(cols.received, d.ReceivedAt.UTC())
	}
	inserted := make(map[string]bool, len(ds))
	err := pgx.BeginFunc(ctx, db.opts.AckPool, func(tx pgx.Tx) error {
		clear(inserted)
		rows, err := tx.Query(ctx, `
INSERT INTO webhook_deliveries (delivery_id, dedupe_key, webhook_action_id, action, schedule_id, payload, status, received_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamp[])
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING delivery_id`, cols.id, cols.key, cols.actionID, cols.action, cols.schedule, cols.payload, cols.status, cols.received)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, id := range ids {
			inserted[id] = true
		}
		return enqueue(ctx, JobTx{Pgx: tx}, inserted)
	})
	if err != nil {
		return nil, fmt.Errorf("accept %d deliveries: %w", len(ds), db.mapErr(err))
	}
	return inserted, nil
}

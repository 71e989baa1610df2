package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is everything aaa persists: every per-aggregate capability, the
// dashboard's read queries and stage history included. *DB implements every
// part, checked at compile time below, so consumers take the narrow part
// they need and never discover a capability at run time.
type Store interface {
	ScheduleStore
	FeedbackStore
	RuleStore
	RuleRevisionStore
	ExecutionStore
	MetadataStore
	DeliveryStore
	RetentionStore
	SyncStore
	SlackUserStore
	ReviewStore
	NotificationStore
	ReminderStore
	HistoryStore
	LifecycleStore
	DashboardStore
	SchemaStore
	HeartbeatStore
	PeopleStore
	EvaluationBatchStore
	// InTx runs fn in one transaction. fn must use only the Store it is given.
	InTx(ctx context.Context, fn func(tx Store) error) error
	// InDurableTx is InTx for the transactions that acknowledge webhook
	// deliveries: its commit is on disk before it returns, even across a
	// power loss (SQLite: synchronous=FULL for this commit; every commit
	// is durable on Postgres). Inside a transaction it runs fn on it.
	InDurableTx(ctx context.Context, fn func(tx Store) error) error
	// SQLTx is the transaction behind a tx-bound Store (nil outside InTx); the
	// job queue uses it to enqueue in the same transaction.
	SQLTx() *sql.Tx
	// Ping checks the database answers.
	Ping(ctx context.Context) error
	// CheckWrites checks the database still takes durable writes (see
	// (*DB).CheckWrites); /health and `aaa serve`'s start call it.
	CheckWrites(ctx context.Context) error
	// PoolStats reports the connection pool for /health.
	PoolStats() PoolStats
	// Dialect names the backend ("sqlite" or "postgres").
	Dialect() string
}

// PoolStats is the connection pool summary shown by /health.
type PoolStats struct {
	Size  int `json:"size"`
	Free  int `json:"free"`
	InUse int `json:"in_use"`
}

// Dialects.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Options configures a DB. Backends fill it.
type Options struct {
	// Writer takes every write (on SQLite a pool of one connection).
	Writer *sql.DB
	// Reader serves reads outside transactions; nil means Writer.
	Reader *sql.DB
	// Dialect is DialectSQLite or DialectPostgres.
	Dialect string
	// MapError maps driver errors to domain sentinels (unique violation ->
	// domain.ErrConflict). It must return err unchanged when it knows nothing
	// better.
	MapError func(error) error
	// Close runs after the pools are closed (e.g. closing a pgxpool).
	Close func()
	// Check, when set, reports whether what the writer commits is still
	// durable (SQLite: the file it writes is still the one at its path, not
	// deleted or replaced). It runs after every commit, whose caller then
	// gets its error (a webhook is not acknowledged), and in CheckWrites.
	Check func() error
	// DurableOn and DurableOff, when set, make InDurableTx's commit durable
	// where ordinary commits are not: DurableOn runs on the writer's
	// connection before BEGIN, DurableOff after the transaction ends
	// (SQLite: PRAGMA synchronous=FULL, then back to NORMAL). Unset,
	// InDurableTx is InTx (Postgres: every commit is durable).
	DurableOn, DurableOff string
	// AckPool is a pgx pool of its own for webhook acknowledgements on
	// Postgres (nil on SQLite): AcceptDeliveries runs on it directly, so an
	// ack never waits for a connection that a job holds.
	AckPool *pgxpool.Pool
	// OneWriter says the writer pool has a single connection (SQLite):
	// transactions then take turns through a gate that lets webhook
	// acknowledgements (InDurableTx) go before waiting background work.
	OneWriter bool
}

// DB is the SQL implementation of Store over database/sql.
type DB struct {
	opts Options
	w    querier
	r    querier
	tx   *sql.Tx
	// gate orders transactions on a one-connection writer (nil otherwise,
	// and in a tx-bound DB).
	gate *writeGate
}

// Compile-time checks: *DB implements Store and each of its parts.
var (
	_ Store             = (*DB)(nil)
	_ ScheduleStore     = (*DB)(nil)
	_ FeedbackStore     = (*DB)(nil)
	_ RuleStore         = (*DB)(nil)
	_ ExecutionStore    = (*DB)(nil)
	_ MetadataStore     = (*DB)(nil)
	_ DeliveryStore     = (*DB)(nil)
	_ SyncStore         = (*DB)(nil)
	_ SlackUserStore    = (*DB)(nil)
	_ ReviewStore       = (*DB)(nil)
	_ NotificationStore = (*DB)(nil)
	_ ReminderStore     = (*DB)(nil)
	_ HistoryStore      = (*DB)(nil)
	_ LifecycleStore    = (*DB)(nil)
	_ DashboardStore    = (*DB)(nil)
	_ SchemaStore       = (*DB)(nil)
	_ HeartbeatStore    = (*DB)(nil)
	_ PeopleStore       = (*DB)(nil)
)

// SchemaStore reports whether the database schema is current (the
// dashboard refuses an out-of-date one).
type SchemaStore interface {
	// SchemaCurrent returns how many migrations are pending.
	SchemaCurrent(ctx context.Context) (pending int, err error)
}

// New returns a DB over the given pools.
func New(opts Options) *DB {
	if opts.Reader == nil {
		opts.Reader = opts.Writer
	}
	if opts.MapError == nil {
		opts.MapError = func(err error) error { return err }
	}
	db := &DB{opts: opts, w: opts.Writer, r: opts.Reader}
	if opts.OneWriter {
		db.gate = &writeGate{}
	}
	return db
}

// Writer is the write pool (River's drivers run over it).
func (db *DB) Writer() *sql.DB { return db.opts.Writer }

// Reader is the read pool.
func (db *DB) Reader() *sql.DB { return db.opts.Reader }

// Dialect names the backend.
func (db *DB) Dialect() string { return db.opts.Dialect }

// SQLTx returns the transaction behind a tx-bound DB, or nil.
func (db *DB) SQLTx() *sql.Tx { return db.tx }

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.opts.Reader != db.opts.Writer {
		errs = append(errs, db.opts.Reader.Close())
	}
	errs = append(errs, db.opts.Writer.Close())
	if db.opts.Close != nil {
		db.opts.Close()
	}
	return errors.Join(errs...)
}

// Ping checks both pools answer.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// PoolStats reports the write pool (Postgres: the one pool).
func (db *DB) PoolStats() PoolStats {
	s := db.opts.Writer.Stats()
	size := s.MaxOpenConnections
	if db.opts.Reader != db.opts.Writer {
		rs := db.opts.Reader.Stats()
		size += rs.MaxOpenConnections
		s.InUse += rs.InUse
		s.Idle += rs.Idle
	}
	return PoolStats{Size: size, Free: size - s.InUse, InUse: s.InUse}
}

// InTx runs fn in one write transaction; a tx-bound DB runs fn directly.
func (db *DB) InTx(ctx context.Context, fn func(tx Store) error) error {
	return db.inTx(ctx, func(t *DB) error { return fn(t) })
}

// InDurableTx is InTx whose commit is durable before it returns (see
// Store). With Options.DurableOn set (SQLite), it pins a writer connection
// (the SQLite writer pool has one, so no other transaction runs on it
// meanwhile), runs DurableOn, the transaction, then DurableOff. If
// DurableOff fails the connection is discarded: the next one opens with
// the ordinary setting. A tx-bound DB runs fn directly.
func (db *DB) InDurableTx(ctx context.Context, fn func(tx Store) error) error {
	if db.tx != nil || db.opts.DurableOn == "" {
		return db.InTx(ctx, fn)
	}
	if db.gate != nil {
		if err := db.gate.enter(ctx, true); err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		defer db.gate.leave()
	}
	conn, err := db.opts.Writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", db.mapErr(err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, db.opts.DurableOn); err != nil {
		return fmt.Errorf("begin durable transaction: %w", db.mapErr(err))
	}
	defer func() {
		// Even when ctx ended: the connection goes back to the pool.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), db.opts.DurableOff); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return db.runTx(ctx, conn.BeginTx, func(t *DB) error { return fn(t) })
}

// inTx is InTx for the store's own multi-statement writes, which need the
// tx-bound *DB (its unexported helpers) rather than the Store interface.
func (db *DB) inTx(ctx context.Context, fn func(t *DB) error) error {
	if db.tx != nil {
		return fn(db)
	}
	if db.gate != nil {
		if err := db.gate.enter(ctx, false); err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		defer db.gate.leave()
	}
	return db.runTx(ctx, db.opts.Writer.BeginTx, fn)
}

// runTx runs fn in a transaction begun by begin (the writer pool's, or a
// pinned connection's), commits it and checks the commit is durable.
func (db *DB) runTx(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), fn func(t *DB) error) error {
	tx, err := begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", db.mapErr(err))
	}
	txdb := &DB{opts: db.opts, w: tx, r: tx, tx: tx}
	if err := fn(txdb); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", db.mapErr(err))
	}
	if db.opts.Check != nil {
		if err := db.opts.Check(); err != nil {
			return fmt.Errorf("commit transaction: %w", err)
		}
	}
	return nil
}

// CheckWrites checks the database still takes durable writes: the backend's
// Check (SQLite: the file is still at its path), then a committed write to
// store_probe, one row inserted and deleted again in the same transaction,
// so the table stays empty. It catches what a read (Ping) cannot: a
// deleted or replaced SQLite file, a read-only or full disk, a file locked
// by another process, a Postgres in read-only mode or a standby.
func (db *DB) CheckWrites(ctx context.Context) error {
	if db.opts.Check != nil {
		if err := db.opts.Check(); err != nil {
			return fmt.Errorf("database does not accept writes: %w", err)
		}
	}
	id := NewID()
	err := db.inTx(ctx, func(t *DB) error {
		if _, err := t.exec(ctx, `INSERT INTO store_probe (probe_id) VALUES ($1)`, id); err != nil {
			return err
		}
		_, err := t.exec(ctx, `DELETE FROM store_probe WHERE probe_id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("database does not accept writes: %w", err)
	}
	return nil
}

func (db *DB) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return domain.ErrNotFound
	}
	return db.opts.MapError(err)
}

func (db *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := db.w.ExecContext(ctx, q, args...)
	return res, db.mapErr(err)
}

// utc normalises a time for storage; the zero time is stored as NULL.
func utc(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func utcPtr(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func timeOf(nt sql.NullTime) time.Time {
	if !nt.Valid {
		return time.Time{}
	}
	return nt.Time.UTC()
}

func timePtr(nt sql.NullTime) *time.Time {
	if !nt.Valid {
		return nil
	}
	t := nt.Time.UTC()
	return &t
}

package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync/atomic"

	"modernc.org/sqlite"
)

// The modernc driver parses every query it is given; database/sql keeps no
// prepared statements for plain DB/Tx calls. On aaa's hot paths (webhook
// acks, River's job bookkeeping) parsing was the largest single cost, so
// each connection keeps its statements prepared: a small per-connection
// cache keyed by the SQL text.
//
// The wrapper hides the driver's QueryerContext/ExecerContext, so
// database/sql always prepares through PrepareContext, which answers from
// the cache. database/sql "closes" a statement when its rows or result are
// done; for a cached statement that only marks it free again (modernc
// resets a reused statement when its rows close). A statement still in use
// on the same connection (a query run while another's rows are open) gets a
// fresh, uncached one.

// stmtCacheSize bounds the statements kept per connection.
const stmtCacheSize = 256

// maxCachedSQL skips caching very long texts (migration scripts).
const maxCachedSQL = 8 << 10

// openDB opens a database/sql pool over the modernc driver with statement
// caching.
func openDB(dsn string) *sql.DB {
	return sql.OpenDB(&connector{dsn: dsn, drv: &sqlite.Driver{}})
}

type connector struct {
	dsn string
	drv *sqlite.Driver
}

func (c *connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(innerConn)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite driver connection lacks the expected interfaces")
	}
	return &cachingConn{inner: inner, stmts: map[string]*cachedStmt{}}, nil
}

func (c *connector) Driver() driver.Driver { return c.drv }

// innerConn is what the modernc connection implements and the wrapper
// forwards.
type innerConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type cachingConn struct {
	inner innerConn
	stmts map[string]*cachedStmt
}

var (
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if s, ok := c.stmts[query]; ok && s.busy.CompareAndSwap(false, true) {
		return s, nil
	}
	st, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, taken := c.stmts[query]; taken || len(c.stmts) >= stmtCacheSize || len(query) > maxCachedSQL {
		return st, nil // used once and closed by database/sql
	}
	inner, ok := st.(innerStmt)
	if !ok {
		return st, nil
	}
	cs := &cachedStmt{inner: inner}
	cs.busy.Store(true)
	c.stmts[query] = cs
	return cs, nil
}

func (c *cachingConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.inner.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.inner.Close())
	return errors.Join(errs...)
}

func (c *cachingConn) Begin() (driver.Tx, error) { //nolint:staticcheck // required by driver.Conn
	return c.inner.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner.BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.inner.Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }

func (c *cachingConn) IsValid() bool { return c.inner.IsValid() }

type innerStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachedStmt is a prepared statement kept for reuse; Close frees it for the
// next use instead of finalizing it.
type cachedStmt struct {
	inner innerStmt
	busy  atomic.Bool
}

func (s *cachedStmt) Close() error { s.busy.Store(false); return nil }

func (s *cachedStmt) NumInput() int { return s.inner.NumInput() }

func (s *cachedStmt) Exec(args []driver.Value) (driver.Result, error) { //nolint:staticcheck // required by driver.Stmt
	return s.inner.Exec(args) //nolint:staticcheck
}

func (s *cachedStmt) Query(args []driver.Value) (driver.Rows, error) { //nolint:staticcheck // required by driver.Stmt
	return s.inner.Query(args) //nolint:staticcheck
}

func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.inner.ExecContext(ctx, args)
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.inner.QueryContext(ctx, args)
}

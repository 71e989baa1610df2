package testkit

import (
	"context"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Database is a fresh database on one backend, migrated for aaa and for
// River, as `aaa serve` leaves it after start.
type Database struct {
	// Backend is "sqlite" or "postgres".
	Backend string
	// DB is the store.
	DB *store.DB
	// URL is the DATABASE_URL that reaches it.
	URL string
	// Pool is River's pgx pool on Postgres (nil on SQLite).
	Pool *pgxpool.Pool
}

// OpenDatabase opens a fresh store on b and applies aaa's and River's
// migrations; everything is closed when t ends.
func OpenDatabase(t testing.TB, b Backend) *Database {
	t.Helper()
	ctx := context.Background()
	db, u := b.Open(t)
	d := &Database{Backend: b.Name, DB: db, URL: u}
	if b.Name == "postgres" {
		pool, err := pgxpool.New(ctx, u)
		if err != nil {
			t.Fatalf("pgx pool: %v", err)
		}
		t.Cleanup(pool.Close)
		d.Pool = pool
	}
	if err := jobs.Migrate(ctx, db.Writer(), d.Pool); err != nil {
		t.Fatal(err)
	}
	return d
}

// Queue builds a River queue over the database with o (its DB and Pool are
// filled in). It is not started.
func (d *Database) Queue(t testing.TB, o jobs.Options) *jobs.Queue {
	t.Helper()
	o.DB, o.Pool = d.DB.Writer(), d.Pool
	q, err := jobs.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

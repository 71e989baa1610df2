// Package storetest is the store conformance suite and the helpers that open
// a fresh, migrated store for a test on each backend: SQLite always, Postgres
// whenever AAA_TEST_POSTGRES_URL is set (each test in its own schema). Under
// CI=true a missing Postgres fails the test run instead of skipping.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/postgres"
	"github.com/ashby-auto-advance/aaa/internal/store/sqlite"
	"github.com/jackc/pgx/v5"
)

// Backend is one way to open a test store.
type Backend struct {
	Name string
	// Open returns a fresh, migrated store and the DATABASE_URL that reaches
	// the same database (for subprocesses).
	Open func(t testing.TB) (*store.DB, string)
}

// Backends returns the backends to test on. Without AAA_TEST_POSTGRES_URL,
// Postgres is skipped, or fails the test under CI=true.
func Backends(t testing.TB) []Backend {
	out := []Backend{{Name: "sqlite", Open: OpenSQLite}}
	if PostgresURL(t) != "" {
		out = append(out, Backend{Name: "postgres", Open: OpenPostgres})
	}
	return out
}

// PostgresURL returns AAA_TEST_POSTGRES_URL; under CI=true its absence fails t.
func PostgresURL(t testing.TB) string {
	u := os.Getenv("AAA_TEST_POSTGRES_URL")
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatal("CI=true but AAA_TEST_POSTGRES_URL is not set: Postgres tests cannot be skipped in CI")
	}
	return u
}

// OpenSQLite opens a migrated store on a new file in t's temp dir.
func OpenSQLite(t testing.TB) (*store.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "aaa.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db, "sqlite:" + path
}

// OpenPostgres opens a migrated store in a new schema of the test database.
func OpenPostgres(t testing.TB) (*store.DB, string) {
	t.Helper()
	u := NewPostgresSchema(t)
	db, _, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db, u
}

// NewPostgresSchema creates an empty schema (dropped after the test) and
// returns a URL whose search_path points at it.
func NewPostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	if base == "" {
		t.Skip("AAA_TEST_POSTGRES_URL not set")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect postgres: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse AAA_TEST_POSTGRES_URL: %v", err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String()
}

// Each runs fn once per backend as a parallel subtest with a fresh store.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db, _ := b.Open(t)
			fn(t, db)
		})
	}
}

// Must fails t on err.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

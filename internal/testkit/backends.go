package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/postgres"
	"github.com/ashby-auto-advance/aaa/internal/store/sqlite"
	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the variable holding the test Postgres server's URL.
const PostgresEnv = "AAA_TEST_POSTGRES_URL"

// Backend is one way to get a test database.
type Backend struct {
	// Name is "sqlite" or "postgres" (also the subtest name).
	Name string
	// Open returns a fresh, migrated store and the DATABASE_URL that reaches
	// the same database (for subprocesses and River's pgx pool).
	Open func(t testing.TB) (*store.DB, string)
	// URL returns the DATABASE_URL of a fresh, empty database, for a
	// process that migrates it itself (`aaa serve`, `aaa migrate`).
	URL func(t testing.TB) string
}

// Backends returns the backends to test on: SQLite always, Postgres when
// AAA_TEST_POSTGRES_URL is set. Without it under CI=true, t fails.
func Backends(t testing.TB) []Backend {
	out := []Backend{SQLite()}
	if PostgresURL(t) != "" {
		out = append(out, Postgres())
	}
	return out
}

// SQLite is the SQLite backend: a new file in t.TempDir() per call.
func SQLite() Backend {
	return Backend{Name: "sqlite", Open: OpenSQLite, URL: SQLiteURL}
}

// Postgres is the Postgres backend: a new schema of AAA_TEST_POSTGRES_URL
// per call (skipped when unset, failed under CI=true).
func Postgres() Backend {
	return Backend{Name: "postgres", Open: OpenPostgres, URL: NewPostgresSchema}
}

// PostgresURL returns AAA_TEST_POSTGRES_URL; under CI=true its absence fails t.
func PostgresURL(t testing.TB) string {
	u := os.Getenv(PostgresEnv)
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatal("CI=true but " + PostgresEnv + " is not set: Postgres tests cannot be skipped in CI")
	}
	return u
}

// SQLiteURL returns the DATABASE_URL of a SQLite file (not yet created) in
// t.TempDir().
func SQLiteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "aaa.db")
}

// OpenSQLite opens a migrated store on a new file in t.TempDir().
func OpenSQLite(t testing.TB) (*store.DB, string) {
	t.Helper()
	u := SQLiteURL(t)
	return OpenURL(t, u, true), u
}

// OpenPostgres opens a migrated store in a new schema of the test database.
func OpenPostgres(t testing.TB) (*store.DB, string) {
	t.Helper()
	u := NewPostgresSchema(t)
	return OpenURL(t, u, true), u
}

// OpenURL opens the store at a DATABASE_URL ("sqlite:PATH" or a Postgres
// URL), migrating it when migrate is set; it is closed when t ends. Use it
// without migrate to read a database a subprocess owns and migrated.
func OpenURL(t testing.TB, dbURL string, migrate bool) *store.DB {
	t.Helper()
	ctx := context.Background()
	var db *store.DB
	var err error
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		db, err = sqlite.Open(path)
	} else {
		// Tests run many stores at once against one server (100
		// connections by default): each keeps a smaller pool than
		// production's 10 (4 of them for acknowledgements).
		sized := dbURL
		if !strings.Contains(sized, "pool_max_conns=") {
			sep := "?"
			if strings.Contains(sized, "?") {
				sep = "&"
			}
			sized += sep + "pool_max_conns=8"
		}
		db, _, err = postgres.Open(ctx, sized)
	}
	if err != nil {
		t.Fatalf("open %s: %v", dbURL, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if migrate {
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate %s: %v", dbURL, err)
		}
	}
	return db
}

// NewPostgresSchema creates an empty schema (dropped after the test) and
// returns a URL whose search_path points at it. It skips t when
// AAA_TEST_POSTGRES_URL is unset (and fails it under CI=true).
func NewPostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	if base == "" {
		t.Skip(PostgresEnv + " not set")
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
		t.Fatalf("parse %s: %v", PostgresEnv, err)
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

// EachBackend runs fn once per backend as a parallel subtest.
func EachBackend(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
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

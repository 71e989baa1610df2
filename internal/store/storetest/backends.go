// Package storetest is the store conformance suite (in its tests) and the
// seed guide's troubleshooting queries. Opening test databases is
// internal/testkit's job; the names below forward to it for the suite's
// callers.
package storetest

import (
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// Backend is testkit.Backend.
type Backend = testkit.Backend

// Backends is testkit.Backends.
func Backends(t testing.TB) []Backend { return testkit.Backends(t) }

// PostgresURL is testkit.PostgresURL.
func PostgresURL(t testing.TB) string { return testkit.PostgresURL(t) }

// OpenSQLite is testkit.OpenSQLite.
func OpenSQLite(t testing.TB) (*store.DB, string) { return testkit.OpenSQLite(t) }

// OpenPostgres is testkit.OpenPostgres.
func OpenPostgres(t testing.TB) (*store.DB, string) { return testkit.OpenPostgres(t) }

// NewPostgresSchema is testkit.NewPostgresSchema.
func NewPostgresSchema(t testing.TB) string { return testkit.NewPostgresSchema(t) }

// Each is testkit.Each.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) { testkit.Each(t, fn) }

// Must is testkit.Must.
func Must(t testing.TB, err error) {
	t.Helper()
	testkit.Must(t, err)
}

package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/sqlite"
)

// TestCachedStatementsNest runs the same query again while its first rows
// are still open on the one writer connection: the cache must hand out a
// fresh statement, not reset the one being read.
func TestCachedStatementsNest(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	w := db.Writer()
	if _, err := w.ExecContext(ctx, `CREATE TABLE t (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := w.ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, i); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT n FROM t WHERE n >= $1 ORDER BY n`
	err = db.InTx(ctx, func(tx store.Store) error {
		outer, err := tx.SQLTx().QueryContext(ctx, q, 0)
		if err != nil {
			return err
		}
		defer outer.Close()
		seen := 0
		for outer.Next() {
			var n int
			if err := outer.Scan(&n); err != nil {
				return err
			}
			if n != seen {
				t.Fatalf("outer row %d = %d", seen, n)
			}
			inner, err := tx.SQLTx().QueryContext(ctx, q, n)
			if err != nil {
				return err
			}
			count := 0
			for inner.Next() {
				count++
			}
			inner.Close()
			if count != 5-n {
				t.Fatalf("inner query for %d returned %d rows, want %d", n, count, 5-n)
			}
			seen++
		}
		if seen != 5 {
			t.Fatalf("outer rows = %d, want 5", seen)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	// Reused many times: still right.
	for i := range 50 {
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM t WHERE n < $1`, i%5).Scan(&n); err != nil || n != i%5 {
			t.Fatalf("reuse %d: %d, %v", i, n, err)
		}
	}
}

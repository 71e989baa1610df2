package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/store"
)

// TextHits scans every column of every table of the store, aaa's and
// River's, and returns "table.column: needle" for each column that holds
// one of needles (case-insensitive). Erasure tests use it: after an erasure
// it must find nothing.
func TextHits(t testing.TB, db *store.DB, needles ...string) []string {
	t.Helper()
	ctx := context.Background()
	w := db.Writer()
	cols, err := columns(ctx, w, db.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	var hits []string
	for _, c := range cols {
		for _, n := range needles {
			if n == "" {
				continue
			}
			var count int
			q := fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE LOWER(CAST(%s AS TEXT)) LIKE $1`, quote(c[0]), quote(c[1]))
			if err := w.QueryRowContext(ctx, q, "%"+strings.ToLower(n)+"%").Scan(&count); err != nil {
				t.Fatalf("scan %s.%s: %v", c[0], c[1], err)
			}
			if count > 0 {
				hits = append(hits, fmt.Sprintf("%s.%s: %q (%d rows)", c[0], c[1], n, count))
			}
		}
	}
	return hits
}

// columns lists (table, column) pairs of every table in the store's schema.
func columns(ctx context.Context, db *sql.DB, dialect string) ([][2]string, error) {
	var q string
	if dialect == store.DialectPostgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
	} else {
		q = `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

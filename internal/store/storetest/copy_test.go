package storetest_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/sqlite"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// copyColumn is one column of a SQLite table, as the fixture fills it.
type copyColumn struct {
	name, typ string
	notNull   bool
}

// sqliteTables lists the tables Copy copies (every table but the version
// table, River's and server_heartbeats, which says which servers run on the
// source and is not data), with their columns, read from the schema: a table a
// later migration adds is filled and checked without touching this test.
func sqliteTables(t *testing.T, db *sql.DB) map[string][]copyColumn {
	t.Helper()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'
AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'river_%' AND name <> 'schema_migrations'
AND name <> 'server_heartbeats' ORDER BY name`)
	testkit.Must(t, err)
	var names []string
	for rows.Next() {
		var n string
		testkit.Must(t, rows.Scan(&n))
		names = append(names, n)
	}
	testkit.Must(t, rows.Err())
	rows.Close()
	out := map[string][]copyColumn{}
	for _, n := range names {
		cr, err := db.QueryContext(ctx, `SELECT name, type, "notnull" OR pk > 0 FROM pragma_table_info($1) ORDER BY cid`, n)
		testkit.Must(t, err)
		for cr.Next() {
			var c copyColumn
			testkit.Must(t, cr.Scan(&c.name, &c.typ, &c.notNull))
			out[n] = append(out[n], c)
		}
		testkit.Must(t, cr.Err())
		cr.Close()
	}
	return out
}

// fixtureRows is how many rows the fixture writes to every table.
const fixtureRows = 4

// fillEveryTable writes fixtureRows rows to every table. Text columns hold
// "<column>-<n>", so a foreign key column named like the key it references
// (schedule_id, event_id, rule_id) points at a real parent row. Row 1 holds
// quotes, unicode and JSON; row 2 NULL in every nullable column.
func fillEveryTable(t *testing.T, db *store.DB) map[string][]copyColumn {
	t.Helper()
	ctx := context.Background()
	tables := sqliteTables(t, db.Writer())
	base := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	order := parentsFirst(t, db.Writer(), tables)
	err := db.InTx(ctx, func(tx store.Store) error {
		for _, name := range order {
			cols := tables[name]
			for i := range fixtureRows {
				names := make([]string, len(cols))
				ph := make([]string, len(cols))
				args := make([]any, len(cols))
				for j, c := range cols {
					names[j], ph[j] = `"`+c.name+`"`, fmt.Sprintf("$%d", j+1)
					typ := strings.ToUpper(c.typ)
					switch {
					case i == 2 && !c.notNull:
						args[j] = nil
					case strings.HasPrefix(typ, "BOOL"):
						args[j] = i%2 == 0
					case strings.Contains(typ, "INT"):
						args[j] = int64(i + 1)
					case strings.HasPrefix(typ, "TIMESTAMP"):
						args[j] = base.Add(time.Duration(i) * 90 * time.Minute)
					case i == 1:
						args[j] = fmt.Sprintf(`%s-%d {"q":"O'Brien \"Zoë\" 😀"}`, c.name, i)
					default:
						args[j] = fmt.Sprintf("%s-%d", c.name, i)
					}
				}
				q := `INSERT INTO "` + name + `" (` + strings.Join(names, ", ") + `) VALUES (` + strings.Join(ph, ", ") + `)`
				if _, err := tx.SQLTx().ExecContext(ctx, q, args...); err != nil {
					return fmt.Errorf("fill %s: %w", name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

// parentsFirst orders tables so referenced tables come first.
func parentsFirst(t *testing.T, db *sql.DB, tables map[string][]copyColumn) []string {
	t.Helper()
	parents := map[string][]string{}
	for name := range tables {
		rows, err := db.QueryContext(context.Background(), `SELECT DISTINCT "table" FROM pragma_foreign_key_list($1)`, name)
		testkit.Must(t, err)
		for rows.Next() {
			var p string
			testkit.Must(t, rows.Scan(&p))
			if p != name {
				parents[name] = append(parents[name], p)
			}
		}
		testkit.Must(t, rows.Err())
		rows.Close()
	}
	var order []string
	for len(order) < len(tables) {
		progress := false
		for name := range tables {
			if slices.Contains(order, name) {
				continue
			}
			if !slices.ContainsFunc(parents[name], func(p string) bool { return !slices.Contains(order, p) }) {
				order = append(order, name)
				progress = true
			}
		}
		if !progress {
			t.Fatalf("foreign keys form a cycle: %v", parents)
		}
	}
	return order
}

// sourceFixture builds a migrated SQLite file with every table filled and
// returns it opened read-only, as `aaa store copy` opens its source.
func sourceFixture(t *testing.T) (*store.DB, string, map[string][]copyColumn) {
	t.Helper()
	db, url := testkit.OpenSQLite(t)
	tables := fillEveryTable(t, db)
	testkit.Must(t, db.Close())
	path := strings.TrimPrefix(url, "sqlite:")
	ro, err := sqlite.OpenReadOnly(path)
	testkit.Must(t, err)
	t.Cleanup(func() { ro.Close() })
	return ro, path, tables
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	testkit.Must(t, err)
	defer f.Close()
	h := sha256.New()
	_, err = io.Copy(h, f)
	testkit.Must(t, err)
	return fmt.Sprintf("%x", h.Sum(nil))
}

// dump reads every row of a table as sorted, normalised strings, so a
// SQLite and a Postgres copy compare equal when they hold the same data.
func dump(t *testing.T, db *sql.DB, table string, cols []copyColumn) []string {
	t.Helper()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = `"` + c.name + `"`
	}
	rows, err := db.QueryContext(context.Background(), `SELECT `+strings.Join(names, ", ")+` FROM "`+table+`"`)
	testkit.Must(t, err)
	defer rows.Close()
	var out []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		testkit.Must(t, rows.Scan(ptrs...))
		parts := make([]string, len(cols))
		for i, v := range vals {
			parts[i] = normalise(v, cols[i].typ)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	testkit.Must(t, rows.Err())
	slices.Sort(out)
	return out
}

func normalise(v any, typ string) string {
	typ = strings.ToUpper(typ)
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	case bool:
		return fmt.Sprint(x)
	case int64:
		if strings.HasPrefix(typ, "BOOL") {
			return fmt.Sprint(x != 0)
		}
		return fmt.Sprint(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

func TestCopyEveryTable(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run("sqlite_to_"+b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			src, path, tables := sourceFixture(t)
			before := fileHash(t, path)
			dst, _ := b.Open(t)
			counts, err := store.Copy(ctx, src, dst, store.CopyOptions{})
			testkit.Must(t, err)

			if len(counts) != len(tables) {
				t.Fatalf("copied %d tables, the schema has %d", len(counts), len(tables))
			}
			seen := map[string]bool{}
			for _, c := range counts {
				seen[c.Table] = true
				if c.Source != fixtureRows || c.Copied != fixtureRows || c.Target != fixtureRows {
					t.Errorf("%s: source %d, copied %d, target %d; want %d each", c.Table, c.Source, c.Copied, c.Target, fixtureRows)
				}
			}
			for name, cols := range tables {
				if !seen[name] {
					t.Errorf("table %s not copied", name)
					continue
				}
				want, got := dump(t, src.Reader(), name, cols), dump(t, dst.Reader(), name, cols)
				if !slices.Equal(want, got) {
					t.Errorf("%s differs after copy:\n source %q\n target %q", name, want, got)
				}
			}
			// Parents are copied before the tables referencing them.
			order := func(name string) int {
				return slices.IndexFunc(counts, func(c store.TableCount) bool { return c.Table == name })
			}
			if order("interview_schedules") > order("interview_events") || order("interview_events") > order("interview_assignments") ||
				order("advancement_rules") > order("advancement_rule_requirements") {
				t.Errorf("tables not in foreign-key order: %v", counts)
			}
			// The copied store reads back through the normal API.
			if _, err := dst.GetSchedule(ctx, "schedule_id-0"); err != nil {
				t.Errorf("read copied schedule: %v", err)
			}
			testkit.Must(t, src.Close())
			if after := fileHash(t, path); after != before {
				t.Fatal("the source file changed during the copy")
			}
		})
	}
}

func TestCopyRefusesNonEmptyTargetUnlessForced(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			src, _, _ := sourceFixture(t)
			dst, _ := b.Open(t)
			_, err := dst.Writer().ExecContext(ctx, `INSERT INTO sync_state (name, sync_token) VALUES ('old', 'old-token')`)
			testkit.Must(t, err)

			_, err = store.Copy(ctx, src, dst, store.CopyOptions{})
			var ne *store.TargetNotEmptyError
			if !errors.As(err, &ne) || !slices.Equal(ne.Tables, []string{"sync_state"}) {
				t.Fatalf("copy into a non-empty target: err = %v, want TargetNotEmptyError naming sync_state", err)
			}
			if n := count(t, dst, "interview_schedules"); n != 0 {
				t.Fatalf("refused copy still wrote %d schedules", n)
			}

			// A failure inside the transaction (here: the job step) rolls back
			// everything, the emptying of the target included.
			boom := errors.New("boom")
			_, err = store.Copy(ctx, src, dst, store.CopyOptions{Force: true,
				Within: func(context.Context, *sql.Tx) error { return boom }})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			if n := count(t, dst, "sync_state"); n != 1 {
				t.Fatalf("after a failed forced copy sync_state has %d rows, want the 1 it had", n)
			}

			var within bool
			counts, err := store.Copy(ctx, src, dst, store.CopyOptions{Force: true,
				Within: func(ctx context.Context, tx *sql.Tx) error {
					// Within sees the copied rows: same transaction.
					var n int
					within = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM interview_schedules`).Scan(&n) == nil && n == fixtureRows
					return nil
				}})
			testkit.Must(t, err)
			if !within {
				t.Error("Within did not run in the copy's transaction")
			}
			for _, c := range counts {
				if c.Target != fixtureRows {
					t.Errorf("%s: %d rows after a forced copy, want %d", c.Table, c.Target, fixtureRows)
				}
			}
			var token string
			err = dst.Reader().QueryRowContext(ctx, `SELECT sync_token FROM sync_state WHERE name = 'old'`).Scan(&token)
			if !errors.Is(err, sql.ErrNoRows) {
				t.Fatalf("the forced copy kept the target's old row (err %v)", err)
			}
		})
	}
}

func TestCopyRefusesDifferentSchemaVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := testkit.OpenSQLite(t)
	_, err := db.Writer().ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`)
	testkit.Must(t, err)
	dst, _ := testkit.OpenSQLite(t)
	_, err = store.Copy(ctx, db, dst, store.CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), "aaa migrate") {
		t.Fatalf("copy from an older schema: err = %v, want a hint to migrate the source", err)
	}
	_, err = store.Copy(ctx, dst, db, store.CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("copy from a newer schema: err = %v, want a refusal", err)
	}
}

func TestOpenReadOnlyRefusesWritesAndMissingFiles(t *testing.T) {
	t.Parallel()
	_, url := testkit.OpenSQLite(t)
	path := strings.TrimPrefix(url, "sqlite:")
	ro, err := sqlite.OpenReadOnly(path)
	testkit.Must(t, err)
	defer ro.Close()
	if _, err := ro.Writer().ExecContext(context.Background(), `INSERT INTO sync_state (name) VALUES ('x')`); err == nil {
		t.Fatal("a read-only store accepted a write")
	}
	if _, err := sqlite.OpenReadOnly(filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Fatal("OpenReadOnly created a missing file")
	}
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	testkit.Must(t, db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n))
	return n
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CopyOptions configures Copy.
type CopyOptions struct {
	// Force empties the target's tables first, in the copy's transaction.
	// Without it a target holding any row is refused with
	// *TargetNotEmptyError.
	Force bool
	// Within runs in the target transaction after the rows are copied and
	// counted, before the commit; `aaa store copy` re-creates pending jobs
	// there, so rows and jobs land together or not at all.
	Within func(ctx context.Context, tx *sql.Tx) error
}

// TableCount is one copied table: rows in the source, rows written, and rows
// in the target after the copy (all three equal, or Copy fails).
type TableCount struct {
	Table  string
	Source int64
	Copied int64
	Target int64
}

// TargetNotEmptyError lists the target tables that already hold rows.
type TargetNotEmptyError struct {
	Tables []string
}

func (e *TargetNotEmptyError) Error() string {
	return "target database is not empty (rows in " + strings.Join(e.Tables, ", ") + "); use --force to replace its data"
}

// copyExcluded reports tables Copy leaves alone: the migration version table
// (the target is migrated by this binary, and Copy checks both are at the
// same version) and River's tables (pending jobs are re-created through
// River by the caller, see CopyOptions.Within).
func copyExcluded(name string) bool {
	return name == VersionTable || name == "goose_db_version" ||
		strings.HasPrefix(name, "river_") || strings.HasPrefix(name, "sqlite_")
}

// Copy copies every table of src into dst, which must be migrated to the
// same schema version, in one transaction on dst. Tables and columns are
// read from the schema (so tables added by later migrations are copied
// too); each value is converted to the target column's type (SQLite keeps
// booleans as integers and timestamps as text). Tables are filled parents
// first, following the foreign keys. After the rows are written every
// table's count is checked against the source: any difference rolls the
// whole copy back. src is only read, in one read transaction.
func Copy(ctx context.Context, src, dst *DB, opts CopyOptions) ([]TableCount, error) {
	if err := sameVersion(ctx, src, dst); err != nil {
		return nil, err
	}
	plan, err := copyPlan(ctx, src, dst)
	if err != nil {
		return nil, err
	}
	var srcOpts *sql.TxOptions
	if src.opts.Dialect == DialectPostgres {
		srcOpts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	srcTx, err := src.opts.Reader.BeginTx(ctx, srcOpts)
	if err != nil {
		return nil, fmt.Errorf("read source: %w", err)
	}
	defer srcTx.Rollback() //nolint:errcheck // read-only

	var counts []TableCount
	err = dst.InTx(ctx, func(tx Store) error {
		dtx := tx.SQLTx()
		if err := emptyTarget(ctx, dtx, plan, opts.Force); err != nil {
			return err
		}
		for _, t := range plan {
			c, err := copyTable(ctx, srcTx, dtx, t)
			if err != nil {
				return err
			}
			counts = append(counts, c)
		}
		var bad []string
		for _, c := range counts {
			if c.Source != c.Copied || c.Copied != c.Target {
				bad = append(bad, fmt.Sprintf("%s (source %d, copied %d, target %d)", c.Table, c.Source, c.Copied, c.Target))
			}
		}
		if len(bad) > 0 {
			return fmt.Errorf("row counts differ after copy: %s", strings.Join(bad, ", "))
		}
		if opts.Within != nil {
			return opts.Within(ctx, dtx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// sameVersion refuses a copy between databases at different schema versions:
// a row copied into columns it was not written for could lose meaning.
func sameVersion(ctx context.Context, src, dst *DB) error {
	sv, err := appliedVersions(ctx, src.opts.Reader)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	dv, err := appliedVersions(ctx, dst.opts.Writer)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	if !slices.Equal(sv, dv) {
		last := func(v []int64) int64 {
			if len(v) == 0 {
				return 0
			}
			return v[len(v)-1]
		}
		if last(sv) > last(dv) {
			return fmt.Errorf("source schema is at version %d, newer than this aaa (%d): copy with the aaa that wrote it", last(sv), last(dv))
		}
		return fmt.Errorf("source schema is at version %d, target at %d: bring the source up to date first (aaa migrate --db <source>)", last(sv), last(dv))
	}
	return nil
}

func appliedVersions(ctx context.Context, q querier) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT version FROM `+VersionTable+` WHERE version > 0 ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("read %s (is the database migrated?): %w", VersionTable, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read %s: %w", VersionTable, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// notCopied are tables that hold no data to graduate, with why.
var notCopied = map[string]string{
	// Which servers run on a store is not data: each server beats its own
	// row into the store it serves.
	"server_heartbeats": "heartbeats of the servers running on the source",
}

// copyTableSpec is one table to copy: its columns and their target kinds.
type copyTableSpec struct {
	name  string
	cols  []string
	kinds []string // target column kinds, see columnKind
	dst   string   // target dialect
}

// copyPlan lists the source's tables in foreign-key order with the columns
// both sides share, and refuses a mismatch (a table or column on one side
// only means the schemas differ despite equal versions).
func copyPlan(ctx context.Context, src, dst *DB) ([]copyTableSpec, error) {
	srcTables, err := schemaTables(ctx, src.opts.Reader, src.opts.Dialect)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	dstTables, err := schemaTables(ctx, dst.opts.Writer, dst.opts.Dialect)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	for name := range notCopied {
		delete(srcTables, name)
		delete(dstTables, name)
	}
	var problems []string
	for name := range dstTables {
		if _, ok := srcTables[name]; !ok {
			problems = append(problems, "table "+name+" is missing in the source")
		}
	}
	var plan []copyTableSpec
	for name, scols := range srcTables {
		dcols, ok := dstTables[name]
		if !ok {
			problems = append(problems, "table "+name+" is missing in the target")
			continue
		}
		t := copyTableSpec{name: name, dst: dst.opts.Dialect}
		for _, dc := range dcols {
			if !slices.ContainsFunc(scols, func(c column) bool { return c.name == dc.name }) {
				problems = append(problems, "column "+name+"."+dc.name+" is missing in the source")
				continue
			}
			t.cols = append(t.cols, dc.name)
			t.kinds = append(t.kinds, columnKind(dc.typ))
		}
		for _, sc := range scols {
			if !slices.ContainsFunc(dcols, func(c column) bool { return c.name == sc.name }) {
				problems = append(problems, "column "+name+"."+sc.name+" is missing in the target")
			}
		}
		plan = append(plan, t)
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, fmt.Errorf("source and target schemas differ: %s", strings.Join(problems, "; "))
	}
	parents, err := foreignKeys(ctx, dst.opts.Writer, dst.opts.Dialect, plan)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	return parentsFirst(plan, parents), nil
}

type column struct{ name, typ string }

// schemaTables maps each of aaa's tables to its columns in declared order.
func schemaTables(ctx context.Context, q querier, dialect string) (map[string][]column, error) {
	if dialect == DialectPostgres {
		// One catalog query: information_schema per table is slow on a
		// database with many schemas.
		return tableColumns(ctx, q, `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum`)
	}
	return tableColumns(ctx, q, `SELECT m.name, p.name, p.type
FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table'
ORDER BY m.name, p.cid`)
}

func tableColumns(ctx context.Context, q querier, query string) (map[string][]column, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	defer rows.Close()
	out := map[string][]column{}
	for rows.Next() {
		var table string
		var c column
		if err := rows.Scan(&table, &c.name, &c.typ); err != nil {
			return nil, fmt.Errorf("list columns: %w", err)
		}
		if !copyExcluded(table) {
			out[table] = append(out[table], c)
		}
	}
	return out, rows.Err()
}

// foreignKeys maps each table to the tables its foreign keys reference.
func foreignKeys(ctx context.Context, q querier, dialect string, plan []copyTableSpec) (map[string][]string, error) {
	out := map[string][]string{}
	if dialect == DialectPostgres {
		rows, err := q.QueryContext(ctx, `SELECT DISTINCT child.relname, parent.relname
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class child ON child.oid = k.conrelid
JOIN pg_catalog.pg_class parent ON parent.oid = k.confrelid
WHERE k.contype = 'f' AND child.relnamespace = current_schema()::regnamespace`)
		if err != nil {
			return nil, fmt.Errorf("list foreign keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var child, parent string
			if err := rows.Scan(&child, &parent); err != nil {
				return nil, fmt.Errorf("list foreign keys: %w", err)
			}
			out[child] = append(out[child], parent)
		}
		return out, rows.Err()
	}
	for _, t := range plan {
		parents, err := queryStrings(ctx, q, `SELECT DISTINCT "table" FROM pragma_foreign_key_list($1)`, t.name)
		if err != nil {
			return nil, fmt.Errorf("list foreign keys of %s: %w", t.name, err)
		}
		out[t.name] = parents
	}
	return out, nil
}

// parentsFirst orders tables so every referenced table comes before the
// tables referencing it (then by name, so the order is stable).
func parentsFirst(plan []copyTableSpec, parents map[string][]string) []copyTableSpec {
	slices.SortFunc(plan, func(a, b copyTableSpec) int { return strings.Compare(a.name, b.name) })
	done := map[string]bool{}
	var out []copyTableSpec
	var visit func(t copyTableSpec, depth int)
	byName := map[string]copyTableSpec{}
	for _, t := range plan {
		byName[t.name] = t
	}
	visit = func(t copyTableSpec, depth int) {
		if done[t.name] || depth > len(plan) {
			return
		}
		for _, p := range parents[t.name] {
			if pt, ok := byName[p]; ok && p != t.name {
				visit(pt, depth+1)
			}
		}
		if !done[t.name] {
			done[t.name] = true
			out = append(out, t)
		}
	}
	for _, t := range plan {
		visit(t, 0)
	}
	return out
}

// emptyTarget refuses a target holding rows, or with force empties it.
func emptyTarget(ctx context.Context, tx *sql.Tx, plan []copyTableSpec, force bool) error {
	var full []string
	for _, t := range plan {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(t.name)).Scan(&n); err != nil {
			return fmt.Errorf("count target %s: %w", t.name, err)
		}
		if n > 0 {
			full = append(full, t.name)
		}
	}
	if len(full) == 0 {
		return nil
	}
	if !force {
		return &TargetNotEmptyError{Tables: full}
	}
	// DELETE, children first, rather than TRUNCATE: one statement per
	// table on both backends, and no catalog churn on Postgres.
	for i := len(plan) - 1; i >= 0; i-- {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+quoteIdent(plan[i].name)); err != nil {
			return fmt.Errorf("empty target %s: %w", plan[i].name, err)
		}
	}
	return nil
}

// copyBatchParams bounds the placeholders of one multi-row INSERT (both
// SQLite's and Postgres's limits are above it).
const copyBatchParams = 30000

// copyTable streams one table from the source into batched INSERTs.
func copyTable(ctx context.Context, src, dst *sql.Tx, t copyTableSpec) (TableCount, error) {
	c := TableCount{Table: t.name}
	table := quoteIdent(t.name)
	if err := src.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&c.Source); err != nil {
		return c, fmt.Errorf("count source %s: %w", t.name, err)
	}
	quoted := make([]string, len(t.cols))
	for i, col := range t.cols {
		quoted[i] = quoteIdent(col)
	}
	colList := strings.Join(quoted, ", ")
	rows, err := src.QueryContext(ctx, `SELECT `+colList+` FROM `+table)
	if err != nil {
		return c, fmt.Errorf("read source %s: %w", t.name, err)
	}
	defer rows.Close()
	perBatch := max(1, min(500, copyBatchParams/len(t.cols)))
	batch := make([]any, 0, perBatch*len(t.cols))
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n := len(batch) / len(t.cols)
		var b strings.Builder
		b.WriteString(`INSERT INTO ` + table + ` (` + colList + `) VALUES `)
		p := 1
		for r := range n {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for i := range t.cols {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("$" + strconv.Itoa(p))
				p++
			}
			b.WriteByte(')')
		}
		if _, err := dst.ExecContext(ctx, b.String(), batch...); err != nil {
			return fmt.Errorf("write target %s: %w", t.name, err)
		}
		c.Copied += int64(n)
		batch = batch[:0]
		return nil
	}
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return c, fmt.Errorf("read source %s: %w", t.name, err)
		}
		for i, v := range vals {
			cv, err := convertValue(v, t.kinds[i], t.dst)
			if err != nil {
				return c, fmt.Errorf("convert %s.%s: %w", t.name, t.cols[i], err)
			}
			batch = append(batch, cv)
		}
		if len(batch) >= perBatch*len(t.cols) {
			if err := flush(); err != nil {
				return c, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("read source %s: %w", t.name, err)
	}
	if err := flush(); err != nil {
		return c, err
	}
	if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&c.Target); err != nil {
		return c, fmt.Errorf("count target %s: %w", t.name, err)
	}
	return c, nil
}

// Column kinds Copy converts to.
const (
	kindText  = "text"
	kindBool  = "bool"
	kindInt   = "int"
	kindFloat = "float"
	kindTime  = "time"
)

// columnKind maps a declared (SQLite) or information_schema (Postgres)
// column type to the kind of Go value written to it.
func columnKind(typ string) string {
	t := strings.ToLower(typ)
	switch {
	case strings.HasPrefix(t, "bool"):
		return kindBool
	case strings.Contains(t, "int"):
		return kindInt
	case strings.HasPrefix(t, "timestamp"), strings.HasPrefix(t, "date"):
		return kindTime
	case strings.Contains(t, "double"), strings.Contains(t, "real"), strings.Contains(t, "float"), strings.Contains(t, "numeric"):
		return kindFloat
	}
	return kindText
}

// sqliteTimeLayouts are the text forms SQLite databases hold timestamps in
// (aaa writes the first, with _time_format=sqlite).
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// convertValue turns a value read from the source into one the target's
// column of the given kind accepts. NULL stays NULL.
func convertValue(v any, kind, dstDialect string) (any, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil, nil
	}
	switch kind {
	case kindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("boolean %q: %w", x, err)
			}
			return b, nil
		}
	case kindInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			return int64(x), nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("integer %q: %w", x, err)
			}
			return n, nil
		}
	case kindFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fmt.Errorf("number %q: %w", x, err)
			}
			return f, nil
		}
	case kindTime:
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case int64:
			return time.Unix(x, 0).UTC(), nil
		case string:
			for _, layout := range sqliteTimeLayouts {
				if t, err := time.Parse(layout, strings.TrimSpace(x)); err == nil {
					return t.UTC(), nil
				}
			}
			return nil, fmt.Errorf("timestamp %q: unknown format", x)
		}
	default:
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case bool:
			return strconv.FormatBool(x), nil
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano), nil
		}
	}
	return nil, fmt.Errorf("%T value for a %s column (target %s)", v, kind, dstDialect)
}

func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// quoteIdent quotes a table or column name read from the schema.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"time"

	"github.com/ashby-auto-advance/aaa/database"
	"github.com/pressly/goose/v3"
	gooseDB "github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// VersionTable is the migration version table; its name and its `version`
// column are the seed's, so `SELECT * FROM schema_migrations ORDER BY version`
// keeps working.
const VersionTable = "schema_migrations"

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// Migrate applies every pending migration. On Postgres it holds goose's
// advisory session lock, so instances starting together migrate once.
func (db *DB) Migrate(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	out := make([]MigrationStatus, 0, len(res))
	for _, r := range res {
		out = append(out, MigrationStatus{Version: r.Source.Version, Name: migrationName(r.Source.Path), Applied: true})
	}
	return out, nil
}

// MigrationStatuses lists every known migration and whether it is applied.
func (db *DB) MigrationStatuses(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Name: migrationName(s.Source.Path),
			Applied: s.State == goose.StateApplied, AppliedAt: s.AppliedAt})
	}
	return out, nil
}

// SchemaCurrent reports whether every migration is applied; pending counts
// those that are not.
func (db *DB) SchemaCurrent(ctx context.Context) (pending int, err error) {
	st, err := db.MigrationStatuses(ctx)
	if err != nil {
		return 0, err
	}
	for _, s := range st {
		if !s.Applied {
			pending++
		}
	}
	return pending, nil
}

func (db *DB) provider() (*goose.Provider, error) {
	fsys, err := fs.Sub(database.Migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("open migrations: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithStore(&versionStore{dialect: db.opts.Dialect, names: migrationNames(fsys)})}
	if db.opts.Dialect == DialectPostgres {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(goose.DialectCustom, db.opts.Writer, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

var migrationFile = regexp.MustCompile(`^(\d+)_(.+)\.sql$`)

func migrationName(path string) string {
	if m := migrationFile.FindStringSubmatch(path); m != nil {
		return m[2]
	}
	return path
}

func migrationNames(fsys fs.FS) map[int64]string {
	names := map[int64]string{0: "goose_base"}
	entries, _ := fs.ReadDir(fsys, ".")
	for _, e := range entries {
		if m := migrationFile.FindStringSubmatch(e.Name()); m != nil {
			v, _ := strconv.ParseInt(m[1], 10, 64)
			names[v] = m[2]
		}
	}
	return names
}

// versionStore is goose's version table in the seed's shape:
// schema_migrations(version, name, description, applied_at).
type versionStore struct {
	dialect string
	names   map[int64]string
}

var _ gooseDB.StoreExtender = (*versionStore)(nil)

func (s *versionStore) Tablename() string { return VersionTable }

func (s *versionStore) CreateVersionTable(ctx context.Context, db gooseDB.DBTxConn) error {
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+VersionTable+` (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    applied_at TIMESTAMP NOT NULL
)`)
	if err != nil {
		return fmt.Errorf("create %s: %w", VersionTable, err)
	}
	return nil
}

func (s *versionStore) Insert(ctx context.Context, db gooseDB.DBTxConn, req gooseDB.InsertRequest) error {
	_, err := db.ExecContext(ctx, `INSERT INTO `+VersionTable+` (version, name, description, applied_at)
VALUES ($1, $2, $3, $4)`, req.Version, s.names[req.Version], "applied by aaa", time.Now().UTC())
	if err != nil {
		return fmt.Errorf("record migration %d: %w", req.Version, err)
	}
	return nil
}

func (s *versionStore) Delete(ctx context.Context, db gooseDB.DBTxConn, version int64) error {
	_, err := db.ExecContext(ctx, `DELETE FROM `+VersionTable+` WHERE version = $1`, version)
	if err != nil {
		return fmt.Errorf("delete migration %d: %w", version, err)
	}
	return nil
}

func (s *versionStore) GetMigration(ctx context.Context, db gooseDB.DBTxConn, version int64) (*gooseDB.GetMigrationResult, error) {
	var at time.Time
	err := db.QueryRowContext(ctx, `SELECT applied_at FROM `+VersionTable+` WHERE version = $1`, version).Scan(&at)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("migration %d: %w", version, gooseDB.ErrVersionNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get migration %d: %w", version, err)
	}
	return &gooseDB.GetMigrationResult{Timestamp: at, IsApplied: true}, nil
}

func (s *versionStore) GetLatestVersion(ctx context.Context, db gooseDB.DBTxConn) (int64, error) {
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM `+VersionTable).Scan(&v); err != nil {
		return -1, fmt.Errorf("latest migration: %w", err)
	}
	if !v.Valid {
		return -1, fmt.Errorf("latest migration: %w", gooseDB.ErrVersionNotFound)
	}
	return v.Int64, nil
}

func (s *versionStore) ListMigrations(ctx context.Context, db gooseDB.DBTxConn) ([]*gooseDB.ListMigrationsResult, error) {
	rows, err := db.QueryContext(ctx, `SELECT version FROM `+VersionTable+` ORDER BY version DESC`)
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	defer rows.Close()
	var out []*gooseDB.ListMigrationsResult
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("list migrations: %w", err)
		}
		out = append(out, &gooseDB.ListMigrationsResult{Version: v, IsApplied: true})
	}
	return out, rows.Err()
}

// TableExists is the one query that differs by dialect.
func (s *versionStore) TableExists(ctx context.Context, db gooseDB.DBTxConn) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if s.dialect == DialectPostgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	if err := db.QueryRowContext(ctx, q, VersionTable).Scan(&n); err != nil {
		return false, fmt.Errorf("check %s exists: %w", VersionTable, err)
	}
	return n > 0, nil
}

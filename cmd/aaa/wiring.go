package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/postgres"
	"github.com/ashby-auto-advance/aaa/internal/store/sqlite"
	"github.com/jackc/pgx/v5/pgxpool"
)

// newLogger builds the process logger: JSON (or text) with the seed's
// "event" key for the message, request ids added from the context.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	switch strings.ToUpper(level) {
	case "DEBUG":
		lv = slog.LevelDebug
	case "WARNING", "WARN":
		lv = slog.LevelWarn
	case "ERROR", "CRITICAL":
		lv = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.MessageKey {
			a.Key = "event"
		}
		return a
	}}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(server.WithRequestIDs(h))
}

// backend is an opened store with what River needs.
type backend struct {
	db   *store.DB
	pool *pgxpool.Pool // nil on SQLite
	desc string
}

// openStore opens the store named by a DATABASE_URL value, creating a
// missing SQLite file (aaa serve, aaa migrate); Postgres gets three
// connection attempts (2s, 4s apart) as in the seed.
func openStore(ctx context.Context, url string, log *slog.Logger) (*backend, error) {
	return openBackend(ctx, url, log, true)
}

// openExistingStore is openStore for the commands that read a database: a
// missing SQLite file is an error naming it (exit 2), and nothing is created.
func openExistingStore(ctx context.Context, url string, log *slog.Logger) (*backend, error) {
	return openBackend(ctx, url, log, false)
}

// existingDBUsage is the --db help of the commands that read a database.
const existingDBUsage = "database (postgres://..., sqlite:PATH or a file path; default $DATABASE_URL); must exist: a missing SQLite file is an error, never created"

// dbFlag is the database a command's --db names, else DATABASE_URL (which
// the configuration check has parsed already). A --db value aaa cannot use
// is a usage error (exit 2).
func dbFlag(flag string, cfg config.Config) (string, error) {
	if flag == "" {
		return cfg.DatabaseURL, nil
	}
	if _, _, err := config.ParseDatabaseURL(flag); err != nil {
		return "", &exitError{code: 2, err: fmt.Errorf("--db: %w", err)}
	}
	return flag, nil
}

func openBackend(ctx context.Context, url string, log *slog.Logger, create bool) (*backend, error) {
	kind, path, err := config.ParseDatabaseURL(url)
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("DATABASE_URL: %w", err)}
	}
	if kind == "sqlite" {
		_, statErr := os.Stat(path)
		db, err := sqlite.OpenWith(path, sqlite.Options{Existing: !create})
		if errors.Is(err, sqlite.ErrNoDatabase) {
			return nil, &exitError{code: 2, err: fmt.Errorf("%w (this command opens an existing database and never creates one; "+
				"check --db or DATABASE_URL, or create it with 'aaa migrate')", err)}
		}
		if err != nil {
			return nil, err
		}
		if errors.Is(statErr, fs.ErrNotExist) {
			log.InfoContext(ctx, "database_file_created", "path", path, "mode", "0600")
		} else if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			// aaa leaves an existing file's mode alone, but says so: it
			// holds candidates' names and emails.
			log.WarnContext(ctx, "database_file_readable_by_others", "path", path, "mode", fmt.Sprintf("%#o", fi.Mode().Perm()),
				"hint", "chmod 600 the database file and its -wal and -shm files")
		}
		return &backend{db: db, desc: "sqlite:" + path}, nil
	}
	var lastErr error
	for attempt, wait := 1, 2*time.Second; attempt <= 3; attempt, wait = attempt+1, wait*2 {
		db, pool, err := postgres.Open(ctx, url)
		if err == nil {
			if err = db.Ping(ctx); err == nil {
				return &backend{db: db, pool: pool, desc: "postgres"}, nil
			}
			db.Close()
		}
		lastErr = err
		log.WarnContext(ctx, "database_connection_failed", "attempt", attempt, "error", err.Error())
		if attempt < 3 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
		}
	}
	return nil, fmt.Errorf("connect to postgres after 3 attempts: %w", lastErr)
}

// migrate applies aaa's and River's migrations. On Postgres both run under
// one advisory lock, so instances starting together migrate once.
func (b *backend) migrate(ctx context.Context) ([]store.MigrationStatus, error) {
	if b.pool == nil {
		applied, err := b.db.Migrate(ctx)
		if err != nil {
			return nil, err
		}
		return applied, jobs.Migrate(ctx, b.db.Writer(), nil)
	}
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Release()
	const lockKey = 0x616161 // "aaa"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck
	applied, err := b.db.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	return applied, jobs.Migrate(ctx, b.db.Writer(), b.pool)
}

func (b *backend) close() { b.db.Close() }

// withStore opens the store named by --db (default $DATABASE_URL) for a
// short command.
// The database must exist: a missing SQLite file is never created.
func withStore(ctx context.Context, dbURL string, fn func(be *backend) error) error {
	return withStoreOpen(ctx, dbURL, openExistingStore, fn)
}

func withStoreOpen(ctx context.Context, dbURL string, open func(context.Context, string, *slog.Logger) (*backend, error),
	fn func(be *backend) error) error {
	cfg, err := config.Load(os.Environ())
	if err != nil {
		return err
	}
	if dbURL, err = dbFlag(dbURL, cfg); err != nil {
		return err
	}
	log := newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
	be, err := open(ctx, dbURL, log)
	if err != nil {
		return err
	}
	defer be.close()
	return fn(be)
}

// appOptions are the use cases' settings from the configuration, the same
// for `aaa serve` and every tool; callers add the clients and the queue
// they have (nil ones leave those parts unconfigured).
func appOptions(cfg config.Config, be *backend, log *slog.Logger) app.Options {
	return app.Options{
		Store: be.db, Logger: log, DryRun: cfg.DryRun,
		MinWait: cfg.MinWait, Timeout: cfg.FeedbackTimeout,
		AdminChannel: cfg.AdminSlackChannelID, DefaultArchiveReason: cfg.DefaultArchiveReason,
		AllowedSlackUsers: cfg.SlackAllowedUserIDs, DeliveryRetention: cfg.DeliveryRetention, UndoWindow: cfg.UndoWindow,
		// A claimed action belongs to its worker for longer than any job run.
		ClaimLease: max(2*time.Minute, cfg.JobTimeout+time.Minute),
		Reminders: notify.ReminderPolicy{
			FirstAfter: cfg.ReminderFirstAfter, Every: cfg.ReminderEvery, Max: cfg.ReminderMax,
			WorkStart: cfg.ReminderWorkStart, WorkEnd: cfg.ReminderWorkEnd, Workdays: cfg.ReminderWorkdays,
			Location: cfg.ReminderLocation,
		},
	}
}

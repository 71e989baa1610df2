package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/sqlite"
	"github.com/riverqueue/river/rivertype"
	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newStoreCmd) }

func newStoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Move aaa's data between databases (graduate a SQLite trial to Postgres)",
	}
	cmd.AddCommand(newStoreCopyCmd())
	return cmd
}

func newStoreCopyCmd() *cobra.Command {
	var from, to string
	var force bool
	cmd := &cobra.Command{
		Use:   "copy --from sqlite:aaa.db --to postgres://...",
		Short: "Copy every table and every pending job into an empty database",
		Long: `Copy aaa's data from one database to another, typically a SQLite trial
(sqlite:aaa.db) into the Postgres database production will use.

The target is migrated first (aaa's and River's migrations, as aaa serve does),
then every table is copied in ONE transaction on the target: rules and their
requirements and actions, decisions, feedback, schedules, events, assignments,
webhook deliveries, sync tokens, reviews, notifications, metadata caches,
applications, Slack users, and any table a later migration adds. Jobs still
waiting in the source's queue (available, scheduled, retryable, running,
pending) are re-created on the target in the same transaction. Row counts are
checked per table; any difference rolls everything back.

The source is opened read-only and never changed; stop aaa serve on it first
so the copy is a consistent snapshot. A target that already holds rows is
refused unless --force, which empties the target's tables (and its job queue)
inside the same transaction before copying.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(os.Environ())
			if err != nil {
				return err
			}
			log := newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
			return storeCopy(cmd.Context(), cmd.OutOrStdout(), log, from, to, force)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "source database: sqlite:PATH (or postgres://...); opened read-only")
	cmd.Flags().StringVar(&to, "to", "", "target database: postgres://... (or sqlite:PATH); migrated, must be empty")
	cmd.Flags().BoolVar(&force, "force", false, "replace the data of a non-empty target (in the same transaction)")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

// storeCopy runs `aaa store copy` and prints a per-table count table.
func storeCopy(ctx context.Context, out io.Writer, log *slog.Logger, from, to string, force bool) error {
	srcKind, srcPath, err := config.ParseDatabaseURL(from)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("--from: %w", err)}
	}
	dstKind, dstPath, err := config.ParseDatabaseURL(to)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("--to: %w", err)}
	}
	if from == to || (srcKind == "sqlite" && dstKind == "sqlite" && sameFile(srcPath, dstPath)) {
		return errors.New("--from and --to name the same database")
	}

	var src *backend
	if srcKind == "sqlite" {
		db, err := sqlite.OpenReadOnly(srcPath)
		if errors.Is(err, sqlite.ErrNoDatabase) {
			return &exitError{code: 2, err: fmt.Errorf("source: %w (--from must name an existing database)", err)}
		}
		if err != nil {
			return fmt.Errorf("source: %w", err)
		}
		src = &backend{db: db, desc: "sqlite:" + srcPath}
	} else if src, err = openStore(ctx, from, log); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer src.close()

	// Jobs are listed before the copy's read transaction: on SQLite both
	// would want the same connections, and the source is not being written.
	pending, err := pendingJobs(ctx, src)
	if err != nil {
		return err
	}

	dst, err := openStore(ctx, to, log)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer dst.close()
	if _, err := dst.migrate(ctx); err != nil {
		return fmt.Errorf("migrate target: %w", err)
	}
	dq, err := jobs.New(jobs.Options{DB: dst.db.Writer(), Pool: dst.pool, Logger: log, InsertOnly: true})
	if err != nil {
		return err
	}
	var recreated jobs.RecreateResult
	counts, err := store.Copy(ctx, src.db, dst.db, store.CopyOptions{
		Force: force,
		Within: func(ctx context.Context, tx *sql.Tx) error {
			if force {
				// The replaced data's queued work goes with it.
				if _, err := tx.ExecContext(ctx, `DELETE FROM river_job`); err != nil {
					return fmt.Errorf("empty target job queue: %w", err)
				}
			}
			recreated, err = dq.Recreate(ctx, tx, pending)
			return err
		},
	})
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", src.desc, dst.desc, err)
	}

	width := len("pending jobs")
	for _, c := range counts {
		width = max(width, len(c.Table))
	}
	fmt.Fprintf(out, "%-*s  %8s  %8s\n", width, "TABLE", "SOURCE", "TARGET")
	var total int64
	for _, c := range counts {
		fmt.Fprintf(out, "%-*s  %8d  %8d\n", width, c.Table, c.Source, c.Target)
		total += c.Target
	}
	fmt.Fprintf(out, "%-*s  %8d  %8d\n", width, "pending jobs", len(pending), recreated.Inserted+recreated.Duplicates)
	fmt.Fprintf(out, "copied %d rows in %d tables and %d pending jobs from %s to %s; row counts match\n",
		total, len(counts), recreated.Inserted, src.desc, dst.desc)
	if recreated.Duplicates > 0 {
		fmt.Fprintf(out, "%d jobs were already queued on the target (unique) and not added twice\n", recreated.Duplicates)
	}
	return nil
}

// pendingJobs lists the source's unfinished River jobs; a source River never
// ran on has none.
func pendingJobs(ctx context.Context, src *backend) ([]*rivertype.JobRow, error) {
	sq, err := jobs.New(jobs.Options{DB: src.db.Writer(), Pool: src.pool, InsertOnly: true})
	if err != nil {
		return nil, err
	}
	var n int
	if err := src.db.Reader().QueryRowContext(ctx, riverJobTableQuery(src.db.Dialect())).Scan(&n); err != nil {
		return nil, fmt.Errorf("source: look for river_job: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	list, err := sq.PendingJobs(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	return list, nil
}

func riverJobTableQuery(dialect string) string {
	if dialect == store.DialectPostgres {
		return `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'river_job'`
	}
	return `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'river_job'`
}

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	aa, _ := filepath.Abs(a)
	ab, _ := filepath.Abs(b)
	return aa == ab
}

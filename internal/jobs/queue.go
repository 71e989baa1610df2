package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Options configures the queue.
type Options struct {
	// DB is the store's writer pool (database/sql).
	DB *sql.DB
	// Pool is the pgx pool on Postgres; nil means SQLite.
	Pool   *pgxpool.Pool
	Logger *slog.Logger
	// Periodic lists the periodic tasks; each runs on start and then every
	// interval, on the leader only.
	Periodic []Interval
	// QueueWorkers overrides the number of concurrent jobs of a queue
	// (QueueIngest, QueueEvaluate, QueueActions, QueuePeriodic, and
	// river.QueueDefault, which drains jobs enqueued before the queues were
	// split); see DefaultQueueWorkers.
	QueueWorkers map[string]int
	// MaxAttempts for ingestion and actions before a job is given up (default 12).
	MaxAttempts int
	// RetryBase and RetryMax bound the exponential retry delay (defaults 1s, 5m).
	// A delivery whose ingestion fails for a transient cause (Ashby down,
	// 5xx, 429: domain.ErrUnavailable) is retried with the same backoff,
	// capped at RetryMax, for as long as the cause lasts: those retries do
	// not count as attempts.
	RetryBase, RetryMax time.Duration
	// PollInterval is how often workers poll when no notification arrives
	// (default 1s on Postgres, 200ms on SQLite, which has no LISTEN).
	PollInterval time.Duration
	// InsertOnly builds a queue that only enqueues (the dashboard, tools).
	InsertOnly bool
	// JobTimeout bounds one run of a job (default 2m). RescueAfter is when a
	// job left running by a process that died is run again (default 3m; it
	// must exceed JobTimeout).
	JobTimeout, RescueAfter time.Duration
	// ObserveJob, when set, receives every finished job run (for metrics):
	// its kind, how long it ran and waited, and its outcome
	// (completed, failed, snoozed, cancelled).
	ObserveJob func(kind, outcome string, run, wait time.Duration)
}

// Queue enqueues and works aaa's jobs.
type Queue struct {
	opts     Options
	handlers Handlers               // set by Start, read by the workers
	txc      *river.Client[*sql.Tx] // inserts in database/sql transactions (and works jobs on SQLite)
	pgc      *river.Client[pgx.Tx]  // works jobs on Postgres
	pgi      *river.Client[pgx.Tx]  // inserts in acknowledgements' pgx transactions (Postgres)
	logger   *slog.Logger
	backoff  backoff // retries, and snoozes of transient failures
	// unsubscribe ends the job event subscription of ObserveJob.
	unsubscribe func()
}

// Migrate applies River's own migrations.
func Migrate(ctx context.Context, db *sql.DB, pool *pgxpool.Pool) error {
	var err error
	if pool != nil {
		var m *rivermigrate.Migrator[pgx.Tx]
		if m, err = rivermigrate.New(riverpgxv5.New(pool), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	} else {
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(db), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

// DefaultQueueWorkers returns each queue's number of workers. On SQLite
// every job's writes wait for the single writer connection, which webhook
// acknowledgements need too: few workers in all keep acks fast, and the
// split keeps the small queues (evaluations, clicks) moving while ingestion
// is busy with slow Ashby lookups.
func DefaultQueueWorkers(sqlite bool) map[string]int {
	if sqlite {
		return map[string]int{QueueIngest: 4, QueueEvaluate: 2, QueueActions: 2, QueuePeriodic: 1, river.QueueDefault: 1}
	}
	return map[string]int{QueueIngest: 10, QueueEvaluate: 6, QueueActions: 4, QueuePeriodic: 2, river.QueueDefault: 1}
}

// fetchCooldown is the least time between two fetches of a queue's jobs. On
// SQLite every fetch is a write on the one writer connection, which webhook
// acknowledgements and ingestion need too: 25 ms keeps fetches from taking
// a large share of it under load (ingestion batches are up to 25
// deliveries, so that is no bound on its pace). On Postgres fetches run in
// parallel with everything: 5 ms.
func fetchCooldown(sqlite bool, poll time.Duration) time.Duration {
	if sqlite {
		return min(poll, 25*time.Millisecond)
	}
	return min(poll, 5*time.Millisecond)
}

// New builds the queue. Call Start to work jobs.
func New(opts Options) (*Queue, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 12
	}
	if opts.RetryBase == 0 {
		opts.RetryBase = time.Second
	}
	if opts.RetryMax == 0 {
		opts.RetryMax = 5 * time.Minute
	}
	queueWorkers := DefaultQueueWorkers(opts.Pool == nil)
	for name, n := range opts.QueueWorkers {
		if _, ok := queueWorkers[name]; !ok {
			return nil, fmt.Errorf("unknown job queue %q", name)
		}
		if n < 1 {
			return nil, fmt.Errorf("job queue %q needs at least one worker", name)
		}
		queueWorkers[name] = n
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = time.Second
		if opts.Pool == nil {
			opts.PollInterval = 200 * time.Millisecond
		}
	}
	if opts.JobTimeout == 0 {
		opts.JobTimeout = 2 * time.Minute
	}
	if opts.RescueAfter == 0 {
		opts.RescueAfter = 3 * time.Minute
	}
	if opts.RescueAfter <= opts.JobTimeout {
		return nil, fmt.Errorf("job rescue delay %s must exceed the job timeout %s", opts.RescueAfter, opts.JobTimeout)
	}
	q := &Queue{opts: opts, logger: opts.Logger.With("component", "jobs"),
		backoff: backoff{base: opts.RetryBase, max: opts.RetryMax}}
	riverLogger := slog.New(levelFloor{opts.Logger.Handler(), slog.LevelWarn})
	workCfg := func() *river.Config {
		cfg := &river.Config{
			Logger:               riverLogger,
			MaxAttempts:          opts.MaxAttempts,
			RetryPolicy:          q.backoff,
			FetchPollInterval:    opts.PollInterval,
			FetchCooldown:        fetchCooldown(opts.Pool == nil, opts.PollInterval),
			RescueStuckJobsAfter: opts.RescueAfter,
			JobTimeout:           opts.JobTimeout,
		}
		if opts.InsertOnly {
			return cfg
		}
		cfg.Queues = map[string]river.QueueConfig{}
		for name, n := range queueWorkers {
			cfg.Queues[name] = river.QueueConfig{MaxWorkers: n}
		}
		cfg.Workers = q.workers()
		for _, p := range opts.Periodic {
			task := p.Task
			cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(p.Every),
				func() (river.JobArgs, *river.InsertOpts) { return PeriodicArgs{Task: task}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: task}))
		}
		return cfg
	}
	var err error
	if opts.Pool != nil {
		if !opts.InsertOnly {
			if q.pgc, err = river.NewClient(riverpgxv5.New(opts.Pool), workCfg()); err != nil {
				return nil, fmt.Errorf("river client: %w", err)
			}
		}
		insCfg := &river.Config{Logger: riverLogger, MaxAttempts: opts.MaxAttempts}
		// Webhook acknowledgements insert their job in a pgx transaction,
		// through a client of their own: it wakes the workers (NOTIFY) at
		// most once per River's default fetch cooldown (100 ms), where the
		// working client's 5 ms cooldown would NOTIFY with nearly every ack,
		// and Postgres serialises the commits of notifying transactions.
		if q.pgi, err = river.NewClient(riverpgxv5.New(opts.Pool), insCfg); err != nil {
			return nil, fmt.Errorf("river insert client: %w", err)
		}
		if q.txc, err = river.NewClient(riverdatabasesql.New(opts.DB), insCfg); err != nil {
			return nil, fmt.Errorf("river insert client: %w", err)
		}
		return q, nil
	}
	if q.txc, err = river.NewClient(riversqlite.New(opts.DB), workCfg()); err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return q, nil
}

// Start works jobs with h until Stop. An insert-only queue ignores h.
func (q *Queue) Start(ctx context.Context, h Handlers) error {
	if q.opts.InsertOnly {
		return nil
	}
	if err := h.check(q.opts.Periodic); err != nil {
		return err
	}
	q.handlers = h
	if q.opts.ObserveJob != nil {
		kinds := []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed,
			river.EventKindJobSnoozed, river.EventKindJobCancelled}
		var events <-chan *river.Event
		var cancel func()
		if q.pgc != nil {
			events, cancel = q.pgc.Subscribe(kinds...)
		} else {
			events, cancel = q.txc.Subscribe(kinds...)
		}
		q.unsubscribe = cancel
		go func() {
			for ev := range events {
				if ev.Job == nil || ev.JobStats == nil {
					continue
				}
				outcome := strings.TrimPrefix(string(ev.Kind), "job_")
				q.opts.ObserveJob(ev.Job.Kind, outcome, ev.JobStats.RunDuration, ev.JobStats.QueueWaitDuration)
			}
		}()
	}
	if q.pgc != nil {
		return q.pgc.Start(ctx)
	}
	return q.txc.Start(ctx)
}

// Stop waits for running jobs to finish (until ctx ends, then cancels them).
func (q *Queue) Stop(ctx context.Context) error {
	if q.opts.InsertOnly {
		return nil
	}
	if q.unsubscribe != nil {
		defer q.unsubscribe()
	}
	c := func() interface {
		Stop(context.Context) error
		StopAndCancel(context.Context) error
	} {
		if q.pgc != nil {
			return q.pgc
		}
		return q.txc
	}()
	if err := c.Stop(ctx); err != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return errors.Join(err, c.StopAndCancel(cctx))
	}
	return nil
}

// insert enqueues in tx when given, else on its own.
func (q *Queue) insert(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	var err error
	if tx != nil {
		_, err = q.txc.InsertTx(ctx, tx, args, opts)
	} else {
		_, err = q.txc.Insert(ctx, args, opts)
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// EnqueueIngest enqueues the processing of deliveries in tx, one job each
// (retries by hand, and the deliveries a batch could not process).
func (q *Queue) EnqueueIngest(ctx context.Context, tx *sql.Tx, deliveryIDs ...string) error {
	params := make([]river.InsertManyParams, len(deliveryIDs))
	for i, id := range deliveryIDs {
		params[i] = river.InsertManyParams{Args: IngestArgs{DeliveryID: id}}
	}
	return q.insertMany(ctx, tx, params)
}

// EnqueueIngestBatch enqueues the processing of deliveries stored together,
// as one job, in the transaction that stores them (store.AcceptDeliveries).
func (q *Queue) EnqueueIngestBatch(ctx context.Context, tx store.JobTx, deliveryIDs []string) error {
	if len(deliveryIDs) == 0 {
		return nil
	}
	args := IngestBatchArgs{DeliveryIDs: deliveryIDs}
	if tx.Pgx == nil {
		return q.insert(ctx, tx.SQL, args, nil)
	}
	if q.pgi == nil {
		return errors.New("enqueue ingest_deliveries: a pgx transaction on a queue without the pgx driver")
	}
	if _, err := q.pgi.InsertTx(ctx, tx.Pgx, args, nil); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// EnqueueIngestHandoff enqueues the deliveries an ingestion batch hands on
// to jobs of their own (see intake.IngestBatch), unique per delivery while
// one is queued or running: a batch run again (a retry, a rescue after a
// crash) hands on the same deliveries again, and must not give them a
// second job. EnqueueIngest, for retries asked for by hand, stays not
// unique: a retry asked while a job runs is never swallowed.
func (q *Queue) EnqueueIngestHandoff(ctx context.Context, tx *sql.Tx, deliveryIDs ...string) error {
	params := make([]river.InsertManyParams, len(deliveryIDs))
	for i, id := range deliveryIDs {
		params[i] = river.InsertManyParams{Args: IngestArgs{DeliveryID: id},
			InsertOpts: &river.InsertOpts{Queue: QueueIngest, UniqueOpts: uniqueWhileQueued}}
	}
	return q.insertMany(ctx, tx, params)
}

// insertMany enqueues jobs with one insert, in tx when given.
func (q *Queue) insertMany(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	var err error
	if tx != nil {
		_, err = q.txc.InsertManyTx(ctx, tx, params)
	} else {
		_, err = q.txc.InsertMany(ctx, params)
	}
	if err != nil {
		return fmt.Errorf("enqueue %d %s jobs: %w", len(params), params[0].Args.Kind(), err)
	}
	return nil
}

// EnqueueEvaluate enqueues an evaluation of a schedule, now when at is zero,
// else at that time. changedAt identifies the change that asks for it (see
// EvaluateArgs). tx may be nil.
func (q *Queue) EnqueueEvaluate(ctx context.Context, tx *sql.Tx, scheduleID string, at, changedAt time.Time) error {
	return q.EnqueueEvaluations(ctx, tx, domain.EvaluationRequest{ScheduleID: scheduleID, At: at, ChangedAt: changedAt})
}

// EnqueueEvaluations enqueues many evaluations with one insert (each still
// unique per schedule and reason, see EvaluateArgs). tx may be nil.
func (q *Queue) EnqueueEvaluations(ctx context.Context, tx *sql.Tx, reqs ...domain.EvaluationRequest) error {
	params := make([]river.InsertManyParams, len(reqs))
	for i, r := range reqs {
		args := EvaluateArgs{ScheduleID: r.ScheduleID}
		if !r.ChangedAt.IsZero() {
			args.Change = r.ChangedAt.UTC().Format(time.RFC3339Nano)
		}
		var opts *river.InsertOpts
		if !r.At.IsZero() {
			args.At = r.At.UTC().Format(time.RFC3339Nano)
			opts = &river.InsertOpts{ScheduledAt: r.At}
		}
		params[i] = river.InsertManyParams{Args: args, InsertOpts: opts}
	}
	return q.insertMany(ctx, tx, params)
}

// EnqueueEvaluateBatch enqueues one evaluation of every schedule in ids,
// together, in tx (may be nil).
func (q *Queue) EnqueueEvaluateBatch(ctx context.Context, tx *sql.Tx, scheduleIDs []string) error {
	if len(scheduleIDs) == 0 {
		return nil
	}
	return q.insert(ctx, tx, EvaluateBatchArgs{ScheduleIDs: scheduleIDs}, nil)
}

// EnqueueArchive enqueues an archive of a rejected candidate, at at (at
// once when zero).
func (q *Queue) EnqueueArchive(ctx context.Context, tx *sql.Tx, r advance.ArchiveRequest, at time.Time) error {
	var opts *river.InsertOpts
	if !at.IsZero() {
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	return q.insert(ctx, tx, ArchiveArgs(r), opts)
}

// EnqueueDecisionAction enqueues a Slack click on Cancel, Undo or Keep.
func (q *Queue) EnqueueDecisionAction(ctx context.Context, tx *sql.Tx, c advance.DecisionClick) error {
	return q.insert(ctx, tx, DecisionArgs(c), nil)
}

// EnqueueRefresh enqueues the re-rendering of a decision's Slack message.
func (q *Queue) EnqueueRefresh(ctx context.Context, tx *sql.Tx, executionID string) error {
	return q.insert(ctx, tx, RefreshArgs{ExecutionID: executionID}, nil)
}

// EnqueueNotify enqueues the Slack notice of a decision.
func (q *Queue) EnqueueNotify(ctx context.Context, tx *sql.Tx, executionID string) error {
	return q.insert(ctx, tx, NotifyArgs{ExecutionID: executionID}, nil)
}

// EnqueueTask runs a periodic task now (admin routes, tools).
func (q *Queue) EnqueueTask(ctx context.Context, task string) error {
	return q.insert(ctx, nil, PeriodicArgs{Task: task}, nil)
}

// PendingJobs lists jobs not yet completed, for `aaa store copy`.
func (q *Queue) PendingJobs(ctx context.Context) ([]*rivertype.JobRow, error) {
	params := river.NewJobListParams().States(rivertype.JobStateAvailable, rivertype.JobStateScheduled,
		rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStatePending).First(10000)
	res, err := q.txc.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("list pending jobs: %w", err)
	}
	return res.Jobs, nil
}

// backoff is exponential with full jitter between base and max.
type backoff struct{ base, max time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(b.delay(job.Attempt))
}

// delay is the wait before retry n (from 0): base doubled n times, at most
// max, jittered down to half.
func (b backoff) delay(n int) time.Duration {
	d := b.base << min(max(n, 0), 20)
	if d <= 0 || d > b.max {
		d = b.max
	}
	return d/2 + rand.N(d/2+1)
}

// levelFloor drops River's own records below a level, keeping our logs quiet.
type levelFloor struct {
	slog.Handler
	floor slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.floor && h.Handler.Enabled(ctx, l)
}

func (h levelFloor) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFloor{h.Handler.WithAttrs(a), h.floor}
}

func (h levelFloor) WithGroup(n string) slog.Handler {
	return levelFloor{h.Handler.WithGroup(n), h.floor}
}

// AllJobs lists the newest jobs in any state (diagnostics and tests).
func (q *Queue) AllJobs(ctx context.Context) ([]*rivertype.JobRow, error) {
	res, err := q.txc.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateAvailable, rivertype.JobStateScheduled,
		rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStatePending, rivertype.JobStateCompleted,
		rivertype.JobStateDiscarded, rivertype.JobStateCancelled).First(1000))
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return res.Jobs, nil
}

// RescueOrphans makes the jobs a previous process left running available
// again at once, on SQLite, where only one `aaa serve` works a file (it
// holds the file's server lock): a running job there belongs to a process
// that is gone, and waiting JOB_RESCUE_AFTER for River's rescuer would only
// delay it. Call it before Start. On Postgres, where several servers share
// the queue, River's rescuer decides and this does nothing.
func (q *Queue) RescueOrphans(ctx context.Context) (int, error) {
	if q.pgc != nil || q.opts.InsertOnly {
		return 0, nil
	}
	res, err := q.opts.DB.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("rescue jobs left running: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

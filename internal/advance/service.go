package advance

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/catalog"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/syncer"
)

// ATS is the part of Ashby's API evaluation and actions use (implemented
// by *ashby.Client): the catalog's reads, the two writes, and the
// candidate read of the default notices.
type ATS interface {
	catalog.ATS
	notify.ATS
	AdvanceApplication(ctx context.Context, applicationID, stageID string) (ashby.Application, error)
	ArchiveApplication(ctx context.Context, applicationID, reasonID string, email *ashby.ArchiveEmail) (ashby.Application, error)
}

// Queue enqueues jobs (implemented by *jobs.Queue). tx may be nil; when set,
// the job commits with the transaction.
type Queue interface {
	EnqueueIngest(ctx context.Context, tx *sql.Tx, deliveryIDs ...string) error
	EnqueueEvaluate(ctx context.Context, tx *sql.Tx, scheduleID string, at, changedAt time.Time) error
	// EnqueueEvaluations enqueues many evaluations with one insert.
	EnqueueEvaluations(ctx context.Context, tx *sql.Tx, reqs ...domain.EvaluationRequest) error
	EnqueueNotify(ctx context.Context, tx *sql.Tx, executionID string) error
	// EnqueueArchive runs the archive at at (at once when zero).
	EnqueueArchive(ctx context.Context, tx *sql.Tx, req ArchiveRequest, at time.Time) error
	// EnqueueDecisionAction does a Slack click on Cancel, Undo or Keep.
	EnqueueDecisionAction(ctx context.Context, tx *sql.Tx, c DecisionClick) error
	// EnqueueRefresh re-renders a decision's Slack message for its status.
	EnqueueRefresh(ctx context.Context, tx *sql.Tx, executionID string) error
}

// Options configures a Service.
type Options struct {
	Store store.Store
	// ATS is nil when no Ashby key is configured: syncs and actions then fail
	// with domain.ErrAshbyNotConfigured and jobs retry until it is.
	ATS   ATS
	Queue Queue
	// Catalog reads applications and stages through the cache (default:
	// one over Store and ATS).
	Catalog *catalog.Catalog
	// Notices sends the Slack notices of decisions and edits them (default:
	// one that only stores them, as without Slack).
	Notices *notify.Service
	// Logger is the base logger; the service adds component=advance.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// DryRun forces every rule into shadow mode.
	DryRun bool
	// MinWait and Timeout are the global engine settings.
	MinWait, Timeout time.Duration
	// DefaultArchiveReason is used when a rule names none.
	DefaultArchiveReason string
	// AllowedSlackUsers may click Archive; empty allows anyone.
	AllowedSlackUsers []string
	// AdvanceAttempts bounds changeStage attempts (default 3); AttemptDelay
	// is the pause before re-reading after a failure (default 2s).
	AdvanceAttempts int
	AttemptDelay    time.Duration
	// ClaimLease is how long a pending action belongs to its worker before
	// another may take it over (default 2m).
	ClaimLease time.Duration
	// ObserveDecision, when set, receives every evaluation's outcome and
	// mode (for metrics).
	ObserveDecision func(outcome, mode string)
	// UndoWindow is how long after aaa acted an undo is accepted
	// (UNDO_WINDOW); 0 turns undo off.
	UndoWindow time.Duration
	// WorkingTime returns t when it falls in working hours, else the start
	// of the next working window (the reminders' policy); rules with
	// act_in_work_hours hold their live actions to it. Nil never holds.
	WorkingTime func(t time.Time) time.Time
}

// Service implements the use cases.
type Service struct {
	opts    Options
	st      store.Store
	ats     ATS
	queue   Queue
	log     *slog.Logger
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	allow   map[string]bool
	catalog *catalog.Catalog
	notices *notify.Service
	track   syncer.Tracker
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.AdvanceAttempts <= 0 {
		opts.AdvanceAttempts = 3
	}
	if opts.AttemptDelay == 0 {
		opts.AttemptDelay = 2 * time.Second
	}
	if opts.ClaimLease == 0 {
		opts.ClaimLease = 2 * time.Minute
	}
	s := &Service{
		opts: opts, st: opts.Store, ats: opts.ATS, queue: opts.Queue,
		log: opts.Logger.With("component", "advance"), now: opts.Now, sleep: sleepCtx,
		allow: map[string]bool{},
	}
	s.catalog = opts.Catalog
	if s.catalog == nil {
		s.catalog = catalog.New(catalog.Options{Store: opts.Store, ATS: opts.ATS, Logger: opts.Logger, Now: opts.Now})
	}
	s.notices = opts.Notices
	if s.notices == nil {
		s.notices = notify.New(notify.Options{Store: opts.Store, Catalog: s.catalog, ATS: opts.ATS,
			Logger: opts.Logger, Now: opts.Now, DryRun: opts.DryRun})
	}
	s.track = syncer.Tracker{Store: opts.Store, Log: s.log, Now: opts.Now}
	for _, u := range opts.AllowedSlackUsers {
		s.allow[u] = true
	}
	return s
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

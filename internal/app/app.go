// Package app assembles aaa's use cases over their dependencies, once: the
// server (cmd/aaa), the tools that need a use case (`aaa sync`, `aaa
// webhooks retry`, `aaa bench`, the demo) and the test kit all build them
// here, so every door reaches the same services wired the same way. It
// takes interfaces; cmd/aaa is still the only place that picks concrete
// clients and backends.
//
// The use cases and what each owns:
//   - catalog: applications, stages and interviews through the cache
//   - intake: accept webhooks (group commit), ingest and retry deliveries
//   - syncer: feedback, metadata, interviews, Slack users, stage history
//   - advance: evaluation (one path for one schedule or many) and actions
//     (claim, stale guard, changeStage, archive)
//   - notify: Slack notices, alerts, reminders and escalations
//   - rules: the only writer of rules, with revisions
//   - review: humans' verdicts on dry-run decisions
//   - backtest: replays over stored history with the live settings
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/catalog"
	"github.com/ashby-auto-advance/aaa/internal/intake"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/lifecycle"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/review"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/syncer"
)

// ATS is every part of Ashby's API aaa uses (implemented by *ashby.Client).
type ATS interface {
	advance.ATS
	syncer.ATS
}

// Slack is every part of Slack's Web API aaa uses (implemented by
// *slackapp.Client).
type Slack interface {
	notify.Slack
	syncer.Slack
}

// Queue enqueues every kind of job (implemented by *jobs.Queue).
type Queue interface {
	advance.Queue
	intake.Queue
}

// Options are the dependencies and settings of the use cases.
type Options struct {
	Store store.Store
	// ATS is nil when no Ashby key is configured; Slack is nil when no bot
	// token is.
	ATS   ATS
	Slack Slack
	Queue Queue
	// Logger is the base logger; each service adds its component.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// DryRun (ADVANCEMENT_DRY_RUN_MODE) forces every rule into shadow mode.
	DryRun bool
	// MinWait and Timeout are the global engine settings, for live
	// evaluation and backtests alike.
	MinWait, Timeout time.Duration
	// AdminChannel receives alerts and notices without a recruiter.
	AdminChannel string
	// DefaultArchiveReason is used when a rule names none.
	DefaultArchiveReason string
	// AllowedSlackUsers may click Archive; empty allows anyone.
	AllowedSlackUsers []string
	// Reminders is the feedback reminder policy.
	Reminders notify.ReminderPolicy
	// AdvanceAttempts, AttemptDelay and ClaimLease tune actions (see
	// advance.Options; zero takes the defaults).
	AdvanceAttempts int
	AttemptDelay    time.Duration
	ClaimLease      time.Duration
	// ObserveDecision receives every evaluation's outcome and mode.
	ObserveDecision func(outcome, mode string)
	// DeliveryRetention is how long processed deliveries keep their
	// payload (DELIVERY_RETENTION); 0 keeps payloads forever.
	DeliveryRetention time.Duration
	// UndoWindow is how long after aaa acted an undo is accepted
	// (UNDO_WINDOW); 0 turns undo off.
	UndoWindow time.Duration
}

// Services are the use cases.
type Services struct {
	Catalog *catalog.Catalog
	Intake  *intake.Service
	// Lifecycle follows stage changes, erasures and merges.
	Lifecycle *lifecycle.Service
	Sync      *syncer.Service
	Advance   *advance.Service
	Notices   *notify.Service
	Rules     *rules.Service
	Reviews   *review.Service
	Backtest  *backtest.Runner

	ashbyConfigured bool
	slackConfigured bool
	log             *slog.Logger
}

// New builds the use cases.
func New(o Options) *Services {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	cat := catalog.New(catalog.Options{Store: o.Store, ATS: o.ATS, Logger: o.Logger, Now: o.Now})
	notices := notify.New(notify.Options{Store: o.Store, Catalog: cat, ATS: o.ATS, Slack: o.Slack, Logger: o.Logger,
		Now: o.Now, DryRun: o.DryRun, AdminChannel: o.AdminChannel, Reminders: o.Reminders, UndoWindow: o.UndoWindow,
		RefreshNames: refreshNames(o.Queue, o.Logger)})
	adv := advance.New(advance.Options{Store: o.Store, ATS: o.ATS, Queue: o.Queue, Catalog: cat, Notices: notices,
		Logger: o.Logger, Now: o.Now, DryRun: o.DryRun, MinWait: o.MinWait, Timeout: o.Timeout,
		DefaultArchiveReason: o.DefaultArchiveReason, AllowedSlackUsers: o.AllowedSlackUsers,
		AdvanceAttempts: o.AdvanceAttempts, AttemptDelay: o.AttemptDelay, ClaimLease: o.ClaimLease,
		ObserveDecision: o.ObserveDecision, UndoWindow: o.UndoWindow, WorkingTime: notices.WorkingTime})
	lo := lifecycle.Options{Store: o.Store, Rejections: adv, Messages: notices, Logger: o.Logger, Now: o.Now}
	if o.ATS != nil {
		lo.Candidates = o.ATS
	}
	life := lifecycle.New(lo)
	in := intake.New(intake.Options{Store: o.Store, Catalog: cat, Queue: o.Queue, Notices: notices, Logger: o.Logger, Now: o.Now,
		Retention: o.DeliveryRetention, Lifecycle: life})
	return &Services{
		Catalog:         cat,
		Notices:         notices,
		Intake:          in,
		Lifecycle:       life,
		Sync:            syncer.New(syncer.Options{Store: o.Store, ATS: o.ATS, Catalog: cat, Slack: o.Slack, Queue: o.Queue, Logger: o.Logger, Now: o.Now}),
		Advance:         adv,
		Rules:           rules.New(rules.Options{Store: o.Store, Logger: o.Logger, Now: o.Now}),
		Reviews:         review.New(review.Options{Store: o.Store, Logger: o.Logger, Now: o.Now}),
		Backtest:        backtest.NewRunner(o.Store, backtest.Options{MinWait: o.MinWait, Timeout: o.Timeout}, o.Now),
		ashbyConfigured: o.ATS != nil,
		slackConfigured: o.Slack != nil,
		log:             o.Logger.With("component", "app"),
	}
}

// Handlers are the job queue's handlers: each job kind and periodic task
// calls one use case.
func (s *Services) Handlers() jobs.Handlers {
	ashbyTask := func(name string, run func(context.Context) error) func(context.Context) error {
		return func(ctx context.Context) error {
			if !s.ashbyConfigured {
				s.log.DebugContext(ctx, "task_skipped_ashby_not_configured", "task", name)
				return nil
			}
			return run(ctx)
		}
	}
	return jobs.Handlers{
		Intake:    s.Intake,
		Evaluator: s.Advance,
		Notices:   s.Notices,
		Tasks: map[string]func(context.Context) error{
			jobs.TaskFeedbackSync:      ashbyTask(jobs.TaskFeedbackSync, s.Sync.SyncFeedback),
			jobs.TaskMetadataSync:      ashbyTask(jobs.TaskMetadataSync, s.Sync.SyncMetadata),
			jobs.TaskInterviewSync:     ashbyTask(jobs.TaskInterviewSync, s.Sync.SyncInterviews),
			jobs.TaskEvaluationSweep:   s.Advance.Sweep,
			jobs.TaskSlackUserSync:     s.Sync.SyncSlackUsers,
			jobs.TaskReminders:         s.Notices.SendDueReminders,
			jobs.TaskDeliveryRetention: s.Intake.PruneDeliveries,
		},
	}
}

// refreshNames queues the sync that fills the cache a rendered message
// found without a name: interviewers and interviews come with the
// interview sync, jobs, stages and forms with the metadata sync.
func refreshNames(q Queue, log *slog.Logger) func(ctx context.Context, kind string) {
	tq, ok := q.(interface {
		EnqueueTask(ctx context.Context, task string) error
	})
	if !ok || tq == nil {
		return nil
	}
	return func(ctx context.Context, kind string) {
		task := jobs.TaskMetadataSync
		if kind == "interviewer" || kind == "interview" {
			task = jobs.TaskInterviewSync
		}
		if err := tq.EnqueueTask(ctx, task); err != nil {
			log.WarnContext(ctx, "name_refresh_failed", "kind", kind, "error", err.Error())
		} else {
			log.InfoContext(ctx, "name_refresh_queued", "kind", kind, "task", task)
		}
	}
}

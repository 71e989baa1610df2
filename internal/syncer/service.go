package syncer

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/catalog"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// ATS is the part of Ashby's API the syncs read (implemented by
// *ashby.Client).
type ATS interface {
	FeedbackList(ctx context.Context, applicationID string) ([]ashby.Feedback, error)
	FeedbackSync(ctx context.Context, syncToken string) ([]ashby.Feedback, string, error)
	FeedbackFormList(ctx context.Context, opts ashby.ListOptions) ([]ashby.FeedbackForm, string, error)
	JobList(ctx context.Context, opts ashby.JobListOptions) ([]ashby.Job, string, error)
	InterviewPlanList(ctx context.Context, opts ashby.ListOptions) ([]ashby.InterviewPlan, string, error)
	InterviewList(ctx context.Context, opts ashby.ListOptions) ([]ashby.Interview, string, error)
	UserList(ctx context.Context, opts ashby.ListOptions) ([]ashby.User, string, error)
	ArchiveReasonList(ctx context.Context, includeArchived bool) ([]ashby.ArchiveReason, error)
	HistoryATS
}

// Slack is the part of Slack's Web API the user directory sync reads.
type Slack interface {
	ListUsers(ctx context.Context) ([]slackapp.User, error)
}

// Queue enqueues the evaluation of schedules whose feedback changed
// (implemented by *jobs.Queue).
type Queue interface {
	EnqueueEvaluate(ctx context.Context, tx *sql.Tx, scheduleID string, at, changedAt time.Time) error
}

// Options configures a Service.
type Options struct {
	Store store.Store
	// ATS is nil when no Ashby key is configured: Ashby syncs then fail
	// with domain.ErrAshbyNotConfigured.
	ATS ATS
	// Catalog refreshes plans' stages.
	Catalog *catalog.Catalog
	// Slack is nil when no bot token is configured (the user sync is off).
	Slack Slack
	Queue Queue
	// Logger is the base logger; the service adds component=sync.
	Logger *slog.Logger
	Now    func() time.Time
}

// Service runs the syncs.
type Service struct {
	st      store.Store
	ats     ATS
	catalog *catalog.Catalog
	track   Tracker
	slack   Slack
	queue   Queue
	log     *slog.Logger
	now     func() time.Time
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger.With("component", "sync")
	return &Service{st: opts.Store, ats: opts.ATS, catalog: opts.Catalog, slack: opts.Slack, queue: opts.Queue,
		log: log, now: opts.Now, track: Tracker{Store: opts.Store, Log: log, Now: opts.Now}}
}

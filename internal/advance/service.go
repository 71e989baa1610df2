package advance

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/slack-go/slack"
)

// ATS is the part of Ashby's API aaa uses (implemented by *ashby.Client).
type ATS interface {
	InterviewStageInfo(ctx context.Context, stageID string) (ashby.InterviewStage, error)
	InterviewStageList(ctx context.Context, planID string) ([]ashby.InterviewStage, error)
	InterviewPlanList(ctx context.Context, opts ashby.ListOptions) ([]ashby.InterviewPlan, string, error)
	JobList(ctx context.Context, opts ashby.JobListOptions) ([]ashby.Job, string, error)
	ApplicationInfo(ctx context.Context, applicationID string) (ashby.Application, error)
	AdvanceApplication(ctx context.Context, applicationID, stageID string) (ashby.Application, error)
	ArchiveApplication(ctx context.Context, applicationID, reasonID string, email *ashby.ArchiveEmail) (ashby.Application, error)
	FeedbackList(ctx context.Context, applicationID string) ([]ashby.Feedback, error)
	FeedbackSync(ctx context.Context, syncToken string) ([]ashby.Feedback, string, error)
	FeedbackFormList(ctx context.Context, opts ashby.ListOptions) ([]ashby.FeedbackForm, string, error)
	InterviewInfo(ctx context.Context, interviewID string) (ashby.Interview, error)
	InterviewList(ctx context.Context, opts ashby.ListOptions) ([]ashby.Interview, string, error)
	UserList(ctx context.Context, opts ashby.ListOptions) ([]ashby.User, string, error)
	ArchiveReasonList(ctx context.Context, includeArchived bool) ([]ashby.ArchiveReason, error)
	CandidateInfo(ctx context.Context, candidateID string) (ashby.Candidate, error)
}

// Slack is the part of Slack's Web API aaa uses (implemented by
// *slackapp.Client). A nil Slack means notifications are stored only.
type Slack interface {
	PostMessage(ctx context.Context, channel, text string, blocks []slack.Block) (channelID, ts string, err error)
	UpdateMessage(ctx context.Context, channel, ts, text string, blocks []slack.Block) error
	PostEphemeral(ctx context.Context, channel, user, text string) error
	LookupUserByEmail(ctx context.Context, email string) (slackapp.User, error)
	ListUsers(ctx context.Context) ([]slackapp.User, error)
}

// Queue enqueues jobs (implemented by *jobs.Queue). tx may be nil; when set,
// the job commits with the transaction.
type Queue interface {
	EnqueueIngest(ctx context.Context, tx *sql.Tx, deliveryIDs ...string) error
	EnqueueEvaluate(ctx context.Context, tx *sql.Tx, scheduleID string, at, changedAt time.Time) error
	EnqueueNotify(ctx context.Context, tx *sql.Tx, executionID string) error
	EnqueueArchive(ctx context.Context, tx *sql.Tx, req ArchiveRequest) error
}

// Options configures a Service.
type Options struct {
	Store store.Store
	// ATS is nil when no Ashby key is configured: syncs and actions then fail
	// with ErrAshbyNotConfigured and jobs retry until it is.
	ATS   ATS
	Slack Slack
	Queue Queue
	// Logger is the base logger; the service adds component=advance.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// DryRun forces every rule into shadow mode.
	DryRun bool
	// MinWait and Timeout are the global engine settings.
	MinWait, Timeout time.Duration
	// AdminChannel receives alerts and notices without a recruiter.
	AdminChannel string
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
	// Reminders is the global feedback reminder policy (see remind.go);
	// zero fields take the defaults.
	Reminders ReminderPolicy
}

// Service implements the use cases.
type Service struct {
	opts   Options
	st     store.Store
	ats    ATS
	slack  Slack
	queue  Queue
	log    *slog.Logger
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	allow  map[string]bool
	status *ashbyStatus
	accept *groupCommit
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
		opts: opts, st: opts.Store, ats: opts.ATS, slack: opts.Slack, queue: opts.Queue,
		log: opts.Logger.With("component", "advance"), now: opts.Now, sleep: sleepCtx,
		allow: map[string]bool{}, status: &ashbyStatus{}, accept: &groupCommit{limit: 1},
	}
	if opts.Store != nil && opts.Store.Dialect() == store.DialectPostgres {
		// Postgres commits in parallel: a few committers at once.
		s.accept.limit = 4
	}
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

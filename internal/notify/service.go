package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/catalog"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/slack-go/slack"
)

// Slack is the part of Slack's Web API aaa uses (implemented by
// *slackapp.Client). A nil Slack means notices are stored only.
type Slack interface {
	PostMessage(ctx context.Context, channel, text string, blocks []slack.Block) (channelID, ts string, err error)
	UpdateMessage(ctx context.Context, channel, ts, text string, blocks []slack.Block) error
	PostEphemeral(ctx context.Context, channel, user, text string) error
	LookupUserByEmail(ctx context.Context, email string) (slackapp.User, error)
}

// ATS is the part of Ashby's API notices need beyond the catalog (the
// candidate's profile link).
type ATS interface {
	CandidateInfo(ctx context.Context, candidateID string) (ashby.Candidate, error)
}

// Options configures a Service.
type Options struct {
	Store   store.Store
	Catalog *catalog.Catalog
	// ATS may be nil (no Ashby key): notices then go without profile links.
	ATS   ATS
	Slack Slack
	// Logger is the base logger; the service adds component=notify.
	Logger *slog.Logger
	Now    func() time.Time
	// DryRun (ADVANCEMENT_DRY_RUN_MODE) marks every notice as a dry run and
	// sends no reminders for shadow decisions.
	DryRun bool
	// AdminChannel receives alerts and notices without a recruiter.
	AdminChannel string
	// Reminders is the global feedback reminder policy; zero fields take
	// the defaults.
	Reminders ReminderPolicy
	// UndoWindow is how long after aaa acted its messages offer Undo
	// (UNDO_WINDOW); 0 offers none.
	UndoWindow time.Duration
	// RefreshNames queues a refresh of the metadata cache that lacked a
	// name a message needed (an explain kind: interviewer, interview, job,
	// stage, field, candidate); nil refreshes nothing.
	RefreshNames func(ctx context.Context, kind string)
}

// Service sends what people read in Slack: rejection notices, alerts,
// reminders and escalations, and edits them as decisions move on.
type Service struct {
	opts    Options
	st      store.Store
	catalog *catalog.Catalog
	ats     ATS
	slack   Slack
	log     *slog.Logger
	now     func() time.Time
	names   *explain.StoreNames
}

// WorkingTime returns t when it falls in the organisation's working hours
// (the reminder policy's days, hours and time zone), else the start of the
// next working window.
func (s *Service) WorkingTime(t time.Time) time.Time {
	p := s.opts.Reminders.withDefaults()
	return p.WorkingTime(t, p.Location)
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Catalog == nil {
		opts.Catalog = catalog.New(catalog.Options{Store: opts.Store, Logger: opts.Logger, Now: opts.Now})
	}
	return &Service{opts: opts, st: opts.Store, catalog: opts.Catalog, ats: opts.ATS, slack: opts.Slack,
		log: opts.Logger.With("component", "notify"), now: opts.Now,
		names: explain.NewStoreNames(opts.Store, opts.RefreshNames)}
}

package testkit

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"golang.org/x/time/rate"
)

// SlackToken is the bot token of the Slack fake a Stack starts unless
// StackOptions.SlackClient names another.
const SlackToken = "xoxb-testkit"

// StackOptions shape a Stack. The zero value is aaa on SQLite against a
// fresh Ashby simulator, without Slack, working its jobs, with the admin
// API off.
type StackOptions struct {
	// Backend is the database (default SQLite()).
	Backend Backend
	// Sim configures the Ashby simulator.
	Sim ashbysim.Options
	// NoAshby runs without an Ashby client (no ASHBY_API_KEY).
	NoAshby bool
	// Ashby overrides the Ashby client's options. With BaseURL set the
	// client calls that server and no simulator is started. Unset fields
	// get quick test values (no rate limit, millisecond backoff, 2s
	// timeout).
	Ashby ashby.Options
	// Slack starts the Slack fake (Stack.Slack) and a client for it.
	Slack bool
	// SlackClient overrides the Slack client's options; its Token is also
	// the one the fake expects. With BaseURL set the client calls that
	// server (Slack is implied, no fake is started).
	SlackClient slackapp.Options
	// App are the use cases' settings; Store, ATS, Slack and Queue are
	// filled in.
	App app.Options
	// Queue are River's settings; DB and Pool are filled in and unset
	// timings get test values (polls every 50ms, retries after 20-200ms).
	Queue jobs.Options
	// NoWork builds the queue without starting it: jobs wait in the table.
	NoWork bool
	// Server are the router's settings (secrets, tokens, clock, rate
	// limits); the store, the use cases and Ashby's health are filled in.
	Server server.Deps
}

// Stack is aaa assembled in-process the way `aaa serve` assembles it:
// store, Ashby client (against the simulator), Slack client, use cases,
// River queue and HTTP router, served on a loopback httptest server.
type Stack struct {
	// Database is the store with River's tables; DB is Database.DB.
	Database *Database
	DB       *store.DB
	// Sim is the Ashby simulator and SimURL its server (nil and "" with
	// NoAshby or an Ashby.BaseURL of the test's own).
	Sim    *ashbysim.Sim
	SimURL string
	// ATS is the Ashby client (nil with NoAshby).
	ATS *ashby.Client
	// Slack is the Slack fake (nil unless StackOptions.Slack) and
	// SlackClient aaa's client (nil without Slack).
	Slack       *slackfake.Server
	SlackClient *slackapp.Client
	// Queue is River; Services the use cases it and the router call.
	Queue    *jobs.Queue
	Services *app.Services
	// Handler is the router and URL the server it is served on.
	Handler http.Handler
	URL     string

	app     app.Options
	closers []func()
	started bool
}

// NewStack opens a fresh database on o.Backend and assembles aaa over it
// (see Build). Everything stops when t ends.
func NewStack(t testing.TB, o StackOptions) *Stack {
	t.Helper()
	if o.Backend.Open == nil {
		o.Backend = SQLite()
	}
	s, err := Build(OpenDatabase(t, o.Backend), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Build assembles aaa over an open database. Unlike NewStack it reports a
// failure instead of failing a test, so it may run on any goroutine (an
// in-process server for the demo); the caller must Close the stack.
func Build(d *Database, o StackOptions) (*Stack, error) {
	s := &Stack{Database: d, DB: d.DB}
	var ok bool
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	if !o.NoAshby {
		ao := o.Ashby
		if ao.BaseURL == "" {
			s.Sim = ashbysim.New(o.Sim)
			srv := httptest.NewServer(s.Sim)
			s.closers = append(s.closers, srv.Close)
			s.SimURL, ao.BaseURL, ao.APIKey = srv.URL, srv.URL, s.Sim.APIKey()
		}
		if ao.RateLimit == 0 {
			ao.RateLimit = rate.Inf
		}
		ao.BaseDelay = cmp.Or(ao.BaseDelay, 5*time.Millisecond)
		ao.MaxDelay = cmp.Or(ao.MaxDelay, 50*time.Millisecond)
		ao.Timeout = cmp.Or(ao.Timeout, 2*time.Second)
		s.ATS = ashby.New(ao)
	}
	if so := o.SlackClient; o.Slack || so.BaseURL != "" {
		if so.BaseURL == "" {
			so.Token = cmp.Or(so.Token, SlackToken)
			s.Slack = slackfake.New(so.Token)
			s.closers = append(s.closers, s.Slack.Close)
			so.BaseURL = s.Slack.URL()
		}
		s.SlackClient = slackapp.New(so)
	}

	qo := o.Queue
	qo.DB, qo.Pool = d.DB.Writer(), d.Pool
	qo.PollInterval = cmp.Or(qo.PollInterval, 50*time.Millisecond)
	qo.RetryBase = cmp.Or(qo.RetryBase, 20*time.Millisecond)
	qo.RetryMax = cmp.Or(qo.RetryMax, 200*time.Millisecond)
	q, err := jobs.New(qo)
	if err != nil {
		return nil, err
	}
	s.Queue = q

	s.app = o.App
	s.app.Store, s.app.Queue = d.DB, q
	if s.ATS != nil {
		s.app.ATS = s.ATS
	}
	if s.SlackClient != nil {
		s.app.Slack = s.SlackClient
	}
	s.Services = app.New(s.app)

	deps := o.Server
	deps.Store = d.DB
	deps.Intake, deps.Evaluator, deps.Notices = s.Services.Intake, s.Services.Advance, s.Services.Notices
	deps.Candidates = s.Services.Lifecycle
	deps.Syncer, deps.Backtester, deps.Rules = s.Services.Sync, s.Services.Backtest, s.Services.Rules
	if s.ATS != nil {
		deps.Ashby = s.ATS
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	deps.Doctor = s.doctor(deps, o)
	s.Handler = server.New(deps)
	srv := httptest.NewServer(s.Handler)
	s.closers = append(s.closers, srv.Close)
	s.URL = srv.URL

	if !o.NoWork && !qo.InsertOnly {
		if err := q.Start(context.Background(), s.Services.Handlers()); err != nil {
			return nil, err
		}
		s.started = true
	}
	ok = true
	return s, nil
}

// NewServices builds a second set of use cases over the stack's store,
// clients and queue, with the stack's settings changed by change (another
// clock, another Slack client). The queue and router keep calling the
// first set.
func (s *Stack) NewServices(change func(*app.Options)) *app.Services {
	o := s.app
	change(&o)
	return app.New(o)
}

// Close stops the queue (waiting up to 5s for running jobs), then the
// servers. NewStack calls it when the test ends; calling it again does
// nothing.
func (s *Stack) Close() {
	if s.started {
		s.started = false
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Queue.Stop(ctx)
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// Stop is Close for callers that want an error to return: it reports a
// queue that did not stop in time.
func (s *Stack) Stop(ctx context.Context) error {
	var err error
	if s.started {
		s.started = false
		err = s.Queue.Stop(ctx)
	}
	s.Close()
	return err
}

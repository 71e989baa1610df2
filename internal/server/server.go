package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/intake"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Deps are the server's dependencies.
type Deps struct {
	Store store.Store
	// Intake accepts webhook deliveries and retries them.
	Intake Intake
	// Evaluator runs and previews evaluations and takes Archive clicks.
	Evaluator Evaluator
	// Notices tells Slack users what happened to their click.
	Notices Notices
	// Syncer runs the syncs of the /admin/sync-* routes.
	Syncer Syncer
	// Backtester replays rules over stored history.
	Backtester Backtester
	// Candidates erases a candidate's data on request (nil: the erase
	// route answers 503).
	Candidates Candidates
	// Doctor runs the setup checks of GET /admin/doctor (nil: that route
	// answers 503).
	Doctor Doctor
	// Ashby reports the health of the last Ashby call on /health; nil means
	// no Ashby key is configured.
	Ashby  AshbyHealth
	Logger *slog.Logger
	// WebhookSecret verifies Ashby-Signature; empty refuses signed webhooks.
	WebhookSecret string
	// SlackSigningSecret verifies Slack interactions.
	SlackSigningSecret string
	// AdminToken guards /admin as the token named "admin"
	// (ADMIN_API_TOKEN). With it and AdminTokens empty the admin API is off
	// (503).
	AdminToken string
	// AdminTokens are the named tokens of ADMIN_API_TOKENS; a ReadOnly one
	// may only GET. A token's name is the actor of the rule changes made
	// with it.
	AdminTokens []AdminToken
	// Rules is the rules service every rule write goes through (default: one
	// over Store, Logger and Now).
	Rules *rules.Service
	// FrontendURLs are the CORS origins.
	FrontendURLs []string
	// WebhookRatePerMin limits the webhook requests per client address that
	// are not signed with WebhookSecret (signed ones are never limited).
	WebhookRatePerMin int
	// TrustedProxies are the proxies (TRUSTED_PROXIES) whose
	// X-Forwarded-For names the client, for the webhook rate limit and the
	// access log; empty: the peer address is the client.
	TrustedProxies []netip.Prefix
	// MaxBody bounds request bodies (default 1 MiB).
	MaxBody int64
	Now     func() time.Time
	Version string
	// Metrics are served on /metrics (default: a fresh set).
	Metrics *Metrics
}

// Intake is implemented by *intake.Service.
type Intake interface {
	Accept(ctx context.Context, in intake.Incoming, body []byte) (deliveryID string, duplicate bool, err error)
	RetryDelivery(ctx context.Context, deliveryID string) error
}

// Evaluator is implemented by *advance.Service.
type Evaluator interface {
	Preview(ctx context.Context, scheduleID string) (advance.Evaluation, error)
	EvaluateNow(ctx context.Context, scheduleID string) (advance.Evaluation, error)
	HandleRejectionClick(ctx context.Context, req advance.ArchiveRequest) error
	HandleDecisionClick(ctx context.Context, c advance.DecisionClick) error
	Undo(ctx context.Context, executionID, by string) (domain.Execution, error)
	Cancel(ctx context.Context, executionID, by string) (domain.Execution, error)
	KeepInProcess(ctx context.Context, executionID, by string) (domain.Execution, error)
}

// Candidates is implemented by *lifecycle.Service.
type Candidates interface {
	Erase(ctx context.Context, candidateID, via string) (store.Erasure, error)
}

// Notices is implemented by *notify.Service.
type Notices interface {
	Ephemeral(ctx context.Context, channel, user, text string)
}

// Syncer runs one sync each (implemented by the sync use case).
type Syncer interface {
	SyncForms(ctx context.Context) error
	SyncMetadata(ctx context.Context) error
	SyncInterviews(ctx context.Context) error
	SyncFeedback(ctx context.Context) error
	SyncSlackUsers(ctx context.Context) error
}

// Backtester replays a rule over stored history with live evaluation's
// settings (implemented by *backtest.Runner).
type Backtester interface {
	Backtest(ctx context.Context, q backtest.Query) (backtest.Report, error)
}

// AshbyHealth is implemented by *ashby.Client.
type AshbyHealth interface {
	Health() (status, lastError string)
}

// Server holds the handlers.
type Server struct {
	d       Deps
	log     *slog.Logger
	metrics *Metrics
	limiter *ipLimiter
}

// New returns the HTTP handler.
func New(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxBody == 0 {
		d.MaxBody = 1 << 20
	}
	if d.WebhookRatePerMin == 0 {
		d.WebhookRatePerMin = 6000
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	if d.Rules == nil {
		d.Rules = rules.New(rules.Options{Store: d.Store, Logger: d.Logger, Now: d.Now})
	}
	s := &Server{d: d, log: d.Logger.With("component", "http"), metrics: d.Metrics}
	s.limiter = newIPLimiter(d.WebhookRatePerMin, d.Now)
	return s.routes()
}

package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Deps are the server's dependencies.
type Deps struct {
	Store   store.Store
	Service *advance.Service
	Logger  *slog.Logger
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
	// WebhookRatePerMin limits webhook requests per client address.
	WebhookRatePerMin int
	// MaxBody bounds request bodies (default 1 MiB).
	MaxBody int64
	Now     func() time.Time
	Version string
	// Metrics are served on /metrics (default: a fresh set).
	Metrics *Metrics
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

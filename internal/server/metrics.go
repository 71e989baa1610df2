package server

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Label values every counter and histogram starts with, so that each series
// exists (at zero) from the first scrape and alerts have something to rate.
// A value missing here still gets its series on first use.
var (
	// WebhookOutcomes are the outcomes of aaa_webhooks_total.
	WebhookOutcomes = []string{"accepted", "duplicate", "ping", "unsigned", "bad_signature", "invalid",
		"error", "rate_limited", "too_large", "timeout"}
	// DecisionOutcomes and DecisionModes label aaa_decisions_total.
	DecisionOutcomes = []string{domain.OutcomeAdvance, domain.OutcomeReject, domain.OutcomeWait,
		domain.OutcomeTimeout, domain.OutcomeNoRule, domain.OutcomeSkip}
	DecisionModes = []string{domain.ModeShadow, domain.ModeLive}
	// AshbyMethods are the Ashby API methods aaa calls.
	AshbyMethods = []string{"application.changeStage", "application.info", "application.listHistory",
		"applicationFeedback.list", "archiveReason.list", "candidate.info", "communicationTemplate.list",
		"feedbackFormDefinition.info", "feedbackFormDefinition.list", "interview.info", "interview.list",
		"interviewPlan.list", "interviewStage.info", "interviewStage.list", "job.info", "job.list", "user.list"}
	// SlackMethods are the Slack Web API methods aaa calls.
	SlackMethods = []string{"auth.test", "chat.postEphemeral", "chat.postMessage", "chat.update",
		"conversations.info", "conversations.open", "users.list", "users.lookupByEmail"}
	// JobKinds and JobOutcomes label aaa_job_run_duration_seconds (see
	// internal/jobs).
	JobKinds = []string{"ingest_deliveries", "ingest_delivery", "evaluate_schedules", "evaluate_schedule", "slack_archive", "slack_notify",
		"decision_action", "slack_refresh", "periodic"}
	JobOutcomes = []string{"completed", "failed", "snoozed", "cancelled"}
	// JobBacklogStates are the River job states aaa_job_backlog counts:
	// jobs waiting to run.
	JobBacklogStates = []string{"available", "scheduled", "retryable"}
)

// Metrics are aaa's Prometheus collectors, on their own registry (no
// globals). cmd/aaa creates one and hands its Observe methods to the Ashby
// and Slack clients, the job queue and the use cases, and its Watch method
// what the gauges read; /metrics (or METRICS_ADDR) serves it.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.HistogramVec
	webhooks  *prometheus.CounterVec
	decisions *prometheus.CounterVec
	ashby     *prometheus.HistogramVec
	slack     *prometheus.HistogramVec
	jobs      *prometheus.HistogramVec
	watchOnce sync.Once
	// ownListener keeps /metrics off the public router.
	ownListener bool
}

// NewMetrics builds the collectors, each series of a known label value at
// zero.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "aaa_http_request_duration_seconds", Help: "HTTP request latency by route pattern (handler), method and status code.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"handler", "method", "code"})
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aaa_webhooks_total", Help: "Ashby webhook requests by outcome.",
	}, []string{"outcome"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aaa_decisions_total", Help: "Evaluations by outcome and mode.",
	}, []string{"outcome", "mode"})
	m.ashby = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "aaa_ashby_call_duration_seconds", Help: "Ashby API calls (each attempt) by method and result.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "result"})
	m.slack = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "aaa_slack_call_duration_seconds", Help: "Slack Web API calls (each attempt) by method and result.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "result"})
	m.jobs = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "aaa_job_run_duration_seconds", Help: "Background job runs by kind and outcome.",
		Buckets: prometheus.DefBuckets,
	}, []string{"kind", "outcome"})
	for _, o := range WebhookOutcomes {
		m.webhooks.WithLabelValues(o)
	}
	for _, o := range DecisionOutcomes {
		for _, mode := range DecisionModes {
			m.decisions.WithLabelValues(o, mode)
		}
	}
	for _, results := range []string{"ok", "error"} {
		for _, method := range AshbyMethods {
			m.ashby.WithLabelValues(method, results)
		}
		for _, method := range SlackMethods {
			m.slack.WithLabelValues(method, results)
		}
	}
	for _, k := range JobKinds {
		for _, o := range JobOutcomes {
			m.jobs.WithLabelValues(k, o)
		}
	}
	m.reg.MustRegister(m.requests, m.webhooks, m.decisions, m.ashby, m.slack, m.jobs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// SetBuildInfo publishes aaa_build_info{version,commit,date,goversion} 1,
// the same version /health and `aaa --version` report.
func (m *Metrics) SetBuildInfo(version, commit, date string) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "aaa_build_info", Help: "aaa's version, commit and build date (always 1).",
	}, []string{"version", "commit", "date", "goversion"})
	g.WithLabelValues(version, commit, date, runtime.Version()).Set(1)
	_ = m.reg.Register(g) // registered once: a second call keeps the first
}

// ObserveAshby records one Ashby API exchange.
func (m *Metrics) ObserveAshby(method string, d time.Duration, err error) {
	m.ashby.WithLabelValues(method, result(err)).Observe(d.Seconds())
}

// ObserveSlack records one Slack Web API attempt.
func (m *Metrics) ObserveSlack(method string, d time.Duration, err error) {
	m.slack.WithLabelValues(method, result(err)).Observe(d.Seconds())
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// ObserveJob records one finished job run.
func (m *Metrics) ObserveJob(kind, outcome string, run, _ time.Duration) {
	m.jobs.WithLabelValues(kind, outcome).Observe(run.Seconds())
}

// ObserveDecision counts one evaluation.
func (m *Metrics) ObserveDecision(outcome, mode string) {
	m.decisions.WithLabelValues(outcome, mode).Inc()
}

// Handler serves the metrics in Prometheus' text format: on /metrics of the
// public router, or on METRICS_ADDR's own listener.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ServeOnOwnListener takes /metrics off the public router (call it before
// server.New): METRICS_ADDR serves Handler on a listener of its own.
func (m *Metrics) ServeOnOwnListener() { m.ownListener = true }

// knownRoutes starts a series (at code 200) for every route of the router,
// so request rates exist before the first request.
func (m *Metrics) knownRoutes(r chi.Routes) {
	_ = chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		m.requests.WithLabelValues(route, methodLabel(method), "200")
		return nil
	})
}

// observeRequest records one request under its route pattern: unmatched
// paths share one series, so a scan of random URLs cannot grow the label
// set.
func (m *Metrics) observeRequest(r *http.Request, status int, d time.Duration) {
	handler := "unmatched"
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" && p != "/*" {
			handler = p
		}
	}
	if status == 0 {
		status = http.StatusOK
	}
	m.requests.WithLabelValues(handler, methodLabel(r.Method), strconv.Itoa(status)).Observe(d.Seconds())
}

// methodLabel keeps the method label to the standard methods.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

func (m *Metrics) webhook(outcome string) { m.webhooks.WithLabelValues(outcome).Inc() }

// DeliveryBacklog reads the webhook deliveries not yet processed
// (implemented by the store).
type DeliveryBacklog interface {
	DeliveryBacklog(ctx context.Context) (store.DeliveryBacklog, error)
}

// SyncStates reads the last run of each sync (implemented by the store).
type SyncStates interface {
	ListSyncStates(ctx context.Context) ([]store.SyncState, error)
}

// JobBacklog counts the jobs waiting to run, by kind and then by state
// (available, scheduled, retryable); implemented by *jobs.Queue.
type JobBacklog interface {
	Backlog(ctx context.Context) (map[string]map[string]int, error)
}

// Sources are what the gauges read, on each scrape.
type Sources struct {
	Deliveries DeliveryBacklog
	Syncs      SyncStates
	Jobs       JobBacklog
	// SQLPools are the database/sql pools by name ("writer", "reader").
	SQLPools map[string]*sql.DB
	// PgxPool is the pgx pool on Postgres (pool="pgx"); nil on SQLite.
	PgxPool *pgxpool.Pool
	// Timeout bounds the queries of one scrape (default 2s); a source that
	// does not answer in time leaves its gauges out of that scrape.
	Timeout time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
}

// Watch registers the gauges over src: queue backlog by job kind, failed
// deliveries, the age of the oldest pending delivery, the last successful
// run of each sync and the database pools. Only the first call counts.
func (m *Metrics) Watch(src Sources) {
	m.watchOnce.Do(func() {
		if src.Timeout <= 0 {
			src.Timeout = 2 * time.Second
		}
		if src.Now == nil {
			src.Now = time.Now
		}
		if src.Logger == nil {
			src.Logger = slog.New(slog.DiscardHandler)
		}
		m.reg.MustRegister(&gauges{src: src, lastOK: map[string]time.Time{}})
	})
}

var (
	descBacklog = prometheus.NewDesc("aaa_job_backlog",
		"Jobs waiting to run, by kind and state (available, scheduled, retryable).", []string{"kind", "state"}, nil)
	descFailed = prometheus.NewDesc("aaa_deliveries_failed",
		"Webhook deliveries whose processing failed for good (retry them from the admin API or aaa webhooks retry).", nil, nil)
	descPending = prometheus.NewDesc("aaa_deliveries_pending",
		"Webhook deliveries stored and not yet processed.", nil, nil)
	descOldest = prometheus.NewDesc("aaa_delivery_oldest_pending_age_seconds",
		"Age of the oldest webhook delivery not yet processed (0 when none waits).", nil, nil)
	descSyncOK = prometheus.NewDesc("aaa_sync_last_success_timestamp_seconds",
		"Unix time the sync last finished without error (absent until this process or sync_state knows one).", []string{"sync"}, nil)
	descSyncFailed = prometheus.NewDesc("aaa_sync_last_run_failed",
		"1 when the sync's latest run failed, else 0.", []string{"sync"}, nil)
	descConns = prometheus.NewDesc("aaa_db_connections",
		"Database connections by pool and state (open, in_use, idle).", []string{"pool", "state"}, nil)
	descSourceUp = prometheus.NewDesc("aaa_metrics_source_up",
		"1 when the source (deliveries, syncs, jobs) answered this scrape in time, else 0.", []string{"source"}, nil)
)

// gauges reads its sources on each scrape.
type gauges struct {
	src Sources
	mu  sync.Mutex
	// lastOK remembers each sync's last success seen by this process:
	// sync_state keeps only the latest run, so a failure hides it.
	lastOK map[string]time.Time
}

func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBacklog, descFailed, descPending, descOldest, descSyncOK, descSyncFailed, descConns, descSourceUp} {
		ch <- d
	}
}

func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), g.src.Timeout)
	defer cancel()
	up := func(source string, err error) {
		v := 1.0
		if err != nil {
			v = 0
			g.src.Logger.WarnContext(ctx, "metrics_source_failed", "source", source, "error", err.Error())
		}
		ch <- prometheus.MustNewConstMetric(descSourceUp, prometheus.GaugeValue, v, source)
	}
	if g.src.Jobs != nil {
		counts, err := g.src.Jobs.Backlog(ctx)
		up("jobs", err)
		if err == nil {
			kinds := append([]string(nil), JobKinds...)
			for k := range counts {
				if !slices.Contains(kinds, k) {
					kinds = append(kinds, k)
				}
			}
			for _, k := range kinds {
				for _, st := range JobBacklogStates {
					ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(counts[k][st]), k, st)
				}
			}
		}
	}
	if g.src.Deliveries != nil {
		b, err := g.src.Deliveries.DeliveryBacklog(ctx)
		up("deliveries", err)
		if err == nil {
			age := 0.0
			if !b.OldestPending.IsZero() {
				age = max(g.src.Now().Sub(b.OldestPending).Seconds(), 0)
			}
			ch <- prometheus.MustNewConstMetric(descFailed, prometheus.GaugeValue, float64(b.Failed))
			ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(b.Pending))
			ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age)
		}
	}
	if g.src.Syncs != nil {
		states, err := g.src.Syncs.ListSyncStates(ctx)
		up("syncs", err)
		if err == nil {
			g.collectSyncs(ch, states)
		}
	}
	for name, db := range g.src.SQLPools {
		s := db.Stats()
		conns(ch, name, s.OpenConnections, s.InUse, s.Idle)
	}
	if g.src.PgxPool != nil {
		s := g.src.PgxPool.Stat()
		conns(ch, "pgx", int(s.TotalConns()), int(s.AcquiredConns()), int(s.IdleConns()))
	}
}

func (g *gauges) collectSyncs(ch chan<- prometheus.Metric, states []store.SyncState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range states {
		failed := 0.0
		if s.LastStatus == "ok" && s.LastFinishedAt != nil && s.LastFinishedAt.After(g.lastOK[s.Name]) {
			g.lastOK[s.Name] = *s.LastFinishedAt
		}
		if s.LastStatus != "" && s.LastStatus != "ok" {
			failed = 1
		}
		ch <- prometheus.MustNewConstMetric(descSyncFailed, prometheus.GaugeValue, failed, s.Name)
		if t, ok := g.lastOK[s.Name]; ok {
			ch <- prometheus.MustNewConstMetric(descSyncOK, prometheus.GaugeValue, float64(t.Unix()), s.Name)
		}
	}
}

func conns(ch chan<- prometheus.Metric, pool string, open, inUse, idle int) {
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(open), pool, "open")
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(inUse), pool, "in_use")
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(idle), pool, "idle")
}

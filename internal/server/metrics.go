package server

import (
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are aaa's Prometheus collectors, on their own registry (no
// globals). cmd/aaa creates one and hands its Observe methods to the Ashby
// client, the job queue and the use cases; /metrics serves it.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.HistogramVec
	webhooks  *prometheus.CounterVec
	decisions *prometheus.CounterVec
	ashby     *prometheus.HistogramVec
	jobs      *prometheus.HistogramVec
}

// NewMetrics builds the collectors.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "aaa_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"path", "status"})
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
	m.jobs = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "aaa_job_run_duration_seconds", Help: "Background job runs by kind and outcome.",
		Buckets: prometheus.DefBuckets,
	}, []string{"kind", "outcome"})
	m.reg.MustRegister(m.requests, m.webhooks, m.decisions, m.ashby, m.jobs,
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
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.ashby.WithLabelValues(method, result).Observe(d.Seconds())
}

// ObserveJob records one finished job run.
func (m *Metrics) ObserveJob(kind, outcome string, run, _ time.Duration) {
	m.jobs.WithLabelValues(kind, outcome).Observe(run.Seconds())
}

// ObserveDecision counts one evaluation.
func (m *Metrics) ObserveDecision(outcome, mode string) {
	m.decisions.WithLabelValues(outcome, mode).Inc()
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *Metrics) observeRequest(r *http.Request, status int, d time.Duration) {
	path := r.URL.Path
	switch {
	case len(path) > 7 && path[:7] == "/admin/":
		path = "/admin"
	case path != "/webhooks/ashby" && path != "/slack/interactions" && path != "/health" && path != "/metrics" && path != "/":
		path = "other"
	}
	m.requests.WithLabelValues(path, strconv.Itoa(status)).Observe(d.Seconds())
}

func (m *Metrics) webhook(outcome string) { m.webhooks.WithLabelValues(outcome).Inc() }

package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors, on their own registry (no
// globals).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	webhooks *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "aaa_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"path", "status"})
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aaa_webhooks_total", Help: "Ashby webhook requests by outcome.",
	}, []string{"outcome"})
	m.reg.MustRegister(m.requests, m.webhooks, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Register adds collectors (decisions, Ashby calls, jobs) from elsewhere.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *metrics) observeRequest(r *http.Request, status int, d time.Duration) {
	path := r.URL.Path
	switch {
	case len(path) > 7 && path[:7] == "/admin/":
		path = "/admin"
	case path != "/webhooks/ashby" && path != "/slack/interactions" && path != "/health" && path != "/metrics" && path != "/":
		path = "other"
	}
	m.requests.WithLabelValues(path, strconv.Itoa(status)).Observe(d.Seconds())
}

func (m *metrics) webhook(outcome string) { m.webhooks.WithLabelValues(outcome).Inc() }

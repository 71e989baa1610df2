package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"go.yaml.in/yaml/v3"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// series names one sample: name{labels} with the labels sorted by name, as
// the text format writes them.
func series(name string, labels ...string) string {
	var pairs []string
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, labels[i]+`="`+labels[i+1]+`"`)
	}
	slices.Sort(pairs)
	if len(pairs) == 0 {
		return name
	}
	return name + "{" + strings.Join(pairs, ",") + "}"
}

// scrape GETs url and returns each sample's value by series.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	out := map[string]float64{}
	for line := range bytes.Lines(body) {
		l := strings.TrimSpace(string(line))
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", l, err)
		}
		out[l[:i]] = v
	}
	return out
}

// TestMetricsAtStart scrapes a fresh server over HTTP, on both stores, and
// finds every listed series there with a zero value: counters and histograms
// for their known label values, every route of the router, the queue
// backlog per job kind and state, the delivery gauges; the database pools
// and the last successful sync are there too.
func TestMetricsAtStart(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		d := testkit.OpenDatabase(t, b)
		ctx := context.Background()
		finished := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		testkit.Must(t, d.DB.SaveSyncState(ctx, store.SyncState{Name: "feedback", LastStatus: "ok", LastFinishedAt: &finished}))
		testkit.Must(t, d.DB.SaveSyncState(ctx, store.SyncState{Name: "metadata", LastStatus: "failed", LastFinishedAt: &finished}))
		q := d.Queue(t, jobs.Options{InsertOnly: true})
		m := server.NewMetrics()
		pools := map[string]*sql.DB{"writer": d.DB.Writer()}
		m.Watch(server.Sources{Deliveries: d.DB, Syncs: d.DB, Jobs: q, SQLPools: pools, PgxPool: d.Pool})
		h := server.New(server.Deps{Store: d.DB, Metrics: m, AdminToken: adminToken})
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)

		got := scrape(t, srv.URL+"/metrics")
		zero := func(s string) {
			t.Helper()
			if v, ok := got[s]; !ok {
				t.Errorf("/metrics lacks %s", s)
			} else if v != 0 {
				t.Errorf("%s = %v at start, want 0", s, v)
			}
		}
		for _, o := range server.WebhookOutcomes {
			zero(series("aaa_webhooks_total", "outcome", o))
		}
		for _, o := range server.DecisionOutcomes {
			for _, mode := range server.DecisionModes {
				zero(series("aaa_decisions_total", "outcome", o, "mode", mode))
			}
		}
		for _, res := range []string{"ok", "error"} {
			for _, method := range server.AshbyMethods {
				zero(series("aaa_ashby_call_duration_seconds_count", "method", method, "result", res))
			}
			for _, method := range server.SlackMethods {
				zero(series("aaa_slack_call_duration_seconds_count", "method", method, "result", res))
			}
		}
		for _, k := range server.JobKinds {
			for _, o := range server.JobOutcomes {
				zero(series("aaa_job_run_duration_seconds_count", "kind", k, "outcome", o))
			}
			for _, st := range server.JobBacklogStates {
				zero(series("aaa_job_backlog", "kind", k, "state", st))
			}
		}
		routes := 0
		testkit.Must(t, chi.Walk(h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			routes++
			zero(series("aaa_http_request_duration_seconds_count", "handler", route, "method", method, "code", "200"))
			return nil
		}))
		if routes < 20 {
			t.Errorf("walked %d routes: the router's routes were not found", routes)
		}
		zero(series("aaa_http_request_duration_seconds_count", "handler", "/admin/rules/{id}", "method", "GET", "code", "200"))
		zero("aaa_deliveries_failed")
		zero("aaa_deliveries_pending")
		zero("aaa_delivery_oldest_pending_age_seconds")
		zero(series("aaa_sync_last_run_failed", "sync", "feedback"))
		if v := got[series("aaa_sync_last_run_failed", "sync", "metadata")]; v != 1 {
			t.Errorf("metadata's failed run: aaa_sync_last_run_failed = %v, want 1", v)
		}
		if v := got[series("aaa_sync_last_success_timestamp_seconds", "sync", "feedback")]; v != float64(finished.Unix()) {
			t.Errorf("feedback's last success = %v, want %d", v, finished.Unix())
		}
		if _, ok := got[series("aaa_sync_last_success_timestamp_seconds", "sync", "metadata")]; ok {
			t.Errorf("metadata never succeeded but has a last success time")
		}
		for _, state := range []string{"open", "in_use", "idle"} {
			if _, ok := got[series("aaa_db_connections", "pool", "writer", "state", state)]; !ok {
				t.Errorf("/metrics lacks the writer pool's %s connections", state)
			}
			if _, ok := got[series("aaa_db_connections", "pool", "pgx", "state", state)]; !ok && d.Pool != nil {
				t.Errorf("/metrics lacks the pgx pool's %s connections", state)
			}
		}
		for _, src := range []string{"jobs", "deliveries", "syncs"} {
			if v := got[series("aaa_metrics_source_up", "source", src)]; v != 1 {
				t.Errorf("source %s up = %v, want 1", src, v)
			}
		}

		// A request is counted under its route pattern, not its path; a
		// path no route matches shares one series.
		for _, p := range []string{"/health", "/admin/rules/r-123", "/no/such/page"} {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+p, nil)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, err := http.DefaultClient.Do(req)
			testkit.Must(t, err)
			resp.Body.Close()
		}
		got = scrape(t, srv.URL+"/metrics")
		for s, want := range map[string]float64{
			series("aaa_http_request_duration_seconds_count", "handler", "/health", "method", "GET", "code", "200"):           1,
			series("aaa_http_request_duration_seconds_count", "handler", "/admin/rules/{id}", "method", "GET", "code", "404"): 1,
			series("aaa_http_request_duration_seconds_count", "handler", "unmatched", "method", "GET", "code", "404"):         1,
		} {
			if got[s] != want {
				t.Errorf("%s = %v, want %v; have %v", s, got[s], want, requestSeries(got))
			}
		}

		// A pending delivery shows in the backlog gauges, a job in the
		// queue's.
		_, err := d.DB.InsertDelivery(ctx, domain.Delivery{ID: "d1", DedupeKey: "k1", Action: "interviewScheduleUpdate",
			Payload: []byte(`{}`), ReceivedAt: time.Now().Add(-time.Minute)})
		testkit.Must(t, err)
		testkit.Must(t, q.EnqueueIngest(ctx, nil, "d1"))
		got = scrape(t, srv.URL+"/metrics")
		if got["aaa_deliveries_pending"] != 1 || got["aaa_delivery_oldest_pending_age_seconds"] < 59 {
			t.Errorf("one delivery pending for a minute: pending %v, oldest %vs", got["aaa_deliveries_pending"],
				got["aaa_delivery_oldest_pending_age_seconds"])
		}
		if v := got[series("aaa_job_backlog", "kind", "ingest_delivery", "state", "available")]; v != 1 {
			t.Errorf("ingest backlog = %v, want 1", v)
		}
	})
}

const adminToken = "metrics-test-admin-token"

// TestMetricsElsewhere leaves /metrics off the public router when
// METRICS_ADDR serves it.
func TestMetricsElsewhere(t *testing.T) {
	t.Parallel()
	db, _ := testkit.OpenSQLite(t)
	m := server.NewMetrics()
	m.ServeOnOwnListener()
	srv := httptest.NewServer(server.New(server.Deps{Store: db, Metrics: m}))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/metrics")
	testkit.Must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("public /metrics = %d, want 404", resp.StatusCode)
	}
	own := httptest.NewServer(m.Handler())
	t.Cleanup(own.Close)
	if _, ok := scrape(t, own.URL)[series("aaa_webhooks_total", "outcome", "accepted")]; !ok {
		t.Fatal("the metrics listener lacks aaa_webhooks_total")
	}
}

func requestSeries(got map[string]float64) []string {
	var out []string
	for s, v := range got {
		if strings.HasPrefix(s, "aaa_http_request_duration_seconds_count") && v > 0 {
			out = append(out, s)
		}
	}
	return out
}

// exported scrapes a server whose gauges have every source and returns the
// name of every series it exports (histograms with their _bucket, _count
// and _sum).
func exported(t *testing.T) map[string]bool {
	t.Helper()
	d := testkit.OpenDatabase(t, testkit.Backends(t)[0])
	ctx := context.Background()
	finished := time.Now()
	testkit.Must(t, d.DB.SaveSyncState(ctx, store.SyncState{Name: "feedback", LastStatus: "ok", LastFinishedAt: &finished}))
	m := server.NewMetrics()
	m.SetBuildInfo("test", "", "")
	m.Watch(server.Sources{Deliveries: d.DB, Syncs: d.DB, Jobs: d.Queue(t, jobs.Options{InsertOnly: true}),
		SQLPools: map[string]*sql.DB{"writer": d.DB.Writer()}})
	srv := httptest.NewServer(server.New(server.Deps{Store: d.DB, Metrics: m}))
	t.Cleanup(srv.Close)
	names := map[string]bool{}
	for s := range scrape(t, srv.URL+"/metrics") {
		name, _, _ := strings.Cut(s, "{")
		names[name] = true
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if base, ok := strings.CutSuffix(name, suffix); ok {
				names[base] = true
			}
		}
	}
	return names
}

var aaaSeries = regexp.MustCompile(`\baaa_[a-z0-9_]+`)

// TestDeployFilesNameExportedSeries: every aaa_ series an alert rule or a
// dashboard panel queries is one aaa exports, and the alerts cover what
// operators asked for (webhooks failing, backlog growing, sync stale, Ashby
// degraded, decisions failing).
func TestDeployFilesNameExportedSeries(t *testing.T) {
	t.Parallel()
	names := exported(t)
	root, err := testkit.ModuleRoot()
	testkit.Must(t, err)
	check := func(where, expr string) {
		t.Helper()
		found := aaaSeries.FindAllString(expr, -1)
		if len(found) == 0 {
			t.Errorf("%s: %q queries no aaa_ series", where, expr)
		}
		for _, s := range found {
			if !names[s] {
				t.Errorf("%s: %s is not a series aaa exports", where, s)
			}
		}
	}

	raw, err := os.ReadFile(filepath.Join(root, "deploy", "prometheus-alerts.yaml"))
	testkit.Must(t, err)
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	testkit.Must(t, yaml.Unmarshal(raw, &rules))
	var alerts []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			check("alert "+r.Alert, r.Expr)
		}
	}
	for _, want := range []string{"AaaWebhooksFailing", "AaaJobBacklogGrowing", "AaaDeliveryBacklogStale",
		"AaaFeedbackSyncStale", "AaaAshbyDegraded", "AaaDecisionsFailing"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("prometheus-alerts.yaml has no %s (has %v)", want, alerts)
		}
	}

	raw, err = os.ReadFile(filepath.Join(root, "deploy", "grafana-dashboard.json"))
	testkit.Must(t, err)
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	testkit.Must(t, json.Unmarshal(raw, &dash))
	queried := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			check("panel "+p.Title, q.Expr)
			for _, s := range aaaSeries.FindAllString(q.Expr, -1) {
				queried[s] = true
			}
		}
	}
	// The dashboard shows every aaa series (histograms through a suffix).
	for n := range names {
		if !strings.HasPrefix(n, "aaa_") || strings.HasSuffix(n, "_sum") {
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_count")
		if !queried[n] && !queried[base+"_count"] && !queried[base+"_bucket"] {
			t.Errorf("no dashboard panel shows %s", n)
		}
	}
}

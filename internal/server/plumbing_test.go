package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestRequestPlumbing covers what every route shares: request ids, CORS,
// the envelope on unknown routes, and rate limiting of webhooks.
func TestRequestPlumbing(t *testing.T) {
	t.Parallel()
	db, _ := testkit.OpenSQLite(t)
	srv := httptest.NewServer(server.New(server.Deps{Store: db, FrontendURLs: []string{"https://ops.example"},
		WebhookRatePerMin: 60}))
	t.Cleanup(srv.Close)
	do := func(method, path string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	tests := []struct {
		name   string
		method string
		path   string
		hdr    map[string]string
		status int
		check  func(*http.Response) string
	}{
		{"request id honoured", "GET", "/health", map[string]string{"X-Request-ID": "req-123"}, 200, func(r *http.Response) string {
			if r.Header.Get("X-Request-ID") != "req-123" {
				return "X-Request-ID not echoed"
			}
			return ""
		}},
		{"request id generated", "GET", "/health", nil, 200, func(r *http.Response) string {
			if len(r.Header.Get("X-Request-ID")) < 16 {
				return "no generated X-Request-ID"
			}
			return ""
		}},
		{"malformed request id replaced", "GET", "/health", map[string]string{"X-Request-ID": "bad id\twith spaces"}, 200, func(r *http.Response) string {
			if r.Header.Get("X-Request-ID") == "bad id\twith spaces" {
				return "malformed X-Request-ID echoed"
			}
			return ""
		}},
		{"CORS allowed origin", "GET", "/health", map[string]string{"Origin": "https://ops.example"}, 200, func(r *http.Response) string {
			if r.Header.Get("Access-Control-Allow-Origin") != "https://ops.example" {
				return "no CORS header for an allowed origin"
			}
			return ""
		}},
		{"CORS other origin", "GET", "/health", map[string]string{"Origin": "https://evil.example"}, 200, func(r *http.Response) string {
			if r.Header.Get("Access-Control-Allow-Origin") != "" {
				return "CORS header for a foreign origin"
			}
			return ""
		}},
		{"CORS preflight", "OPTIONS", "/admin/rules", map[string]string{"Origin": "https://ops.example", "Access-Control-Request-Method": "PATCH"}, 204, nil},
		{"unknown route uses the envelope", "GET", "/nope", nil, 404, func(r *http.Response) string {
			if r.Header.Get("Content-Type") != "application/json" {
				return "404 is not JSON"
			}
			return ""
		}},
		{"wrong method", "GET", "/webhooks/ashby", nil, 405, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(tt.method, tt.path, tt.hdr)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.check != nil {
				if msg := tt.check(resp); msg != "" {
					t.Fatal(msg)
				}
			}
		})
	}
	// 60/min per client with a burst of 10: the 11th quick webhook is limited.
	var limited *http.Response
	for range 30 {
		if r := do("POST", "/webhooks/ashby", nil); r.StatusCode == http.StatusTooManyRequests {
			limited = r
			break
		}
	}
	if limited == nil || limited.Header.Get("Retry-After") == "" {
		t.Fatalf("no 429 with Retry-After under a burst: %+v", limited)
	}
}

func TestMetricsExposeDecisionsAshbyAndJobs(t *testing.T) {
	t.Parallel()
	db, _ := testkit.OpenSQLite(t)
	m := server.NewMetrics()
	m.ObserveDecision("advance", "live")
	m.ObserveAshby("application.changeStage", 0, nil)
	m.ObserveJob("evaluate_schedule", "completed", 0, 0)
	srv := httptest.NewServer(server.New(server.Deps{Store: db, Metrics: m}))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`aaa_decisions_total{mode="live",outcome="advance"} 1`,
		`aaa_ashby_call_duration_seconds_count{method="application.changeStage",result="ok"} 1`,
		`aaa_job_run_duration_seconds_count{kind="evaluate_schedule",outcome="completed"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestMetricsAddr runs aaa serve with METRICS_ADDR: /metrics answers on
// its own listener, with the gauges, and not on the public port.
func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t, testkit.ProcessOptions{Env: testkit.Environ("DATABASE_URL="+testkit.SQLiteURL(t),
		"METRICS_ADDR=127.0.0.1:0", "LOG_LEVEL=INFO")})
	srv.WaitHealthy(t)
	get := func(url string) (int, string) {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get(srv.URL() + "/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics = %d with METRICS_ADDR set, want 404", code)
	}
	var addr string
	testkit.Eventually(t, 10*time.Second, "metrics_listening logged", func() bool {
		addr, _ = logged(srv.Logs())["metrics_listening"]["addr"].(string)
		return addr != ""
	}, srv.Logs)
	code, body := get("http://" + addr + "/metrics")
	if code != http.StatusOK {
		t.Fatalf("METRICS_ADDR /metrics = %d", code)
	}
	for _, want := range []string{"aaa_build_info{", "aaa_job_backlog{", "aaa_deliveries_failed 0", `aaa_db_connections{pool="writer",state="open"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("METRICS_ADDR /metrics lacks %s", want)
		}
	}
}

// logged is the last record of each event in JSON log output.
func logged(logs string) map[string]map[string]any {
	events := map[string]map[string]any{}
	for line := range strings.Lines(logs) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			if ev, _ := rec["event"].(string); ev != "" {
				events[ev] = rec
			}
		}
	}
	return events
}

// TestWarnLogs runs aaa serve with LOG_LEVEL=WARNING: an unsigned and a
// wrongly signed webhook are logged at WARN (spelled WARN, never WARNING)
// with the client's address and without the body or the signature; INFO
// lines are not printed.
func TestWarnLogs(t *testing.T) {
	t.Parallel()
	// application_ready is an INFO line, which WARNING hides: pick the
	// port here and wait for /health instead.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	testkit.Must(t, err)
	addr := ln.Addr().String()
	testkit.Must(t, ln.Close())
	srv := testkit.Start(t, testkit.ProcessOptions{Args: []string{"serve", "--addr", addr},
		Env: testkit.Environ("DATABASE_URL="+testkit.SQLiteURL(t), "LOG_LEVEL=WARNING", "ASHBY_WEBHOOK_SECRET=whsec-observability-test")})
	base := "http://" + addr
	testkit.Eventually(t, 60*time.Second, "aaa healthy", func() bool {
		res, err := http.Get(base + "/health")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, srv.Logs)
	const body = `{"action":"interviewScheduleUpdate","data":{"secret-body-marker":1}}`
	for _, sig := range []string{"", "sha256=feedface-signature-marker"} {
		req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/ashby", strings.NewReader(body))
		if sig != "" {
			req.Header.Set("Ashby-Signature", sig)
		}
		res, err := http.DefaultClient.Do(req)
		testkit.Must(t, err)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("webhook signed %q = %d, want 401", sig, res.StatusCode)
		}
	}
	var events map[string]map[string]any
	testkit.Eventually(t, 10*time.Second, "both refusals logged", func() bool {
		events = logged(srv.Logs())
		return events["webhook_signature_missing"] != nil && events["webhook_signature_invalid"] != nil
	}, srv.Logs)
	for _, ev := range []string{"webhook_signature_missing", "webhook_signature_invalid"} {
		if rec := events[ev]; rec["level"] != "WARN" || rec["client"] != "127.0.0.1" {
			t.Errorf("%s: %v, want level WARN and client 127.0.0.1", ev, rec)
		}
	}
	logs := srv.Logs()
	for _, leak := range []string{"secret-body-marker", "feedface-signature-marker", `"level":"WARNING"`, `"level":"INFO"`} {
		if strings.Contains(logs, leak) {
			t.Errorf("logs contain %s:\n%s", leak, logs)
		}
	}
}

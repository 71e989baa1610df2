package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/bench"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// A short aaa bench on each store measures the minimal receiver beside
// aaa and reports the webhook figures as ratios to it. The figures
// themselves are not checked: performance is measured, never asserted.
func TestBenchReportsRatiosToBaseline(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := benchOptions{concurrency: 4, duration: 300 * time.Millisecond, drain: 20 * time.Second,
				schedules: 10, workers: 2, jsonOut: true}
			if name == "postgres" {
				if o.db = testkit.PostgresURL(t); o.db == "" {
					t.Skip(testkit.PostgresEnv + " not set")
				}
			}
			var out bytes.Buffer
			if err := runBench(context.Background(), &out, io.Discard, o); err != nil {
				t.Fatal(err)
			}
			var r bench.Report
			testkit.Must(t, json.Unmarshal(out.Bytes(), &r))
			if len(r.Errors) > 0 {
				t.Errorf("bench errors: %v", r.Errors)
			}
			withRatio := map[string]bool{}
			for _, f := range r.Figures {
				if f.Baseline > 0 && f.Ratio > 0 {
					withRatio[f.Name] = true
				}
			}
			for _, want := range []string{"webhook acks/s", "webhook ack p50", "webhook ack p99", "webhook ack max"} {
				if !withRatio[want] {
					t.Errorf("%q has no ratio to the baseline: %+v", want, r.Figures)
				}
			}
		})
	}
}

// A short sustained phase on each store (50 webhooks/s for 2 s) reports
// its rows with sane values: no more sent than planned, no more acked
// than sent, p50 ≤ p99, a backlog that is a count and its share of a
// second of arrivals against the < 1 s target. Speed is not asserted.
func TestBenchSustainedPhaseReportsBacklog(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := benchOptions{concurrency: 2, duration: 200 * time.Millisecond, drain: 30 * time.Second,
				schedules: 5, workers: 2, jsonOut: true, rate: 50, sustain: 2 * time.Second}
			if name == "postgres" {
				if o.db = testkit.PostgresURL(t); o.db == "" {
					t.Skip(testkit.PostgresEnv + " not set")
				}
			}
			var out bytes.Buffer
			if err := runBench(context.Background(), &out, io.Discard, o); err != nil {
				t.Fatal(err)
			}
			var r bench.Report
			testkit.Must(t, json.Unmarshal(out.Bytes(), &r))
			if len(r.Errors) > 0 {
				t.Errorf("bench errors: %v", r.Errors)
			}
			if r.Rate != 50 || r.Sustain != "2s" || r.Senders < 1 {
				t.Errorf("report header: rate %v sustain %q senders %d", r.Rate, r.Sustain, r.Senders)
			}
			fig := map[string]bench.Figure{}
			for _, f := range r.Figures {
				fig[f.Name] = f
			}
			for _, want := range []string{
				"sustained: webhooks sent/s", "sustained: webhooks acked/s", "sustained: ack p50", "sustained: ack p99",
				"sustained: deliveries processed/s", "sustained: backlog at the end",
				"sustained: backlog in seconds of arrivals", "sustained: backlog drained after",
			} {
				if _, ok := fig[want]; !ok {
					t.Errorf("no %q row in %+v", want, r.Figures)
				}
			}
			sent, acked := fig["sustained: webhooks sent/s"], fig["sustained: webhooks acked/s"]
			if sent.Value <= 0 || sent.Value > 50.01 || acked.Value <= 0 || acked.Value > sent.Value {
				t.Errorf("sent %.2f/s, acked %.2f/s at --rate 50", sent.Value, acked.Value)
			}
			if p50, p99 := fig["sustained: ack p50"].Value, fig["sustained: ack p99"].Value; p50 <= 0 || p50 > p99 {
				t.Errorf("ack p50 %.2f ms, p99 %.2f ms", p50, p99)
			}
			backlog, secs := fig["sustained: backlog at the end"], fig["sustained: backlog in seconds of arrivals"]
			if backlog.Value < 0 || backlog.Value != float64(int(backlog.Value)) || backlog.Unit != bench.UnitDeliveries {
				t.Errorf("backlog %v %s is not a count", backlog.Value, backlog.Unit)
			}
			if secs.Value < 0 || secs.Value != backlog.Value/acked.Value || secs.Target != "< 1 s" || secs.Met == nil {
				t.Errorf("backlog in seconds: %+v, want backlog / acked rate against < 1 s", secs)
			}
			if d := fig["sustained: backlog drained after"]; d.Value < 0 || (backlog.Value == 0 && d.Value != 0) ||
				strings.Contains(d.Note, "NOT drained") {
				t.Errorf("drained after: %+v", d)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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

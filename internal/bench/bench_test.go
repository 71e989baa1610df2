package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/bench"
)

func TestHistogramPercentiles(t *testing.T) {
	t.Parallel()
	h := bench.NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	tests := []struct {
		name string
		p    float64
		want time.Duration
	}{
		{"p50", 0.50, 500 * time.Microsecond},
		{"p99", 0.99, 990 * time.Microsecond},
		{"p100", 1, 1000 * time.Microsecond},
	}
	for _, tt := range tests {
		got := h.Percentile(tt.p)
		if diff := got - tt.want; diff < 0 || diff > tt.want/100 {
			t.Errorf("%s = %s, want %s within 1%%", tt.name, got, tt.want)
		}
	}
	if h.Max() != time.Millisecond || h.Count() != 1000 {
		t.Errorf("max %s count %d", h.Max(), h.Count())
	}
	if m := h.Mean(); m < 500*time.Microsecond || m > 501*time.Microsecond {
		t.Errorf("mean %s", m)
	}
	o := bench.NewHistogram()
	o.Record(time.Second)
	h.Merge(o)
	if h.Max() != time.Second || h.Count() != 1001 {
		t.Errorf("after merge: max %s count %d", h.Max(), h.Count())
	}
	if got := bench.NewHistogram().Percentile(0.5); got != 0 {
		t.Errorf("empty p50 = %s", got)
	}
}

func TestReadRSS(t *testing.T) {
	t.Parallel()
	rss, err := bench.ReadRSS()
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if rss < 1<<20 || rss > 1<<40 {
		t.Errorf("RSS %d bytes is implausible", rss)
	}
	s := bench.StartRSSSampler(time.Millisecond)
	if m := s.Stop(); m < 1<<20 {
		t.Errorf("sampled max %d", m)
	}
}

func TestWebhookSourceSignsDistinctDeliveries(t *testing.T) {
	t.Parallel()
	sim := ashbysim.New(ashbysim.Options{})
	sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
	var bodies [][]byte
	for _, c := range sc.Candidates {
		bodies = append(bodies, sim.ScheduleUpdateBody(c.ScheduleID))
	}
	src, err := bench.NewWebhookSource("s3cret", "run1", bodies)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 5 {
		body, sig := src.Next()
		if !ashby.VerifySignature("s3cret", body, sig) {
			t.Fatalf("signature does not verify")
		}
		w, err := ashby.ParseWebhook(body)
		if err != nil {
			t.Fatal(err)
		}
		if seen[w.WebhookActionID] || !strings.HasPrefix(w.WebhookActionID, "bench-run1-") {
			t.Fatalf("webhookActionId %q repeated or unprefixed", w.WebhookActionID)
		}
		seen[w.WebhookActionID] = true
		if _, err := w.Schedule(); err != nil {
			t.Fatalf("body lost its schedule: %v", err)
		}
	}
	if _, err := bench.NewWebhookSource("s", "r", [][]byte{[]byte(`{"action":"x"}`)}); err == nil {
		t.Error("a body without webhookActionId was accepted")
	}
}

func TestRunLoadAgainstServer(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if hits.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	hc := bench.NewClient(4)
	res := bench.RunLoad(context.Background(), bench.LoadOptions{
		Concurrency: 4, Requests: 200,
		Do: func(ctx context.Context, _ int) error {
			return bench.PostWebhook(ctx, hc, srv.URL, []byte(`{}`), "sig")
		},
	})
	if res.Requests != 200 || res.Errors != 20 || res.Latency.Count() != 180 || res.FirstError == nil {
		t.Errorf("requests %d errors %d latencies %d first %v", res.Requests, res.Errors, res.Latency.Count(), res.FirstError)
	}
	timed := bench.RunLoad(context.Background(), bench.LoadOptions{
		Concurrency: 2, Duration: 50 * time.Millisecond,
		Do: func(ctx context.Context, _ int) error { return bench.PostWebhook(ctx, hc, srv.URL, nil, "") },
	})
	// The load runs for its duration and the calls in flight at its end
	// are answered and counted, not cut off.
	if timed.Elapsed < 50*time.Millisecond || timed.Requests == 0 ||
		timed.Latency.Count() != uint64(timed.Requests-timed.Errors) || timed.Throughput() <= 0 {
		t.Errorf("timed load: %+v", timed)
	}
}

func TestForEachReturnsFirstErrorAndRunsAll(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	boom := errors.New("boom")
	err := bench.ForEach(3, []int{1, 2, 3, 4, 5}, func(i int) error {
		n.Add(1)
		if i == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || n.Load() != 5 {
		t.Errorf("err %v, ran %d", err, n.Load())
	}
}

func TestReportTableAndJSON(t *testing.T) {
	t.Parallel()
	r := bench.Report{Backend: "sqlite", CPUs: 2, Concurrency: 10, Duration: "1s", Schedules: 5}
	r.Add(bench.Figure{Name: "webhook acks/s", Value: 8000, Unit: "/s"}.AtLeast(7500, "≥ 7,500"))
	r.Add(bench.Figure{Name: "webhook ack p99", Value: 12.5, Unit: "ms"}.AtMost(10, "≤ 10 ms"))
	r.Errors = []string{"rss: none"}
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"webhook acks/s", "8000 /s", "≥ 7,500", "ok", "12.5 ms", "MISSED", "error: rss: none"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back bench.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Figures) != 2 || back.Figures[1].Met == nil || *back.Figures[1].Met {
		t.Errorf("JSON round trip: %+v", back.Figures)
	}
}

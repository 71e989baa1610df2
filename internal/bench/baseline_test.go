package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/bench"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// The minimal receiver stores each signed delivery once, with one job,
// through concurrent group commits; a replay is acknowledged without a
// second row; a bad signature is refused and stores nothing.
func TestBenchBaselineStoresEachDeliveryOnceWithItsJob(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sim := ashbysim.New(ashbysim.Options{})
		sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 3})
		var bodies [][]byte
		for _, c := range sc.Candidates {
			bodies = append(bodies, sim.ScheduleUpdateBody(c.ScheduleID))
		}
		src, err := bench.NewWebhookSource("secret", "t", bodies)
		testkit.Must(t, err)
		b, err := bench.NewBaseline(ctx, db, "secret")
		testkit.Must(t, err)
		srv := httptest.NewServer(b)
		defer srv.Close()
		hc := bench.NewClient(8)

		type delivery struct {
			body []byte
			sig  string
		}
		sent := make([]delivery, 200)
		for i := range sent {
			sent[i].body, sent[i].sig = src.Next()
		}
		testkit.Must(t, bench.ForEach(8, sent, func(d delivery) error {
			return bench.PostWebhook(ctx, hc, srv.URL, d.body, d.sig)
		}))
		// A replay of a stored delivery is acknowledged and not stored again.
		testkit.Must(t, bench.PostWebhook(ctx, hc, srv.URL, sent[0].body, sent[0].sig))

		bad, _ := src.Next()
		for name, sig := range map[string]string{
			"wrong secret": ashby.Sign("other", bad),
			"missing":      "",
			"other body":   sent[1].sig,
		} {
			if err := bench.PostWebhook(ctx, hc, srv.URL, bad, sig); err == nil || !strings.Contains(err.Error(), "401") {
				t.Errorf("%s signature: %v, want 401", name, err)
			}
		}
		notJSON := []byte("not json")
		if err := bench.PostWebhook(ctx, hc, srv.URL, notJSON, ashby.Sign("secret", notJSON)); err == nil ||
			!strings.Contains(err.Error(), "400") {
			t.Errorf("signed non-JSON body: %v, want 400", err)
		}

		deliveries, jobs, withOneJob, err := b.Counts(ctx)
		testkit.Must(t, err)
		if deliveries != len(sent) || jobs != len(sent) || withOneJob != len(sent) {
			t.Errorf("stored %d deliveries, %d jobs, %d with one job; want %d of each",
				deliveries, jobs, withOneJob, len(sent))
		}
		var payload string
		testkit.Must(t, db.Writer().QueryRowContext(ctx,
			`SELECT payload FROM `+bench.BaselineDeliveries+` WHERE dedupe_key = $1`,
			"action:"+webhookActionID(t, sent[7].body)).Scan(&payload))
		if payload != string(sent[7].body) {
			t.Errorf("stored payload differs from the body sent")
		}

		testkit.Must(t, b.Drop(ctx))
		if _, _, _, err := b.Counts(ctx); err == nil {
			t.Error("tables still there after Drop")
		}
	})
}

func webhookActionID(t *testing.T, body []byte) string {
	t.Helper()
	var w ashby.Webhook
	testkit.Must(t, json.Unmarshal(body, &w))
	return w.WebhookActionID
}

func TestBenchReportPrintsRatiosToBaseline(t *testing.T) {
	t.Parallel()
	r := bench.Report{Backend: "postgres", CPUs: 2, Concurrency: 10, Duration: "1s", Schedules: 5}
	r.Add(bench.Figure{Name: "webhook acks/s", Value: 383, Unit: "/s"}.VsBaseline(930).RatioAtLeast(0.7, "≥ 0.7 × baseline"))
	r.Add(bench.Figure{Name: "webhook ack p99", Value: 70, Unit: "ms"}.VsBaseline(36).RatioAtMost(2, "≤ 2 × baseline"))
	r.Add(bench.Figure{Name: "no baseline", Value: 1, Unit: "/s"}.RatioAtLeast(0.7, "≥ 0.7 × baseline"))
	r.Add(bench.Figure{Name: "RSS idle", Value: 5, Unit: "MiB"}.VsBaseline(0))
	var buf bytes.Buffer
	testkit.Must(t, r.WriteTable(&buf))
	out := buf.String()
	for _, want := range []string{"383 /s (0.41 × baseline 930 /s)", "70.0 ms (1.9 × baseline 36.0 ms)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if n := len(regexp.MustCompile(`\(\S+ × baseline`).FindAllString(out, -1)); n != 2 {
		t.Errorf("a figure without a baseline printed one:\n%s", out)
	}
	// Ratio targets: 0.41 misses ≥ 0.7, 1.9 meets ≤ 2, no baseline misses.
	for i, want := range []bool{false, true, false} {
		if f := r.Figures[i]; f.Met == nil || *f.Met != want {
			t.Errorf("%s: met %v, want %v", f.Name, f.Met, want)
		}
	}
	buf.Reset()
	testkit.Must(t, r.WriteJSON(&buf))
	var back bench.Report
	testkit.Must(t, json.Unmarshal(buf.Bytes(), &back))
	if f := back.Figures[0]; f.Baseline != 930 || f.Ratio < 0.41 || f.Ratio > 0.42 {
		t.Errorf("JSON acks figure: %+v", f)
	}
	if f := back.Figures[3]; f.Baseline != 0 || f.Ratio != 0 {
		t.Errorf("JSON figure without baseline: %+v", f)
	}
}

var _ http.Handler = (*bench.Baseline)(nil)

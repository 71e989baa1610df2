package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/bench"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// senders is the number of concurrent webhook senders, as `aaa bench` uses.
const senders = 10

// BenchmarkWebhook measures POST /webhooks/ashby through the real router,
// store and River insert, on each backend: signed interviewScheduleUpdate
// bodies with distinct webhookActionIds from 10 concurrent senders (as
// `aaa bench`), without the network. Nothing works the enqueued jobs, so
// this is the acknowledgement alone. Beside it, with the same harness and
// load on the same kind of store, "baseline" runs bench.Baseline, the
// minimal durable receiver (HMAC, decode, the delivery and one job row in
// a group commit): aaa's figures divided by the baseline's are the ack
// ratios of DESIGN.md's targets. It reports deliveries/s and the p50 and
// p99 latency of one request.
func BenchmarkWebhook(b *testing.B) {
	for _, be := range testkit.Backends(b) {
		for _, who := range []string{"aaa", "baseline"} {
			b.Run(be.Name+"/"+who, func(b *testing.B) {
				const secret = "bench-secret"
				st := testkit.NewStack(b, testkit.StackOptions{Backend: be, NoAshby: true, Queue: jobs.Options{InsertOnly: true},
					Server: server.Deps{WebhookSecret: secret, WebhookRatePerMin: 1 << 30}})
				h := st.Handler
				if who == "baseline" {
					bl, err := bench.NewBaseline(context.Background(), st.DB, secret)
					testkit.Must(b, err)
					b.Cleanup(func() { _ = bl.Drop(context.Background()) })
					h = bl
				}
				benchmarkWebhook(b, h, secret)
			})
		}
	}
}

func benchmarkWebhook(b *testing.B, h http.Handler, secret string) {
	sim := ashbysim.New(ashbysim.Options{})
	sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 20})
	var bodies [][]byte
	for _, c := range sc.Candidates {
		bodies = append(bodies, sim.ScheduleUpdateBody(c.ScheduleID))
	}
	src, err := bench.NewWebhookSource(secret, b.Name(), bodies)
	testkit.Must(b, err)

	lat := bench.NewHistogram()
	b.SetParallelism((senders + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body, sig := src.Next()
			req := httptest.NewRequest(http.MethodPost, "/webhooks/ashby", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Ashby-Signature", sig)
			rec := httptest.NewRecorder()
			t0 := time.Now()
			h.ServeHTTP(rec, req)
			lat.Record(time.Since(t0))
			if rec.Code != http.StatusOK {
				b.Errorf("status %d: %s", rec.Code, rec.Body.String())
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(bench.Millis(lat.Percentile(0.50)), "p50-ms")
	b.ReportMetric(bench.Millis(lat.Percentile(0.99)), "p99-ms")
}

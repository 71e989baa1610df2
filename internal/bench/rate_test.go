package bench_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/bench"
)

// An open-loop load sends on its schedule and counts every call it sent:
// each one reached the server, and each is acked or failed.
func TestRunRateCountsEveryCallSent(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if hits.Add(1)%5 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	hc := bench.NewClient(4)
	res := bench.RunRate(context.Background(), bench.RateOptions{
		Rate: 200, Duration: 250 * time.Millisecond, Senders: 4,
		Do: func(ctx context.Context) error { return bench.PostWebhook(ctx, hc, srv.URL, []byte(`{}`), "sig") },
	})
	if res.Planned != 50 || res.Sent == 0 || res.Sent > res.Planned {
		t.Errorf("planned %d sent %d, want 50 planned and some sent", res.Planned, res.Sent)
	}
	if res.Acked+res.Errors != res.Sent || hits.Load() != res.Sent || res.Errors != res.Sent/5 || res.FirstError == nil {
		t.Errorf("sent %d acked %d errors %d (first %v), server saw %d", res.Sent, res.Acked, res.Errors, res.FirstError, hits.Load())
	}
	if res.Latency.Count() != uint64(res.Acked) || res.Service.Count() != uint64(res.Acked) ||
		res.Service.Max() > res.Latency.Max() || res.Window <= 0 || res.Window > 250*time.Millisecond ||
		res.Elapsed < res.Window || res.SentRate() <= 0 || res.AckedRate() > res.SentRate() {
		t.Errorf("latencies %d window %s elapsed %s sent/s %.1f acked/s %.1f",
			res.Latency.Count(), res.Window, res.Elapsed, res.SentRate(), res.AckedRate())
	}
}

// When every sender waits on a server that does not answer within the
// window, the calls due meanwhile are not sent, and the one in flight is
// answered and counted, its latency counted from when it was due.
func TestRunRateSendsNoMoreThanItsSendersCanCarry(t *testing.T) {
	t.Parallel()
	const stall = 500 * time.Millisecond
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(stall) // a stalled server, longer than the whole window
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	hc := bench.NewClient(1)
	res := bench.RunRate(context.Background(), bench.RateOptions{
		Rate: 100, Duration: 50 * time.Millisecond, Senders: 1,
		Do: func(ctx context.Context) error { return bench.PostWebhook(ctx, hc, srv.URL, nil, "") },
	})
	if res.Planned != 5 || res.Sent != 1 || res.Acked != 1 || hits.Load() != 1 {
		t.Errorf("planned %d sent %d acked %d, server saw %d; want 5, 1, 1, 1", res.Planned, res.Sent, res.Acked, hits.Load())
	}
	if res.Window != 50*time.Millisecond || res.Latency.Max() < stall || res.Elapsed < stall {
		t.Errorf("window %s, latency max %s, elapsed %s", res.Window, res.Latency.Max(), res.Elapsed)
	}
}

// A closed-loop load with a duration lets the calls in flight at its
// deadline finish and counts them: the server saw exactly the calls the
// load reports, none stored but uncounted.
func TestRunLoadCountsCallsInFlightAtTheDeadline(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(20 * time.Millisecond) // so that calls are in flight when the deadline passes
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	hc := bench.NewClient(4)
	res := bench.RunLoad(context.Background(), bench.LoadOptions{
		Concurrency: 4, Duration: 100 * time.Millisecond,
		Do: func(ctx context.Context, _ int) error { return bench.PostWebhook(ctx, hc, srv.URL, nil, "") },
	})
	if res.Requests == 0 || res.Errors != 0 || hits.Load() != res.Requests || res.Latency.Count() != uint64(res.Requests) {
		t.Errorf("load counted %d requests (%d errors, %d latencies), server saw %d",
			res.Requests, res.Errors, res.Latency.Count(), hits.Load())
	}
}

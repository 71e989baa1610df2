package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// RateOptions configure an open-loop load: calls are due on a fixed
// schedule, Rate per second for Duration, whether or not earlier calls
// have been answered, as webhooks arrive from Ashby. Senders calls at most
// are in flight at once (one per keep-alive connection).
type RateOptions struct {
	// Rate is calls per second (> 0).
	Rate float64
	// Duration is the send window: no call starts after it.
	Duration time.Duration
	// Senders is how many calls may be in flight at once (default 1).
	Senders int
	// Do performs one call and reports its failure.
	Do func(ctx context.Context) error
}

// RateResult is what an open-loop load measured.
type RateResult struct {
	// Planned is how many calls the schedule held (Rate × Duration). Sent
	// counts those started within the window: fewer than Planned when
	// every sender was still waiting for an answer, that is when the
	// server did not keep up. Acked counts the sent calls that succeeded,
	// Errors those that failed; Acked + Errors == Sent, since the calls in
	// flight at the end of the window are answered and counted.
	Planned, Sent, Acked, Errors int64
	// FirstError is the first failure seen, for the report.
	FirstError error
	// Window is how long calls were started (Duration unless cancelled);
	// Elapsed runs on to the last answer (and is never shorter than Window).
	Window, Elapsed time.Duration
	// Latency holds each successful call's time from when it was due to
	// its answer, so the time a call waited for a free sender counts too
	// (no coordinated omission).
	Latency *Histogram
	// Service holds each successful call's time from its actual start to
	// its answer: the server's share of Latency.
	Service *Histogram
	// MaxLag is the longest a call started after it was due.
	MaxLag time.Duration
}

// SentRate is calls started per second of the window.
func (r RateResult) SentRate() float64 { return perSecond(r.Sent, r.Window) }

// AckedRate is successful calls per second of the window.
func (r RateResult) AckedRate() float64 { return perSecond(r.Acked, r.Window) }

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// RunRate runs the open-loop load and returns its result once every call
// sent has been answered. A call due while every sender is busy starts as
// soon as one is free, late (its latency counts from when it was due);
// calls still unsent when the window closes are not sent. Cancelling ctx
// stops the load; calls in flight are given ctx so they stop too.
func RunRate(ctx context.Context, o RateOptions) RateResult {
	res := RateResult{Latency: NewHistogram(), Service: NewHistogram()}
	if o.Rate <= 0 || o.Duration <= 0 {
		return res
	}
	res.Planned = int64(o.Rate * o.Duration.Seconds())
	var acked, errs, lag atomic.Int64
	var firstErr sync.Once
	// Unbuffered: a call counts as sent when a sender takes it.
	due := make(chan time.Time)
	var wg sync.WaitGroup
	for range max(o.Senders, 1) {
		wg.Go(func() {
			for at := range due {
				t0 := time.Now()
				raise(&lag, int64(t0.Sub(at)))
				err := o.Do(ctx)
				t1 := time.Now()
				if err != nil {
					errs.Add(1)
					firstErr.Do(func() { res.FirstError = err })
					continue
				}
				acked.Add(1)
				res.Latency.Record(t1.Sub(at))
				res.Service.Record(t1.Sub(t0))
			}
		})
	}

	start := time.Now()
	windowEnd := time.NewTimer(o.Duration)
	defer windowEnd.Stop()
	tick := time.NewTimer(0)
	defer tick.Stop()
	<-tick.C
	var sent int64
send:
	for i := range res.Planned {
		// Each call's due time is computed from the start, so the timer's
		// granularity delays calls but never lowers the rate.
		at := start.Add(time.Duration(float64(i) * float64(time.Second) / o.Rate))
		if wait := time.Until(at); wait > 0 {
			tick.Reset(wait)
			select {
			case <-tick.C:
			case <-ctx.Done():
				break send
			}
		}
		select {
		case due <- at:
			sent++
		case <-windowEnd.C:
			break send
		case <-ctx.Done():
			break send
		}
	}
	res.Window = min(time.Since(start), o.Duration)
	if sent == res.Planned {
		// Every call was sent on time: the window is the schedule's.
		res.Window = o.Duration
	}
	close(due)
	wg.Wait()
	res.Elapsed = max(time.Since(start), res.Window)
	res.Sent, res.Acked, res.Errors = sent, acked.Load(), errs.Load()
	res.MaxLag = time.Duration(lag.Load())
	return res
}

// raise sets v to x if x is larger.
func raise(v *atomic.Int64, x int64) {
	for {
		m := v.Load()
		if x <= m || v.CompareAndSwap(m, x) {
			return
		}
	}
}

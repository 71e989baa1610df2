package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// LoadOptions configure a closed-loop load: Concurrency workers each call Do
// back to back until Duration (or Requests in total) is reached.
type LoadOptions struct {
	// Concurrency is the number of workers (default 1).
	Concurrency int
	// Duration stops the load after this long; Requests after that many
	// calls. One of them must be set; the first reached wins.
	Duration time.Duration
	Requests int64
	// Do performs one request for worker w and reports its failure.
	Do func(ctx context.Context, w int) error
}

// LoadResult is what a load measured.
type LoadResult struct {
	// Requests counts completed calls (errors included); Errors the failed ones.
	Requests, Errors int64
	// FirstError is the first failure seen, for the report.
	FirstError error
	Elapsed    time.Duration
	// Latency holds the latency of every successful call.
	Latency *Histogram
}

// Throughput is successful calls per second.
func (r LoadResult) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// RunLoad runs the load and returns its result. Workers stop starting
// calls once Duration has passed, and the calls in flight then are let
// finish and counted: a call cut off by the deadline may still have done
// its work on the server (a webhook stored but never acknowledged to the
// client), which would make the server's counts exceed the load's.
// Elapsed therefore runs to the last answer, a little past Duration.
// Cancelling ctx stops the load at once; calls in flight are given ctx so
// they stop too, and those are not counted.
func RunLoad(ctx context.Context, o LoadOptions) LoadResult {
	conc := max(o.Concurrency, 1)
	res := LoadResult{Latency: NewHistogram()}
	var issued, done, errs atomic.Int64
	var firstErr sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	var deadline time.Time
	if o.Duration > 0 {
		deadline = start.Add(o.Duration)
	}
	for w := range conc {
		wg.Go(func() {
			for ctx.Err() == nil && (deadline.IsZero() || time.Now().Before(deadline)) {
				if o.Requests > 0 && issued.Add(1) > o.Requests {
					return
				}
				t0 := time.Now()
				err := o.Do(ctx, w)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						return // the caller gave up: neither a failure nor a request
					}
					errs.Add(1)
					firstErr.Do(func() { res.FirstError = err })
				} else {
					res.Latency.Record(d)
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests, res.Errors = done.Load(), errs.Load()
	return res
}

// ForEach calls fn for every item with workers goroutines and returns the
// first error (the other items still run).
func ForEach[T any](workers int, items []T, fn func(T) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range max(workers, 1) {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(items)) {
					return
				}
				if err := fn(items[i]); err != nil {
					once.Do(func() { first = err })
				}
			}
		})
	}
	wg.Wait()
	return first
}

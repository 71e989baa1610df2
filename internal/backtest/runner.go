package backtest

import (
	"context"
	"time"
)

// Runner is the backtest use case: it replays rules over stored history
// with one fixed set of engine settings. cmd/aaa builds one from the same
// configuration as live evaluation and hands it to every door (the admin
// API, the dashboard, `aaa backtest`), so they cannot disagree about a rule.
type Runner struct {
	src  Source
	opts Options
	now  func() time.Time
}

// NewRunner returns a Runner over src with the global engine settings opts;
// now stamps reports whose query has no Now (nil means time.Now).
func NewRunner(src Source, opts Options, now func() time.Time) *Runner {
	if now == nil {
		now = time.Now
	}
	return &Runner{src: src, opts: opts, now: now}
}

// Options returns the engine settings the Runner applies.
func (r *Runner) Options() Options { return r.opts }

// Backtest replays q. It only reads: nothing is recorded, nothing is sent
// to Ashby or Slack.
func (r *Runner) Backtest(ctx context.Context, q Query) (Report, error) {
	if q.Now.IsZero() {
		q.Now = r.now()
	}
	return Run(ctx, r.src, q, r.opts)
}

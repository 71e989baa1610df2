package backtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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

// MaxSinceDays bounds how far back a backtest window reaches (a century):
// longer windows are typos, and would overflow a time.Duration.
const MaxSinceDays = 36500

// ParseSince reads a backtest window's start: "90d" (days), a Go duration
// ("48h"), an RFC 3339 time, or "all" (the zero time: everything). It is
// the one parser of the admin API, the dashboard and `aaa backtest --since`.
func ParseSince(v string, now time.Time) (time.Time, error) {
	const want = "want a number of days like 90d, a duration like 48h, an RFC 3339 time or all"
	const limit = MaxSinceDays * 24 * time.Hour
	if v == "all" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange), days < 0:
			return time.Time{}, fmt.Errorf("since %q: %s", v, want)
		case err != nil || days > MaxSinceDays:
			return time.Time{}, fmt.Errorf("since %q: at most %dd back", v, MaxSinceDays)
		}
		return now.Add(-time.Duration(days) * 24 * time.Hour), nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("since %q: %s", v, want)
		}
		if d > limit {
			return time.Time{}, fmt.Errorf("since %q: at most %dd back", v, MaxSinceDays)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("since %q: %s", v, want)
}

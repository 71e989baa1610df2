package domain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxSinceDays bounds how far back a window reaches (a century): longer
// windows are typos, and would overflow a time.Duration.
const MaxSinceDays = 36500

// ParseSince reads the start of a window of history, as every door takes
// it (the admin API's since, the CLI's --since, backtests): a number of
// days ("90d"), a Go duration ("12h", "90m"), an RFC 3339 time, a date
// ("2026-01-31", midnight UTC), or "all" (the zero time: everything). The
// start may reach at most MaxSinceDays back from now and may not lie after
// now. The error quotes v and says what is wanted, for people to read.
func ParseSince(v string, now time.Time) (time.Time, error) {
	const want = "want a number of days like 90d, a duration like 12h, an RFC 3339 time or all"
	const limit = MaxSinceDays * 24 * time.Hour
	v = strings.TrimSpace(v)
	tooFar := fmt.Errorf("since %q: at most %dd back", v, MaxSinceDays)
	if v == "all" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange), days < 0, strings.HasPrefix(n, "+"):
			return time.Time{}, fmt.Errorf("since %q: %s", v, want)
		case err != nil || days > MaxSinceDays:
			return time.Time{}, tooFar
		}
		return now.Add(-time.Duration(days) * 24 * time.Hour), nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("since %q: %s", v, want)
		}
		if d > limit {
			return time.Time{}, tooFar
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, v); err != nil {
			if strings.Contains(err.Error(), "out of range") {
				// A well-formed date that does not exist (2026-02-30).
				return time.Time{}, fmt.Errorf("since %q: no such date", v)
			}
			return time.Time{}, fmt.Errorf("since %q: %s", v, want)
		}
	}
	switch {
	case t.After(now):
		return time.Time{}, fmt.Errorf("since %q: is in the future", v)
	case t.Before(now.AddDate(0, 0, -MaxSinceDays)):
		return time.Time{}, tooFar
	}
	return t, nil
}

package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxRejectDelay bounds a rule's reject_delay: an archive scheduled more
// than a week off is a typo, and leaves a candidate waiting on nothing.
const MaxRejectDelay = 7 * 24 * time.Hour

// ParseDelay reads a reject_delay as written in a rules file or the admin
// API: Go's duration syntax ("2h", "90m", "1h30m"), whole days ("1d", or
// "1d12h"), or "0" / "" for none. It checks the syntax only; CheckShape
// bounds the value.
func ParseDelay(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	bad := fmt.Errorf("%q is not a duration: write it like 2h, 90m, 1h30m, 1d or 0", s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		// Beyond 100000 days a time.Duration overflows.
		if err != nil || n < 0 || n > 100000 || strings.ContainsAny(s[:i], "+-") {
			return 0, bad
		}
		days = time.Duration(n) * 24 * time.Hour
		if s = s[i+1:]; s == "" {
			return days, nil
		}
		if strings.ContainsAny(s[:1], "+-") {
			return 0, bad
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, bad
	}
	return days + d, nil
}

// FormatDelay writes a delay back in the short form ParseDelay reads: "0",
// "2h", "1h30m", "45s". A negative delay or one that is not whole seconds
// (both refused by CheckShape) is written as time.Duration writes it.
func FormatDelay(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 0 || d%time.Second != 0:
		return d.String()
	}
	var b strings.Builder
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m := d % time.Hour / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if s := d % time.Minute / time.Second; s > 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	return b.String()
}

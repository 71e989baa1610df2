package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

func TestParseSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Time
		err      string
	}{
		{name: "days", in: "90d", want: now.Add(-90 * 24 * time.Hour)},
		{name: "zero days", in: "0d", want: now},
		{name: "hours", in: "12h", want: now.Add(-12 * time.Hour)},
		{name: "minutes", in: "90m", want: now.Add(-90 * time.Minute)},
		{name: "spaces around", in: " 7d ", want: now.Add(-7 * 24 * time.Hour)},
		{name: "all", in: "all", want: time.Time{}},
		{name: "rfc 3339", in: "2026-11-01T08:30:00Z", want: time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC)},
		{name: "rfc 3339 with offset", in: "2026-11-01T10:30:00+02:00", want: time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC)},
		{name: "date", in: "2026-01-31", want: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)},
		{name: "a century", in: "36500d", want: now.Add(-36500 * 24 * time.Hour)},
		{name: "beyond a century", in: "36501d", err: "at most 36500d back"},
		{name: "days overflow", in: "99999999999d", err: "at most 36500d back"},
		{name: "hours beyond a century", in: "900000h", err: "at most 36500d back"},
		{name: "date beyond a century", in: "1900-01-01", err: "at most 36500d back"},
		{name: "future time", in: "2026-12-01T00:00:00Z", err: "in the future"},
		{name: "future date", in: "2027-01-01", err: "in the future"},
		{name: "negative days", in: "-3d", err: "want a number of days"},
		{name: "plus days", in: "+3d", err: "want a number of days"},
		{name: "negative duration", in: "-3h", err: "want a number of days"},
		{name: "no such date", in: "2026-02-30", err: "no such date"},
		{name: "word", in: "yesterday", err: "want a number of days"},
		{name: "empty", in: "", err: "want a number of days"},
		{name: "weeks are not a unit", in: "2w", err: "want a number of days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := domain.ParseSince(tt.in, now)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseSince(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.err)
				}
				if !strings.Contains(err.Error(), `"`+strings.TrimSpace(tt.in)+`"`) && tt.in != "" {
					t.Errorf("error %q does not quote the input", err)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Fatalf("ParseSince(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

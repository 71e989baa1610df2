package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestBacktestSinceOutOfRange: `aaa backtest --since` uses the admin API's
// parser: a window that overflows, or reaches back more than a century, is
// refused with a message naming the flag, before anything is opened.
func TestBacktestSinceOutOfRange(t *testing.T) {
	t.Parallel()
	url := testkit.SQLiteURL(t)
	tests := []struct {
		name, since, want string
	}{
		{"days overflow", "99999999999d", "--since \"99999999999d\": at most 36500d back"},
		{"beyond a century", "36501d", "at most 36500d back"},
		{"hours beyond a century", "900000h", "at most 36500d back"},
		{"not a window", "soon", "want a number of days like 90d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := newBacktestCmd()
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs([]string{"--rule", "r1", "--since", tt.since, "--db", url})
			err := cmd.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("aaa backtest --since %s: err = %v, want %q", tt.since, err, tt.want)
			}
		})
	}
}

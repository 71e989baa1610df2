package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/config"
)

func TestHeartbeatInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   string // "" leaves HEARTBEAT_INTERVAL unset
		want    time.Duration
		problem string // a problem naming HEARTBEAT_INTERVAL and saying this
	}{
		{"default is 15 seconds", "", 15 * time.Second, ""},
		{"one second is the least", "1s", time.Second, ""},
		{"minutes", "2m", 2 * time.Minute, ""},
		{"shorter than a second", "500ms", 0, "shorter than 1s"},
		{"not a duration", "often", 0, "is not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var env []string
			if tt.value != "" {
				env = []string{"HEARTBEAT_INTERVAL=" + tt.value}
			}
			c, err := config.Load(env)
			if tt.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.HeartbeatInterval != tt.want {
					t.Fatalf("HeartbeatInterval = %s, want %s", c.HeartbeatInterval, tt.want)
				}
				return
			}
			var ce *config.Error
			if !errors.As(err, &ce) || len(ce.Problems) != 1 {
				t.Fatalf("want one problem, got %v", err)
			}
			if p := ce.Problems[0]; !strings.Contains(p, "HEARTBEAT_INTERVAL") || !strings.Contains(p, tt.problem) {
				t.Fatalf("problem %q does not name HEARTBEAT_INTERVAL and say %q", p, tt.problem)
			}
		})
	}
}

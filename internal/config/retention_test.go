package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/config"
)

func TestDeliveryRetention(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   string // "" leaves DELIVERY_RETENTION unset
		want    time.Duration
		problem string // a problem naming DELIVERY_RETENTION and saying this
	}{
		{"default is 30 days", "", 30 * 24 * time.Hour, ""},
		{"days", "30d", 30 * 24 * time.Hour, ""},
		{"hours", "720h", 720 * time.Hour, ""},
		{"go duration", "36h30m", 36*time.Hour + 30*time.Minute, ""},
		{"zero keeps forever", "0", 0, ""},
		{"zero days keeps forever", "0d", 0, ""},
		{"not a duration", "a month", 0, "is not a retention like 30d"},
		{"fractional days", "1.5d", 0, "is not a retention like 30d"},
		{"negative", "-5d", 0, "is not a retention like 30d"},
		{"shorter than an hour", "10m", 0, "shorter than 1h"},
		{"days beyond the bound", "99999999999d", 0, "longer than 36500d"},
		{"hours overflowing", "9999999999999h", 0, "is not a retention like 30d"},
		{"hours beyond the bound", "900000h", 0, "longer than 36500d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var env []string
			if tt.value != "" {
				env = []string{"DELIVERY_RETENTION=" + tt.value}
			}
			c, err := config.Load(env)
			if tt.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.DeliveryRetention != tt.want {
					t.Fatalf("DeliveryRetention = %s, want %s", c.DeliveryRetention, tt.want)
				}
				return
			}
			var ce *config.Error
			if !errors.As(err, &ce) || len(ce.Problems) != 1 {
				t.Fatalf("want one problem, got %v", err)
			}
			if p := ce.Problems[0]; !strings.Contains(p, "DELIVERY_RETENTION") || !strings.Contains(p, tt.problem) {
				t.Fatalf("problem %q does not name DELIVERY_RETENTION and say %q", p, tt.problem)
			}
		})
	}
}

package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/config"
)

// TestLogLevelOneSpelling maps every accepted LOG_LEVEL to the one spelling
// log lines use (slog's).
func TestLogLevelOneSpelling(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, value, want string }{
		{"default", "", "INFO"},
		{"debug lower case", "debug", "DEBUG"},
		{"WARN", "WARN", "WARN"},
		{"WARNING is WARN", "WARNING", "WARN"},
		{"warning lower case", "warning", "WARN"},
		{"ERROR", "ERROR", "ERROR"},
		{"the seed's CRITICAL is ERROR", "CRITICAL", "ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var env []string
			if tt.value != "" {
				env = []string{"LOG_LEVEL=" + tt.value}
			}
			c, err := config.Load(env)
			if err != nil {
				t.Fatal(err)
			}
			if c.LogLevel != tt.want {
				t.Fatalf("LOG_LEVEL=%s: LogLevel = %s, want %s", tt.value, c.LogLevel, tt.want)
			}
		})
	}
}

func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value, want string
		problem           bool
	}{
		{"unset: /metrics on PORT", "", "", false},
		{"port only", ":9090", ":9090", false},
		{"loopback", "127.0.0.1:9090", "127.0.0.1:9090", false},
		{"no port", "9090", "", true},
		{"empty port", "localhost:", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Load([]string{"METRICS_ADDR=" + tt.value})
			if !tt.problem {
				if err != nil || c.MetricsAddr != tt.want {
					t.Fatalf("MetricsAddr = %q, %v; want %q", c.MetricsAddr, err, tt.want)
				}
				return
			}
			var ce *config.Error
			if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.Contains(ce.Problems[0], "METRICS_ADDR") {
				t.Fatalf("want one problem naming METRICS_ADDR, got %v", err)
			}
		})
	}
}

package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/config"
)

func TestUndoWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   string // "" leaves UNDO_WINDOW unset
		want    time.Duration
		problem string // a problem naming UNDO_WINDOW and saying this
	}{
		{"default is 15 minutes", "", 15 * time.Minute, ""},
		{"minutes", "30m", 30 * time.Minute, ""},
		{"zero turns undo off", "0", 0, ""},
		{"a day at most", "24h", 24 * time.Hour, ""},
		{"longer than a day", "48h", 0, "longer than 24h"},
		{"not a duration", "a while", 0, "is not a duration"},
		{"shorter than a second", "10ms", 0, "shorter than 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var env []string
			if tt.value != "" {
				env = []string{"UNDO_WINDOW=" + tt.value}
			}
			c, err := config.Load(env)
			if tt.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.UndoWindow != tt.want {
					t.Fatalf("UndoWindow = %s, want %s", c.UndoWindow, tt.want)
				}
				return
			}
			var ce *config.Error
			if !errors.As(err, &ce) || len(ce.Problems) != 1 {
				t.Fatalf("want one problem, got %v", err)
			}
			if p := ce.Problems[0]; !strings.Contains(p, "UNDO_WINDOW") || !strings.Contains(p, tt.problem) {
				t.Fatalf("problem %q does not name UNDO_WINDOW and say %q", p, tt.problem)
			}
		})
	}
}

package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/config"
)

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseKind != "sqlite" || c.SQLitePath != "aaa.db" || c.Port != 8080 || c.TimeoutDays != 7 ||
		c.MinWait != 30*time.Minute || c.FeedbackSyncInterval != 30*time.Minute || c.RemindersEnabled {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestLoadProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   []string
		wants []string
	}{
		{"bad int", []string{"ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS=abc"}, []string{"ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS"}},
		{"bad scheme", []string{"DATABASE_URL=mysql://x"}, []string{`DATABASE_URL: unknown scheme "mysql"`}},
		{"several at once", []string{"PORT=0", "LOG_LEVEL=loud", "FEEDBACK_SYNC_INTERVAL=soon", "ADVANCEMENT_DRY_RUN_MODE=maybe"},
			[]string{"PORT", "LOG_LEVEL", "FEEDBACK_SYNC_INTERVAL", "ADVANCEMENT_DRY_RUN_MODE"}},
		{"missing secret file", []string{"ASHBY_API_KEY_FILE=/nonexistent/key"}, []string{"ASHBY_API_KEY_FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(tt.env)
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *config.Error, got %v", err)
			}
			if len(ce.Problems) != len(tt.wants) {
				t.Fatalf("want %d problems, got %q", len(tt.wants), ce.Problems)
			}
			msg := err.Error()
			for _, w := range tt.wants {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not mention %q", msg, w)
				}
			}
		})
	}
}

func TestSecretFromFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load([]string{"ASHBY_API_KEY_FILE=" + p, "DATABASE_URL=postgresql://u@h/db"})
	if err != nil {
		t.Fatal(err)
	}
	if c.AshbyAPIKey != "s3cret" || c.DatabaseKind != "postgres" {
		t.Fatalf("got %+v", c)
	}
}

func TestParseDatabaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, kind, path string }{
		{"empty", "", "sqlite", "aaa.db"},
		{"sqlite prefix", "sqlite:/tmp/x.db", "sqlite", "/tmp/x.db"},
		{"bare path", "data/aaa.db", "sqlite", "data/aaa.db"},
		{"postgres", "postgres://u@h/db", "postgres", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, p, err := config.ParseDatabaseURL(tt.in)
			if err != nil || k != tt.kind || p != tt.path {
				t.Fatalf("got %q %q %v", k, p, err)
			}
		})
	}
}

// Values aaa cannot use are refused with a reason, never used as a file
// name, and a password is never quoted.
func TestParseDatabaseURLRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"unknown scheme", "mysql://h/db", `unknown scheme "mysql"`},
		{"scheme without slashes", "file:x.db", `unknown scheme "file"`},
		{"mode=ro on a path", "x.db?mode=ro", `"?mode=ro"`},
		{"parameter on sqlite:", "sqlite:/tmp/x.db?cache=shared", `"?cache=shared"`},
		{"unparsable postgres", "postgres://u:s3cret@h:port/db", "not a valid postgres:// URL"},
		{"empty sqlite path", "sqlite:", "no path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := config.ParseDatabaseURL(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

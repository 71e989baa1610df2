package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// startServe runs `aaa serve` in dir with this environment (without aaa's
// own variables) plus env.
func startServe(t *testing.T, dir string, env ...string) *testkit.Process {
	t.Helper()
	return testkit.Start(t, testkit.ProcessOptions{Dir: dir, Env: testkit.Environ(env...)})
}

// stop shuts the server down with SIGTERM and requires a clean exit that
// logged the seed's lifecycle events.
func stop(t *testing.T, p *testkit.Process) {
	t.Helper()
	if err := p.Stop(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.Logs())
	}
	for _, ev := range []string{"application_starting", "database_connected", "application_ready", "application_shutting_down", "application_stopped"} {
		if !strings.Contains(p.Logs(), `"event":"`+ev+`"`) {
			t.Errorf("log event %s missing:\n%s", ev, p.Logs())
		}
	}
}

func TestServeDefaultSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startServe(t, dir)
	h := p.WaitHealthy(t)
	pool, _ := h["pool"].(map[string]any)
	if h["status"] != "healthy" || h["database"] != "connected" || pool["size"] == nil || pool["free"] == nil || pool["in_use"] == nil {
		t.Fatalf("health = %v", h)
	}
	if _, err := os.Stat(filepath.Join(dir, "aaa.db")); err != nil {
		t.Fatalf("./aaa.db not created: %v", err)
	}
	stop(t, p)
}

func TestServePostgresAndTwoInstancesAtOnce(t *testing.T) {
	t.Parallel()
	url := testkit.NewPostgresSchema(t)
	a := startServe(t, t.TempDir(), "DATABASE_URL="+url)
	b := startServe(t, t.TempDir(), "DATABASE_URL="+url)
	a.WaitHealthy(t)
	b.WaitHealthy(t)
	stop(t, a)
	stop(t, b)
}

func TestBadSettingsExitTwo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   []string
		files map[string]string // written in the working directory first
		wants []string
	}{
		{"timeout days not a number", []string{"ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS=abc"}, nil, []string{"ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS"}},
		{"unknown database scheme", []string{"DATABASE_URL=mysql://localhost/aaa"}, nil, []string{"DATABASE_URL", "mysql"}},
		{"two problems at once", []string{"PORT=http", "LOG_FORMAT=xml"}, nil, []string{"PORT", "LOG_FORMAT"}},
		{"empty secret file", []string{"ASHBY_WEBHOOK_SECRET_FILE=webhook-secret"}, map[string]string{"webhook-secret": "\n"},
			[]string{"ASHBY_WEBHOOK_SECRET_FILE", "webhook-secret", "empty"}},
		{"short admin token", []string{"ADMIN_API_TOKEN=short-token"}, nil, []string{"ADMIN_API_TOKEN", "16 characters"}},
		{"short named admin token", []string{"ADMIN_API_TOKENS=ops=0123456789abcdef,ci=tiny:ro"}, nil,
			[]string{"ADMIN_API_TOKENS", `"ci"`, "16 characters"}},
		{"short token and empty file at once", []string{"ADMIN_API_TOKEN=short", "SLACK_SIGNING_SECRET_FILE=slack"},
			map[string]string{"slack": ""}, []string{"ADMIN_API_TOKEN", "SLACK_SIGNING_SECRET_FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A setting that is not refused leaves serve running: stop it.
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, testkit.Binary(t), "serve")
			cmd.Dir = t.TempDir()
			for name, content := range tt.files {
				testkit.Must(t, os.WriteFile(filepath.Join(cmd.Dir, name), []byte(content), 0o600))
			}
			cmd.Env = testkit.Environ(tt.env...)
			out, err := cmd.CombinedOutput()
			for _, secret := range []string{"short-token", "tiny"} {
				if strings.Contains(string(out), secret) {
					t.Errorf("output quotes a token:\n%s", out)
				}
			}
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 2 {
				t.Fatalf("exit = %v, want status 2\n%s", err, out)
			}
			for _, w := range tt.wants {
				if !strings.Contains(string(out), w) {
					t.Errorf("output does not name %s:\n%s", w, out)
				}
			}
			if strings.Contains(string(out), "goroutine") || strings.Contains(string(out), "panic") {
				t.Errorf("stack trace in output:\n%s", out)
			}
		})
	}
}

func TestMigrateTwiceAndStatus(t *testing.T) {
	t.Parallel()
	var targets []string
	for _, b := range testkit.Backends(t) {
		targets = append(targets, b.URL(t))
	}
	for _, db := range targets {
		run := func(args ...string) string {
			cmd := exec.CommandContext(context.Background(), testkit.Binary(t), append([]string{"migrate", "--db", db}, args...)...)
			cmd.Env = testkit.Environ()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("migrate %v on %s: %v\n%s", args, db, err, out)
			}
			return string(out)
		}
		if first := run(); !strings.Contains(first, "applied 00001") {
			t.Fatalf("first migrate: %s", first)
		}
		if second := run(); !strings.Contains(second, "up to date") {
			t.Fatalf("second migrate changed something: %s", second)
		}
		if st := run("--status"); !strings.Contains(st, "applied") || strings.Contains(st, "pending") {
			t.Fatalf("status: %s", st)
		}
	}
}

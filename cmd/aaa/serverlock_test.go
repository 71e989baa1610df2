package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestSecondServeOnSQLiteRefused: a second `aaa serve` on a SQLite file a
// server already works refuses to start and says why; the dashboard's
// reading commands still open the file; once the first server stops, a new
// one starts.
func TestSecondServeOnSQLiteRefused(t *testing.T) {
	t.Parallel()
	url := testkit.SQLiteURL(t)
	first := testkit.Start(t, testkit.ProcessOptions{Env: testkit.Environ("DATABASE_URL=" + url)})
	first.WaitHealthy(t)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, testkit.Binary(t), "serve", "--addr", "127.0.0.1:0")
	second.Env = testkit.Environ("DATABASE_URL=" + url)
	out, err := second.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("second aaa serve: %v, want a refusal\n%s", err, out)
	}
	if !strings.Contains(string(out), "another aaa serve is already running") || !strings.Contains(string(out), "Only one server may work a SQLite file") {
		t.Fatalf("second aaa serve said:\n%s", out)
	}
	list := exec.CommandContext(ctx, testkit.Binary(t), "webhooks", "list", "--db", url)
	list.Env = testkit.Environ()
	if out, err := list.CombinedOutput(); err != nil {
		t.Fatalf("aaa webhooks list beside the server: %v\n%s", err, out)
	}
	if err := first.Stop(t); err != nil {
		t.Fatal(err)
	}
	third := testkit.Start(t, testkit.ProcessOptions{Env: testkit.Environ("DATABASE_URL=" + url)})
	third.WaitHealthy(t)
}

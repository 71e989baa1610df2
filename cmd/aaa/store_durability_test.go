package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

const durabilitySecret = "durability-secret"

// webhookBodies returns signed-able webhook bodies for n schedules of a
// simulated workspace (the server runs without an Ashby key: deliveries
// are stored and wait).
func webhookBodies(n int) [][]byte {
	sim := ashbysim.New(ashbysim.Options{})
	sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: n})
	out := make([][]byte, n)
	for i, c := range sc.Candidates {
		out[i] = sim.ScheduleUpdateBody(c.ScheduleID)
	}
	return out
}

// postWebhook sends a signed webhook and returns the status and body.
func postWebhook(t *testing.T, base string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/ashby", bytes.NewReader(body))
	req.Header.Set("Ashby-Signature", ashby.Sign(durabilitySecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post webhook: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// getHealth returns /health's status and body.
func getHealth(t *testing.T, base string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/health")
	if err != nil {
		t.Fatalf("get /health: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// runServe runs `aaa serve` to its end (it must refuse to start) and
// returns its exit error and output.
func runServe(t *testing.T, dir string, env ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testkit.Binary(t), "serve", "--addr", "127.0.0.1:0")
	cmd.Dir, cmd.Env = dir, testkit.Environ(env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("aaa serve did not refuse to start within 60s:\n%s", out)
	}
	return string(out), err
}

// wantUnhealthy requires /health's first answer to be the 503 of a store
// that takes no writes.
func wantUnhealthy(t *testing.T, base string) {
	t.Helper()
	code, body := getHealth(t, base)
	if code != http.StatusServiceUnavailable {
		t.Fatalf("/health = %d %s, want 503 at the first check", code, body)
	}
	var env struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal([]byte(body), &env) != nil || env.Error.Message != "Database does not accept writes" {
		t.Errorf("/health body = %s, want the error envelope saying the database does not accept writes", body)
	}
}

// TestServeDatabaseDirectoryDeleted deletes the SQLite database's directory
// while `aaa serve` runs: /health turns 503 at its first check and a signed
// webhook is refused (503, so Ashby retries) instead of being acknowledged
// into the unlinked file; the log says why. A restart is then refused,
// naming the missing directory, and creates nothing.
func TestServeDatabaseDirectoryDeleted(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	testkit.Must(t, os.Mkdir(data, 0o700))
	env := []string{"DATABASE_URL=sqlite:" + filepath.Join(data, "aaa.db"), "ASHBY_WEBHOOK_SECRET=" + durabilitySecret}
	bodies := webhookBodies(2)
	p := startServe(t, root, env...)
	p.WaitHealthy(t)
	if code, body := postWebhook(t, p.URL(), bodies[0]); code != http.StatusOK {
		t.Fatalf("webhook before the deletion = %d %s, want 200", code, body)
	}

	testkit.Must(t, os.RemoveAll(data))
	wantUnhealthy(t, p.URL())
	if code, body := postWebhook(t, p.URL(), bodies[1]); code != http.StatusServiceUnavailable {
		t.Fatalf("webhook after the deletion = %d %s, want 503 (nothing acknowledged that is not durable)", code, body)
	}
	// The answer can reach us before the server's log lines are read from
	// its output: poll for them.
	for _, want := range []string{`"event":"health_check_failed"`, `"event":"webhook_store_failed"`, "is gone"} {
		testkit.Eventually(t, 5*time.Second, "the log shows "+want, func() bool { return strings.Contains(p.Logs(), want) },
			func() string { return testkit.Tail(p.Logs(), 20) })
	}
	_ = p.Stop(t)

	out, err := runServe(t, root, env...)
	if err == nil {
		t.Fatalf("aaa serve started on a deleted database directory:\n%s", out)
	}
	for _, want := range []string{data, "does not exist", "never a missing directory"} {
		if !strings.Contains(out, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("the restart recreated the deleted directory (stat: %v)", err)
	}
}

// immutable makes files unwritable even through descriptors a running
// process holds open (chattr +i; root only), until the test ends. It
// reports false where that cannot be done.
func immutable(t *testing.T, paths ...string) bool {
	t.Helper()
	for _, p := range paths {
		if out, err := exec.Command("chattr", "+i", p).CombinedOutput(); err != nil {
			t.Logf("chattr +i %s: %v %s", p, err, out)
			return false
		}
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", p).Run() })
	}
	return true
}

// TestServeStoreStopsTakingWrites makes the SQLite database read-only.
// While aaa serves, /health turns 503 at its first check, naming the cause
// in the log, and webhooks are 503. At a start, aaa refuses to run on a
// store that takes no writes, saying so, instead of answering /health 200
// and refusing every webhook.
func TestServeStoreStopsTakingWrites(t *testing.T) {
	t.Parallel()
	t.Run("while serving", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		env := []string{"ASHBY_WEBHOOK_SECRET=" + durabilitySecret}
		bodies := webhookBodies(2)
		p := startServe(t, dir, env...)
		p.WaitHealthy(t)
		if code, body := postWebhook(t, p.URL(), bodies[0]); code != http.StatusOK {
			t.Fatalf("webhook before = %d %s", code, body)
		}
		db := filepath.Join(dir, "aaa.db")
		// A file made read-only under a running process: only an
		// immutable file (or a read-only or full volume) stops writes
		// through the descriptors it already holds.
		if !immutable(t, db, db+"-wal") {
			t.Skip("cannot make a file read-only under a running process here (chattr +i needs root)")
		}
		wantUnhealthy(t, p.URL())
		if code, body := postWebhook(t, p.URL(), bodies[1]); code != http.StatusServiceUnavailable {
			t.Fatalf("webhook on a read-only store = %d %s, want 503", code, body)
		}
		testkit.Eventually(t, 5*time.Second, "the log gives the cause of the 503", func() bool {
			logs := p.Logs()
			return strings.Contains(logs, `"event":"health_check_failed"`) && strings.Contains(logs, `"check":"write"`) &&
				strings.Contains(logs, "database does not accept writes: ")
		}, func() string { return testkit.Tail(p.Logs(), 20) })
	})
	t.Run("at start", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		p := startServe(t, dir)
		p.WaitHealthy(t)
		stop(t, p)
		db := filepath.Join(dir, "aaa.db")
		testkit.Must(t, os.Chmod(db, 0o444))
		// Root opens a 0444 file for writing anyway: make it immutable.
		if os.Geteuid() == 0 && !immutable(t, db) {
			t.Skip("running as root without chattr +i: cannot make the database read-only")
		}
		out, err := runServe(t, dir)
		if err == nil {
			t.Fatalf("aaa serve started on a read-only database:\n%s", out)
		}
		if !strings.Contains(out, "database_not_writable") || !strings.Contains(out, "does not accept writes") ||
			!strings.Contains(out, "readonly") {
			t.Errorf("the refusal does not say the database takes no writes:\n%s", out)
		}
	})
	t.Run("postgres read-only at start", func(t *testing.T) {
		t.Parallel()
		url := testkit.NewPostgresSchema(t)
		p := startServe(t, t.TempDir(), "DATABASE_URL="+url)
		p.WaitHealthy(t)
		stop(t, p)
		// A standby, or a database switched to read-only: it answers
		// reads and the schema is current, but takes no writes.
		out, err := runServe(t, t.TempDir(), "DATABASE_URL="+url+"&default_transaction_read_only=on")
		if err == nil {
			t.Fatalf("aaa serve started on a read-only Postgres:\n%s", out)
		}
		if !strings.Contains(out, "database_not_writable") || !strings.Contains(out, "read-only transaction") {
			t.Errorf("the refusal does not say the database takes no writes:\n%s", out)
		}
	})
}

// TestServeCreatesPrivateDatabaseFiles starts `aaa serve` on a fresh path:
// the database and its -wal and -shm files are readable by their owner
// only (they hold candidates' names and emails), and the directory, which
// aaa did not create, keeps its mode.
func TestServeCreatesPrivateDatabaseFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testkit.Must(t, os.Chmod(dir, 0o755))
	p := startServe(t, dir, "ASHBY_WEBHOOK_SECRET="+durabilitySecret)
	p.WaitHealthy(t)
	// A delivery, so the WAL and its index are in use.
	if code, body := postWebhook(t, p.URL(), webhookBodies(1)[0]); code != http.StatusOK {
		t.Fatalf("webhook = %d %s", code, body)
	}
	for _, name := range []string{"aaa.db", "aaa.db-wal", "aaa.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s mode = %#o, want 0600", name, m)
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("the existing directory's mode changed: %v %v", fi.Mode(), err)
	}
	if !strings.Contains(p.Logs(), `"event":"database_file_created"`) {
		t.Errorf("the log does not say the database file was created:\n%s", testkit.Tail(p.Logs(), 20))
	}
	stop(t, p)
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/store/storetest"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aaa-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "aaa")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build aaa: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is a running `aaa serve`.
type proc struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	logs []string
	done chan error
}

func startServe(t *testing.T, dir string, env ...string) *proc {
	t.Helper()
	p := &proc{addr: freeAddr(t), done: make(chan error, 1)}
	p.cmd = exec.Command(binPath, "serve", "--addr", p.addr)
	p.cmd.Dir = dir
	p.cmd.Env = append(cleanEnv(), env...)
	stdout, _ := p.cmd.StdoutPipe()
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.logs = append(p.logs, sc.Text())
			p.mu.Unlock()
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	return p
}

func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "ASHBY_") && !strings.HasPrefix(kv, "SLACK_") {
			out = append(out, kv)
		}
	}
	return out
}

func (p *proc) events() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.logs, "\n")
}

func (p *proc) waitHealthy(t *testing.T) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + p.addr + "/health")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				var h map[string]any
				if err := json.Unmarshal(body, &h); err != nil {
					t.Fatalf("health body %s: %v", body, err)
				}
				return h
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server at %s never became healthy; logs:\n%s", p.addr, p.events())
	return nil
}

func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.events())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	for _, ev := range []string{"application_starting", "database_connected", "application_ready", "application_shutting_down", "application_stopped"} {
		if !strings.Contains(p.events(), `"event":"`+ev+`"`) {
			t.Errorf("log event %s missing:\n%s", ev, p.events())
		}
	}
}

func TestServeDefaultSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startServe(t, dir)
	h := p.waitHealthy(t)
	pool, _ := h["pool"].(map[string]any)
	if h["status"] != "healthy" || h["database"] != "connected" || pool["size"] == nil || pool["free"] == nil || pool["in_use"] == nil {
		t.Fatalf("health = %v", h)
	}
	if _, err := os.Stat(filepath.Join(dir, "aaa.db")); err != nil {
		t.Fatalf("./aaa.db not created: %v", err)
	}
	p.stop(t)
}

func TestServePostgresAndTwoInstancesAtOnce(t *testing.T) {
	t.Parallel()
	url := storetest.NewPostgresSchema(t)
	a := startServe(t, t.TempDir(), "DATABASE_URL="+url)
	b := startServe(t, t.TempDir(), "DATABASE_URL="+url)
	a.waitHealthy(t)
	b.waitHealthy(t)
	a.stop(t)
	b.stop(t)
}

func TestBadSettingsExitTwo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   []string
		wants []string
	}{
		{"timeout days not a number", []string{"ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS=abc"}, []string{"ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS"}},
		{"unknown database scheme", []string{"DATABASE_URL=mysql://localhost/aaa"}, []string{"DATABASE_URL", "mysql"}},
		{"two problems at once", []string{"PORT=http", "LOG_FORMAT=xml"}, []string{"PORT", "LOG_FORMAT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(binPath, "serve")
			cmd.Dir = t.TempDir()
			cmd.Env = append(cleanEnv(), tt.env...)
			out, err := cmd.CombinedOutput()
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
	targets := []string{"sqlite:" + filepath.Join(t.TempDir(), "m.db")}
	if storetest.PostgresURL(t) != "" {
		targets = append(targets, storetest.NewPostgresSchema(t))
	}
	for _, db := range targets {
		run := func(args ...string) string {
			cmd := exec.CommandContext(context.Background(), binPath, append([]string{"migrate", "--db", db}, args...)...)
			cmd.Env = cleanEnv()
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

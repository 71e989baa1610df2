package testkit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ProcessOptions shape one aaa subprocess.
type ProcessOptions struct {
	// Name labels its output in failure logs (default "aaa").
	Name string
	// Args are the binary's arguments (default: serve --addr 127.0.0.1:0,
	// so the kernel picks a free port and the process reports it).
	Args []string
	// Env is the process's whole environment; see Environ.
	Env []string
	// Dir is its working directory (default: a new t.TempDir()).
	Dir string
	// LogLines is how many lines of its output a failed test shows
	// (default 60). AAA_TEST_LOGS=1 shows them for passing tests too.
	LogLines int
}

// Process is a running aaa subprocess (Binary) whose combined output is
// kept. It is stopped (SIGTERM, then SIGKILL after 30s) when the test ends.
type Process struct {
	name string
	cmd  *exec.Cmd
	out  Buffer

	mu       sync.Mutex
	url      string
	clientID string
	ready    chan struct{} // closed at the application_ready log event
	done     chan struct{} // closed once the process has exited
	exitErr  error
}

// Environ returns this process's environment without the variables that
// configure aaa's store and clients (DATABASE_URL, ASHBY_*, SLACK_*), plus
// extra.
func Environ(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "ASHBY_") && !strings.HasPrefix(kv, "SLACK_") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// Start runs the aaa binary (built once by Binary) with o and returns at
// once; WaitReady and WaitHealthy wait for it to serve.
func Start(t testing.TB, o ProcessOptions) *Process {
	t.Helper()
	if o.Name == "" {
		o.Name = "aaa"
	}
	if o.Args == nil {
		o.Args = []string{"serve", "--addr", "127.0.0.1:0"}
	}
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.LogLines == 0 {
		o.LogLines = 60
	}
	p := &Process{name: o.Name, ready: make(chan struct{}), done: make(chan struct{})}
	p.cmd = exec.Command(Binary(t), o.Args...)
	p.cmd.Env, p.cmd.Dir = o.Env, o.Dir
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", o.Name, err)
	}
	w.Close()
	go p.read(r)
	t.Cleanup(func() {
		if p.running() {
			_ = p.Stop(t)
		}
		if t.Failed() || os.Getenv("AAA_TEST_LOGS") != "" {
			t.Logf("--- %s output (last %d lines) ---\n%s", o.Name, o.LogLines, Tail(p.Logs(), o.LogLines))
		}
	})
	return p
}

// read keeps the output, notes the address and River client id the
// process logs, and records its exit.
func (p *Process) read(r io.ReadCloser) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		_, _ = p.out.Write(append(append([]byte(nil), line...), '\n'))
		if !bytes.Contains(line, []byte(`"event"`)) {
			continue
		}
		var rec struct {
			Event    string `json:"event"`
			Addr     string `json:"addr"`
			ClientID string `json:"river_client_id"`
		}
		if json.Unmarshal(line, &rec) != nil {
			continue
		}
		p.mu.Lock()
		switch rec.Event {
		case "scheduler_configured":
			p.clientID = rec.ClientID
		case "application_ready":
			if p.url == "" {
				p.url = "http://" + loopback(rec.Addr)
				close(p.ready)
			}
		}
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
	r.Close()
	err := p.cmd.Wait()
	p.mu.Lock()
	p.exitErr = err
	p.mu.Unlock()
}

// loopback turns a listen address (":8080", "[::]:8080") into one to dial.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func (p *Process) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// WaitReady waits (up to 60s) for the application_ready log event and
// returns the base URL it names. It fails t if the process exits first.
func (p *Process) WaitReady(t testing.TB) string {
	t.Helper()
	select {
	case <-p.ready:
		return p.URL()
	case <-p.done:
		t.Fatalf("%s exited before it was ready: %v\n%s", p.name, p.ExitErr(), Tail(p.Logs(), 40))
	case <-time.After(60 * time.Second):
		t.Fatalf("%s not ready after 60s:\n%s", p.name, Tail(p.Logs(), 40))
	}
	return ""
}

// WaitHealthy waits until the process is ready and GET /health answers 200,
// and returns the decoded health document.
func (p *Process) WaitHealthy(t testing.TB) map[string]any {
	t.Helper()
	base := p.WaitReady(t)
	var health map[string]any
	var last string
	Eventually(t, 30*time.Second, p.name+" healthy", func() bool {
		resp, err := http.Get(base + "/health")
		if err != nil {
			last = err.Error()
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		last = resp.Status + " " + string(body)
		return resp.StatusCode == http.StatusOK && json.Unmarshal(body, &health) == nil
	}, func() string { return last + "\n" + Tail(p.Logs(), 40) })
	return health
}

// URL is the process's base URL once ready ("" before).
func (p *Process) URL() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.url
}

// ClientID is the River client id the process logged at start
// (river_leader.leader_id while it leads).
func (p *Process) ClientID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clientID
}

// Name is the process's label from ProcessOptions.
func (p *Process) Name() string { return p.name }

// Logs is everything the process has written so far.
func (p *Process) Logs() string { return p.out.String() }

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitErr is how the process exited (nil for status 0); valid after Done.
func (p *Process) ExitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exitErr
}

// Stop asks the process to shut down (SIGTERM) and waits; after 30s it
// fails t and kills it. It returns how the process exited.
func (p *Process) Stop(t testing.TB) error {
	t.Helper()
	if p.running() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not stop within 30s of SIGTERM", p.name)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.ExitErr()
}

// Kill ends the process at once (SIGKILL), as a crashed machine would, and
// waits for it.
func (p *Process) Kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil && p.running() {
		t.Fatal(err)
	}
	<-p.done
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Buffer is a bytes.Buffer safe for concurrent writers and readers (a
// process's output, a logger shared by goroutines).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Reset discards everything written so far.
func (l *Buffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}

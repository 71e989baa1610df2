package scaletest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/jackc/pgx/v5"
)

const (
	webhookSecret = "scale_webhook_secret"
	adminToken    = "scale-admin-token"
	// syncEvery is the feedback, metadata and sweep period the instances
	// run with: short, so a test window holds several periods.
	syncEvery = 3 * time.Second
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// aaaBinary builds ./cmd/aaa once per test run, from the module root, the
// way the docs do (go build -o aaa ./cmd/aaa).
func aaaBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "aaa-scaletest-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "aaa")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/aaa")
		cmd.Dir = filepath.Join("..", "..")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/aaa: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// workspace is an in-test Ashby: the simulator behind an HTTP server.
type workspace struct {
	sim *ashbysim.Sim
	url string
	sc  ashbysim.Scenario
}

func newWorkspace(t *testing.T, candidates int) *workspace {
	t.Helper()
	sim := ashbysim.New(ashbysim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: candidates, Interviewers: 2})
	return &workspace{sim: sim, url: srv.URL, sc: sc}
}

// pass submits passing scorecards from every interviewer of a candidate.
func (w *workspace) pass(c ashbysim.ScenarioCandidate) {
	for _, id := range w.sc.InterviewerIDs {
		w.sim.SubmitFeedback(c.ApplicationID, c.EventID, id, map[string]any{
			ashbysim.FieldOverallScore: 4, ashbysim.FieldRecommendation: "hire"})
	}
}

// moves counts application.changeStage calls per application.
func (w *workspace) moves() map[string]int {
	out := map[string]int{}
	for _, c := range w.sim.Calls() {
		if c.Method != "application.changeStage" {
			continue
		}
		var body struct {
			ApplicationID string `json:"applicationId"`
		}
		_ = json.Unmarshal(c.Body, &body)
		out[body.ApplicationID]++
	}
	return out
}

// firstPages counts the calls to method that started a listing (no cursor):
// one per sync run, however many pages it read.
func (w *workspace) firstPages(method string, from, to time.Time) int {
	n := 0
	for _, c := range w.sim.Calls() {
		if c.Method != method || c.Time.Before(from) || !c.Time.Before(to) {
			continue
		}
		var body struct {
			Cursor string `json:"cursor"`
		}
		_ = json.Unmarshal(c.Body, &body)
		if body.Cursor == "" {
			n++
		}
	}
	return n
}

// checkExactlyOnce fails unless every candidate of cands was moved exactly
// once, and nobody else was moved.
func (w *workspace) checkExactlyOnce(t *testing.T, cands []ashbysim.ScenarioCandidate) {
	t.Helper()
	moves := w.moves()
	want := map[string]bool{}
	for _, c := range cands {
		want[c.ApplicationID] = true
		if n := moves[c.ApplicationID]; n != 1 {
			t.Errorf("application %s: %d changeStage calls, want exactly 1", c.ApplicationID, n)
		}
		if app, _ := w.sim.Application(c.ApplicationID); app.StageID != w.sc.StageIDs[1] {
			t.Errorf("application %s is in stage %s, want %s", c.ApplicationID, app.StageID, w.sc.StageIDs[1])
		}
	}
	for app, n := range moves {
		if !want[app] {
			t.Errorf("application %s was moved %d times, want never", app, n)
		}
	}
}

// instance is one running `aaa serve` process.
type instance struct {
	name     string
	cmd      *exec.Cmd
	url      string
	clientID string // River client id (river_leader.leader_id when leader)
	logs     *lockedBuffer
	done     chan struct{}
}

// lockedBuffer keeps a process's output for diagnostics.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveEnv is the environment every instance runs with.
func serveEnv(dbURL string, w *workspace) []string {
	return []string{
		"DATABASE_URL=" + dbURL,
		"ASHBY_API_KEY=" + w.sim.APIKey(),
		"ASHBY_API_URL=" + w.url,
		"ASHBY_WEBHOOK_SECRET=" + webhookSecret,
		"ASHBY_RATE_LIMIT=1000",
		"ADMIN_API_TOKEN=" + adminToken,
		"ADVANCEMENT_FEEDBACK_MIN_WAIT_MINUTES=0",
		"FEEDBACK_SYNC_INTERVAL=" + syncEvery.String(),
		"METADATA_SYNC_INTERVAL=" + syncEvery.String(),
		"EVALUATION_SWEEP_INTERVAL=" + syncEvery.String(),
		"INTERVIEW_SYNC_INTERVAL=1h",
		"WEBHOOK_RATE_LIMIT=100000",
		"LOG_LEVEL=INFO",
		"LOG_FORMAT=json",
		"HOME=" + os.TempDir(),
	}
}

// startInstance runs `aaa serve --addr 127.0.0.1:0` and waits for its
// application_ready log line (which names the address it listens on).
func startInstance(t *testing.T, name string, env []string) *instance {
	t.Helper()
	cmd := exec.Command(aaaBinary(t), "serve", "--addr", "127.0.0.1:0")
	cmd.Env = env
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	inst := &instance{name: name, cmd: cmd, logs: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = inst.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		defer close(inst.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		closed := false
		for sc.Scan() {
			line := sc.Bytes()
			inst.logs.Write(append(append([]byte{}, line...), '\n'))
			var rec struct {
				Event    string `json:"event"`
				Addr     string `json:"addr"`
				ClientID string `json:"river_client_id"`
			}
			if json.Unmarshal(line, &rec) != nil {
				continue
			}
			switch rec.Event {
			case "scheduler_configured":
				inst.clientID = rec.ClientID
			case "application_ready":
				if !closed {
					inst.url = "http://" + rec.Addr
					closed = true
					close(ready)
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		inst.stop(t)
		if t.Failed() {
			t.Logf("--- %s output (last 40 lines) ---\n%s", name, tail(inst.logs.String(), 40))
		}
	})
	select {
	case <-ready:
	case <-inst.done:
		t.Fatalf("%s exited before it was ready:\n%s", name, tail(inst.logs.String(), 40))
	case <-time.After(60 * time.Second):
		t.Fatalf("%s not ready after 60s:\n%s", name, tail(inst.logs.String(), 40))
	}
	return inst
}

// stop asks the process to shut down (SIGTERM), then kills it after 20s.
func (i *instance) stop(t *testing.T) {
	select {
	case <-i.done:
		return
	default:
	}
	_ = i.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-i.done:
	case <-time.After(20 * time.Second):
		t.Errorf("%s did not stop within 20s of SIGTERM", i.name)
		_ = i.cmd.Process.Kill()
		<-i.done
	}
}

// kill ends the process at once, as a crashed machine would.
func (i *instance) kill(t *testing.T) {
	t.Helper()
	if err := i.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-i.done
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// createLiveRule posts the rule through the admin API, retrying while the
// instance has not yet cached the plan's metadata (it syncs on start).
func createLiveRule(t *testing.T, inst *instance, w *workspace) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"name": "panel passes", "interview_plan_id": w.sc.PlanID, "interview_stage_id": w.sc.StageIDs[0],
		"mode": "live", "archive_reason_id": w.sc.ArchiveReasonID,
		"requirements": []map[string]any{{"interview_id": w.sc.InterviewID, "score_field_path": ashbysim.FieldOverallScore,
			"operator": ">=", "threshold_value": "3", "is_required": true}},
	})
	var last string
	eventually(t, 30*time.Second, "rule created", func() bool {
		req, _ := http.NewRequest(http.MethodPost, inst.url+"/admin/create-advancement-rule", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err.Error()
			return false
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		last = fmt.Sprintf("%d %s", res.StatusCode, b)
		return res.StatusCode == http.StatusOK
	}, func() string { return last })
}

// sendWebhooks delivers one schedule update per candidate, round-robin over
// the instances, from several goroutines; each must be accepted (200).
func sendWebhooks(t *testing.T, w *workspace, cands []ashbysim.ScenarioCandidate, insts ...*instance) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(cands))
	sem := make(chan struct{}, 8)
	for i, c := range cands {
		inst := insts[i%len(insts)]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			status, err := w.sim.SendScheduleUpdate(context.Background(), inst.url+"/webhooks/ashby", webhookSecret, c.ScheduleID)
			if err != nil || status != http.StatusOK {
				errs <- fmt.Errorf("webhook for %s to %s: status %d, err %v", c.ScheduleID, inst.name, status, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool, diag ...func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, d := range diag {
		what += " (" + d() + ")"
	}
	t.Fatalf("timed out after %s waiting for %s", within, what)
}

// pg is a direct connection to the test schema, for River's tables.
func pg(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryInt(t *testing.T, conn *pgx.Conn, q string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// leader returns River's elected leader id ("" when there is none).
func leader(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var id string
	err := conn.QueryRow(context.Background(), `SELECT leader_id FROM river_leader WHERE expires_at > now()`).Scan(&id)
	if err != nil && err != pgx.ErrNoRows {
		t.Fatalf("read river_leader: %v", err)
	}
	return id
}

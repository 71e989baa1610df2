package scaletest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"github.com/jackc/pgx/v5"
)

const (
	webhookSecret = "scale_webhook_secret"
	adminToken    = "scale-admin-token"
	// syncEvery is the feedback, metadata and sweep period the instances
	// run with: short, so a test window holds several periods.
	syncEvery = 3 * time.Second
)

func TestMain(m *testing.M) { testkit.Main(m) }

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
func startInstance(t *testing.T, name string, env []string) *testkit.Process {
	t.Helper()
	inst := testkit.Start(t, testkit.ProcessOptions{Name: name, Env: env, LogLines: 40})
	inst.WaitReady(t)
	return inst
}

// createLiveRule posts the rule through the admin API, retrying while the
// instance has not yet cached the plan's metadata (it syncs on start).
func createLiveRule(t *testing.T, inst *testkit.Process, w *workspace) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"name": "panel passes", "interview_plan_id": w.sc.PlanID, "interview_stage_id": w.sc.StageIDs[0],
		"mode": "live", "archive_reason_id": w.sc.ArchiveReasonID,
		"requirements": []map[string]any{{"interview_id": w.sc.InterviewID, "score_field_path": ashbysim.FieldOverallScore,
			"operator": ">=", "threshold_value": "3", "is_required": true}},
	})
	var last string
	testkit.Eventually(t, 30*time.Second, "rule created", func() bool {
		req, _ := http.NewRequest(http.MethodPost, inst.URL()+"/admin/create-advancement-rule", bytes.NewReader(body))
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
func sendWebhooks(t *testing.T, w *workspace, cands []ashbysim.ScenarioCandidate, insts ...*testkit.Process) {
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
			status, err := w.sim.SendScheduleUpdate(context.Background(), inst.URL()+"/webhooks/ashby", webhookSecret, c.ScheduleID)
			if err != nil || status != http.StatusOK {
				errs <- fmt.Errorf("webhook for %s to %s: status %d, err %v", c.ScheduleID, inst.URL(), status, err)
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

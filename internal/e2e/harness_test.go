// Package e2e_test runs the real aaa binary end to end. testkit builds
// ./cmd/aaa once; each test starts `aaa serve` as a subprocess per backend
// (SQLite always, Postgres when AAA_TEST_POSTGRES_URL is set, required
// under CI=true) against an in-test ashbysim server and Slack fake, then
// drives it over HTTP only: signed webhooks, admin API calls, signed Slack
// clicks. Assertions read the simulator's call log and the audit rows in
// the server's database.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const (
	webhookSecret = "e2e-webhook-secret"
	signingSecret = "e2e-slack-signing-secret"
	botToken      = "xoxb-e2e"
	adminToken    = "e2e-admin-token-0123"
	adminChannel  = "C0ADMIN"
)

// aaa is one `aaa serve` subprocess with its simulated Ashby and Slack.
type aaa struct {
	t    *testing.T
	url  string
	sim  *ashbysim.Sim
	sc   ashbysim.Scenario
	fake *slackfake.Server
	db   *store.DB
	hc   *http.Client
}

// options shape one server.
type options struct {
	// env adds or overrides environment variables of `aaa serve`.
	env []string
	// simNow is the simulator's clock (default time.Now).
	simNow func() time.Time
	// candidates in the scenario (default 1); interviewers per panel (default 2).
	candidates, interviewers int
}

// start runs `aaa serve` on backend b against a fresh simulator holding one
// panel scenario, syncs Ashby's metadata into it and returns once it is
// healthy. The server is stopped (SIGTERM) when the test ends; its log is
// printed if the test failed (or always with AAA_TEST_LOGS=1).
func start(t *testing.T, b testkit.Backend, o options) *aaa {
	t.Helper()
	// The server migrates the database itself; the test does not (b.Open
	// would): on Postgres, goose's session lock is per database and a
	// second migrator retries it only every 5s.
	dbURL := b.URL(t)
	sim := ashbysim.New(ashbysim.Options{Now: o.simNow})
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: max(1, o.candidates), Interviewers: max(2, o.interviewers)})
	fake := slackfake.New(botToken)
	t.Cleanup(fake.Close)
	rec, _ := sim.User(sc.RecruiterID)
	fake.AddUsers(slackfake.User{ID: "U0RECRUITER", Name: "rita", RealName: rec.Name, Email: rec.Email})

	port := testkit.FreePort(t)
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"DATABASE_URL=" + dbURL,
		"PORT=" + strconv.Itoa(port),
		"ASHBY_API_URL=" + simSrv.URL,
		"ASHBY_API_KEY=" + sim.APIKey(),
		"ASHBY_WEBHOOK_SECRET=" + webhookSecret,
		"SLACK_API_URL=" + fake.URL(),
		"SLACK_BOT_TOKEN=" + botToken,
		"SLACK_SIGNING_SECRET=" + signingSecret,
		"ADMIN_API_TOKEN=" + adminToken,
		"ADMIN_SLACK_CHANNEL_ID=" + adminChannel,
		"ADVANCEMENT_FEEDBACK_MIN_WAIT_MINUTES=0",
		"FEEDBACK_SYNC_INTERVAL=1s",
		"EVALUATION_SWEEP_INTERVAL=2s",
		"REMINDERS_ENABLED=false",
		"LOG_LEVEL=DEBUG",
	}
	p := testkit.Start(t, testkit.ProcessOptions{Name: "aaa serve", Args: []string{"serve"},
		Env: append(env, o.env...), LogLines: 400})
	p.WaitHealthy(t)
	a := &aaa{t: t, url: p.URL(), sim: sim, sc: sc, fake: fake, hc: &http.Client{Timeout: 10 * time.Second}}
	// The server's database, already migrated by it, to read the audit rows.
	a.db = testkit.OpenURL(t, dbURL, false)
	a.admin(http.MethodPost, "/admin/sync-metadata", nil, nil)
	a.admin(http.MethodPost, "/admin/sync-interviews", nil, nil)
	return a
}

// admin calls the admin API and decodes a 200 answer into out.
func (a *aaa) admin(method, path string, body, out any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("decode %s: %v", path, err)
		}
	}
}

// rule creates an active rule on the scenario's first stage through the
// admin API: overall score >= 3 from every interviewer.
func (a *aaa) rule(mode string, extra map[string]any) string {
	a.t.Helper()
	body := map[string]any{
		"name": "e2e " + mode, "interview_plan_id": a.sc.PlanID, "interview_stage_id": a.sc.StageIDs[0],
		"mode": mode, "archive_reason_id": a.sc.ArchiveReasonID,
		"requirements": []map[string]any{{"interview_id": a.sc.InterviewID, "score_field_path": ashbysim.FieldOverallScore,
			"operator": ">=", "threshold_value": "3", "is_required": true}},
	}
	for k, v := range extra {
		body[k] = v
	}
	var out struct {
		RuleID string `json:"rule_id"`
	}
	a.admin(http.MethodPost, "/admin/create-advancement-rule", body, &out)
	return out.RuleID
}

// webhook sends Ashby's signed interviewScheduleUpdate for a candidate.
func (a *aaa) webhook(c ashbysim.ScenarioCandidate) {
	a.t.Helper()
	status, err := a.sim.SendScheduleUpdate(context.Background(), a.url+"/webhooks/ashby", webhookSecret, c.ScheduleID)
	if err != nil || status != http.StatusOK {
		a.t.Fatalf("webhook: status %d, err %v", status, err)
	}
}

// submit sends the scores of the panel, interviewer i scoring scores[i].
func (a *aaa) submit(c ashbysim.ScenarioCandidate, scores ...int) {
	for i, s := range scores {
		a.sim.SubmitFeedback(c.ApplicationID, c.EventID, a.sc.InterviewerIDs[i],
			map[string]any{ashbysim.FieldOverallScore: s, ashbysim.FieldRecommendation: "hire"})
	}
}

// executions reads the audit rows of an application from the store.
func (a *aaa) executions(appID string) []domain.Execution {
	a.t.Helper()
	list, err := a.db.ListExecutions(context.Background(), store.ExecutionFilter{ApplicationID: appID})
	if err != nil {
		a.t.Fatal(err)
	}
	return list
}

// decided waits for exactly one audit row of the application with a final
// status and returns it.
func (a *aaa) decided(appID string, within time.Duration) domain.Execution {
	a.t.Helper()
	var got domain.Execution
	testkit.Eventually(a.t, within, "a decision for "+appID, func() bool {
		list := a.executions(appID)
		if len(list) == 1 && list[0].Status != domain.ExecPending {
			got = list[0]
			return true
		}
		return false
	}, func() string { return describe(a.executions(appID)) })
	return got
}

// changeStages are the simulator's successful changeStage calls, split.
func (a *aaa) changeStages() (advances, archives []ashbysim.StageChange) {
	for _, c := range a.sim.ChangeStages() {
		switch {
		case !c.OK:
			a.t.Errorf("changeStage call failed: %+v", c)
		case c.Archive:
			archives = append(archives, c)
		default:
			advances = append(advances, c)
		}
	}
	return advances, archives
}

// quiet waits for two more feedback syncs and one more sweep so a wrong
// extra action would have had its chance to happen.
func (a *aaa) quiet() {
	a.t.Helper()
	syncs, sweep := a.sim.CallCount("applicationFeedback.list"), a.lastSweep()
	testkit.Eventually(a.t, 15*time.Second, "two more feedback syncs and a sweep", func() bool {
		return a.sim.CallCount("applicationFeedback.list") >= syncs+2 && a.lastSweep().After(sweep)
	})
}

// lastSweep is when the last evaluation sweep finished (sync_state).
func (a *aaa) lastSweep() time.Time {
	st, err := a.db.GetSyncState(context.Background(), "evaluation_sweep")
	if err != nil || st.LastFinishedAt == nil {
		return time.Time{}
	}
	return *st.LastFinishedAt
}

func describe(list []domain.Execution) string {
	var b strings.Builder
	for _, x := range list {
		fmt.Fprintf(&b, "[%s %s %s %q by %s] ", x.Outcome, x.Mode, x.Status, x.FailureReason, x.ExecutedBy)
	}
	return b.String()
}

// post sends a raw request and returns the status.
func (a *aaa) post(path string, header http.Header, body []byte) int {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.url+path, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("POST %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

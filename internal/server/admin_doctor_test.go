package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

type doctorBody struct {
	Status   string `json:"status"`
	ExitCode int    `json:"exit_code"`
	Failures int    `json:"failures"`
	Checks   []struct {
		Section, Name, Status, Detail, Fix string
	} `json:"checks"`
}

func getDoctor(t *testing.T, base, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	testkit.Must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	testkit.Must(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	testkit.Must(t, err)
	return resp.StatusCode, string(raw)
}

// TestAdminDoctor: GET /admin/doctor answers the report as JSON with the
// server's own settings, for read-only tokens too; a failed check is in the
// body (200), and no secret is.
func TestAdminDoctor(t *testing.T) {
	t.Parallel()
	const secret, signing = "srv-webhook-secret", "srv-signing-secret"
	s := testkit.NewStack(t, testkit.StackOptions{Slack: true, Queue: jobs.Options{InsertOnly: true},
		App: app.Options{AdminChannel: "C0ADMIN"},
		Server: server.Deps{AdminTokens: []server.AdminToken{{Name: "auditor", Token: "ro", ReadOnly: true}},
			WebhookSecret: secret, SlackSigningSecret: signing}})
	s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
	s.Sim.Deny("candidate.info")

	status, raw := getDoctor(t, s.URL, "/admin/doctor?public_url="+url.QueryEscape(s.URL), "ro")
	if status != http.StatusOK {
		t.Fatalf("GET /admin/doctor: %d %s", status, raw)
	}
	var body doctorBody
	testkit.Must(t, json.Unmarshal([]byte(raw), &body))
	if body.Status != "fail" || body.ExitCode != 2 || body.Failures == 0 {
		t.Fatalf("report status %q exit %d failures %d", body.Status, body.ExitCode, body.Failures)
	}
	got := map[string]string{}
	for _, c := range body.Checks {
		got[c.Section+"/"+c.Name] = c.Status
		if c.Section+"/"+c.Name == "Ashby/Candidates: read" && !strings.Contains(c.Detail, "candidate.info") {
			t.Errorf("permission detail %q does not name candidate.info", c.Detail)
		}
	}
	for check, want := range map[string]string{
		"Database/Reachable": "pass", "Ashby/API key": "pass", "Ashby/Candidates: read": "fail",
		"Webhooks/Secret": "pass", "Webhooks/Public URL": "pass", "Slack/Bot token": "pass",
		"Slack/Admin channel": "fail", // the fake knows no channel C0ADMIN
	} {
		if got[check] != want {
			t.Errorf("%s = %q, want %q (%s)", check, got[check], want, raw)
		}
	}
	for _, sec := range []string{secret, signing, testkit.SlackToken, s.Sim.APIKey()} {
		if strings.Contains(raw, sec) {
			t.Errorf("the report shows the secret %q", sec)
		}
	}

	// A server without a doctor says so.
	db, _ := testkit.OpenSQLite(t)
	noDoctor := httptest.NewServer(server.New(server.Deps{Store: db, AdminToken: "t"}))
	defer noDoctor.Close()
	if status, raw := getDoctor(t, noDoctor.URL, "/admin/doctor", "t"); status != http.StatusServiceUnavailable || !strings.Contains(raw, "doctor is not available") {
		t.Errorf("no doctor: %d %s", status, raw)
	}
}

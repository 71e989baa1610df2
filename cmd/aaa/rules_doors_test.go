package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// Tokens of the `aaa serve` the API door talks to.
const (
	rwToken = "tok-deploy-0123456789"
	roToken = "tok-audit-0123456789"
)

// ruleStep is one change to the rule "screen", made the same way through
// every door.
type ruleStep struct {
	name string
	// mode and active are the rule's state after the step.
	mode   string
	active bool
}

var ruleSteps = []ruleStep{
	{name: "create", mode: domain.ModeShadow, active: true},
	{name: "go live", mode: domain.ModeLive, active: true},
	{name: "deactivate", mode: domain.ModeLive, active: false},
	{name: "activate", mode: domain.ModeLive, active: true},
	{name: "back to shadow", mode: domain.ModeShadow, active: true},
	{name: "reject delay 2h", mode: domain.ModeShadow, active: true},
}

// doorResult is the stored rule and its revisions after the steps.
type doorResult struct {
	rule domain.Rule
	revs []domain.RuleRevision
}

// ruleDoc is the rules file of "screen" in a given mode (the CLI door),
// with more options lines if given.
func ruleDoc(mode string, more ...string) string {
	return `rules:
  - name: screen
    interview_plan: plan-1
    interview_stage: stage-1
    mode: ` + mode + `
` + strings.Join(more, "") + `    requirements:
      - interview: iv-1
        score_field_path: overall_score
        operator: ">="
        threshold_value: "3"
`
}

// TestRuleChangesSameThroughEveryDoor applies the same rule changes through
// the admin API (a running `aaa serve`), `aaa rules apply` and the dashboard,
// each on its own database, and expects the same stored rule and the same
// revision rows; only the actor and the source differ. The dashboard cannot
// create rules, so its rule is created with `aaa rules apply`. The API's
// read-only token reads the rule and its history and is refused every write.
func TestRuleChangesSameThroughEveryDoor(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			doors := []struct {
				name string
				// actors of each step as (actor, source)
				actors func(step int) (string, string)
				run    func(t *testing.T, url string) doorResult
			}{
				{name: "api", actors: func(int) (string, string) { return "deploy-bot", domain.SourceAPI }, run: apiDoor},
				{name: "cli", actors: func(int) (string, string) { return "sam", domain.SourceCLI }, run: cliDoor},
				{name: "tui", actors: func(step int) (string, string) {
					if step == 0 {
						return "sam", domain.SourceCLI
					}
					return "ana", domain.SourceTUI
				}, run: tuiDoor},
			}
			var first *doorResult
			for _, door := range doors {
				url := b.URL(t)
				db := testkit.OpenURL(t, url, true)
				seedRuleMetadata(t, db)
				got := door.run(t, url)
				if got.rule.Mode != domain.ModeShadow || !got.rule.Active || got.rule.Version != len(ruleSteps) {
					t.Fatalf("%s: rule after the steps = %+v", door.name, got.rule)
				}
				if len(got.revs) != len(ruleSteps) {
					t.Fatalf("%s: %d revisions, want %d: %+v", door.name, len(got.revs), len(ruleSteps), got.revs)
				}
				for i, rev := range got.revs {
					step := len(ruleSteps) - 1 - i // newest first
					actor, source := door.actors(step)
					if rev.Actor != actor || rev.Source != source || rev.Version != step+1 {
						t.Errorf("%s: revision of %q = %s/%s v%d, want %s/%s v%d", door.name, ruleSteps[step].name,
							rev.Actor, rev.Source, rev.Version, actor, source, step+1)
					}
				}
				if first == nil {
					first = &got
					continue
				}
				if a, b := comparableRule(first.rule), comparableRule(got.rule); a != b {
					t.Errorf("stored rule through %s differs from api:\n api: %s\n %s: %s", door.name, a, door.name, b)
				}
				if a, b := comparableRevisions(first.revs), comparableRevisions(got.revs); a != b {
					t.Errorf("revisions through %s differ from api:\n api: %s\n %s: %s", door.name, a, door.name, b)
				}
			}
		})
	}
}

func seedRuleMetadata(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	at := time.Now().UTC()
	testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: "plan-1", Title: "Engineering"}, at))
	testkit.Must(t, db.UpsertStages(ctx, "plan-1", []domain.Stage{{ID: "stage-1", PlanID: "plan-1", Title: "Tech Screen", Order: 1}}, at))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "iv-1", Title: "Technical Interview"}, at))
}

// comparableRule is a rule without its ids and times.
func comparableRule(r domain.Rule) string {
	out := fmt.Sprintf("%s job=%q %s/%s target=%q active=%t mode=%s on_reject=%s priority=%d v%d archive=%q tmpl=%q notify=%t timeout=%d wait=%d"+
		" reject_delay=%s work_hours=%t notify_on_advance=%t",
		r.Name, r.JobID, r.InterviewPlanID, r.InterviewStageID, r.TargetStageID, r.Active, r.Mode, r.OnReject, r.Priority, r.Version,
		r.ArchiveReasonID, r.CommunicationTemplateID, r.NotifyInShadow, r.TimeoutDays, r.MinWaitMinutes,
		r.RejectDelay, r.ActInWorkHours, r.NotifyOnAdvance)
	for _, q := range r.Requirements {
		out += fmt.Sprintf(" req(%s %s %s %s %s %t)", q.InterviewID, q.FieldPath, q.Operator, q.Threshold, q.Aggregate, q.Required)
	}
	for _, a := range r.Actions {
		out += fmt.Sprintf(" action(%s %d %s)", a.ActionType, a.ExecutionOrder, a.ActionConfig)
	}
	return out
}

// comparableRevisions are revisions without ids, times, actors and sources.
func comparableRevisions(revs []domain.RuleRevision) string {
	var b strings.Builder
	for _, r := range revs {
		changes, _ := json.Marshal(r.Changes)
		fmt.Fprintf(&b, "\nv%d %s %s", r.Version, r.Action, changes)
	}
	return b.String()
}

func readResult(t *testing.T, url string) (domain.Rule, []domain.RuleRevision) {
	t.Helper()
	db := testkit.OpenURL(t, url, false)
	ctx := context.Background()
	rs, err := db.ListRules(ctx, false)
	testkit.Must(t, err)
	if len(rs) != 1 {
		t.Fatalf("%d rules stored, want 1", len(rs))
	}
	revs, err := db.ListRuleRevisions(ctx, rs[0].ID)
	testkit.Must(t, err)
	return rs[0], revs
}

// apiDoor makes the steps through the admin API of a running `aaa serve`,
// then checks what the read-only token may do.
func apiDoor(t *testing.T, url string) (res doorResult) {
	env := testkit.Environ("DATABASE_URL="+url, "ADMIN_API_TOKENS=deploy-bot="+rwToken+", auditor="+roToken+":ro")
	srv := testkit.Start(t, testkit.ProcessOptions{Env: env})
	srv.WaitHealthy(t)
	call := func(token, method, path, body string, want int) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
		testkit.Must(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		testkit.Must(t, err)
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
		}
		var out map[string]any
		testkit.Must(t, json.Unmarshal(raw, &out))
		return out
	}
	created := call(rwToken, "POST", "/admin/create-advancement-rule", `{"name": "screen", "interview_plan_id": "plan-1",
		"interview_stage_id": "stage-1", "requirements": [{"interview_id": "iv-1", "score_field_path": "overall_score",
		"operator": ">=", "threshold_value": "3"}], "actions": [{"action_type": "advance_stage"}]}`, http.StatusOK)
	id, _ := created["rule_id"].(string)
	for i, body := range []string{`{"mode": "live", "version": 1}`, `{"active": false, "version": 2}`,
		`{"is_active": true, "version": 3}`, `{"mode": "shadow", "version": 4}`, `{"reject_delay": "2h", "version": 5}`} {
		got := call(rwToken, "PATCH", "/admin/rules/"+id, body, http.StatusOK)
		if got["version"] != float64(i+2) {
			t.Fatalf("PATCH %s: version %v", body, got["version"])
		}
	}
	// A stale version is refused with the service's message.
	stale := call(rwToken, "PATCH", "/admin/rules/"+id, `{"mode": "live", "version": 2}`, http.StatusConflict)
	if msg := fmt.Sprint(stale["error"]); !strings.Contains(msg, `rule "screen" changed meanwhile`) {
		t.Fatalf("stale PATCH: %s", msg)
	}

	// The read-only token reads everything and changes nothing.
	if got := call(roToken, "GET", "/admin/rules?active_only=false", "", http.StatusOK); got["count"] != float64(1) {
		t.Fatalf("read-only list: %v", got)
	}
	call(roToken, "GET", "/admin/rules/"+id, "", http.StatusOK)
	hist := call(roToken, "GET", "/admin/rules/"+id+"/history", "", http.StatusOK)
	revs, _ := hist["revisions"].([]any)
	if len(revs) != len(ruleSteps) || revs[0].(map[string]any)["version"] != float64(len(ruleSteps)) ||
		revs[0].(map[string]any)["actor"] != "deploy-bot" {
		t.Fatalf("history (newest first): %v", hist)
	}
	for _, w := range []struct{ method, path, body string }{
		{"POST", "/admin/create-advancement-rule", `{"interview_plan_id": "plan-1", "interview_stage_id": "stage-1", "requirements": []}`},
		{"PATCH", "/admin/rules/" + id, `{"mode": "live"}`},
		{"PATCH", "/admin/rules/" + id, `{"active": false}`},
		{"DELETE", "/admin/rules/" + id, ""},
	} {
		got := call(roToken, w.method, w.path, w.body, http.StatusForbidden)
		e, _ := got["error"].(map[string]any)
		if e["code"] != "FORBIDDEN" || !strings.Contains(fmt.Sprint(e["message"]), "read-only") || e["request_id"] == "" {
			t.Fatalf("read-only %s %s: %v", w.method, w.path, got)
		}
	}
	// Polled: the answers can arrive before the server's log lines are read.
	testkit.Eventually(t, 5*time.Second, "serve logs rule_mode_changed with the actor", func() bool {
		logs := srv.Logs()
		return strings.Contains(logs, `"event":"rule_mode_changed"`) && strings.Contains(logs, `"actor":"deploy-bot"`)
	}, func() string { return testkit.Tail(srv.Logs(), 20) })
	res.rule, res.revs = readResult(t, url)
	return res
}

// runRules runs `aaa rules ARGS...` in this process, as sam.
func runRules(t *testing.T, url string, args ...string) string {
	t.Helper()
	cmd := newRulesCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append(args, "--db", url, "--as", "sam"))
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("aaa rules %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func applyFile(t *testing.T, url, doc string, flags ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.yaml")
	testkit.Must(t, os.WriteFile(path, []byte(doc), 0o600))
	return runRules(t, url, append([]string{"apply", "-f", path}, flags...)...)
}

// cliDoor makes the steps with `aaa rules apply`: a file in each mode, and
// an empty file with --prune to deactivate.
func cliDoor(t *testing.T, url string) (res doorResult) {
	delayed := ruleDoc("shadow", "    reject_delay: 2h\n")
	for _, doc := range []string{ruleDoc("shadow"), ruleDoc("live"), "rules: []\n", ruleDoc("live"), ruleDoc("shadow"), delayed} {
		applyFile(t, url, doc, "--prune", "--yes")
	}
	if out := applyFile(t, url, delayed); !strings.Contains(out, "no changes") {
		t.Fatalf("second apply changed something:\n%s", out)
	}
	out := runRules(t, url, "history", "screen")
	for _, want := range []string{`rule "screen": version 6, shadow, active, 6 revision(s)`, "sam", "mode: live -> shadow",
		"created for all jobs / Engineering / Tech Screen", "reject_delay: 0 -> 2h"} {
		if !strings.Contains(out, want) {
			t.Errorf("aaa rules history lacks %q:\n%s", want, out)
		}
	}
	if out := runRules(t, url, "list"); !strings.Contains(out, "OPTIONS") || !strings.Contains(out, "reject_delay=2h") {
		t.Errorf("aaa rules list does not show the reject delay:\n%s", out)
	}
	res.rule, res.revs = readResult(t, url)
	return res
}

// tuiDoor creates the rule with `aaa rules apply` (the dashboard does not
// create rules), then makes every other step on the dashboard wired by this
// package, as ana: m (mode) and space (active), each confirmed with y,
// then D in the rule's detail for the reject delay.
func tuiDoor(t *testing.T, url string) (res doorResult) {
	applyFile(t, url, ruleDoc("shadow"))
	cfg, err := config.Load(testkit.Environ("DATABASE_URL=" + url))
	testkit.Must(t, err)
	log := slog.New(slog.DiscardHandler)
	be, err := openStore(context.Background(), url, log)
	testkit.Must(t, err)
	t.Cleanup(be.close)
	opts := dashboardOptions(cfg, be, log)
	opts.Actor = "ana"
	opts.RefreshEvery = time.Millisecond
	d := newDashboard(t, opts, 120, 40)
	press := func(keys ...string) {
		d.press(keys...)
		if s := d.screen(); strings.Contains(s, "not changed") {
			t.Fatalf("dashboard refused a change:\n%s", s)
		}
	}
	press("3")
	for _, keys := range [][]string{{"m", "y"}, {" ", "y"}, {" ", "y"}, {"m", "y"},
		{"enter", "D", "backspace", "2", "h", "enter", "y"}} {
		press(keys...)
	}
	if s := d.screen(); !strings.Contains(s, `rule "screen" now waits 2 h before archiving`) || !strings.Contains(s, "Reject delay: 2 h") {
		t.Fatalf("dashboard after D:\n%s", s)
	}
	res.rule, res.revs = readResult(t, url)
	if !slices.ContainsFunc(res.revs, func(r domain.RuleRevision) bool { return r.Source == domain.SourceTUI }) {
		t.Fatalf("no dashboard revision: %+v", res.revs)
	}
	return res
}

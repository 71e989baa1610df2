package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// seedGuideBody is the create-rule curl body of the seed's deployment guide,
// verbatim.
const seedGuideBody = `{
    "interview_plan_id": "your-plan-uuid",
    "interview_stage_id": "your-stage-uuid",
    "target_stage_id": null,
    "requirements": [{
      "interview_id": "your-interview-uuid",
      "score_field_path": "overall_score",
      "operator": ">=",
      "threshold_value": "3",
      "is_required": true
    }],
    "actions": [{
      "action_type": "advance_stage",
      "execution_order": 1
    }]
  }`

type env struct {
	url string
	db  *store.DB
}

// newEnv serves the real router over a fresh SQLite store seeded with the
// metadata the seed guide's body references. ats configures an Ashby
// client for the stack; nil runs without one.
func newEnv(t *testing.T, ats *ashby.Options) env {
	t.Helper()
	o := testkit.StackOptions{NoAshby: ats == nil, Queue: jobs.Options{InsertOnly: true},
		Server: server.Deps{AdminToken: "t"}}
	if ats != nil {
		o.Ashby = *ats
	}
	s := testkit.NewStack(t, o)
	seedMetadata(t, s.DB)
	return env{url: s.URL, db: s.DB}
}

func seedMetadata(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: "your-plan-uuid", Title: "Engineering"}, at))
	testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: "other-plan", Title: "Sales"}, at))
	testkit.Must(t, db.UpsertStages(ctx, "your-plan-uuid", []domain.Stage{
		{ID: "your-stage-uuid", Title: "Tech Screen", Type: "Active", Order: 1},
		{ID: "onsite-stage", Title: "Onsite", Type: "Active", Order: 2},
	}, at))
	testkit.Must(t, db.UpsertStages(ctx, "other-plan", []domain.Stage{{ID: "sales-stage", Title: "Call", Type: "Active", Order: 1}}, at))
	testkit.Must(t, db.UpsertJob(ctx, domain.Job{ID: "job-1", Title: "Backend Engineer", Status: "Open",
		DefaultInterviewPlanID: "your-plan-uuid", PlanIDs: []string{"your-plan-uuid"}}, at))
	testkit.Must(t, db.UpsertJob(ctx, domain.Job{ID: "job-closed", Title: "Old Job", Status: "Closed"}, at))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "your-interview-uuid", Title: "Technical Interview",
		JobID: "job-1", FormID: "form-all-types"}, at))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "archived-iv", Title: "Old", IsArchived: true}, at))
	for _, name := range []string{"api_feedbackFormDefinition_info_response.json", "api_feedbackFormDefinition_list_page1.json",
		"api_feedbackFormDefinition_list_page2.json", "form_all_types.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		testkit.Must(t, err)
		var env struct {
			Results json.RawMessage `json:"results"`
		}
		testkit.Must(t, json.Unmarshal(raw, &env))
		var forms []json.RawMessage
		switch {
		case env.Results == nil:
			forms = []json.RawMessage{raw}
		case strings.HasPrefix(strings.TrimSpace(string(env.Results)), "["):
			testkit.Must(t, json.Unmarshal(env.Results, &forms))
		default:
			forms = []json.RawMessage{env.Results}
		}
		for _, f := range forms {
			// Stored exactly as the sync stores it: the whole form object.
			var form ashby.FeedbackForm
			testkit.Must(t, json.Unmarshal(f, &form))
			def, err := json.Marshal(form)
			testkit.Must(t, err)
			testkit.Must(t, db.UpsertForm(ctx, domain.Form{ID: form.ID, Title: form.Title, Definition: def}, at))
		}
	}
}

type response struct {
	status int
	raw    string
	body   map[string]any
}

func (e env) do(t *testing.T, method, path, token, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	testkit.Must(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	testkit.Must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{status: res.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// get walks a decoded JSON value: "a.0.b".
func get(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, c := range p {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func str(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

func createGuideRule(t *testing.T, e env) string {
	t.Helper()
	res := e.do(t, "POST", "/admin/create-advancement-rule", "t", seedGuideBody)
	if res.status != 200 {
		t.Fatalf("create guide rule: %d %s", res.status, res.raw)
	}
	return str(res.body["rule_id"])
}

func TestAdminAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	routes := [][2]string{
		{"POST", "/admin/create-advancement-rule"}, {"GET", "/admin/rules"}, {"GET", "/admin/rules/x"},
		{"PATCH", "/admin/rules/x"}, {"DELETE", "/admin/rules/x"}, {"GET", "/admin/stats"},
		{"GET", "/admin/decisions"}, {"GET", "/admin/webhooks"}, {"POST", "/admin/webhooks/x/retry"},
		{"GET", "/admin/notifications"}, {"GET", "/admin/doctor"}, {"POST", "/admin/sync-forms"}, {"POST", "/admin/sync-metadata"},
		{"POST", "/admin/sync-interviews"}, {"POST", "/admin/sync-feedback"}, {"POST", "/admin/sync-slack-users"},
		{"GET", "/admin/metadata/jobs"}, {"GET", "/admin/metadata/jobs/job-1/plans"}, {"GET", "/admin/metadata/plans"},
		{"GET", "/admin/metadata/plans/your-plan-uuid/stages"}, {"GET", "/admin/metadata/interviews"},
		{"GET", "/admin/metadata/archive-reasons"}, {"GET", "/admin/metadata/feedback-forms/form_def_123/fields"},
		{"POST", "/admin/trigger-advancement-evaluation"},
	}
	for _, rt := range routes {
		for _, tok := range []string{"", "wrong"} {
			res := e.do(t, rt[0], rt[1], tok, "{}")
			if res.status != http.StatusUnauthorized || get(res.body, "error.code") != "UNAUTHORIZED" {
				t.Errorf("%s %s token %q: %d %s, want 401 envelope", rt[0], rt[1], tok, res.status, res.raw)
			}
		}
	}

	// No ADMIN_API_TOKEN: the admin API is off.
	db, _ := testkit.OpenSQLite(t)
	off := httptest.NewServer(server.New(server.Deps{Store: db}))
	defer off.Close()
	res := env{url: off.URL}.do(t, "GET", "/admin/rules", "t", "")
	if res.status != http.StatusServiceUnavailable || get(res.body, "error.code") != "ADMIN_API_DISABLED" {
		t.Errorf("admin API without a token: %d %s", res.status, res.raw)
	}
}

func TestAdminScenarios(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ruleID := createGuideRule(t, e)
	ctx := context.Background()
	testkit.Must(t, e.db.UpsertSchedule(ctx, domain.Schedule{ID: "sched-1", ApplicationID: "app-1",
		InterviewPlanID: "your-plan-uuid", InterviewStageID: "your-stage-uuid", Status: "Complete",
		CreatedAt: time.Now(), UpdatedAt: time.Now()}))
	exec, err := e.db.InsertExecution(ctx, domain.Execution{ScheduleID: "sched-1", ApplicationID: "app-1", RuleID: ruleID,
		RuleVersion: 1, Mode: domain.ModeShadow, Outcome: domain.OutcomeAdvance, Status: domain.ExecDryRun,
		Summary: "all passed", Reasons: []byte(`{"outcome":"advance","summary":"all passed","reasons":[{"code":"requirement_passed","message":"ok"}]}`)}, "")
	testkit.Must(t, err)
	_, err = e.db.InsertExecution(ctx, domain.Execution{ScheduleID: "sched-1", ApplicationID: "app-1", Mode: domain.ModeLive,
		Outcome: domain.OutcomeAdvance, Status: domain.ExecFailed, FailureReason: "ashby said no"}, "")
	testkit.Must(t, err)
	_, err = e.db.InsertNotification(ctx, domain.Notification{ExecutionID: exec.ID, Kind: "rejection", Status: domain.NotificationStored, Text: "hello"})
	testkit.Must(t, err)
	_, err = e.db.InsertDelivery(ctx, domain.Delivery{ID: "del-1", DedupeKey: "k1", Action: "interviewScheduleUpdate", Payload: []byte("{}"), Status: domain.DeliveryFailed, ReceivedAt: time.Now()})
	testkit.Must(t, err)

	type check func(t *testing.T, r response)
	has := func(path, want string) check {
		return func(t *testing.T, r response) {
			t.Helper()
			if got := str(get(r.body, path)); got != want {
				t.Errorf("%s = %q, want %q (body %s)", path, got, want, r.raw)
			}
		}
	}
	contains := func(sub string) check {
		return func(t *testing.T, r response) {
			t.Helper()
			if !strings.Contains(r.raw, sub) {
				t.Errorf("body lacks %q: %s", sub, r.raw)
			}
		}
	}
	problems := func(n int) check {
		return func(t *testing.T, r response) {
			t.Helper()
			d, _ := get(r.body, "error.details").([]any)
			if len(d) != n {
				t.Errorf("want %d problems in details, got %d: %s", n, len(d), r.raw)
			}
		}
	}
	body := func(mut func(m map[string]any)) string {
		var m map[string]any
		testkit.Must(t, json.Unmarshal([]byte(seedGuideBody), &m))
		m["interview_stage_id"] = "onsite-stage" // a free scope
		mut(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	req0 := func(m map[string]any) map[string]any { return m["requirements"].([]any)[0].(map[string]any) }

	tests := []struct {
		name         string
		method, path string
		body         string
		status       int
		checks       []check
	}{
		{name: "list rules", method: "GET", path: "/admin/rules", status: 200,
			checks: []check{has("count", "1"), has("rules.0.rule_id", ruleID), has("rules.0.mode", "shadow"),
				has("rules.0.requirements.0.threshold_value", "3"), has("rules.0.actions.0.action_type", "advance_stage"),
				has("rules.0.actions.0.action_config", "null"), has("rules.0.job_id", "null"), contains(`+00:00"`)}},
		{name: "list rules bad flag", method: "GET", path: "/admin/rules?active_only=maybe", status: 422, checks: []check{has("error.code", "VALIDATION_ERROR")}},
		{name: "get rule", method: "GET", path: "/admin/rules/" + ruleID, status: 200,
			checks: []check{has("rule_id", ruleID), has("version", "1"), has("on_reject", "notify"), has("requirements.0.aggregate", "each")}},
		{name: "get unknown rule", method: "GET", path: "/admin/rules/nope", status: 404,
			checks: []check{has("error.code", "HTTP_404"), has("error.message", "Rule nope not found")}},
		{name: "same scope again is a clash", method: "POST", path: "/admin/create-advancement-rule", body: seedGuideBody, status: 409,
			checks: []check{has("error.code", "CONFLICT")}},
		{name: "create with every option", method: "POST", path: "/admin/create-advancement-rule", status: 200,
			body: body(func(m map[string]any) {
				m["name"], m["mode"], m["priority"], m["on_reject"], m["job_id"] = "onsite", "live", 5, "archive", "job-1"
				m["notify_in_shadow"], m["timeout_days"], m["min_wait_minutes"] = true, 3, 10
				req0(m)["aggregate"], req0(m)["threshold_value"] = "count >= 2", 3.5
			}),
			checks: []check{has("status", "created"), has("mode", "live"), has("version", "1"), has("job_id", "job-1"), has("name", "onsite")}},
		{name: "duplicate name", method: "POST", path: "/admin/create-advancement-rule", status: 409,
			body: body(func(m map[string]any) {
				m["name"], m["interview_stage_id"] = "onsite", "your-stage-uuid"
				m["job_id"] = "job-1"
			}),
			checks: []check{contains("already exists")}},
		{name: "documented invalid ids", method: "POST", path: "/admin/create-advancement-rule", status: 422,
			body:   `{"job_id": "job-123", "interview_plan_id": "nonexistent-plan", "interview_stage_id": "stage-123", "target_stage_id": null, "requirements": [], "actions": []}`,
			checks: []check{has("error.code", "VALIDATION_ERROR"), problems(4), contains("nonexistent-plan"), contains("job-123"), contains("stage-123")}},
		{name: "every problem listed", method: "POST", path: "/admin/create-advancement-rule", status: 422,
			body: body(func(m map[string]any) {
				m["mode"], m["on_reject"], m["target_stage_id"] = "loud", "shrug", "sales-stage"
				r := req0(m)
				r["operator"], r["interview_id"], r["aggregate"] = "=~", "ghost", "median"
			}),
			checks: []check{problems(6), contains(`"loc":["body","requirements",0,"operator"]`), contains("belongs to plan other-plan")}},
		{name: "numeric operator needs a numeric threshold", method: "POST", path: "/admin/create-advancement-rule", status: 422,
			body:   body(func(m map[string]any) { req0(m)["threshold_value"] = "high" }),
			checks: []check{problems(1), contains("numeric threshold_value")}},
		{name: "wrong types", method: "POST", path: "/admin/create-advancement-rule", status: 422,
			body: body(func(m map[string]any) {
				m["priority"], m["interview_plan_id"] = "high", 7
				req0(m)["is_required"] = "yes"
			}),
			checks: []check{problems(3), contains("valid integer"), contains("valid boolean")}},
		{name: "missing requirements", method: "POST", path: "/admin/create-advancement-rule", status: 422,
			body:   `{"interview_plan_id": "your-plan-uuid", "interview_stage_id": "onsite-stage", "actions": []}`,
			checks: []check{has("error.details.0.type", "missing"), contains(`"loc":["body","requirements"]`)}},
		{name: "unknown field", method: "POST", path: "/admin/create-advancement-rule", status: 422,
			body: body(func(m map[string]any) { req0(m)["theshold"] = "3" }), checks: []check{has("error.details.0.type", "extra_forbidden")}},
		{name: "min wait beyond a year", method: "POST", path: "/admin/create-advancement-rule", status: 422,
			body:   body(func(m map[string]any) { m["min_wait_minutes"] = 1000000000000 }),
			checks: []check{problems(1), contains(`"loc":["body","min_wait_minutes"]`), contains("365 days")}},
		{name: "timeout beyond a year", method: "POST", path: "/admin/create-advancement-rule", status: 422,
			body:   body(func(m map[string]any) { m["timeout_days"] = 1000000000 }),
			checks: []check{problems(1), contains(`"loc":["body","timeout_days"]`), contains("365")}},
		{name: "unknown action type", method: "POST", path: "/admin/create-advancement-rule", status: 422,
			body: body(func(m map[string]any) {
				m["actions"] = []any{map[string]any{"action_type": "advance_stage"}, map[string]any{"action_type": "launch_rocket"}}
			}),
			checks: []check{problems(1), contains(`"loc":["body","actions",1,"action_type"]`), contains("launch_rocket")}},
		{name: "archive reason not synced", method: "POST", path: "/admin/create-advancement-rule", status: 422,
			body:   body(func(m map[string]any) { m["archive_reason_id"] = "no-such-reason" }),
			checks: []check{problems(1), contains(`"loc":["body","archive_reason_id"]`)}},
		{name: "patch min wait beyond a year", method: "PATCH", path: "/admin/rules/" + ruleID, body: `{"min_wait_minutes":1000000000000}`,
			status: 422, checks: []check{contains("min_wait_minutes")}},
		{name: "not json", method: "POST", path: "/admin/create-advancement-rule", body: "{", status: 400, checks: []check{has("error.code", "BAD_REQUEST")}},
		{name: "not an object", method: "POST", path: "/admin/create-advancement-rule", body: "[]", status: 422},
		{name: "patch unknown rule", method: "PATCH", path: "/admin/rules/nope", body: `{"mode":"live"}`, status: 404},
		{name: "patch bad mode", method: "PATCH", path: "/admin/rules/" + ruleID, body: `{"mode":"loud"}`, status: 422, checks: []check{contains(`"mode"`)}},
		{name: "patch bad type", method: "PATCH", path: "/admin/rules/" + ruleID, body: `{"priority":"x"}`, status: 422},
		{name: "patch bad requirement", method: "PATCH", path: "/admin/rules/" + ruleID,
			body: `{"requirements":[{"interview_id":"your-interview-uuid","score_field_path":"x","operator":"in","threshold_value":" , "}]}`, status: 422,
			checks: []check{contains("comma-separated")}},
		{name: "patch no change keeps version", method: "PATCH", path: "/admin/rules/" + ruleID, body: `{"mode":"shadow"}`, status: 200,
			checks: []check{has("version", "1")}},
		{name: "patch priority", method: "PATCH", path: "/admin/rules/" + ruleID, body: `{"priority": 2, "name": "tech-screen"}`, status: 200,
			checks: []check{has("version", "2"), has("priority", "2"), has("name", "tech-screen")}},
		{name: "stats", method: "GET", path: "/admin/stats", status: 200,
			checks: []check{has("active_rules", "2"), has("pending_evaluations", "1"), has("total_executions_30d", "2"),
				has("dry_run_count", "1"), has("failed_count", "1"), has("success_count", "0"), has("rejected_count", "0"),
				has("recent_failures.0.failure_reason", "ashby said no"), has("counts_by_outcome.advance", "2"),
				has("counts_by_mode.shadow", "1"), has("counts_by_mode.live", "1"), has("reminders_30d.reminders_sent", "0")}},
		{name: "decisions", method: "GET", path: "/admin/decisions?mode=shadow&outcome=advance&rule_id=" + ruleID + "&since=24h&limit=5", status: 200,
			checks: []check{has("count", "1"), has("decisions.0.reasons.0.code", "requirement_passed"), has("decisions.0.status", "dry_run")}},
		{name: "decisions by status", method: "GET", path: "/admin/decisions?status=failed&since=2020-01-01", status: 200, checks: []check{has("count", "1")}},
		{name: "decisions bad filters", method: "GET", path: "/admin/decisions?outcome=maybe&mode=loud&status=x&since=yesterday&limit=0", status: 422,
			checks: []check{problems(5)}},
		{name: "webhooks failed", method: "GET", path: "/admin/webhooks?status=failed", status: 200,
			checks: []check{has("count", "1"), has("deliveries.0.delivery_id", "del-1")}},
		{name: "webhooks processed", method: "GET", path: "/admin/webhooks?status=processed", status: 200, checks: []check{has("count", "0")}},
		{name: "webhooks bad status", method: "GET", path: "/admin/webhooks?status=weird", status: 422},
		{name: "retry unknown delivery", method: "POST", path: "/admin/webhooks/nope/retry", status: 404},
		{name: "notifications", method: "GET", path: "/admin/notifications?execution_id=" + exec.ID, status: 200,
			checks: []check{has("count", "1"), has("notifications.0.text", "hello")}},
		{name: "notifications of another execution", method: "GET", path: "/admin/notifications?execution_id=other", status: 200, checks: []check{has("count", "0")}},
		{name: "notifications bad limit", method: "GET", path: "/admin/notifications?limit=x", status: 422},
		{name: "sync metadata without ashby", method: "POST", path: "/admin/sync-metadata", status: 503, checks: []check{has("error.code", "ASHBY_NOT_CONFIGURED")}},
		{name: "sync forms without ashby", method: "POST", path: "/admin/sync-forms", status: 503},
		{name: "sync interviews without ashby", method: "POST", path: "/admin/sync-interviews", status: 503},
		{name: "sync feedback without ashby", method: "POST", path: "/admin/sync-feedback", status: 503},
		{name: "sync slack users without slack", method: "POST", path: "/admin/sync-slack-users", status: 200,
			checks: []check{has("status", "completed"), has("message", "Slack users synced")}},
		{name: "jobs open only", method: "GET", path: "/admin/metadata/jobs", status: 200,
			checks: []check{has("jobs.0.id", "job-1"), has("jobs.1", "null")}},
		{name: "jobs all", method: "GET", path: "/admin/metadata/jobs?active_only=false", status: 200, checks: []check{has("jobs.1.id", "job-closed")}},
		{name: "job plans", method: "GET", path: "/admin/metadata/jobs/job-1/plans", status: 200,
			checks: []check{has("plans.0.id", "your-plan-uuid"), has("plans.0.is_default", "true")}},
		{name: "job plans unknown job", method: "GET", path: "/admin/metadata/jobs/nope/plans", status: 404},
		{name: "plans", method: "GET", path: "/admin/metadata/plans", status: 200, checks: []check{has("plans.0.title", "Engineering")}},
		{name: "plan stages", method: "GET", path: "/admin/metadata/plans/your-plan-uuid/stages", status: 200,
			checks: []check{has("stages.0.id", "your-stage-uuid"), has("stages.1.order", "2"), has("stages.0.type", "Active")}},
		{name: "plan stages unknown plan", method: "GET", path: "/admin/metadata/plans/nope/stages", status: 404},
		{name: "interviews", method: "GET", path: "/admin/metadata/interviews", status: 200,
			checks: []check{has("interviews.0.id", "your-interview-uuid"), has("interviews.0.feedback_form_id", "form-all-types"), has("interviews.1", "null")}},
		{name: "interviews of a job", method: "GET", path: "/admin/metadata/interviews?job_id=job-1", status: 200, checks: []check{has("interviews.0.job_id", "job-1")}},
		{name: "interviews unknown job", method: "GET", path: "/admin/metadata/interviews?job_id=nope", status: 404},
		{name: "archive reasons", method: "GET", path: "/admin/metadata/archive-reasons", status: 200, checks: []check{has("archive_reasons", "[]")}},
		{name: "form fields of the example form", method: "GET", path: "/admin/metadata/feedback-forms/form_def_123/fields", status: 200,
			checks: []check{has("fields.0.path", "overall_score"), has("fields.0.label", "Overall Score"), has("fields.0.type", "Score"),
				has("fields.0.options", "null"), has("fields.1", "null")}},
		{name: "form fields of a form without definition", method: "GET", path: "/admin/metadata/feedback-forms/6ba7b810-9dad-41d1-80b4-00c04fd430c8/fields", status: 200,
			checks: []check{has("fields", "[]")}},
		{name: "form fields of every type", method: "GET", path: "/admin/metadata/feedback-forms/form-all-types/fields", status: 200,
			checks: []check{has("fields.1.path", "recommendation"), has("fields.1.options.0.value", "strong_hire"),
				has("fields.2.type", "MultiValueSelect"), has("fields.2.label", "Skills shown"), has("fields.3.type", "Boolean"),
				has("fields.4.type", "Number"), has("fields.5", "null")}},
		{name: "form fields unknown form", method: "GET", path: "/admin/metadata/feedback-forms/nope/fields", status: 404},
		{name: "delete unknown rule", method: "DELETE", path: "/admin/rules/nope", status: 404,
			checks: []check{has("error.message", "Rule nope not found or already deleted")}},
		{name: "delete rule", method: "DELETE", path: "/admin/rules/" + ruleID, status: 200,
			checks: []check{has("status", "deleted"), has("rule_id", ruleID)}},
		{name: "delete rule twice", method: "DELETE", path: "/admin/rules/" + ruleID, status: 404},
		{name: "inactive rules are listed on request", method: "GET", path: "/admin/rules?active_only=false", status: 200, checks: []check{has("count", "2")}},
		{name: "reactivate", method: "PATCH", path: "/admin/rules/" + ruleID, body: `{"is_active": true}`, status: 200,
			checks: []check{has("is_active", "true"), has("version", "4")}},
	}
	// Sequential: later scenarios depend on earlier ones.
	for _, tt := range tests {
		res := e.do(t, tt.method, tt.path, "t", tt.body)
		if res.status != tt.status {
			t.Errorf("%s: %s %s = %d, want %d: %s", tt.name, tt.method, tt.path, res.status, tt.status, res.raw)
			continue
		}
		if res.status >= 400 && (get(res.body, "error.code") == nil || get(res.body, "error.request_id") == nil) {
			t.Errorf("%s: error without the envelope: %s", tt.name, res.raw)
		}
		for _, c := range tt.checks {
			t.Run(tt.name, func(t *testing.T) { c(t, res) })
		}
	}
}

func TestRetryWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, err := e.db.InsertDelivery(context.Background(), domain.Delivery{ID: "del-1", DedupeKey: "k1", Action: "interviewScheduleUpdate",
		Payload: []byte("{}"), Status: domain.DeliveryFailed, ReceivedAt: time.Now()})
	testkit.Must(t, err)
	res := e.do(t, "POST", "/admin/webhooks/del-1/retry", "t", "")
	if res.status != http.StatusAccepted || res.body["status"] != "queued" {
		t.Fatalf("retry: %d %s", res.status, res.raw)
	}
	d, err := e.db.GetDelivery(context.Background(), "del-1")
	testkit.Must(t, err)
	if d.Status != domain.DeliveryPending {
		t.Errorf("delivery status %q after retry, want pending", d.Status)
	}
}

// TestPatchModeTakesEffect: switching a rule to live through PATCH is seen by
// the next evaluation, with no restart.
func TestPatchModeTakesEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := createGuideRule(t, e)
	now := time.Now()
	testkit.Must(t, e.db.UpsertSchedule(context.Background(), domain.Schedule{ID: "sched-1", ApplicationID: "app-1",
		InterviewPlanID: "your-plan-uuid", InterviewStageID: "your-stage-uuid", Status: "Complete",
		CreatedAt: now, UpdatedAt: now, Events: []domain.Event{{ID: "ev-1", ScheduleID: "sched-1",
			InterviewID: "your-interview-uuid", StartTime: now.Add(-2 * time.Hour), EndTime: now.Add(-time.Hour),
			CreatedAt: now, UpdatedAt: now, Interviewers: []domain.Assignment{{EventID: "ev-1", InterviewerID: "u-1",
				IsEnabled: true, IsFeedbackRequired: true}}}}}))
	eval := func() (string, string) {
		res := e.do(t, "POST", "/admin/trigger-advancement-evaluation?dry_run=true&schedule_id=sched-1", "t", "")
		if res.status != 200 {
			t.Fatalf("evaluate: %d %s", res.status, res.raw)
		}
		return str(get(res.body, "evaluation.decision.mode")), str(get(res.body, "evaluation.decision.rule_version"))
	}
	if mode, v := eval(); mode != "shadow" || v != "1" {
		t.Fatalf("before: mode %s version %s", mode, v)
	}
	res := e.do(t, "PATCH", "/admin/rules/"+id, "t", `{"mode":"live"}`)
	if res.status != 200 || res.body["mode"] != "live" || str(res.body["version"]) != "2" {
		t.Fatalf("patch: %d %s", res.status, res.raw)
	}
	got, err := e.db.GetRule(context.Background(), id)
	testkit.Must(t, err)
	if got.Mode != domain.ModeLive || got.Version != 2 {
		t.Fatalf("stored rule: mode %s version %d", got.Mode, got.Version)
	}
	if mode, v := eval(); mode != "live" || v != "2" {
		t.Errorf("after patch: mode %s version %s, want live 2", mode, v)
	}
}

func TestSyncRoutesAgainstAshby(t *testing.T) {
	t.Parallel()
	sim := httptest.NewServer(ashbysim.New(ashbysim.Options{}))
	defer sim.Close()
	ok := newEnv(t, &ashby.Options{BaseURL: sim.URL, APIKey: ashbysim.DefaultAPIKey, MaxAttempts: 1})
	for path, msg := range map[string]string{
		"/admin/sync-metadata": "Metadata synced (jobs, plans, stages)", "/admin/sync-forms": "Feedback forms synced",
		"/admin/sync-interviews": "Interviews synced", "/admin/sync-feedback": "Feedback synced",
	} {
		res := ok.do(t, "POST", path, "t", "")
		if res.status != 200 || res.body["status"] != "completed" || res.body["message"] != msg {
			t.Errorf("%s: %d %s", path, res.status, res.raw)
		}
	}

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"success":false,"errorInfo":{"code":"internal_error","message":"boom"}}`)
	}))
	defer down.Close()
	bad := newEnv(t, &ashby.Options{BaseURL: down.URL, APIKey: "k", MaxAttempts: 1})
	for _, path := range []string{"/admin/sync-metadata", "/admin/sync-forms", "/admin/sync-interviews", "/admin/sync-feedback"} {
		res := bad.do(t, "POST", path, "t", "")
		if res.status != http.StatusBadGateway || get(res.body, "error.code") != "EXTERNAL_SERVICE_ERROR" || get(res.body, "error.details.service") != "ashby" {
			t.Errorf("%s with Ashby failing: %d %s", path, res.status, res.raw)
		}
	}
}

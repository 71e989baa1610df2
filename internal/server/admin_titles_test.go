package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestAdminRulesByTitle creates and patches rules naming the job, stage and
// interview by title. A second job has its own plan with a "Tech Screen"
// stage and its own "Technical Interview"; each title resolves within the
// rule's job, and a title twice inside one job is a 422 listing the ids.
func TestAdminRulesByTitle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	testkit.Must(t, e.db.UpsertPlan(ctx, domain.Plan{ID: "fe-plan", Title: "Frontend"}, at))
	testkit.Must(t, e.db.UpsertStages(ctx, "fe-plan", []domain.Stage{{ID: "fe-screen", Title: "Tech Screen", Type: "Active", Order: 1}}, at))
	testkit.Must(t, e.db.UpsertJob(ctx, domain.Job{ID: "job-fe", Title: "Frontend Engineer", Status: "Open", PlanIDs: []string{"fe-plan"}}, at))
	testkit.Must(t, e.db.UpsertInterview(ctx, domain.Interview{ID: "fe-tech", Title: "Technical Interview", JobID: "job-fe"}, at))
	testkit.Must(t, e.db.UpsertInterview(ctx, domain.Interview{ID: "fe-culture-1", Title: "Culture", JobID: "job-fe"}, at))
	testkit.Must(t, e.db.UpsertInterview(ctx, domain.Interview{ID: "fe-culture-2", Title: "Culture", JobID: "job-fe"}, at))

	rule := func(name, job, interview string) string {
		return `{"name": "` + name + `", "job": "` + job + `", "interview_stage": "Tech Screen",
  "requirements": [{"interview": "` + interview + `", "score_field_path": "overall_score", "operator": ">=", "threshold_value": "3"}]}`
	}
	for _, c := range []struct{ name, job, jobID, plan, stage, iv string }{
		{"be", "Backend Engineer", "job-1", "your-plan-uuid", "your-stage-uuid", "your-interview-uuid"},
		{"fe", "Frontend Engineer", "job-fe", "fe-plan", "fe-screen", "fe-tech"},
	} {
		res := e.do(t, "POST", "/admin/create-advancement-rule", "t", rule(c.name, c.job, "Technical Interview"))
		if res.status != 200 {
			t.Fatalf("create %s by title: %d %s", c.name, res.status, res.raw)
		}
		id := str(get(res.body, "rule_id"))
		if got := str(get(res.body, "job_id")) + " " + str(get(res.body, "interview_plan_id")) + " " + str(get(res.body, "interview_stage_id")); got != c.jobID+" "+c.plan+" "+c.stage {
			t.Errorf("rule %s scope = %q", c.name, got)
		}
		stored, err := e.db.GetRule(ctx, id)
		testkit.Must(t, err)
		if stored.Requirements[0].InterviewID != c.iv || stored.InterviewPlanID != c.plan || stored.InterviewStageID != c.stage {
			t.Errorf("rule %s stored as %+v", c.name, stored)
		}
		if c.name == "be" {
			// PATCH by title, within the rule's job.
			res := e.do(t, "PATCH", "/admin/rules/"+id, "t", `{"interview_stage": "Onsite"}`)
			if res.status != 200 || str(get(res.body, "interview_stage_id")) != "onsite-stage" {
				t.Errorf("PATCH interview_stage by title: %d %s", res.status, res.raw)
			}
		}
	}
	res := e.do(t, "POST", "/admin/create-advancement-rule", "t", strings.Replace(rule("fe-culture", "Frontend Engineer", "Culture"),
		`"Tech Screen"`, `"fe-screen", "priority": 1`, 1))
	if res.status != 422 || !strings.Contains(res.raw, `"loc":["body","requirements",0,"interview"]`) ||
		!strings.Contains(res.raw, `2 interviews of job \"Frontend Engineer\" are titled \"Culture\"`) ||
		!strings.Contains(res.raw, "fe-culture-1") || !strings.Contains(res.raw, "fe-culture-2") {
		t.Errorf("ambiguous title in one job: %d %s", res.status, res.raw)
	}
	// The seed's id fields, with the plan left to the job's only plan.
	res = e.do(t, "POST", "/admin/create-advancement-rule", "t", `{"name": "ids", "job_id": "job-fe", "interview_stage_id": "fe-screen", "priority": 2,
  "requirements": [{"interview_id": "fe-tech", "score_field_path": "overall_score", "operator": ">=", "threshold_value": "4"}]}`)
	if res.status != 409 || !strings.Contains(res.raw, "already exists") {
		// fe's scope is taken by rule "fe": reaching the clash means the plan was found.
		t.Errorf("ids without a plan: %d %s", res.status, res.raw)
	}
	res = e.do(t, "POST", "/admin/create-advancement-rule", "t", strings.Replace(rule("both", "Backend Engineer", "x"), `"job": `, `"job_id": "job-1", "job": `, 1))
	if res.status != 422 || !strings.Contains(res.raw, "not both") {
		t.Errorf("job and job_id: %d %s", res.status, res.raw)
	}
}

package rules_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// seedWorkspace is a workspace as Ashby has it: two jobs, each with its own
// plan (both with a "Phone Screen" stage) and its own "Panel Interview";
// the backend job has two interviews titled "Culture Fit".
func seedWorkspace(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, j := range []struct{ job, plan, title string }{{"job-be", "plan-be", "Backend Engineer"}, {"job-fe", "plan-fe", "Frontend Engineer"}} {
		testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: j.plan, Title: j.title + " Plan"}, at))
		testkit.Must(t, db.UpsertStages(ctx, j.plan, []domain.Stage{
			{ID: j.plan + "-screen", Title: "Phone Screen", Type: "Active", Order: 1},
			{ID: j.plan + "-onsite", Title: "Onsite", Type: "Active", Order: 2},
		}, at))
		testkit.Must(t, db.UpsertJob(ctx, domain.Job{ID: j.job, Title: j.title, Status: "Open", PlanIDs: []string{j.plan}}, at))
		testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: j.job + "-panel", Title: "Panel Interview", JobID: j.job, FormID: "form-panel"}, at))
	}
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "job-be-cf1", Title: "Culture Fit", JobID: "job-be"}, at))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "job-be-cf2", Title: "Culture Fit", JobID: "job-be"}, at))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "job-fe-cf", Title: "Culture Fit", JobID: "job-fe"}, at))
	testkit.Must(t, db.UpsertForm(ctx, domain.Form{ID: "form-panel", Title: "Panel scorecard", Definition: []byte(`{"formDefinition":{"sections":[{"title":"Scores","fields":[
		{"isRequired":true,"field":{"type":"Score","path":"overall_score","title":"Overall score"}},
		{"isRequired":false,"field":{"type":"RichText","path":"notes","title":"Notes"}},
		{"isRequired":true,"field":{"type":"ValueSelect","path":"recommendation","title":"Recommendation","selectableValues":[{"label":"Hire","value":"hire"},{"label":"No hire","value":"no_hire"}]}}]}]}}`)}, at))
}

// byTitle names job, stage and interview by title only; both jobs have an
// interview titled "Panel Interview" and a stage titled "Phone Screen".
const byTitle = `rules:
  - name: backend-screen
    job: Backend Engineer
    interview_stage: Phone Screen
    requirements:
      - interview: Panel Interview
        score_field_path: overall_score
        operator: ">="
        threshold_value: 3
  - name: frontend-screen
    job: Frontend Engineer
    interview_stage: Phone Screen
    requirements:
      - interview: Panel Interview
        score_field_path: overall_score
        operator: ">="
        threshold_value: 3
`

func TestRulesByTitleApplyExportReapply(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		svc := rules.New(rules.Options{Store: db})
		if _, err := svc.Apply(ctx, cli, parse(t, byTitle), rules.ApplyOptions{}); err != nil {
			t.Fatalf("apply by title: %v", err)
		}
		rs, err := db.ListRules(ctx, true)
		testkit.Must(t, err)
		got := map[string]string{}
		for _, r := range rs {
			got[r.Name] = r.JobID + " " + r.InterviewPlanID + " " + r.InterviewStageID + " " + r.Requirements[0].InterviewID
		}
		want := map[string]string{
			"backend-screen":  "job-be plan-be plan-be-screen job-be-panel",
			"frontend-screen": "job-fe plan-fe plan-fe-screen job-fe-panel",
		}
		for n, w := range want {
			if got[n] != w {
				t.Errorf("rule %s resolved to %q, want %q", n, got[n], w)
			}
		}

		doc, err := rules.Export(ctx, db)
		testkit.Must(t, err)
		out, err := doc.YAML()
		testkit.Must(t, err)
		text := string(out)
		for _, w := range []string{
			"job: Backend Engineer # id job-be", "interview_stage: Phone Screen # id plan-be-screen",
			"interview: Panel Interview # id job-be-panel", "interview: Panel Interview # id job-fe-panel",
			"interview_plan: Frontend Engineer Plan # id plan-fe",
		} {
			if !strings.Contains(text, w) {
				t.Errorf("export lacks %q:\n%s", w, text)
			}
		}
		plan, err := svc.Apply(ctx, cli, parse(t, text), rules.ApplyOptions{DryRun: true})
		testkit.Must(t, err)
		if !plan.Empty() || len(plan.Kept) != 0 {
			var b bytes.Buffer
			_ = plan.Write(&b)
			t.Fatalf("re-applying the export changes something:\n%s", b.String())
		}
	})
}

func TestRulesTitleAmbiguousInsideScope(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		seedWorkspace(t, db)
		svc := rules.New(rules.Options{Store: db})
		doc := strings.ReplaceAll(byTitle, "Panel Interview", "Culture Fit")
		_, err := svc.Apply(context.Background(), cli, parse(t, doc), rules.ApplyOptions{})
		var ve *rules.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("want a validation error, got %v", err)
		}
		// Only the backend job has two: the frontend rule resolves.
		if len(ve.Problems) != 1 {
			t.Fatalf("problems = %v", ve.Problems)
		}
		for _, w := range []string{"rules[0].requirements[0].interview", `2 interviews of job "Backend Engineer" are titled "Culture Fit"`, "job-be-cf1", "job-be-cf2"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error lacks %q:\n%v", w, err)
			}
		}
	})
}

func TestApplyWithoutPruneLeavesOtherRules(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		svc := rules.New(rules.Options{Store: db})
		_, err := svc.Apply(ctx, cli, parse(t, byTitle), rules.ApplyOptions{})
		testkit.Must(t, err)
		before := versions(t, db)
		one := strings.Replace(byTitle[:strings.Index(byTitle, "  - name: frontend-screen")], "threshold_value: 3", "threshold_value: 4", 1)
		_, err = svc.Apply(ctx, cli, parse(t, one), rules.ApplyOptions{})
		testkit.Must(t, err)
		after := versions(t, db)
		if after["frontend-screen"] != before["frontend-screen"] || after["frontend-screen"] != "shadow/v/active" {
			t.Errorf("frontend-screen was %s, is %s after applying a file without it", before["frontend-screen"], after["frontend-screen"])
		}
		if after["backend-screen"] != "shadow/vv/active" {
			t.Errorf("backend-screen = %s, want updated once", after["backend-screen"])
		}
	})
}

func TestApplyPruneDeactivatesOnlyWhatWasConfirmed(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		svc := rules.New(rules.Options{Store: db})
		_, err := svc.Apply(ctx, cli, parse(t, byTitle), rules.ApplyOptions{})
		testkit.Must(t, err)
		one := parse(t, byTitle[:strings.Index(byTitle, "  - name: frontend-screen")])
		preview, err := svc.Apply(ctx, cli, one, rules.ApplyOptions{DryRun: true})
		testkit.Must(t, err)
		if len(preview.Kept) != 1 || preview.Kept[0].Name != "frontend-screen" || !preview.Empty() {
			t.Fatalf("preview without prune = %+v", preview)
		}
		pruned, err := svc.Apply(ctx, cli, one, rules.ApplyOptions{DryRun: true, Prune: true})
		testkit.Must(t, err)
		if d := pruned.Deactivations(); len(d) != 1 || d[0].Name != "frontend-screen" {
			t.Fatalf("prune preview = %+v", pruned)
		}
		// Confirmed a different set: refused, nothing written.
		_, err = svc.Apply(ctx, cli, one, rules.ApplyOptions{Prune: true, Confirmed: []string{}})
		if !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("prune of an unconfirmed rule: %v", err)
		}
		if v := versions(t, db)["frontend-screen"]; v != "shadow/v/active" {
			t.Fatalf("refused prune changed frontend-screen: %s", v)
		}
		_, err = svc.Apply(ctx, cli, one, rules.ApplyOptions{Prune: true, Confirmed: []string{pruned.Deactivations()[0].RuleID}})
		testkit.Must(t, err)
		if v := versions(t, db)["frontend-screen"]; v != "shadow/vv/inactive" {
			t.Fatalf("pruned frontend-screen = %s", v)
		}
	})
}

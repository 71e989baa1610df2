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

func seed(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: "plan-eng", Title: "Engineering"}, at))
	testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: "plan-sales", Title: "Sales"}, at))
	testkit.Must(t, db.UpsertStages(ctx, "plan-eng", []domain.Stage{
		{ID: "st-screen", Title: "Tech Screen", Type: "Active", Order: 1},
		{ID: "st-onsite", Title: "Onsite", Type: "Active", Order: 2},
		{ID: "st-offer", Title: "Offer", Type: "Offer", Order: 3},
	}, at))
	testkit.Must(t, db.UpsertStages(ctx, "plan-sales", []domain.Stage{{ID: "st-call", Title: "Call", Order: 1}}, at))
	testkit.Must(t, db.UpsertJob(ctx, domain.Job{ID: "job-be", Title: "Backend Engineer", Status: "Open", PlanIDs: []string{"plan-eng"}}, at))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "iv-tech", Title: "Technical Interview"}, at))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "iv-sd", Title: "System Design"}, at))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "iv-dup1", Title: "Culture"}, at))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "iv-dup2", Title: "Culture"}, at))
}

const file = `
rules:
  - name: tech-screen
    interview_plan: Engineering
    interview_stage: Tech Screen
    requirements:
      - interview: Technical Interview
        score_field_path: overall_score
        operator: ">="
        threshold_value: 3
  - name: backend-onsite
    job: Backend Engineer
    interview_plan: plan-eng
    interview_stage: Onsite
    target_stage: Offer
    mode: live
    on_reject: archive
    priority: 2
    timeout_days: 5
    requirements:
      - interview: iv-sd
        score_field_path: scores.design
        operator: ">="
        threshold_value: "3.5"
        aggregate: avg
      - interview: Technical Interview
        score_field_path: recommendation
        operator: in
        threshold_value: "hire, strong_hire"
        aggregate: count >= 2
        is_required: false
`

// cli is the actor of the tests' applies.
var cli = rules.Actor{Name: "ci", Source: domain.SourceCLI}

func parse(t *testing.T, s string) rules.Document {
	t.Helper()
	doc, err := rules.Parse(strings.NewReader(s))
	testkit.Must(t, err)
	return doc
}

func apply(t *testing.T, db *store.DB, doc rules.Document, dry bool) rules.Plan {
	t.Helper()
	plan, err := rules.New(rules.Options{Store: db}).Apply(context.Background(), cli, doc, rules.ApplyOptions{DryRun: dry, Prune: true})
	testkit.Must(t, err)
	return plan
}

func versions(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	rs, err := db.ListRules(context.Background(), false)
	testkit.Must(t, err)
	out := map[string]string{}
	for _, r := range rs {
		out[rules.RuleName(r)] = r.Mode + "/" + strings.Repeat("v", r.Version) + "/" + map[bool]string{true: "active", false: "inactive"}[r.Active]
	}
	return out
}

func TestApplyTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		doc := parse(t, file)
		first := apply(t, db, doc, false)
		if len(first.Changes) != 2 || first.Changes[0].Action != rules.ActionCreate {
			t.Fatalf("first apply: %+v", first.Changes)
		}
		before := versions(t, db)
		if before["tech-screen"] != "shadow/v/active" || before["backend-onsite"] != "live/v/active" {
			t.Fatalf("after first apply: %v", before)
		}
		got, err := db.ListRules(context.Background(), true)
		testkit.Must(t, err)
		for _, r := range got {
			if r.Name == "backend-onsite" {
				if r.JobID != "job-be" || r.TargetStageID != "st-offer" || r.Requirements[1].Aggregate != "count>=2" ||
					r.Requirements[1].InterviewID != "iv-tech" || r.Requirements[1].Required || r.OnReject != "archive" {
					t.Errorf("resolved rule: %+v", r)
				}
			}
		}
		if second := apply(t, db, doc, false); !second.Empty() {
			t.Errorf("second apply changed %+v", second.Changes)
		}
		if after := versions(t, db); !equal(before, after) {
			t.Errorf("versions moved: %v -> %v", before, after)
		}
	})
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestExportThenApplyIsNoOp(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		ctx := context.Background()
		apply(t, db, parse(t, file), false)
		// A rule created through the API without a name is exported under its
		// derived name and still matches.
		_, err := db.CreateRule(ctx, domain.Rule{InterviewPlanID: "plan-sales", InterviewStageID: "st-call", Active: true,
			Requirements: []domain.Requirement{{InterviewID: "iv-sd", FieldPath: "x", Operator: "==", Threshold: "yes", Required: true}}})
		testkit.Must(t, err)
		before := versions(t, db)
		doc, err := rules.Export(ctx, db)
		testkit.Must(t, err)
		out, err := doc.YAML()
		testkit.Must(t, err)
		if plan := apply(t, db, parse(t, string(out)), false); !plan.Empty() {
			t.Errorf("applying the export changed %+v\n%s", plan.Changes, out)
		}
		if after := versions(t, db); !equal(before, after) {
			t.Errorf("versions moved: %v -> %v", before, after)
		}
	})
}

func TestDiffShowsExactlyWhatChanges(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		ctx := context.Background()
		apply(t, db, parse(t, file), false)
		stray, err := db.CreateRule(ctx, domain.Rule{Name: "stray", InterviewPlanID: "plan-sales", InterviewStageID: "st-call", Active: true,
			Requirements: []domain.Requirement{{InterviewID: "iv-sd", FieldPath: "x", Operator: ">", Threshold: "1", Required: true}}})
		testkit.Must(t, err)
		edited := strings.Replace(file, "threshold_value: 3\n", "threshold_value: 4\n", 1)
		edited = strings.Replace(edited, "  - name: tech-screen\n", "  - name: tech-screen\n    mode: live\n", 1)
		edited += `  - name: sales-call
    interview_plan: Sales
    interview_stage: Call
    requirements:
      - interview: System Design
        score_field_path: overall_score
        operator: ">="
        threshold_value: 2
`
		before := versions(t, db)
		plan := apply(t, db, parse(t, edited), true)
		var buf bytes.Buffer
		testkit.Must(t, plan.Write(&buf))
		text := buf.String()
		for _, want := range []string{
			`- deactivate rule "stray" (` + stray.ID + `)`,
			`~ update rule "tech-screen"`,
			`    mode: shadow -> live`,
			`    requirements[0].threshold_value: "3" -> "4"`,
			`+ create rule "sales-call"`,
			`1 to create, 1 to update, 1 to deactivate`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("diff lacks %q:\n%s", want, text)
			}
		}
		if n := strings.Count(text, " -> "); n != 3 { // two fields of tech-screen, stray's active flag
			t.Errorf("diff shows %d changed fields, want 3:\n%s", n, text)
		}
		if after := versions(t, db); !equal(before, after) {
			t.Errorf("--diff wrote: %v -> %v", before, after)
		}
		done := apply(t, db, parse(t, edited), false)
		if len(done.Changes) != 3 {
			t.Errorf("apply did %d changes, want 3", len(done.Changes))
		}
		after := versions(t, db)
		if after["tech-screen"] != "live/vv/active" || after["stray"] != "shadow/vv/inactive" || after["sales-call"] != "shadow/v/active" ||
			after["backend-onsite"] != "live/v/active" {
			t.Errorf("after apply: %v", after)
		}
		if again := apply(t, db, parse(t, edited), true); !again.Empty() {
			t.Errorf("diff after apply: %+v", again.Changes)
		}
	})
}

func TestApplyRefusesInvalidFiles(t *testing.T) {
	t.Parallel()
	db, _ := testkit.OpenSQLite(t)
	seed(t, db)
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{name: "ambiguous title", doc: `
rules:
  - name: a
    interview_plan: Engineering
    interview_stage: Tech Screen
    requirements: [{interview: Culture, score_field_path: x, operator: ">=", threshold_value: 1}]
`, want: []string{"rules[0].requirements[0].interview", `2 interviews shared by all jobs are titled "Culture"`, "iv-dup1", "iv-dup2"}},
		{name: "unknown names and bad values", doc: `
rules:
  - name: a
    interview_plan: Marketing
    interview_stage: Tech Screen
    requirements: [{interview: Technical Interview, score_field_path: x, operator: "=~", threshold_value: 1}]
  - name: a
    interview_plan: Engineering
    interview_stage: Nope
    mode: loud
    requirements: [{interview: iv-tech, score_field_path: x, operator: ">=", threshold_value: high, aggregate: median}]
`, want: []string{"rules[0].interview_plan", "Marketing", "rules[0].requirements[0].operator", "rules[1].name",
			"rules[1].interview_stage", "rules[1].mode", "rules[1].requirements[0].threshold_value", "rules[1].requirements[0].aggregate"}},
		{name: "stage of another plan and same scope twice", doc: `
rules:
  - name: a
    interview_plan: Engineering
    interview_stage: Tech Screen
    target_stage: st-call
    requirements: [{interview: iv-tech, score_field_path: x, operator: "==", threshold_value: "yes"}]
  - name: b
    interview_plan: Engineering
    interview_stage: st-screen
    requirements: []
`, want: []string{"rules[0].target_stage", "rules[1].interview_stage: rules[0] has the same", "rules[1].requirements: a rule needs at least one"}},
		{name: "missing name", doc: `
rules:
  - interview_plan: Engineering
    interview_stage: Tech Screen
    requirements: [{interview: iv-tech, score_field_path: x, operator: "==", threshold_value: "yes"}]
`, want: []string{"rules[0].name: every rule needs a unique name"}},
		{name: "durations beyond a year and an unknown archive reason", doc: `
rules:
  - name: a
    interview_plan: Engineering
    interview_stage: Tech Screen
    min_wait_minutes: 1000000000000
    timeout_days: 1000000000
    archive_reason_id: no-such-reason
    requirements: [{interview: iv-tech, score_field_path: x, operator: "==", threshold_value: "yes"}]
`, want: []string{"rules[0].min_wait_minutes: min_wait_minutes must be at most 525600 (365 days)",
			"rules[0].timeout_days: timeout_days must be at most 365", "rules[0].archive_reason_id: archive reason no-such-reason does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.New(rules.Options{Store: db}).Apply(context.Background(), cli, parse(t, tt.doc), rules.ApplyOptions{})
			var ve *rules.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("want a validation error, got %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	rs, err := db.ListRules(context.Background(), false)
	testkit.Must(t, err)
	if len(rs) != 0 {
		t.Errorf("an invalid file wrote %d rules", len(rs))
	}
	if _, err := rules.Parse(strings.NewReader("rules:\n  - name: a\n    treshold: 3\n")); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("unknown field: %v", err)
	}
}

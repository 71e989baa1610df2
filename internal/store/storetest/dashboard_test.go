package storetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var dashT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// seedDashboard writes metadata, three schedules (pending with a due time,
// pending never evaluated, decided) and one cancelled one.
func seedDashboard(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	testkit.Must(t, db.UpsertJob(ctx, domain.Job{ID: "job1", Title: "Backend Engineer", PlanIDs: []string{"plan1"}}, dashT0))
	testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: "plan1", Title: "Engineering plan"}, dashT0))
	testkit.Must(t, db.UpsertStages(ctx, "plan1", []domain.Stage{
		{ID: "st1", PlanID: "plan1", Title: "Technical Screen", Order: 1},
		{ID: "st2", PlanID: "plan1", Title: "Onsite", Order: 2},
	}, dashT0))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "iv1", Title: "Coding", JobID: "job1"}, dashT0))
	testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "app1", CandidateID: "cand1", JobID: "job1",
		CandidateName: "Ada Lovelace", UpdatedAt: dashT0}))
	event := func(id string) []domain.Event {
		return []domain.Event{{ID: "ev-" + id, InterviewID: "iv1", StartTime: dashT0, EndTime: dashT0.Add(time.Hour),
			Interviewers: []domain.Assignment{
				{InterviewerID: "u1", FirstName: "Grace", LastName: "Hopper", IsEnabled: true, IsFeedbackRequired: true},
				{InterviewerID: "u2", FirstName: "Alan", LastName: "Turing", IsEnabled: true, IsFeedbackRequired: true},
			}}}
	}
	for _, s := range []domain.Schedule{
		{ID: "s-due", ApplicationID: "app1", CandidateID: "cand1", InterviewStageID: "st1", InterviewPlanID: "plan1",
			JobID: "job1", Status: domain.StatusWaitingOnFeedback, Events: event("due"), UpdatedAt: dashT0},
		{ID: "s-new", ApplicationID: "app2", CandidateID: "cand2", InterviewStageID: "st1", InterviewPlanID: "plan1",
			Status: domain.StatusScheduled, Events: event("new"), UpdatedAt: dashT0.Add(time.Minute)},
		{ID: "s-done", ApplicationID: "app3", InterviewStageID: "st1", InterviewPlanID: "plan1",
			Status: domain.StatusComplete, Events: event("done"), UpdatedAt: dashT0},
		{ID: "s-cancelled", ApplicationID: "app4", InterviewStageID: "st1", InterviewPlanID: "plan1",
			Status: domain.StatusCancelled, Events: event("cancelled"), UpdatedAt: dashT0},
	} {
		testkit.Must(t, db.UpsertSchedule(ctx, s))
	}
	due := dashT0.Add(2 * time.Hour)
	testkit.Must(t, db.RecordEvaluation(ctx, store.EvaluationStamp{ScheduleID: "s-due", Outcome: domain.OutcomeWait,
		Summary: "wait: 1 of 2", DueAt: &due, At: dashT0}))
	testkit.Must(t, db.RecordEvaluation(ctx, store.EvaluationStamp{ScheduleID: "s-done", Outcome: domain.OutcomeAdvance,
		Summary: "advance", At: dashT0}))
	_, err := db.UpsertFeedback(ctx, domain.Feedback{ID: "fb1", ApplicationID: "app1", EventID: "ev-due", InterviewerID: "u1",
		InterviewID: "iv1", SubmittedAt: dashT0.Add(90 * time.Minute), Values: json.RawMessage(`{"score":4}`)})
	testkit.Must(t, err)
}

func TestDashboardPendingSchedules(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		seedDashboard(t, db)
		got, err := db.ListPendingSchedules(context.Background(), 0)
		testkit.Must(t, err)
		var ids []string
		for _, p := range got.Schedules {
			ids = append(ids, p.Schedule.ID)
		}
		if len(ids) != 2 || ids[0] != "s-due" || ids[1] != "s-new" {
			t.Fatalf("pending schedules = %v, want [s-due s-new] (due first; decided and cancelled left out)", ids)
		}
		p := got.Schedules[0]
		if p.CandidateName != "Ada Lovelace" || p.JobTitle != "Backend Engineer" || p.StageTitle != "Technical Screen" {
			t.Errorf("names = %q %q %q", p.CandidateName, p.JobTitle, p.StageTitle)
		}
		if p.Schedule.DueAt == nil || !p.Schedule.DueAt.Equal(dashT0.Add(2*time.Hour)) {
			t.Errorf("due_at = %v", p.Schedule.DueAt)
		}
		if len(p.Schedule.Events) != 1 || len(p.Schedule.Events[0].Interviewers) != 2 {
			t.Fatalf("events not loaded: %+v", p.Schedule.Events)
		}
		if len(p.Feedback) != 1 || p.Feedback[0].InterviewerID != "u1" || len(p.Feedback[0].Values) != 0 {
			t.Errorf("feedback = %+v, want fb1 without values", p.Feedback)
		}
		if n := got.Schedules[1]; n.CandidateName != "" || n.JobTitle != "" || len(n.Feedback) != 0 {
			t.Errorf("uncached names should be empty: %+v", n)
		}
		if got.InterviewTitles["iv1"] != "Coding" {
			t.Errorf("interview titles = %v", got.InterviewTitles)
		}
	})
}

func TestDashboardDecisionsAndRules(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedDashboard(t, db)
		rule, err := db.CreateRule(ctx, domain.Rule{Name: "Screen 3+", JobID: "job1", InterviewPlanID: "plan1",
			InterviewStageID: "st1", TargetStageID: "st2", Active: true, CreatedAt: dashT0,
			Requirements: []domain.Requirement{{InterviewID: "iv1", FieldPath: "score", Operator: ">=", Threshold: "3"}}})
		testkit.Must(t, err)
		reasons, _ := json.Marshal(domain.Decision{Outcome: domain.OutcomeAdvance, Reasons: []domain.Reason{{Code: "x", Message: "ok"}}})
		insert := func(id, app, outcome, mode string, at time.Time) {
			t.Helper()
			_, err := db.InsertExecution(ctx, domain.Execution{ID: id, ScheduleID: "s-due", ApplicationID: app, RuleID: rule.ID,
				RuleVersion: 1, Mode: mode, Outcome: outcome, Status: domain.ExecDryRun, FromStageID: "st1", ToStageID: "st2",
				Summary: outcome + " 100%_sure", Reasons: reasons, ExecutedAt: at}, "")
			testkit.Must(t, err)
		}
		insert("e1", "app1", domain.OutcomeAdvance, domain.ModeShadow, dashT0)
		insert("e2", "app1", domain.OutcomeReject, domain.ModeShadow, dashT0.Add(time.Minute))
		insert("e3", "app2", domain.OutcomeAdvance, domain.ModeLive, dashT0.Add(2*time.Minute))
		testkit.Must(t, db.SaveReview(ctx, domain.Review{ExecutionID: "e1", RuleID: rule.ID, Verdict: domain.VerdictAgree, CreatedAt: dashT0}))
		testkit.Must(t, db.SaveReview(ctx, domain.Review{ExecutionID: "e2", RuleID: rule.ID, Verdict: domain.VerdictDisagree,
			Note: "too strict", CreatedAt: dashT0}))
		_, err = db.InsertNotification(ctx, domain.Notification{ExecutionID: "e2", Kind: "reject", Status: domain.NotificationFailed,
			Error: "channel_not_found", CreatedAt: dashT0})
		testkit.Must(t, err)

		tests := []struct {
			name string
			f    store.DecisionFilter
			want []string
		}{
			{name: "all newest first", want: []string{"e3", "e2", "e1"}},
			{name: "outcome", f: store.DecisionFilter{Outcome: domain.OutcomeAdvance}, want: []string{"e3", "e1"}},
			{name: "mode", f: store.DecisionFilter{Mode: domain.ModeShadow}, want: []string{"e2", "e1"}},
			{name: "rule", f: store.DecisionFilter{RuleID: rule.ID, Mode: domain.ModeLive}, want: []string{"e3"}},
			{name: "text candidate case-insensitive", f: store.DecisionFilter{Text: "ADA"}, want: []string{"e2", "e1"}},
			{name: "text rule name", f: store.DecisionFilter{Text: "screen 3"}, want: []string{"e3", "e2", "e1"}},
			{name: "text wildcard escaped", f: store.DecisionFilter{Text: "0%_s"}, want: []string{"e3", "e2", "e1"}},
			{name: "text wildcard literal", f: store.DecisionFilter{Text: "1_0"}, want: nil},
			{name: "limit", f: store.DecisionFilter{Limit: 1}, want: []string{"e3"}},
		}
		for _, tt := range tests {
			got, err := db.ListDecisions(ctx, tt.f)
			testkit.Must(t, err)
			var ids []string
			for _, d := range got {
				ids = append(ids, d.Execution.ID)
			}
			if len(ids) != len(tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, ids, tt.want)
				continue
			}
			for i := range ids {
				if ids[i] != tt.want[i] {
					t.Errorf("%s: got %v, want %v", tt.name, ids, tt.want)
					break
				}
			}
		}

		d, err := db.GetDecisionDetail(ctx, "e2")
		testkit.Must(t, err)
		r := d.Row
		if r.CandidateName != "Ada Lovelace" || r.JobTitle != "Backend Engineer" || r.StageTitle != "Technical Screen" ||
			r.ToStageTitle != "Onsite" || r.RuleName != "Screen 3+" || r.Verdict != domain.VerdictDisagree || r.ReviewNote != "too strict" {
			t.Errorf("detail row = %+v", r)
		}
		if len(r.Execution.Reasons) == 0 {
			t.Error("evaluation_results not loaded")
		}
		if len(d.Notifications) != 1 || d.Notifications[0].Error != "channel_not_found" {
			t.Errorf("notifications = %+v", d.Notifications)
		}
		if d.InterviewerNames["u1"] != "Grace Hopper" || d.InterviewTitles["iv1"] != "Coding" {
			t.Errorf("names = %v %v", d.InterviewerNames, d.InterviewTitles)
		}
		if _, err := db.GetDecisionDetail(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("missing decision: err = %v, want ErrNotFound", err)
		}

		failed, err := db.ListFailedNotifications(ctx, 10)
		testkit.Must(t, err)
		if len(failed) != 1 || failed[0].ExecutionID != "e2" {
			t.Errorf("failed notifications = %+v", failed)
		}

		over, err := db.ListRuleOverview(ctx)
		testkit.Must(t, err)
		if len(over) != 1 {
			t.Fatalf("rules = %d, want 1", len(over))
		}
		o := over[0]
		if o.JobTitle != "Backend Engineer" || o.PlanTitle != "Engineering plan" || o.StageTitle != "Technical Screen" ||
			o.TargetStageTitle != "Onsite" {
			t.Errorf("scope names = %+v", o)
		}
		want := store.ShadowRecord{Decisions: 2, WouldAdvance: 1, WouldReject: 1, Agree: 1, Disagree: 1}
		if o.Shadow != want {
			t.Errorf("shadow record = %+v, want %+v", o.Shadow, want)
		}
		if rate, ok := o.Shadow.AgreementRate(); !ok || rate != 0.5 {
			t.Errorf("agreement = %v %v, want 0.5", rate, ok)
		}
		if len(o.Rule.Requirements) != 1 {
			t.Errorf("requirements not loaded")
		}
	})
}

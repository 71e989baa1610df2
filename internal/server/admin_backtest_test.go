package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

func TestAdminBacktest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ruleID := createGuideRule(t, e)
	ctx := context.Background()
	end := time.Now().UTC().Add(-10 * 24 * time.Hour).Truncate(time.Second)
	testkit.Must(t, e.db.UpsertSchedule(ctx, domain.Schedule{ID: "sch-1", ApplicationID: "app-1",
		InterviewStageID: "your-stage-uuid", InterviewPlanID: "your-plan-uuid", JobID: "job-1", Status: domain.StatusComplete,
		CreatedAt: end.Add(-48 * time.Hour), UpdatedAt: end,
		Events: []domain.Event{{ID: "ev-1", InterviewID: "your-interview-uuid", StartTime: end.Add(-time.Hour), EndTime: end,
			Interviewers: []domain.Assignment{{InterviewerID: "u1", IsFeedbackRequired: true}}}}}))
	_, err := e.db.UpsertFeedback(ctx, domain.Feedback{ID: "fb-1", ApplicationID: "app-1", EventID: "ev-1",
		InterviewID: "your-interview-uuid", InterviewerID: "u1", SubmittedAt: end.Add(time.Hour),
		Values: []byte(`{"overall_score": 4}`)})
	testkit.Must(t, err)
	left := end.Add(5 * time.Hour)
	testkit.Must(t, e.db.UpsertStageHistory(ctx, []domain.StageVisit{
		{ApplicationID: "app-1", StageID: "your-stage-uuid", EnteredAt: end.Add(-72 * time.Hour), LeftAt: &left},
		{ApplicationID: "app-1", StageID: "onsite-stage", Title: "Onsite", EnteredAt: left},
	}, end))

	tests := []struct {
		name, method, path, body string
		status                   int
		check                    map[string]string
	}{
		{name: "no token", method: "GET", path: "/admin/backtest?rule_id=" + ruleID, status: 401},
		{name: "missing rule id", method: "GET", path: "/admin/backtest", status: 400},
		{name: "unknown rule", method: "GET", path: "/admin/backtest?rule_id=nope", status: 404},
		{name: "bad since", method: "GET", path: "/admin/backtest?rule_id=" + ruleID + "&since=soon", status: 400},
		{name: "since overflows", method: "GET", path: "/admin/backtest?rule_id=" + ruleID + "&since=99999999999d", status: 400},
		{name: "since beyond a century", method: "GET", path: "/admin/backtest?rule_id=" + ruleID + "&since=36501d", status: 400},
		{name: "draft since overflows", method: "POST", path: "/admin/backtest", status: 400,
			body: `{"since":"99999999999d","interview_plan_id":"your-plan-uuid","interview_stage_id":"your-stage-uuid",
				"requirements":[{"interview_id":"your-interview-uuid","score_field_path":"overall_score","operator":">=","threshold_value":"5"}]}`},
		{name: "stored rule", method: "GET", path: "/admin/backtest?rule_id=" + ruleID + "&since=30d", status: 200,
			check: map[string]string{"judged": "1", "counts.would_advance": "1", "agree": "1", "confusion.cells.0.0": "1",
				"rows.0.actual": "advanced", "rows.0.actual_stage": "Onsite"}},
		{name: "outside the window", method: "GET", path: "/admin/backtest?rule_id=" + ruleID + "&since=2d", status: 200,
			check: map[string]string{"judged": "0"}},
		{name: "draft flips", method: "POST", path: "/admin/backtest", status: 200,
			body: `{"rule_id":"` + ruleID + `","since":"30d","interview_plan_id":"your-plan-uuid","interview_stage_id":"your-stage-uuid",
				"requirements":[{"interview_id":"your-interview-uuid","score_field_path":"overall_score","operator":">=","threshold_value":"5"}]}`,
			check: map[string]string{"judged": "1", "counts.would_reject": "1", "disagree": "1", "flips.0.from": "advance",
				"flips.0.predicted": "reject", "baseline.rule_id": ruleID}},
		{name: "draft invalid", method: "POST", path: "/admin/backtest", status: 422,
			body: `{"interview_plan_id":"p","interview_stage_id":"s","requirements":[{"interview_id":"i","score_field_path":"x","operator":"~","threshold_value":"1"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := "t"
			if tt.status == 401 {
				token = ""
			}
			res := e.do(t, tt.method, tt.path, token, tt.body)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.raw)
			}
			for path, want := range tt.check {
				if got := str(get(res.body, path)); got != want {
					t.Errorf("%s = %s, want %s", path, got, want)
				}
			}
		})
	}
	execs, err := e.db.ListExecutions(ctx, store.ExecutionFilter{Limit: 10})
	testkit.Must(t, err)
	if len(execs) != 0 {
		t.Errorf("backtests recorded %d executions", len(execs))
	}
}

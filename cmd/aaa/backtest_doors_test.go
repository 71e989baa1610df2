package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"github.com/ashby-auto-advance/aaa/internal/tui"
)

// TestDashboardBacktestEqualsAPI replays one stored rule through `GET
// /admin/backtest` of a running `aaa serve` and through the dashboard wired
// by this package, from the same environment, and expects the same report.
// The rule leaves min wait and timeout to the global settings, and the
// stored history holds a schedule that only the global timeout decides, so
// a door that drops the global settings reports something else.
func TestDashboardBacktestEqualsAPI(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			url := b.URL(t)
			env := testkit.Environ("DATABASE_URL="+url, "ADMIN_API_TOKEN="+testkit.AdminToken,
				"ADVANCEMENT_FEEDBACK_MIN_WAIT_MINUTES=60", "ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS=3")
			srv := testkit.Start(t, testkit.ProcessOptions{Env: env})
			srv.WaitHealthy(t)

			cfg, err := config.Load(env)
			testkit.Must(t, err)
			ctx := context.Background()
			log := slog.New(slog.DiscardHandler)
			be, err := openStore(ctx, cfg.DatabaseURL, log)
			testkit.Must(t, err)
			t.Cleanup(be.close)
			ruleID := seedBacktestHistory(t, be)

			api := apiBacktest(t, srv.URL(), ruleID)
			if api.Counts.Timeout != 1 || api.Judged != 2 {
				t.Fatalf("API backtest judged %d with %d timeouts, want 2 and 1 (seed does not exercise the global timeout): %+v",
					api.Judged, api.Counts.Timeout, api.Counts)
			}
			screen := dashboardBacktest(t, dashboardOptions(cfg, be, log))
			var missing []string
			for i, line := range api.Lines(0) {
				if i == 1 {
					// The window line names "now - 90 days" of each door.
					continue
				}
				if line = strings.TrimSpace(line); line != "" && !strings.Contains(screen, line) {
					missing = append(missing, line)
				}
			}
			if len(missing) > 0 {
				t.Errorf("the dashboard's backtest differs from the API's; lines of the API's report missing:\n  %s\n--- API\n%s\n--- dashboard\n%s",
					strings.Join(missing, "\n  "), strings.Join(api.Lines(0), "\n"), screen)
			}
		})
	}
}

// seedBacktestHistory stores a rule with no min wait or timeout of its own
// over a two-stage plan, and two decided schedules: one complete (advanced
// by the recruiter 10 minutes after the feedback, so the min wait moves the
// evaluation), one missing an interviewer's feedback when it left the stage
// ten days after the interview (a timeout under a 3-day global timeout, a
// wait without it).
func seedBacktestHistory(t *testing.T, be *backend) string {
	t.Helper()
	ctx := context.Background()
	db := be.db
	now := time.Now().UTC().Truncate(time.Second)
	testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: "plan-1", Title: "Engineering"}, now))
	testkit.Must(t, db.UpsertStages(ctx, "plan-1", []domain.Stage{
		{ID: "stage-screen", PlanID: "plan-1", Title: "Tech Screen", Type: "Active", Order: 1},
		{ID: "stage-onsite", PlanID: "plan-1", Title: "Onsite", Type: "Active", Order: 2},
	}, now))
	rule, err := db.CreateRule(ctx, domain.Rule{Name: "Screen", InterviewPlanID: "plan-1", InterviewStageID: "stage-screen",
		Mode: domain.ModeShadow, OnReject: domain.OnRejectNotify, Active: true,
		Requirements: []domain.Requirement{{InterviewID: "iv-1", FieldPath: "overall_score", Operator: ">=", Threshold: "3",
			Aggregate: domain.AggEach, Required: true}}})
	testkit.Must(t, err)

	for i, c := range []struct {
		app       string
		feedback  []string // interviewers who submitted
		leftAfter time.Duration
	}{
		{app: "app-1", feedback: []string{"u1", "u2"}, leftAfter: 2 * time.Hour},
		{app: "app-2", feedback: []string{"u1"}, leftAfter: 10 * 24 * time.Hour},
	} {
		end := now.Add(-time.Duration(20+i) * 24 * time.Hour)
		sched := fmt.Sprintf("sch-%d", i+1)
		ev := fmt.Sprintf("ev-%d", i+1)
		testkit.Must(t, db.UpsertSchedule(ctx, domain.Schedule{ID: sched, ApplicationID: c.app,
			InterviewStageID: "stage-screen", InterviewPlanID: "plan-1", JobID: "job-1", Status: domain.StatusComplete,
			CreatedAt: end.Add(-48 * time.Hour), UpdatedAt: end,
			Events: []domain.Event{{ID: ev, InterviewID: "iv-1", StartTime: end.Add(-time.Hour), EndTime: end,
				Interviewers: []domain.Assignment{{InterviewerID: "u1", IsFeedbackRequired: true},
					{InterviewerID: "u2", IsFeedbackRequired: true}}}}}))
		left := end.Add(c.leftAfter)
		for _, u := range c.feedback {
			_, err := db.UpsertFeedback(ctx, domain.Feedback{ID: "fb-" + c.app + "-" + u, ApplicationID: c.app, EventID: ev,
				InterviewID: "iv-1", InterviewerID: u, SubmittedAt: left.Add(-10 * time.Minute),
				Values: []byte(`{"overall_score": 4}`)})
			testkit.Must(t, err)
		}
		testkit.Must(t, db.UpsertStageHistory(ctx, []domain.StageVisit{
			{ApplicationID: c.app, StageID: "stage-screen", EnteredAt: end.Add(-72 * time.Hour), LeftAt: &left},
			{ApplicationID: c.app, StageID: "stage-onsite", Title: "Onsite", EnteredAt: left},
		}, now))
	}
	return rule.ID
}

func apiBacktest(t *testing.T, base, ruleID string) backtest.Report {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/admin/backtest?rule_id="+ruleID, nil)
	testkit.Must(t, err)
	req.Header.Set("Authorization", "Bearer "+testkit.AdminToken)
	res, err := http.DefaultClient.Do(req)
	testkit.Must(t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/backtest: %d %s", res.StatusCode, body)
	}
	var rep backtest.Report
	testkit.Must(t, json.Unmarshal(body, &rep))
	return rep
}

// dashboardBacktest opens the dashboard model with opts, selects the Rules
// view, presses b on the (only) rule and returns the screen once the
// backtest has run.
func dashboardBacktest(t *testing.T, opts tui.Options) string {
	t.Helper()
	opts.RefreshEvery = time.Millisecond
	d := newDashboard(t, opts, 220, 200)
	d.press("3", "b")
	lines := strings.Split(d.screen(), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	out := strings.Join(lines, "\n")
	if !strings.Contains(out, "Backtest ·") {
		t.Fatalf("no backtest panel on the dashboard:\n%s", out)
	}
	return out
}

package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestDashboardUndoWiring: the dashboard as `aaa tui` wires it undoes a live
// advance in the Ashby simulator with ASHBY_API_KEY set, as the --as actor,
// and queues the Slack message refresh for the server's worker; without the
// key, undo says it needs one and nothing changes.
func TestDashboardUndoWiring(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		const secret = "tui-wiring"
		// The stack is `aaa serve`: it decides and works the jobs.
		s := testkit.NewStack(t, testkit.StackOptions{Backend: b,
			App:    app.Options{Timeout: 7 * 24 * time.Hour, AttemptDelay: 10 * time.Millisecond, UndoWindow: 15 * time.Minute},
			Server: server.Deps{WebhookSecret: secret}})
		sc := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
		_, err := s.DB.CreateRule(ctx, domain.Rule{Name: "screen", InterviewPlanID: sc.PlanID, InterviewStageID: sc.StageIDs[0],
			Mode: domain.ModeLive, Active: true, Requirements: []domain.Requirement{{InterviewID: sc.InterviewID,
				FieldPath: ashbysim.FieldOverallScore, Operator: ">=", Threshold: "3", Required: true}}})
		testkit.Must(t, err)
		c := sc.Candidates[0]
		for _, id := range sc.InterviewerIDs {
			s.Sim.SubmitFeedback(c.ApplicationID, c.EventID, id, map[string]any{ashbysim.FieldOverallScore: 4})
		}
		if code, err := s.Sim.SendScheduleUpdate(ctx, s.URL+"/webhooks/ashby", secret, c.ScheduleID); err != nil || code != 200 {
			t.Fatalf("webhook: %d %v", code, err)
		}
		testkit.Eventually(t, 30*time.Second, "schedule stored", func() bool {
			_, err := s.DB.GetSchedule(ctx, c.ScheduleID)
			return err == nil
		})
		testkit.Must(t, s.Services.Sync.SyncFeedback(ctx))
		var x domain.Execution
		testkit.Eventually(t, 30*time.Second, "advance", func() bool {
			list, _ := s.DB.ListExecutions(ctx, store.ExecutionFilter{ApplicationID: c.ApplicationID})
			if len(list) == 1 {
				x = list[0]
			}
			return x.Status == domain.ExecSuccess
		})

		open := func(env ...string) *dashboard {
			t.Helper()
			cfg, err := config.Load(testkit.Environ(append(env, "DATABASE_URL="+s.Database.URL, "UNDO_WINDOW=15m")...))
			testkit.Must(t, err)
			log := slog.New(slog.DiscardHandler)
			be, err := openExistingStore(ctx, s.Database.URL, log)
			testkit.Must(t, err)
			t.Cleanup(be.close)
			opts := dashboardOptions(cfg, be, log)
			if opts.Decisions == nil || opts.UndoWindow != 15*time.Minute {
				t.Fatalf("dashboard options: decisions %v, undo window %s", opts.Decisions, opts.UndoWindow)
			}
			opts.Actor = "ops"
			d := newDashboard(t, opts, 100, 30)
			d.press("2", "enter")
			if !strings.Contains(d.screen(), "u undo") {
				t.Fatalf("detail of a live advance does not offer undo:\n%s", d.screen())
			}
			return d
		}

		// Without ASHBY_API_KEY: said plainly, nothing changes.
		d := open()
		d.press("u", "y")
		if scr := d.screen(); !strings.Contains(scr, "start the dashboard with ASHBY_API_KEY set to undo") {
			t.Fatalf("undo without an Ashby key:\n%s", scr)
		}
		if got, _ := s.DB.GetExecution(ctx, x.ID); got.Status != domain.ExecSuccess {
			t.Fatalf("undo without an Ashby key changed the decision to %s", got.Status)
		}

		// With the key: undone in the simulator, as ops (tui).
		d = open("ASHBY_API_KEY="+s.Sim.APIKey(), "ASHBY_API_URL="+s.SimURL)
		d.press("u", "y")
		if scr := d.screen(); !strings.Contains(scr, "is back in Phone Screen") || !strings.Contains(scr, "Undone by ops (tui) at") {
			t.Fatalf("after undo:\n%s", scr)
		}
		got, err := s.DB.GetExecution(ctx, x.ID)
		testkit.Must(t, err)
		if got.Status != domain.ExecUndone || got.RevertedBy != "ops (tui)" {
			t.Fatalf("decision after undo: %s by %q", got.Status, got.RevertedBy)
		}
		if a, _ := s.Sim.Application(c.ApplicationID); a.StageID != sc.StageIDs[0] || a.Status != "Active" {
			t.Fatalf("simulator after undo: %+v", a)
		}
		// The dashboard's insert-only queue put the message refresh where
		// the server's worker finds it.
		testkit.Eventually(t, 30*time.Second, "the Slack refresh job done by the server", func() bool {
			jobs, err := s.Queue.AllJobs(ctx)
			testkit.Must(t, err)
			for _, j := range jobs {
				if j.Kind == "slack_refresh" && strings.Contains(string(j.EncodedArgs), x.ID) && j.FinalizedAt != nil {
					return true
				}
			}
			return false
		})
	})
}

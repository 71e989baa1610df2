package flowtest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// submitAll submits the given scores for every interviewer of a candidate.
func (e *env) submitAll(sc ashbysim.Scenario, c ashbysim.ScenarioCandidate, scores ...int) {
	for i, id := range sc.InterviewerIDs {
		e.sim.SubmitFeedback(c.ApplicationID, c.EventID, id, map[string]any{ashbysim.FieldOverallScore: scores[i%len(scores)],
			ashbysim.FieldRecommendation: "hire"})
	}
}

func TestAdvanceRejectWaitStale(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			const minWait = 3 * time.Second
			e := newEnv(t, b, envOpts{minWait: minWait})
			ctx := context.Background()
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 4, Interviewers: 2, Shadows: 1})
			e.rule(sc, domain.ModeLive, "3")
			pass, fail, partial, moved := sc.Candidates[0], sc.Candidates[1], sc.Candidates[2], sc.Candidates[3]
			for _, c := range sc.Candidates {
				e.send(c.ScheduleID)
			}
			submitted := time.Now()
			e.submitAll(sc, pass, 4, 3)
			e.submitAll(sc, fail, 4, 2)
			e.submitAll(sc, moved, 4, 4)
			e.sim.SubmitFeedback(partial.ApplicationID, partial.EventID, sc.InterviewerIDs[0], map[string]any{ashbysim.FieldOverallScore: 1})
			if err := e.sim.MoveApplication(moved.ApplicationID, sc.StageIDs[1]); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, 10*time.Second, "schedules stored", func() bool {
				n, _ := e.db.ListDeliveries(ctx, domain.DeliveryProcessed, 10)
				return len(n) == 4
			})
			if err := e.svc.Sync.SyncFeedback(ctx); err != nil {
				t.Fatal(err)
			}
			// Nothing is decided before min-wait, then everything is, with no new webhook.
			if n := len(e.executions(pass.ApplicationID)); n != 0 && time.Since(submitted) < minWait {
				t.Fatalf("decided %d times before min wait", n)
			}
			testkit.Eventually(t, 15*time.Second, "decisions after min wait", func() bool {
				return len(e.executions(pass.ApplicationID)) == 1 && len(e.executions(fail.ApplicationID)) == 1 &&
					len(e.executions(moved.ApplicationID)) == 1 && e.executions(pass.ApplicationID)[0].Status == domain.ExecSuccess &&
					e.executions(moved.ApplicationID)[0].Status != domain.ExecPending
			}, func() string {
				return describe(e.executions(pass.ApplicationID)) + describe(e.executions(fail.ApplicationID)) + describe(e.executions(moved.ApplicationID)) + e.jobs()
			})
			for _, x := range e.executions(pass.ApplicationID) {
				if d := x.ExecutedAt.Sub(submitted); d < minWait {
					t.Fatalf("decided %s after feedback, before the %s min wait", d, minWait)
				}
			}
			if app, _ := e.sim.Application(pass.ApplicationID); app.StageID != sc.StageIDs[1] {
				t.Fatalf("passing candidate in %s, want %s", app.StageID, sc.StageIDs[1])
			}
			if got := e.changeStageCalls(); got != 1 {
				t.Fatalf("changeStage calls = %d, want exactly 1 (the passing candidate)", got)
			}
			if x := e.executions(fail.ApplicationID)[0]; x.Outcome != domain.OutcomeReject || x.Status != domain.ExecNotified {
				t.Fatalf("failing candidate: %s", describe([]domain.Execution{x}))
			}
			testkit.Eventually(t, 10*time.Second, "rejection notice recorded", func() bool {
				n, _ := e.db.ListNotifications(ctx, e.executions(fail.ApplicationID)[0].ID, 5)
				return len(n) == 1 && n[0].Kind == "rejection" && n[0].Status == domain.NotificationStored
			})
			if x := e.executions(moved.ApplicationID)[0]; x.Status != domain.ExecStale {
				t.Fatalf("moved candidate: %s", describe([]domain.Execution{x}))
			}
			if app, _ := e.sim.Application(moved.ApplicationID); app.StageID != sc.StageIDs[1] {
				t.Fatalf("stale candidate moved again to %s", app.StageID)
			}
			// Partial feedback: nothing until the last submission arrives.
			if n := len(e.executions(partial.ApplicationID)); n != 0 {
				t.Fatalf("partial panel decided: %s", describe(e.executions(partial.ApplicationID)))
			}
			e.sim.SubmitFeedback(partial.ApplicationID, partial.EventID, sc.InterviewerIDs[1], map[string]any{ashbysim.FieldOverallScore: 4})
			if err := e.svc.Sync.SyncFeedback(ctx); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, 15*time.Second, "partial panel decided after its last submission", func() bool {
				x := e.executions(partial.ApplicationID)
				return len(x) == 1 && x[0].Outcome == domain.OutcomeReject
			})
		})
	}
}

func TestExactlyOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, envOpts{})
			ctx := context.Background()
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
			e.rule(sc, domain.ModeLive, "3")
			for _, c := range sc.Candidates {
				e.send(c.ScheduleID)
				e.submitAll(sc, c, 4)
			}
			testkit.Eventually(t, 10*time.Second, "schedules stored", func() bool {
				n, _ := e.db.ListDeliveries(ctx, domain.DeliveryProcessed, 10)
				return len(n) == 2
			})
			if err := e.q.Stop(ctx); err != nil { // only our goroutines act from here
				t.Fatal(err)
			}
			if err := e.svc.Sync.SyncFeedback(ctx); err != nil {
				t.Fatal(err)
			}
			c := sc.Candidates[0]
			var wg sync.WaitGroup
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := e.svc.Advance.EvaluateNow(ctx, c.ScheduleID); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if got := e.changeStageCalls(); got != 1 {
				t.Fatalf("20 concurrent evaluations made %d changeStage calls, want 1", got)
			}
			// A changeStage that succeeds in Ashby but whose answer is lost is not repeated.
			e.sim.SetFault("application.changeStage", ashbysim.Fault{ApplyThenDropRate: 1})
			c2 := sc.Candidates[1]
			ev, err := e.svc.Advance.EvaluateNow(ctx, c2.ScheduleID)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Status != domain.ExecSuccess {
				t.Fatalf("status after a lost answer = %s, want success confirmed by re-read", ev.Status)
			}
			if got := e.changeStageCalls(); got != 2 {
				t.Fatalf("changeStage calls = %d, want 2 (no repeat after the lost answer)", got)
			}
			if _, err := e.svc.Advance.EvaluateNow(ctx, c2.ScheduleID); err != nil {
				t.Fatal(err)
			}
			if got := e.changeStageCalls(); got != 2 {
				t.Fatalf("re-evaluating a decided schedule called changeStage again (%d calls)", got)
			}
		})
	}
}

func TestShadowModeNeverWrites(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, envOpts{})
			ctx := context.Background()
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
			e.rule(sc, domain.ModeShadow, "3")
			e.submitAll(sc, sc.Candidates[0], 4)
			e.submitAll(sc, sc.Candidates[1], 1)
			for _, c := range sc.Candidates {
				e.send(c.ScheduleID)
			}
			testkit.Eventually(t, 10*time.Second, "schedules stored", func() bool {
				n, _ := e.db.ListDeliveries(ctx, domain.DeliveryProcessed, 10)
				return len(n) == 2
			})
			if err := e.svc.Sync.SyncFeedback(ctx); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, 10*time.Second, "dry-run decisions", func() bool {
				a, r := e.executions(sc.Candidates[0].ApplicationID), e.executions(sc.Candidates[1].ApplicationID)
				return len(a) == 1 && a[0].Status == domain.ExecDryRun && a[0].Outcome == domain.OutcomeAdvance &&
					len(r) == 1 && r[0].Status == domain.ExecDryRun && r[0].Outcome == domain.OutcomeReject
			})
			if got := e.changeStageCalls(); got != 0 {
				t.Fatalf("shadow mode called changeStage %d times", got)
			}
		})
	}
}

// TestAdvanceRetriedAfterFailureBeforeClaim: when the target stage cannot be
// read from Ashby, nothing is claimed or stamped, so the next sweep decides
// again and advances.
func TestAdvanceRetriedAfterFailureBeforeClaim(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, envOpts{noStart: true})
			ctx := context.Background()
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			e.rule(sc, domain.ModeLive, "3")
			c := sc.Candidates[0]
			e.send(c.ScheduleID)
			if err := e.svc.Intake.IngestDelivery(ctx, mustOnlyDelivery(t, e), false); err != nil {
				t.Fatal(err)
			}
			e.submitAll(sc, c, 4)
			if err := e.svc.Sync.SyncFeedback(ctx); err != nil {
				t.Fatal(err)
			}
			e.sim.SetFault("interviewStage.list", ashbysim.Fault{Rate5xx: 1})
			if _, err := e.svc.Advance.EvaluateNow(ctx, c.ScheduleID); err == nil {
				t.Fatal("evaluation succeeded although the plan's stages could not be read")
			}
			if n := len(e.executions(c.ApplicationID)); n != 0 {
				t.Fatalf("%d executions recorded before the claim", n)
			}
			e.sim.ClearFaults()
			if err := e.svc.Advance.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			x := e.executions(c.ApplicationID)
			if len(x) != 1 || x[0].Status != domain.ExecSuccess || e.changeStageCalls() != 1 {
				t.Fatalf("after the sweep: %s, %d changeStage calls", describe(x), e.changeStageCalls())
			}
		})
	}
}

func mustOnlyDelivery(t *testing.T, e *env) string {
	t.Helper()
	list, err := e.db.ListDeliveries(context.Background(), "", 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("deliveries = %d, %v", len(list), err)
	}
	return list[0].ID
}

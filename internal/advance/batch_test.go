package advance_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestSharedClaimInOneBatch: two schedules of one application in the same
// stage, both passing, decided in one bulk pass, share one claim key. The
// pass claims it once (the first schedule creates the row, the second is
// handed that row) and, live, moves the candidate once; both evaluations
// name that row and its final status, and both schedules are stamped, as
// when the two are evaluated one after the other.
func TestSharedClaimInOneBatch(t *testing.T) {
	t.Parallel()
	for _, be := range testkit.Backends(t) {
		for _, mode := range []string{domain.ModeShadow, domain.ModeLive} {
			t.Run(be.Name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				e := newEvalEnv(t, be, 1)
				e.rule(mode)
				e.submitPassing(0)
				c := e.sc.Candidates[0]

				// A second schedule of the same application and stage, with its
				// own event and the same panel's passing feedback on it.
				first, err := e.db.GetSchedule(ctx, c.ScheduleID)
				testkit.Must(t, err)
				second := first
				second.ID = c.ScheduleID + "-again"
				ev := first.Events[0]
				ev.ID, ev.ScheduleID = c.EventID+"-again", second.ID
				for i := range ev.Interviewers {
					ev.Interviewers[i].EventID = ev.ID
				}
				second.Events = []domain.Event{ev}
				testkit.Must(t, e.db.UpsertSchedule(ctx, second))
				values, _ := json.Marshal(map[string]any{ashbysim.FieldOverallScore: 4, ashbysim.FieldRecommendation: "hire"})
				for _, u := range e.sc.InterviewerIDs {
					_, err := e.db.UpsertFeedback(ctx, domain.Feedback{ID: "fb-" + ev.ID + "-" + u, ApplicationID: c.ApplicationID,
						EventID: ev.ID, InterviewID: e.sc.InterviewID, InterviewerID: u, FormID: e.sc.FormID,
						SubmittedAt: e.t0, Values: values, UpdatedAt: e.t0})
					testkit.Must(t, err)
				}

				e.clock.Set(e.t0.Add(evalMinWait + time.Minute)) // past the min wait
				evs, err := e.svc.EvaluateMany(ctx, []string{c.ScheduleID, second.ID})
				testkit.Must(t, err)
				want := domain.ExecDryRun
				if mode == domain.ModeLive {
					want = domain.ExecSuccess
				}
				if len(evs) != 2 || evs[0].ExecutionID == "" || evs[0].ExecutionID != evs[1].ExecutionID ||
					evs[0].Status != want || evs[1].Status != want {
					t.Fatalf("evaluations = %+v, want two naming one %s row", evs, want)
				}
				if list := e.executions(c.ApplicationID); len(list) != 1 || list[0].Status != want {
					t.Fatalf("executions = %+v, want one %s", list, want)
				}
				wantCalls := 0
				if mode == domain.ModeLive {
					wantCalls = 1
				}
				if n := e.sim.CallCount("application.changeStage"); n != wantCalls {
					t.Fatalf("changeStage calls = %d, want %d", n, wantCalls)
				}
				for _, id := range []string{c.ScheduleID, second.ID} {
					if st := e.stamp(id); st.Outcome != domain.OutcomeAdvance {
						t.Fatalf("schedule %s stamped %+v, want advance", id, st)
					}
				}
			})
		}
	}
}

package intake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestIngestBatch: one batch writes what it can together and hands the
// rest to single-delivery jobs. Two states of one schedule in the batch
// (the newer accepted first, a late retry of the older after it): the
// newer is stored, the older marked superseded. A schedule of an
// application Ashby does not know, and a stage change, each get an
// ingest_delivery job of their own (the per-delivery retries and failure
// handling), and stay pending until it runs. One job evaluates the
// schedules stored, together. Running the batch again changes nothing and enqueues
// nothing.
func TestIngestBatch(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		st := testkit.NewStack(t, testkit.StackOptions{Backend: b, Queue: jobs.Options{InsertOnly: true}})
		sim, svc := st.Sim, st.Services.Intake
		sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 3})
		c1, c2, c3 := sc.Candidates[0], sc.Candidates[1], sc.Candidates[2]

		older := sim.ScheduleUpdateBody(c1.ScheduleID)
		time.Sleep(2 * time.Millisecond) // a newer Ashby time
		testkit.Must(t, sim.SetScheduleStatus(c1.ScheduleID, domain.StatusComplete))
		newer := sim.ScheduleUpdateBody(c1.ScheduleID)
		unknownApp := bytes.ReplaceAll(sim.ScheduleUpdateBody(c3.ScheduleID), []byte(c3.ApplicationID), []byte("app-not-in-ashby"))
		accept := func(body []byte) string {
			t.Helper()
			hook, err := ashby.ParseWebhook(body)
			testkit.Must(t, err)
			id, dup, err := svc.AcceptWebhook(ctx, hook, body)
			testkit.Must(t, err)
			if dup {
				t.Fatalf("delivery %s accepted as a duplicate", id)
			}
			return id
		}
		dNewer, dOlder := accept(newer), accept(older)
		dOther := accept(sim.ScheduleUpdateBody(c2.ScheduleID))
		dUnknown := accept(unknownApp)
		dMove := accept(sim.ApplicationBody(ashby.ActionCandidateStageChange, c2.ApplicationID))
		ids := []string{dNewer, dOlder, dOther, dUnknown, dMove}
		before := len(allJobs(t, st.Queue))

		testkit.Must(t, svc.IngestBatch(ctx, ids))

		ds, err := st.DB.GetDeliveries(ctx, ids)
		testkit.Must(t, err)
		got := map[string]domain.Delivery{}
		for _, d := range ds {
			got[d.ID] = d
		}
		for id, want := range map[string][2]string{
			dNewer:   {domain.DeliveryProcessed, ""},
			dOlder:   {domain.DeliveryProcessed, "superseded by a newer delivery"},
			dOther:   {domain.DeliveryProcessed, ""},
			dUnknown: {domain.DeliveryPending, ""},
			dMove:    {domain.DeliveryPending, ""},
		} {
			if d := got[id]; d.Status != want[0] || d.LastError != want[1] {
				t.Errorf("delivery %s (%s) = %s %q, want %s %q", id, d.Action, d.Status, d.LastError, want[0], want[1])
			}
		}
		s1, err := st.DB.GetSchedule(ctx, c1.ScheduleID)
		testkit.Must(t, err)
		if s1.Status != domain.StatusComplete || s1.InterviewPlanID != sc.PlanID || s1.JobID != sc.JobID || len(s1.Events) != 1 {
			t.Errorf("schedule 1 = %s plan %s job %s with %d events, want the newer state (Complete) resolved to the plan and job",
				s1.Status, s1.InterviewPlanID, s1.JobID, len(s1.Events))
		}

		after := allJobs(t, st.Queue)
		var singles, evaluated []string
		evalJobs := 0
		for _, j := range after[before:] {
			switch j.Kind {
			case jobs.IngestArgs{}.Kind():
				var a jobs.IngestArgs
				testkit.Must(t, json.Unmarshal(j.EncodedArgs, &a))
				singles = append(singles, a.DeliveryID)
			case jobs.EvaluateBatchArgs{}.Kind():
				var a jobs.EvaluateBatchArgs
				testkit.Must(t, json.Unmarshal(j.EncodedArgs, &a))
				evaluated = append(evaluated, a.ScheduleIDs...)
				evalJobs++
			default:
				t.Errorf("unexpected %s job after the batch", j.Kind)
			}
		}
		slices.Sort(singles)
		slices.Sort(evaluated)
		wantSingles, wantEval := []string{dUnknown, dMove}, []string{c1.ScheduleID, c2.ScheduleID}
		slices.Sort(wantSingles)
		slices.Sort(wantEval)
		if !slices.Equal(singles, wantSingles) || !slices.Equal(evaluated, wantEval) || evalJobs != 1 {
			t.Errorf("after the batch: single ingest jobs %v, want %v; %d evaluation jobs of %v, want one of %v",
				singles, wantSingles, evalJobs, evaluated, wantEval)
		}

		// Run again (a retry, a rescue after a crash), the batch hands on
		// nothing twice and writes nothing again.
		n0 := len(allJobs(t, st.Queue))
		testkit.Must(t, svc.IngestBatch(ctx, ids))
		if m := len(allJobs(t, st.Queue)); m != n0 {
			t.Errorf("running the batch again enqueued %d jobs (the deliveries handed on got a second one)", m-n0)
		}

		// The delivery handed on fails for good in its own job, as a single
		// delivery does; the batch run again skips every processed one.
		testkit.Must(t, svc.IngestDelivery(ctx, dUnknown, true))
		if d, _ := st.DB.GetDelivery(ctx, dUnknown); d.Status != domain.DeliveryFailed {
			t.Errorf("the unknown application's delivery after its last attempt = %s, want failed", d.Status)
		}
		n := len(allJobs(t, st.Queue))
		testkit.Must(t, svc.IngestBatch(ctx, []string{dNewer, dOlder, dOther, dUnknown}))
		if m := len(allJobs(t, st.Queue)); m != n {
			t.Errorf("running the batch again enqueued %d jobs, want none", m-n)
		}
	})
}

// allJobs lists every job, oldest first.
func allJobs(t *testing.T, q *jobs.Queue) []jobRow {
	t.Helper()
	list, err := q.AllJobs(context.Background())
	testkit.Must(t, err)
	out := make([]jobRow, 0, len(list))
	for _, j := range list {
		out = append(out, jobRow{ID: j.ID, Kind: j.Kind, EncodedArgs: j.EncodedArgs})
	}
	slices.SortFunc(out, func(a, b jobRow) int { return int(a.ID - b.ID) })
	return out
}

type jobRow struct {
	ID          int64
	Kind        string
	EncodedArgs []byte
}

// TestIngestBatchKeepsArrivalOrder: states of one schedule in one batch are
// applied as if one after the other, in arrival order, also when one has
// no Ashby time (so that arrival decides between it and its neighbours):
// stored at Ashby time 10, then A without a time (replaces it: arrival
// decides), then B at Ashby time 8 (replaces A: arrival decides again).
// Picking one winner inside the batch would keep the stored state.
func TestIngestBatchKeepsArrivalOrder(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		st := testkit.NewStack(t, testkit.StackOptions{Backend: b, Queue: jobs.Options{InsertOnly: true}})
		sc := st.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
		id := sc.Candidates[0].ScheduleID
		t10 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
		body := func(status string, ashbyTime time.Time) []byte {
			var m map[string]any
			testkit.Must(t, json.Unmarshal(st.Sim.ScheduleUpdateBody(id), &m))
			sched := m["data"].(map[string]any)["interviewSchedule"].(map[string]any)
			sched["status"] = status
			delete(sched, "updatedAt")
			for _, e := range sched["interviewEvents"].([]any) {
				delete(e.(map[string]any), "updatedAt")
			}
			if !ashbyTime.IsZero() {
				sched["updatedAt"] = ashbyTime.Format(time.RFC3339Nano)
			}
			out, err := json.Marshal(m)
			testkit.Must(t, err)
			return out
		}
		accept := func(b []byte) string {
			hook, err := ashby.ParseWebhook(b)
			testkit.Must(t, err)
			did, _, err := st.Services.Intake.AcceptWebhook(ctx, hook, b)
			testkit.Must(t, err)
			return did
		}
		testkit.Must(t, st.Services.Intake.IngestDelivery(ctx, accept(body(domain.StatusScheduled, t10)), true))
		a := accept(body("WaitingOnFeedback", time.Time{}))
		time.Sleep(2 * time.Millisecond) // B arrives after A
		bID := accept(body(domain.StatusComplete, t10.Add(-2*time.Hour)))
		testkit.Must(t, st.Services.Intake.IngestBatch(ctx, []string{bID, a}))
		got, err := st.DB.GetSchedule(ctx, id)
		testkit.Must(t, err)
		if got.Status != domain.StatusComplete {
			t.Errorf("after the batch the schedule is %s, want Complete (B, applied after A as one by one)", got.Status)
		}
		ds, err := st.DB.GetDeliveries(ctx, []string{a, bID})
		testkit.Must(t, err)
		for _, d := range ds {
			if d.Status != domain.DeliveryProcessed || d.LastError != "" {
				t.Errorf("delivery %s = %s %q, want processed and applied", d.ID, d.Status, d.LastError)
			}
		}
	})
}

// TestIngestBatchTakesAlongPending: on SQLite a short batch also writes
// other pending deliveries (a busy server's acks commit a few at a time;
// ingesting them in bigger batches on the one writer is what keeps up), and
// their own job then finds them processed and does nothing. On Postgres a
// batch keeps to its own.
func TestIngestBatchTakesAlongPending(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		st := testkit.NewStack(t, testkit.StackOptions{Backend: b, Queue: jobs.Options{InsertOnly: true}})
		sc := st.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 3})
		var ids []string
		for _, c := range sc.Candidates {
			body := st.Sim.ScheduleUpdateBody(c.ScheduleID)
			hook, err := ashby.ParseWebhook(body)
			testkit.Must(t, err)
			id, _, err := st.Services.Intake.AcceptWebhook(ctx, hook, body)
			testkit.Must(t, err)
			ids = append(ids, id)
		}
		testkit.Must(t, st.Services.Intake.IngestBatch(ctx, ids[:1]))
		ds, err := st.DB.GetDeliveries(ctx, ids)
		testkit.Must(t, err)
		// On Postgres several servers ingest at once: batches keep to
		// their own deliveries.
		want := domain.DeliveryProcessed
		if b.Name == "postgres" {
			want = domain.DeliveryPending
		}
		for _, d := range ds {
			if d.ID != ids[0] && d.Status != want {
				t.Errorf("%s: delivery %s is %s after a batch of another one, want %s", b.Name, d.ID, d.Status, want)
			}
		}
		if b.Name == "postgres" {
			return
		}
		n := len(allJobs(t, st.Queue))
		testkit.Must(t, st.Services.Intake.IngestBatch(ctx, ids[1:]))
		if m := len(allJobs(t, st.Queue)); m != n {
			t.Errorf("the other deliveries' own batch enqueued %d jobs, want none (nothing left to do)", m-n)
		}
	})
}

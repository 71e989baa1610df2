package backtest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/syncer"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var simNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// harness is aaa's store and service against a simulated workspace holding
// past candidates of ashbysim.MixedPastCandidates.
type harness struct {
	db    *store.DB
	sim   *ashbysim.Sim
	slack *slackfake.Server
	svc   *app.Services
	sc    ashbysim.Scenario
	past  []ashbysim.PastCandidateIDs
}

func newHarness(t *testing.T, b testkit.Backend, n int) *harness {
	t.Helper()
	ctx := context.Background()
	st := testkit.NewStack(t, testkit.StackOptions{Backend: b, Slack: true,
		Sim:   ashbysim.Options{PageSize: 25, Now: func() time.Time { return simNow }},
		Ashby: ashby.Options{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxAttempts: 8, Timeout: 5 * time.Second},
		Queue: jobs.Options{InsertOnly: true},
		App: app.Options{Now: func() time.Time { return simNow }, AdminChannel: "C-admin",
			MinWait: 30 * time.Minute, Timeout: 7 * day}})
	db, sim, ats, slack, svc := st.DB, st.Sim, st.ATS, st.Slack, st.Services

	sc := sim.AddPanelScenario(ashbysim.PanelSpec{Stages: 4, Interviewers: 2, Shadows: 1})
	past := sim.AddPastCandidates(sc, 1, ashbysim.MixedPastCandidates(n))

	// aaa knows the plan's stages and the schedules (as webhooks delivered
	// them), nothing of their history yet.
	stages, err := ats.InterviewStageList(ctx, sc.PlanID)
	testkit.Must(t, err)
	var cached []domain.Stage
	for _, st := range stages {
		cached = append(cached, domain.Stage{ID: st.ID, PlanID: st.InterviewPlanID, Title: st.Title, Type: st.Type, Order: st.OrderInInterviewPlan})
	}
	testkit.Must(t, db.UpsertStages(ctx, sc.PlanID, cached, simNow))
	testkit.Must(t, db.InTx(ctx, func(tx store.Store) error {
		for _, p := range past {
			w, err := ashby.ParseWebhook(sim.ScheduleUpdateBody(p.ScheduleID))
			if err != nil {
				return err
			}
			as, err := w.Schedule()
			if err != nil {
				return err
			}
			s := scheduleOf(as)
			s.InterviewPlanID, s.JobID = sc.PlanID, sc.JobID
			if err := tx.UpsertSchedule(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}))
	sim.ResetCalls()
	return &harness{db: db, sim: sim, slack: slack, svc: svc, sc: sc, past: past}
}

// scheduleOf converts a webhook schedule as ingestion does.
func scheduleOf(as ashby.InterviewSchedule) domain.Schedule {
	s := domain.Schedule{ID: as.ID, ApplicationID: as.ApplicationID, CandidateID: as.CandidateID,
		InterviewStageID: as.InterviewStageID, Status: as.Status, CreatedAt: as.CreatedAt.Time, UpdatedAt: as.UpdatedAt.Time,
		SourceAt: as.UpdatedAt.Time}
	for _, e := range as.InterviewEvents {
		ev := domain.Event{ID: e.ID, ScheduleID: as.ID, InterviewID: e.InterviewID, StartTime: e.StartTime.Time, EndTime: e.EndTime.Time}
		for _, iv := range e.Interviewers {
			ev.Interviewers = append(ev.Interviewers, domain.Assignment{EventID: e.ID, InterviewerID: iv.ID,
				FirstName: iv.FirstName, LastName: iv.LastName, TrainingRole: iv.TrainingRole, IsEnabled: true,
				IsFeedbackRequired: iv.FeedbackRequired()})
		}
		s.Events = append(s.Events, ev)
	}
	return s
}

func (h *harness) rule(threshold string) domain.Rule {
	return domain.Rule{
		ID: "rule-panel", Name: "panel", InterviewPlanID: h.sc.PlanID, InterviewStageID: h.sc.StageIDs[1],
		Mode: domain.ModeLive, OnReject: domain.OnRejectArchive, Active: true, Version: 1,
		Requirements: []domain.Requirement{{ID: "req-1", InterviewID: h.sc.InterviewID, FieldPath: ashbysim.FieldOverallScore,
			Operator: domain.OpGE, Threshold: threshold, Aggregate: domain.AggEach, Required: true}},
	}
}

// TestBacktestConfusionTable replays "every interviewer scores >= 3" over
// 300 past candidates and checks the confusion table against counts worked
// out by hand from MixedPastCandidates' ten cases.
//
// With since = 60 days, candidates 0..236 (decided i*6h+24h ago) are in
// the window: 24 of each case 0-6 and 23 of each case 7-9.
//
//	case 0 [4 4] advanced -> advance/advanced 24
//	case 1 [4 3] advanced -> advance/advanced 24
//	case 2 [3 3] archived -> advance/archived 24
//	case 3 [2 4] archived -> reject/archived  24
//	case 4 [1 2] archived -> reject/archived  24
//	case 5 [2 3] advanced -> reject/advanced  24
//	case 6 [4 -] advanced -> wait/advanced    24 (second scorecard missing)
//	case 7 [3 4] advanced -> advance/advanced 23
//	case 8 [1 1] archived -> reject/archived  23
//	case 9 [4 4] open: not judged; all 30 of the 300 are counted open.
func TestBacktestConfusionTable(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		h := newHarness(t, b, 300)
		db := h.db
		res, err := h.svc.Sync.SyncHistory(ctx, simNow.Add(-180*day))
		testkit.Must(t, err)
		if res.Applications != 300 || res.Visits != 270*3+30*2 {
			t.Fatalf("backfill = %+v, want 300 applications and %d visits", res, 270*3+30*2)
		}
		rule, err := db.CreateRule(ctx, h.rule("3"))
		testkit.Must(t, err)

		h.sim.ResetCalls()
		rep, err := h.svc.Backtest.Backtest(ctx, backtest.Query{Rule: rule, Since: simNow.Add(-60 * day)})
		testkit.Must(t, err)

		want := map[[2]string]int{
			{domain.OutcomeAdvance, backtest.ActualAdvanced}: 71,
			{domain.OutcomeAdvance, backtest.ActualArchived}: 24,
			{domain.OutcomeReject, backtest.ActualArchived}:  71,
			{domain.OutcomeReject, backtest.ActualAdvanced}:  24,
			{domain.OutcomeWait, backtest.ActualAdvanced}:    24,
		}
		for _, p := range backtest.Predicted {
			for _, a := range backtest.Actual {
				if got := rep.Confusion.Cell(p, a); got != want[[2]string{p, a}] {
					t.Errorf("confusion[%s][%s] = %d, want %d", p, a, got, want[[2]string{p, a}])
				}
			}
		}
		wantCounts := backtest.Counts{Advance: 95, Reject: 95, Wait: 24}
		if rep.Counts != wantCounts || rep.Judged != 214 || rep.Open != 30 || rep.NoHistory != 0 {
			t.Errorf("counts %+v judged %d open %d no history %d, want %+v 214 30 0", rep.Counts, rep.Judged, rep.Open, rep.NoHistory, wantCounts)
		}
		if rep.Agree != 142 || rep.Disagree != 48 || len(rep.Disagreements) != 48 {
			t.Errorf("agree %d disagree %d (%d rows), want 142 and 48", rep.Agree, rep.Disagree, len(rep.Disagreements))
		}
		if !slices.IsSortedFunc(rep.Disagreements, func(a, b backtest.Row) int { return b.DecidedAt.Compare(a.DecidedAt) }) {
			t.Error("disagreements are not most recent first")
		}
		if d := rep.Disagreements[0]; d.DecidedAt.Before(simNow.Add(-3*day)) || len(d.Reasons) == 0 {
			t.Errorf("first disagreement %+v: want a recent one with reasons", d)
		}

		// Read-only: no Ashby call at all, no decision recorded, no Slack.
		if calls := h.sim.Calls(); len(calls) != 0 {
			t.Errorf("backtest called Ashby %d times (first %s)", len(calls), calls[0].Method)
		}
		execs, err := db.ListExecutions(ctx, store.ExecutionFilter{Limit: 10})
		testkit.Must(t, err)
		if len(execs) != 0 {
			t.Errorf("backtest recorded %d executions", len(execs))
		}
		if n := len(h.slack.Calls()); n != 0 {
			t.Errorf("backtest made %d Slack calls", n)
		}
	})
}

// TestBacktestDiff lowers the threshold to 2: cases 3 ([2 4]) and 5
// ([2 3]) flip from reject to advance, 24 each within 60 days.
func TestBacktestDiff(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		h := newHarness(t, b, 300)
		_, err := h.svc.Sync.SyncHistory(ctx, simNow.Add(-180*day))
		testkit.Must(t, err)
		current := h.rule("3")
		draft := h.rule("2")
		draft.Version = 2
		rep, err := h.svc.Backtest.Backtest(ctx, backtest.Query{Rule: draft, Baseline: &current, Since: simNow.Add(-60 * day)})
		testkit.Must(t, err)
		if len(rep.Flips) != 48 {
			t.Fatalf("flips = %d, want 48", len(rep.Flips))
		}
		for _, f := range rep.Flips {
			if f.From != domain.OutcomeReject || f.Predicted != domain.OutcomeAdvance {
				t.Fatalf("flip %s: %s -> %s, want reject -> advance", f.ScheduleID, f.From, f.Predicted)
			}
		}
		if got := rep.Confusion.Cell(domain.OutcomeAdvance, backtest.ActualArchived); got != 48 {
			t.Errorf("advance/archived = %d, want 48 (24 [3 3] + 24 [2 4])", got)
		}
	})
}

// TestSyncHistoryResumes cancels the backfill midway, then reruns it under
// a 429 storm until it completes: nothing is fetched twice beyond the
// application in flight, and no row is duplicated.
func TestSyncHistoryResumes(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		h := newHarness(t, b, 200)
		db := h.db
		const wantVisits = 180*3 + 20*2

		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := h.svc.Sync.SyncHistory(cctx, simNow.Add(-180*day))
			done <- err
		}()
		// Interrupt once the backfill is under way (or after 20s regardless).
		testkit.Poll(20*time.Second, func() bool { return h.sim.CallCount("application.listHistory") >= 60 })
		cancel()
		if err := <-done; err == nil {
			t.Fatal("interrupted backfill returned no error")
		}
		first := h.sim.CallCount("application.listHistory")
		prog, err := db.GetHistoryProgress(ctx, syncer.SyncHistoryName)
		testkit.Must(t, err)
		if prog.FinishedAt != nil || prog.Applications == 0 || prog.Applications >= 200 {
			t.Fatalf("progress after interruption = %+v", prog)
		}

		h.sim.SetFault("application.listHistory", ashbysim.Fault{Rate429: 0.5})
		h.sim.SetFault("applicationFeedback.list", ashbysim.Fault{Rate429: 0.5})
		h.sim.ResetCalls()
		var res syncer.HistoryResult
		for run := 0; ; run++ {
			if run == 20 {
				t.Fatal("backfill did not complete in 20 runs")
			}
			if res, err = h.svc.Sync.SyncHistory(ctx, simNow.Add(-180*day)); err == nil {
				break
			}
		}
		if !res.Resumed || res.Applications != 200 || res.Visits != wantVisits {
			t.Errorf("result = %+v, want resumed, 200 applications, %d visits", res, wantVisits)
		}
		// Answered listHistory calls (not 429s) of the resumed runs cover
		// only the applications left, plus at most the one in flight.
		ok := 0
		for _, c := range h.sim.Calls() {
			if c.Method == "application.listHistory" && c.Status == 200 {
				ok++
			}
			if c.Method != "application.listHistory" && c.Method != "applicationFeedback.list" {
				t.Errorf("backfill called %s", c.Method)
			}
		}
		if ok > 200-prog.Applications+1 {
			t.Errorf("resumed runs fetched %d histories; %d were left (first run made %d calls)", ok, 200-prog.Applications, first)
		}
		if n, _ := db.CountStageHistory(ctx); n != wantVisits {
			t.Errorf("stored visits = %d, want %d", n, wantVisits)
		}
		if n, _ := db.CountFeedback(ctx); n != 180*2-20+20*2 {
			t.Errorf("stored feedback = %d, want %d", n, 180*2-20+20*2)
		}

		// A full re-run re-fetches everything and still duplicates nothing.
		h.sim.ClearFaults()
		_, err = h.svc.Sync.SyncHistory(ctx, simNow.Add(-180*day))
		testkit.Must(t, err)
		if n, _ := db.CountStageHistory(ctx); n != wantVisits {
			t.Errorf("stored visits after a re-run = %d, want %d", n, wantVisits)
		}
	})
}

package advance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// The tests in this file hold the single evaluation path to one behaviour
// whichever door a schedule comes through: alone in its evaluation job
// (EvaluateSchedule), alone from the admin API (EvaluateNow), or in the
// sweep's bulk pass (EvaluateMany). Each runs on SQLite and Postgres, with
// the Ashby simulator behind the real client and a real (insert-only) River
// queue, so what is compared is what the database holds afterwards.

// evalMinWait is the global min wait of the evaluation tests.
const evalMinWait = 10 * time.Minute

// freeText is written into every scorecard's free-text notes: it must never
// reach a log line.
const freeText = "FREE-TEXT-candidate-was-nervous-about-salary"

// evalPath is one way into evaluation.
type evalPath struct {
	name string
	run  func(ctx context.Context, svc *advance.Service, ids []string) error
}

var evalPaths = []evalPath{
	{name: "job", run: func(ctx context.Context, svc *advance.Service, ids []string) error {
		for _, id := range ids {
			if _, _, err := svc.EvaluateSchedule(ctx, id); err != nil {
				return err
			}
		}
		return nil
	}},
	{name: "admin", run: func(ctx context.Context, svc *advance.Service, ids []string) error {
		for _, id := range ids {
			if _, err := svc.EvaluateNow(ctx, id); err != nil {
				return err
			}
		}
		return nil
	}},
	{name: "sweep", run: func(ctx context.Context, svc *advance.Service, ids []string) error {
		_, err := svc.EvaluateMany(ctx, ids)
		return err
	}},
}

// evalEnv is a Service over a fresh store and an insert-only River queue,
// with the Ashby simulator behind the real client and a clock the test
// sets. Its schedules are the simulator scenario's, stored directly.
type evalEnv struct {
	t     *testing.T
	db    *store.DB
	sim   *ashbysim.Sim
	sc    ashbysim.Scenario
	q     *jobs.Queue
	svc   *advance.Service
	clock *testkit.Clock
	logs  *logBuffer
	// t0 is the scenario's time: events ended an hour before it, feedback
	// is submitted at it.
	t0 time.Time
}

// newEvalEnv stores candidates schedules in the scenario's first stage.
func newEvalEnv(t *testing.T, be testkit.Backend, candidates int) *evalEnv {
	t.Helper()
	// Millisecond precision: Ashby's timestamps carry no more.
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	e := &evalEnv{t: t, clock: testkit.NewClock(t0), logs: &logBuffer{}, t0: t0}
	st := testkit.NewStack(t, testkit.StackOptions{Backend: be, Queue: jobs.Options{InsertOnly: true},
		Sim:   ashbysim.Options{Now: func() time.Time { return t0 }},
		Ashby: ashby.Options{Timeout: 10 * time.Second},
		App: app.Options{Now: e.clock.Now, MinWait: evalMinWait, Timeout: 7 * 24 * time.Hour,
			Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}})
	sc := st.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: candidates})
	e.db, e.sim, e.sc, e.q, e.svc = st.DB, st.Sim, sc, st.Queue, st.Services.Advance
	for i := range sc.Candidates {
		e.storeSchedule(i, false)
	}
	return e
}

// storeSchedule stores candidate i's application and schedule: one event,
// ended an hour before t0, with the scenario's interviewers.
func (e *evalEnv) storeSchedule(i int, cancelled bool) {
	e.t.Helper()
	ctx := context.Background()
	c := e.sc.Candidates[i]
	var panel []domain.Assignment
	for _, u := range e.sc.InterviewerIDs {
		panel = append(panel, domain.Assignment{EventID: c.EventID, InterviewerID: u, FirstName: "Inter", LastName: u,
			Email: u + "@example.com", IsEnabled: true, IsFeedbackRequired: true})
	}
	testkit.Must(e.t, e.db.UpsertApplication(ctx, domain.Application{ID: c.ApplicationID, CandidateID: c.CandidateID,
		JobID: e.sc.JobID, CurrentStageID: e.sc.StageIDs[0], CandidateName: "Candidate " + c.CandidateID, UpdatedAt: e.t0}))
	status := domain.StatusWaitingOnFeedback
	if cancelled {
		status = domain.StatusCancelled
	}
	end := e.t0.Add(-time.Hour)
	testkit.Must(e.t, e.db.UpsertSchedule(ctx, domain.Schedule{ID: c.ScheduleID, ApplicationID: c.ApplicationID,
		CandidateID: c.CandidateID, InterviewPlanID: e.sc.PlanID, InterviewStageID: e.sc.StageIDs[0], JobID: e.sc.JobID,
		Status: status, Cancelled: cancelled, UpdatedAt: e.t0, SourceAt: e.t0,
		Events: []domain.Event{{ID: c.EventID, ScheduleID: c.ScheduleID, InterviewID: e.sc.InterviewID,
			StartTime: end.Add(-time.Hour), EndTime: end, Interviewers: panel}}}))
}

// submitPassing stores a passing scorecard (submitted at t0, with free-text
// notes) from every interviewer of candidate i.
func (e *evalEnv) submitPassing(i int) {
	e.t.Helper()
	c := e.sc.Candidates[i]
	values, _ := json.Marshal(map[string]any{
		ashbysim.FieldOverallScore: 4, ashbysim.FieldRecommendation: "hire", ashbysim.FieldNotes: freeText,
	})
	for _, u := range e.sc.InterviewerIDs {
		_, err := e.db.UpsertFeedback(context.Background(), domain.Feedback{ID: "fb-" + c.EventID + "-" + u,
			ApplicationID: c.ApplicationID, EventID: c.EventID, InterviewID: e.sc.InterviewID, InterviewerID: u,
			FormID: e.sc.FormID, SubmittedAt: e.t0, Values: values, UpdatedAt: e.t0})
		testkit.Must(e.t, err)
	}
}

// rule stores an active rule on the first stage whose target is the second.
func (e *evalEnv) rule(mode string) domain.Rule {
	e.t.Helper()
	r, err := e.db.CreateRule(context.Background(), domain.Rule{
		Name: "panel score", InterviewPlanID: e.sc.PlanID, InterviewStageID: e.sc.StageIDs[0],
		TargetStageID: e.sc.StageIDs[1], Mode: mode, Active: true, ArchiveReasonID: e.sc.ArchiveReasonID,
		Requirements: []domain.Requirement{{InterviewID: e.sc.InterviewID, FieldPath: ashbysim.FieldOverallScore,
			Operator: ">=", Threshold: "3", Required: true}},
	})
	testkit.Must(e.t, err)
	return r
}

// stamp is what a schedule row says about its latest evaluation.
type stamp struct {
	Outcome string
	DueAt   string
}

func (e *evalEnv) stamp(scheduleID string) stamp {
	e.t.Helper()
	s, err := e.db.GetSchedule(context.Background(), scheduleID)
	testkit.Must(e.t, err)
	st := stamp{Outcome: s.LastOutcome}
	if s.DueAt != nil {
		st.DueAt = s.DueAt.UTC().Format(time.RFC3339Nano)
	}
	return st
}

// timer is a queued evaluation that waits for a due time.
type timer struct {
	ScheduleID  string
	At          string
	ScheduledAt string
}

// timers lists the queued evaluations that re-check a schedule at a due
// time (not those asked for by a change).
func (e *evalEnv) timers() []timer {
	e.t.Helper()
	rows, err := e.q.PendingJobs(context.Background())
	testkit.Must(e.t, err)
	var out []timer
	for _, r := range rows {
		if r.Kind != (jobs.EvaluateArgs{}).Kind() {
			continue
		}
		var a jobs.EvaluateArgs
		testkit.Must(e.t, json.Unmarshal(r.EncodedArgs, &a))
		if a.At == "" {
			continue
		}
		out = append(out, timer{ScheduleID: a.ScheduleID, At: a.At,
			ScheduledAt: r.ScheduledAt.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano)})
	}
	slices.SortFunc(out, func(a, b timer) int { return strings.Compare(a.ScheduleID+a.At, b.ScheduleID+b.At) })
	return out
}

func (e *evalEnv) executions(appID string) []domain.Execution {
	e.t.Helper()
	list, err := e.db.ListExecutions(context.Background(), store.ExecutionFilter{ApplicationID: appID})
	testkit.Must(e.t, err)
	return list
}

// logBuffer collects JSON log lines from several goroutines.
type logBuffer struct{ testkit.Buffer }

// records returns the log records with one of the messages, without their
// time, as canonical JSON sorted by schedule.
func (b *logBuffer) records(t *testing.T, msgs ...string) []string {
	t.Helper()
	var out []string
	for line := range strings.SplitSeq(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if !slices.Contains(msgs, fmt.Sprint(rec["msg"])) {
			continue
		}
		delete(rec, "time")
		canon, _ := json.Marshal(rec) // map keys are sorted
		out = append(out, string(canon))
	}
	slices.Sort(out)
	return out
}

// TestWaitDueSoonSamePath evaluates a schedule whose min wait ends soon
// (in two seconds, and in 10 ms as when a re-check job is woken by the
// database's clock just before the app's reaches the due time) through each
// door and expects the same record: the wait stamped with its due time and a
// queued evaluation at exactly that time, in the same transaction, so the
// re-check can be neither lost nor early. The schedule's own job also asks
// to be snoozed until just after the due time, never for nothing (a busy
// loop), which a caller without a job to snooze has no use for (see
// EvaluateSchedule).
func TestWaitDueSoonSamePath(t *testing.T) {
	t.Parallel()
	for _, be := range testkit.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			for _, before := range []time.Duration{2 * time.Second, 10 * time.Millisecond} {
				for _, p := range evalPaths {
					// A fresh store per door: the first door's queued re-check
					// would otherwise absorb the next one's (jobs are unique).
					e := newEvalEnv(t, be, 1)
					e.rule(domain.ModeShadow)
					e.submitPassing(0)
					id := e.sc.Candidates[0].ScheduleID
					due := e.t0.Add(evalMinWait)
					e.clock.Set(due.Add(-before))
					if p.name == "job" {
						rerun, in, err := e.svc.EvaluateSchedule(context.Background(), id)
						testkit.Must(t, err)
						if !rerun || in <= before || in > before+time.Second {
							t.Errorf("%s, due in %s: EvaluateSchedule = rerun %v in %s, want a snooze just past the due time",
								p.name, before, rerun, in)
						}
					} else {
						testkit.Must(t, p.run(context.Background(), e.svc, []string{id}))
					}
					dueText := due.Format(time.RFC3339Nano)
					if got := e.stamp(id); got != (stamp{Outcome: domain.OutcomeWait, DueAt: dueText}) {
						t.Errorf("%s, due in %s: stamp %+v, want a wait due at %s", p.name, before, got, dueText)
					}
					want := []timer{{ScheduleID: id, At: dueText, ScheduledAt: dueText}}
					if got := e.timers(); !slices.Equal(got, want) {
						t.Errorf("%s, due in %s: queued re-checks %+v, want %+v", p.name, before, got, want)
					}
				}
			}
		})
	}
}

// TestShadowAdvanceClaimAndStampAtomic makes the database refuse the stamp
// of a shadow advance (a trigger on the schedule row) and expects nothing of
// the decision to remain: a claim committed without its stamp would hide
// the decision from the next try (it finds the claim and logs nothing) while
// the dashboard still shows the schedule undecided. Once the fault is gone
// the next evaluation records claim and stamp together, logged once.
func TestShadowAdvanceClaimAndStampAtomic(t *testing.T) {
	t.Parallel()
	for _, be := range testkit.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			for _, p := range evalPaths {
				e := newEvalEnv(t, be, 1)
				e.rule(domain.ModeShadow)
				e.submitPassing(0)
				c := e.sc.Candidates[0]
				e.clock.Set(e.t0.Add(evalMinWait + time.Minute))
				fault := injectStampFault(t, e.db)

				err := p.run(context.Background(), e.svc, []string{c.ScheduleID})
				if err == nil || !strings.Contains(err.Error(), "injected fault") {
					t.Fatalf("%s: evaluate with the stamp refused: err %v, want the injected fault", p.name, err)
				}
				if got := e.executions(c.ApplicationID); len(got) != 0 {
					t.Errorf("%s: the stamp failed but %d claim(s) committed (first: %s/%s): claim and stamp are not one transaction",
						p.name, len(got), got[0].Outcome, got[0].Status)
				}
				if got := e.stamp(c.ScheduleID); got.Outcome != "" {
					t.Errorf("%s: stamp %+v after the fault, want none", p.name, got)
				}

				fault()
				testkit.Must(t, p.run(context.Background(), e.svc, []string{c.ScheduleID}))
				got := e.executions(c.ApplicationID)
				if len(got) != 1 || got[0].Status != domain.ExecDryRun || got[0].ToStageID != e.sc.StageIDs[1] {
					t.Errorf("%s: executions after the fault cleared: %+v, want one dry_run to the second stage", p.name, got)
				}
				if st := e.stamp(c.ScheduleID); st.Outcome != domain.OutcomeAdvance {
					t.Errorf("%s: stamp %+v, want advance", p.name, st)
				}
				if n := len(e.logs.records(t, "DRY_RUN_would_advance_candidate")); n != 1 {
					t.Errorf("%s: DRY_RUN_would_advance_candidate logged %d times, want once", p.name, n)
				}
			}
		})
	}
}

// injectStampFault makes every evaluation stamp (an update of
// interview_schedules.last_outcome) fail inside the database, and returns
// the function that removes the fault.
func injectStampFault(t *testing.T, db *store.DB) (remove func()) {
	t.Helper()
	ctx := context.Background()
	var create, drop []string
	if db.Dialect() == store.DialectPostgres {
		create = []string{
			`CREATE FUNCTION aaa_test_stamp_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'injected fault: stamp refused'; END $$`,
			`CREATE TRIGGER aaa_test_stamp_fault BEFORE UPDATE OF last_outcome ON interview_schedules
FOR EACH ROW EXECUTE FUNCTION aaa_test_stamp_fault()`,
		}
		drop = []string{`DROP TRIGGER aaa_test_stamp_fault ON interview_schedules`, `DROP FUNCTION aaa_test_stamp_fault()`}
	} else {
		create = []string{`CREATE TRIGGER aaa_test_stamp_fault BEFORE UPDATE OF last_outcome ON interview_schedules
BEGIN SELECT RAISE(ABORT, 'injected fault: stamp refused'); END`}
		drop = []string{`DROP TRIGGER aaa_test_stamp_fault`}
	}
	for _, q := range create {
		if _, err := db.Writer().ExecContext(ctx, q); err != nil {
			t.Fatalf("inject fault: %v", err)
		}
	}
	return func() {
		t.Helper()
		for _, q := range drop {
			if _, err := db.Writer().ExecContext(ctx, q); err != nil {
				t.Fatalf("remove fault: %v", err)
			}
		}
	}
}

// TestWaitAndSkipLogsSamePath evaluates a wait on the min wait, a wait on
// missing feedback and a cancelled schedule (skip) through each door and
// expects the same log records, with no feedback free text in any line.
func TestWaitAndSkipLogsSamePath(t *testing.T) {
	t.Parallel()
	for _, be := range testkit.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			// One store for every door: a wait or a skip records no claim, so
			// evaluating the same schedules again must log the same again.
			e := newEvalEnv(t, be, 3)
			e.rule(domain.ModeLive)
			e.submitPassing(0)       // candidate 1 owes feedback
			e.storeSchedule(2, true) // cancelled in Ashby: skip
			e.clock.Set(e.t0.Add(time.Minute))
			ids := make([]string, len(e.sc.Candidates))
			for i, c := range e.sc.Candidates {
				ids[i] = c.ScheduleID
			}
			var want []string
			for _, p := range evalPaths {
				e.logs.Reset()
				testkit.Must(t, p.run(context.Background(), e.svc, ids))
				got := e.logs.records(t, "evaluation_waiting", "evaluation_skipped")
				if len(got) != 3 {
					t.Errorf("%s: %d wait/skip records, want 3 (two waits, one skip):\n%s", p.name, len(got), strings.Join(got, "\n"))
				}
				if strings.Contains(e.logs.String(), freeText) {
					t.Errorf("%s: feedback free text in the logs", p.name)
				}
				if want == nil {
					want = got
					continue
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("wait/skip logs differ:\n%s:\n%s\n%s:\n%s", evalPaths[0].name, strings.Join(want, "\n"),
						p.name, strings.Join(got, "\n"))
				}
			}
		})
	}
}

package storetest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 123456000, time.UTC)

func sched(id, app string, at time.Time) domain.Schedule {
	return domain.Schedule{ID: id, ApplicationID: app, CandidateID: "c-" + app, InterviewStageID: "stage-1",
		InterviewPlanID: "plan-1", JobID: "job-1", Status: domain.StatusComplete, CreatedAt: at, UpdatedAt: at, SourceAt: at,
		Events: []domain.Event{{ID: "ev-" + id, InterviewID: "iv-1", StartTime: at.Add(-2 * time.Hour), EndTime: at.Add(-time.Hour),
			FeedbackLink: "https://ashby/fb", Interviewers: []domain.Assignment{
				{InterviewerID: "u1", FirstName: "Ada", Email: "ada@x", IsEnabled: true, IsFeedbackRequired: true},
				{InterviewerID: "u2", FirstName: "Sam", TrainingRole: domain.TrainingRoleShadow, IsFeedbackRequired: false},
			}}}}
}

func TestSchedules(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		testkit.Must(t, db.UpsertSchedule(ctx, sched("s1", "a1", t0)))
		got, err := db.GetSchedule(ctx, "s1")
		testkit.Must(t, err)
		if got.JobID != "job-1" || got.InterviewPlanID != "plan-1" || len(got.Events) != 1 || len(got.Events[0].Interviewers) != 2 ||
			!got.Events[0].EndTime.Equal(t0.Add(-time.Hour)) || got.Events[0].Interviewers[1].IsFeedbackRequired {
			t.Fatalf("round trip: %+v", got)
		}
		// Older data is refused; empty plan/job keep the stored ones.
		older := sched("s1", "a1", t0.Add(-time.Minute))
		older.Status = domain.StatusScheduled
		if err := db.UpsertSchedule(ctx, older); !errors.Is(err, store.ErrStaleUpdate) {
			t.Fatalf("older upsert: %v, want ErrStaleUpdate", err)
		}
		newer := sched("s1", "a1", t0.Add(time.Minute))
		newer.JobID, newer.InterviewPlanID, newer.Status = "", "", domain.StatusCancelled
		newer.Events = nil
		testkit.Must(t, db.UpsertSchedule(ctx, newer))
		got, _ = db.GetSchedule(ctx, "s1")
		if got.JobID != "job-1" || got.InterviewPlanID != "plan-1" || !got.Cancelled || len(got.Events) != 0 {
			t.Fatalf("after cancel: %+v", got)
		}
		if _, err := db.GetSchedule(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing schedule: %v", err)
		}
		testkit.Must(t, db.UpsertSchedule(ctx, sched("s2", "a2", t0)))
		testkit.Must(t, db.SetScheduleMeta(ctx, "s2", "plan-2", ""))
		if got, _ := db.GetSchedule(ctx, "s2"); got.InterviewPlanID != "plan-2" || got.JobID != "job-1" {
			t.Fatalf("set meta: %+v", got)
		}
		due := t0.Add(time.Hour)
		testkit.Must(t, db.RecordEvaluation(ctx, store.EvaluationStamp{ScheduleID: "s2", Outcome: domain.OutcomeWait, Summary: "waiting", DueAt: &due, At: t0}))
		got, _ = db.GetSchedule(ctx, "s2")
		if got.LastOutcome != domain.OutcomeWait || got.DueAt == nil || !got.DueAt.Equal(due) {
			t.Fatalf("record evaluation: %+v", got)
		}
		open, err := db.ListOpenSchedules(ctx, 0)
		testkit.Must(t, err)
		if len(open) != 1 || open[0] != "s2" {
			t.Fatalf("open schedules = %v, want [s2] (s1 cancelled)", open)
		}
		testkit.Must(t, db.RecordEvaluation(ctx, store.EvaluationStamp{ScheduleID: "s2", Outcome: domain.OutcomeAdvance, At: t0.Add(time.Minute)}))
		if open, _ = db.ListOpenSchedules(ctx, 0); len(open) != 0 {
			t.Fatalf("decided schedule still open: %v", open)
		}
		ids, err := db.TouchSchedulesByApplication(ctx, "a2", t0.Add(2*time.Minute))
		testkit.Must(t, err)
		if len(ids) != 1 {
			t.Fatalf("touch = %v", ids)
		}
		if open, _ = db.ListOpenSchedules(ctx, 0); len(open) != 1 {
			t.Fatalf("changed schedule not reopened: %v", open)
		}
		apps, err := db.ListOpenApplications(ctx)
		testkit.Must(t, err)
		if len(apps) != 0 { // s2's last outcome is final, s1 cancelled
			t.Fatalf("open applications = %v", apps)
		}
		list, err := db.ListSchedulesByApplication(ctx, "a2")
		testkit.Must(t, err)
		if len(list) != 1 || len(list[0].Events) != 1 {
			t.Fatalf("by application: %+v", list)
		}
	})
}

func TestFeedback(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := domain.Feedback{ID: "f1", ApplicationID: "a1", EventID: "e1", InterviewerID: "u1", InterviewID: "iv",
			SubmittedAt: t0, Values: []byte(`{"overall_score": 3}`)}
		changed, err := db.UpsertFeedback(ctx, f)
		testkit.Must(t, err)
		if !changed {
			t.Fatal("insert not reported as a change")
		}
		if changed, _ = db.UpsertFeedback(ctx, f); changed {
			t.Fatal("same values reported as a change")
		}
		f.Values = []byte(`{"overall_score":4}`)
		if changed, _ = db.UpsertFeedback(ctx, f); !changed {
			t.Fatal("edited values not written")
		}
		list, err := db.ListFeedbackByApplication(ctx, "a1")
		testkit.Must(t, err)
		if len(list) != 1 || string(list[0].Values) != `{"overall_score":4}` || !list[0].SubmittedAt.Equal(t0) {
			t.Fatalf("feedback = %+v", list)
		}
		if n, _ := db.CountFeedback(ctx); n != 1 {
			t.Fatalf("count = %d", n)
		}
	})
}

func rule(job string) domain.Rule {
	return domain.Rule{Name: "r-" + job, JobID: job, InterviewPlanID: "plan-1", InterviewStageID: "stage-1", Active: true,
		Requirements: []domain.Requirement{{InterviewID: "iv-1", FieldPath: "overall_score", Operator: ">=", Threshold: "3", Required: true}},
		Actions:      []domain.Action{{ActionType: "advance_stage", ExecutionOrder: 1}}, CreatedAt: t0}
}

func TestRules(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r, err := db.CreateRule(ctx, rule(""))
		testkit.Must(t, err)
		if r.Mode != domain.ModeShadow || r.Version != 1 || r.Requirements[0].Aggregate != domain.AggEach {
			t.Fatalf("defaults: %+v", r)
		}
		if _, err := db.CreateRule(ctx, rule("")); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("second active rule in the same scope: %v, want ErrConflict", err)
		}
		if _, err := db.CreateRule(ctx, rule("job-1")); err != nil {
			t.Fatalf("job-specific rule beside a global one: %v", err)
		}
		got, err := db.GetRule(ctx, r.ID)
		testkit.Must(t, err)
		if len(got.Requirements) != 1 || len(got.Actions) != 1 || got.Requirements[0].Threshold != "3" {
			t.Fatalf("get: %+v", got)
		}
		got.Mode = domain.ModeLive
		got.Requirements[0].Threshold = "4"
		up, err := db.UpdateRule(ctx, got)
		testkit.Must(t, err)
		if up.Version != 2 || up.Mode != domain.ModeLive || up.Requirements[0].Threshold != "4" {
			t.Fatalf("update: %+v", up)
		}
		stage, err := db.ListRulesForStage(ctx, "plan-1", "stage-1")
		testkit.Must(t, err)
		if len(stage) != 2 {
			t.Fatalf("rules for stage = %d", len(stage))
		}
		// UpdateRule is a compare-and-set on the version read.
		stale := got // version 1, the rule is at 2
		stale.Active = false
		if _, err := db.UpdateRule(ctx, stale); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("update from a stale version: %v, want ErrConflict", err)
		}
		up.Active = false
		off, err := db.UpdateRule(ctx, up)
		testkit.Must(t, err)
		if off.Active || off.Version != 3 {
			t.Fatalf("deactivate: %+v", off)
		}
		missing := up
		missing.ID = "nope"
		if _, err := db.UpdateRule(ctx, missing); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("update of a missing rule: %v, want ErrNotFound", err)
		}
		active, _ := db.ListRules(ctx, true)
		all, _ := db.ListRules(ctx, false)
		if len(active) != 1 || len(all) != 2 {
			t.Fatalf("active %d all %d", len(active), len(all))
		}
		if _, err := db.GetRule(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing rule: %v", err)
		}
	})
}

func TestExecutionsClaimOnce(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		key := store.ClaimKey("advance", "a1", "stage-1", "r1", 1)
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, conflicts := 0, 0
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.InsertExecution(ctx, domain.Execution{ScheduleID: "s1", ApplicationID: "a1", RuleID: "r1",
					Status: domain.ExecPending, Outcome: domain.OutcomeAdvance, Mode: domain.ModeLive, ExecutedAt: t0}, key)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.Is(err, domain.ErrConflict):
					conflicts++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if won != 1 || conflicts != 9 {
			t.Fatalf("won %d conflicts %d, want 1 and 9", won, conflicts)
		}
		e, err := db.GetExecutionByClaim(ctx, key)
		testkit.Must(t, err)
		stamp, err := db.TakeOverExecution(ctx, e.ID, e.UpdatedAt, t0.Add(time.Hour+time.Nanosecond), "")
		if err != nil {
			t.Fatalf("take over: %v", err)
		}
		if _, err := db.TakeOverExecution(ctx, e.ID, e.UpdatedAt, t0.Add(2*time.Hour), ""); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("second take over with a stale view: %v", err)
		}
		// The returned stamp fences the next step (compare-and-set on it).
		if _, err := db.TakeOverExecution(ctx, e.ID, stamp, t0.Add(3*time.Hour), "sent"); err != nil {
			t.Fatalf("fence with the returned stamp: %v", err)
		}
		if got, _ := db.GetExecution(ctx, e.ID); got.FailureReason != "sent" {
			t.Fatalf("reason = %q, want sent", got.FailureReason)
		}
		testkit.Must(t, db.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: domain.ExecPending, Status: domain.ExecSuccess, At: t0}))
		if err := db.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: domain.ExecPending, Status: domain.ExecFailed, At: t0}); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("compare-and-set on a finished execution: %v", err)
		}
		testkit.Must(t, db.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, Status: domain.ExecRejected, ExecutedBy: "slack:U1 (ann)", At: t0}))
		got, _ := db.GetExecution(ctx, e.ID)
		if got.Status != domain.ExecRejected || got.ExecutedBy != "slack:U1 (ann)" {
			t.Fatalf("execution = %+v", got)
		}
		list, err := db.ListExecutions(ctx, store.ExecutionFilter{ApplicationID: "a1", Mode: domain.ModeLive, Since: t0.Add(-time.Hour)})
		testkit.Must(t, err)
		if len(list) != 1 {
			t.Fatalf("list = %d", len(list))
		}
		counts, err := db.CountExecutions(ctx, t0.Add(-time.Hour))
		testkit.Must(t, err)
		if len(counts) != 1 || counts[0].Count != 1 || counts[0].Status != domain.ExecRejected {
			t.Fatalf("counts = %+v", counts)
		}
	})
}

func TestMetadataDeliveriesSyncSlackReviewsNotifications(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: "p1", Title: "Eng"}, t0))
		testkit.Must(t, db.UpsertJob(ctx, domain.Job{ID: "j1", Title: "SWE", Status: "Open", DefaultInterviewPlanID: "p1", PlanIDs: []string{"p1"}}, t0))
		testkit.Must(t, db.UpsertStages(ctx, "p1", []domain.Stage{{ID: "st2", Title: "Onsite", Order: 20}, {ID: "st1", Title: "Screen", Order: 10}}, t0))
		stages, _ := db.ListStages(ctx, "p1")
		if len(stages) != 2 || stages[0].ID != "st1" {
			t.Fatalf("stages not ordered: %+v", stages)
		}
		plans, _ := db.ListPlansForJob(ctx, "j1")
		if len(plans) != 1 || !plans[0].IsDefault {
			t.Fatalf("plans for job: %+v", plans)
		}
		jobs, _ := db.ListJobs(ctx, true)
		if len(jobs) != 1 {
			t.Fatalf("jobs: %+v", jobs)
		}
		testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "iv1", Title: "Tech", JobID: "j1", FormID: "f1"}, t0))
		if iv, _ := db.GetInterview(ctx, "iv1"); iv.FormID != "f1" {
			t.Fatalf("interview: %+v", iv)
		}
		testkit.Must(t, db.UpsertForm(ctx, domain.Form{ID: "f1", Title: "Form", Definition: []byte(`{"id":"f1"}`)}, t0))
		if f, _ := db.GetForm(ctx, "f1"); string(f.Definition) != `{"id":"f1"}` {
			t.Fatalf("form: %+v", f)
		}
		testkit.Must(t, db.UpsertArchiveReason(ctx, domain.ArchiveReason{ID: "ar1", Text: "Skills"}, t0))
		testkit.Must(t, db.UpsertAshbyUser(ctx, domain.AshbyUser{ID: "u1", Email: "a@x", IsEnabled: true}, t0))
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "a1", JobID: "j1", CurrentStageID: "st1", CandidateName: "Ann", RecruiterEmail: "r@x"}))
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "a1", JobID: "j1", CurrentStageID: "st2"}))
		if a, _ := db.GetApplication(ctx, "a1"); a.CurrentStageID != "st2" || a.CandidateName != "Ann" {
			t.Fatalf("application: %+v", a)
		}
		c, err := db.MetadataCounts(ctx)
		testkit.Must(t, err)
		if c.Jobs != 1 || c.Plans != 1 || c.Stages != 2 || c.LastSynced == nil || !c.LastSynced.Equal(t0) {
			t.Fatalf("counts: %+v", c)
		}

		d := domain.Delivery{DedupeKey: "action:w1", Action: "interviewScheduleUpdate", ScheduleID: "s1", Payload: []byte(`{}`), ReceivedAt: t0}
		ins, err := db.InsertDelivery(ctx, d)
		testkit.Must(t, err)
		dup, _ := db.InsertDelivery(ctx, d)
		if !ins || dup {
			t.Fatalf("insert %v duplicate %v", ins, dup)
		}
		list, _ := db.ListDeliveries(ctx, domain.DeliveryPending, 10)
		testkit.Must(t, db.MarkDelivery(ctx, list[0].ID, domain.DeliveryFailed, "boom", t0))
		got, _ := db.GetDelivery(ctx, list[0].ID)
		if got.Status != domain.DeliveryFailed || got.LastError != "boom" || got.Attempts != 1 {
			t.Fatalf("delivery: %+v", got)
		}
		if n, _ := db.CountDeliveries(ctx); n[domain.DeliveryFailed] != 1 {
			t.Fatalf("delivery counts: %v", n)
		}

		st, err := db.GetSyncState(ctx, "feedback")
		testkit.Must(t, err)
		st.SyncToken, st.LastStatus = "tok", "ok"
		testkit.Must(t, db.SaveSyncState(ctx, st))
		if st, _ = db.GetSyncState(ctx, "feedback"); st.SyncToken != "tok" {
			t.Fatalf("sync state: %+v", st)
		}

		testkit.Must(t, db.UpsertSlackUser(ctx, domain.SlackUser{ID: "U1", Email: "Ann@X.com", RealName: "Ann"}, t0))
		testkit.Must(t, db.UpsertSlackUser(ctx, domain.SlackUser{ID: "U2", Email: "Ann@X.com", RealName: "Ann (new)"}, t0))
		if u, _ := db.GetSlackUserByEmail(ctx, "ann@x.com"); u.ID != "U2" {
			t.Fatalf("slack user by email: %+v", u)
		}

		testkit.Must(t, db.SaveReview(ctx, domain.Review{ExecutionID: "x1", RuleID: "r1", Verdict: domain.VerdictAgree}))
		testkit.Must(t, db.SaveReview(ctx, domain.Review{ExecutionID: "x1", RuleID: "r1", Verdict: domain.VerdictDisagree, Note: "too strict"}))
		if rv, _ := db.ListReviews(ctx, "r1"); len(rv) != 1 || rv[0].Verdict != domain.VerdictDisagree {
			t.Fatalf("reviews: %+v", rv)
		}

		n, err := db.InsertNotification(ctx, domain.Notification{ExecutionID: "x1", Kind: "rejection", Status: domain.NotificationPending})
		testkit.Must(t, err)
		n.Status, n.MessageTS = domain.NotificationSent, "123.4"
		testkit.Must(t, db.UpdateNotification(ctx, n))
		if ns, _ := db.ListNotifications(ctx, "x1", 10); len(ns) != 1 || ns[0].Status != domain.NotificationSent {
			t.Fatalf("notifications: %+v", ns)
		}
		if st := db.PoolStats(); st.Size < 1 || st.Free < 0 {
			t.Fatalf("pool stats: %+v", st)
		}
	})
}

func TestTransactionRollsBack(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx store.Store) error {
			if _, err := tx.InsertDelivery(ctx, domain.Delivery{DedupeKey: "k", Action: "x", Payload: []byte("{}"), ReceivedAt: t0}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v", err)
		}
		if list, _ := db.ListDeliveries(ctx, "", 10); len(list) != 0 {
			t.Fatalf("rolled-back insert visible: %d rows", len(list))
		}
	})
}

func TestInsertDeliveriesDedupes(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := func(id, key string) domain.Delivery {
			return domain.Delivery{ID: id, DedupeKey: key, Action: "interviewScheduleUpdate", Payload: []byte(`{}`), ReceivedAt: t0}
		}
		first, err := db.InsertDeliveries(ctx, []domain.Delivery{d("d1", "k1"), d("d2", "k2"), d("d3", "k1")})
		testkit.Must(t, err)
		if !first["d1"] || !first["d2"] || first["d3"] {
			t.Fatalf("first batch inserted %v, want d1 and d2 (d3 repeats k1)", first)
		}
		again, err := db.InsertDeliveries(ctx, []domain.Delivery{d("d4", "k2"), d("d5", "k5")})
		testkit.Must(t, err)
		if again["d4"] || !again["d5"] {
			t.Fatalf("second batch inserted %v, want only d5", again)
		}
		if all, _ := db.ListDeliveries(ctx, "", 10); len(all) != 3 {
			t.Fatalf("stored %d deliveries, want 3", len(all))
		}
	})
}

func TestRuleRevisions(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		none, err := db.ListRuleRevisions(ctx, "rule-1")
		testkit.Must(t, err)
		if none == nil || len(none) != 0 {
			t.Fatalf("no history: %#v, want an empty list", none)
		}
		s := func(v string) *string { return &v }
		first := domain.RuleRevision{RuleID: "rule-1", Version: 1, Action: domain.RevisionCreate, Actor: "ops",
			Source: domain.SourceAPI, Changes: []domain.FieldChange{{Field: "mode", New: s("shadow")}}, CreatedAt: t0}
		got, err := db.InsertRuleRevision(ctx, first)
		testkit.Must(t, err)
		if got.ID == "" {
			t.Fatal("no revision id generated")
		}
		second := domain.RuleRevision{RuleID: "rule-1", Version: 2, Action: domain.RevisionMode, Actor: "ana",
			Source: domain.SourceTUI, Changes: []domain.FieldChange{{Field: "mode", Old: s("shadow"), New: s("live")}},
			CreatedAt: t0.Add(time.Minute)}
		_, err = db.InsertRuleRevision(ctx, second)
		testkit.Must(t, err)
		_, err = db.InsertRuleRevision(ctx, domain.RuleRevision{RuleID: "rule-2", Version: 1, Action: domain.RevisionCreate,
			Actor: "x", Source: domain.SourceCLI, CreatedAt: t0})
		testkit.Must(t, err)

		revs, err := db.ListRuleRevisions(ctx, "rule-1")
		testkit.Must(t, err)
		if len(revs) != 2 || revs[0].Version != 2 || revs[1].Version != 1 {
			t.Fatalf("revisions = %+v, want versions 2, 1", revs)
		}
		r := revs[0]
		if r.Actor != "ana" || r.Source != domain.SourceTUI || r.Action != domain.RevisionMode || !r.CreatedAt.Equal(t0.Add(time.Minute)) ||
			len(r.Changes) != 1 || *r.Changes[0].Old != "shadow" || *r.Changes[0].New != "live" {
			t.Fatalf("newest = %+v", r)
		}
		if c := revs[1].Changes[0]; c.Old != nil || *c.New != "shadow" {
			t.Fatalf("created field = %+v, want old null", c)
		}
	})
}

package storetest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var lcT0 = time.Date(2026, 3, 2, 9, 0, 0, 250_000_000, time.UTC)

// visitRow is a stored visit as the tests compare it.
type visitRow struct {
	Stage, Title, Source string
	Entered, Left        time.Time
}

func visits(t *testing.T, db *store.DB, app string) []visitRow {
	t.Helper()
	got, err := db.ListStageHistory(context.Background(), app)
	testkit.Must(t, err)
	out := make([]visitRow, len(got))
	for i, v := range got {
		out[i] = visitRow{Stage: v.StageID, Title: v.Title, Source: v.Source, Entered: v.EnteredAt}
		if v.LeftAt != nil {
			out[i].Left = *v.LeftAt
		}
	}
	return out
}

func TestRecordStageChange(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t1, t2, t3 := lcT0.Add(time.Hour), lcT0.Add(2*time.Hour), lcT0.Add(3*time.Hour)
		record := func(c store.StageChange, want bool) {
			t.Helper()
			got, err := db.RecordStageChange(ctx, c)
			testkit.Must(t, err)
			if got != want {
				t.Fatalf("RecordStageChange(%s -> %s at %s) = %v, want %v", c.ApplicationID, c.StageID, c.At, got, want)
			}
		}
		check := func(app string, want []visitRow) {
			t.Helper()
			if got := visits(t, db, app); !reflect.DeepEqual(got, want) {
				t.Fatalf("history of %s:\n got %+v\nwant %+v", app, got, want)
			}
		}

		// No history yet: the stage it left is recorded first, closed.
		first := store.StageChange{ApplicationID: "app-1", StageID: "onsite", StageTitle: "Onsite", At: t1,
			PreviousStageID: "screen", PreviousEnteredAt: lcT0}
		record(first, true)
		want := []visitRow{
			{Stage: "screen", Source: "webhook", Entered: lcT0, Left: t1},
			{Stage: "onsite", Title: "Onsite", Source: "webhook", Entered: t1},
		}
		check("app-1", want)
		// The same webhook again, and a later one for the same stage: nothing.
		record(first, false)
		record(store.StageChange{ApplicationID: "app-1", StageID: "onsite", At: t2}, false)
		// An older change arriving late: nothing.
		record(store.StageChange{ApplicationID: "app-1", StageID: "offer", At: lcT0.Add(30 * time.Minute),
			PreviousStageID: "screen"}, false)
		check("app-1", want)
		// A newer change closes the open visit; a previous stage is ignored
		// once history exists.
		record(store.StageChange{ApplicationID: "app-1", StageID: "offer", StageTitle: "Offer", At: t3,
			PreviousStageID: "elsewhere", PreviousEnteredAt: t2}, true)
		want[1].Left = t3
		want = append(want, visitRow{Stage: "offer", Title: "Offer", Source: "webhook", Entered: t3})
		check("app-1", want)
		record(store.StageChange{ApplicationID: "app-1", StageID: "offer", StageTitle: "Offer", At: t3}, false)
		check("app-1", want)

		// Rows of `aaa sync history` (source api) count the same.
		testkit.Must(t, db.UpsertStageHistory(ctx, []domain.StageVisit{
			{ApplicationID: "app-2", StageID: "screen", Title: "Screen", EnteredAt: lcT0, LeftAt: &t1, HistoryID: "h1"},
			{ApplicationID: "app-2", StageID: "onsite", Title: "Onsite", EnteredAt: t1, HistoryID: "h2"},
		}, t1))
		record(store.StageChange{ApplicationID: "app-2", StageID: "onsite", At: t2}, false)
		record(store.StageChange{ApplicationID: "app-2", StageID: "offer", At: lcT0.Add(time.Minute)}, false)
		record(store.StageChange{ApplicationID: "app-2", StageID: "offer", StageTitle: "Offer", At: t2,
			PreviousStageID: "onsite"}, true)
		check("app-2", []visitRow{
			{Stage: "screen", Title: "Screen", Source: "api", Entered: lcT0, Left: t1},
			{Stage: "onsite", Title: "Onsite", Source: "api", Entered: t1, Left: t2},
			{Stage: "offer", Title: "Offer", Source: "webhook", Entered: t2},
		})

		// History whose last visit is closed (archived in Ashby): a change
		// before it ended is late; one after opens a visit.
		testkit.Must(t, db.UpsertStageHistory(ctx, []domain.StageVisit{
			{ApplicationID: "app-3", StageID: "screen", Title: "Screen", EnteredAt: lcT0, LeftAt: &t2},
		}, t2))
		record(store.StageChange{ApplicationID: "app-3", StageID: "onsite", At: t1}, false)
		record(store.StageChange{ApplicationID: "app-3", StageID: "onsite", At: t3}, true)
		record(store.StageChange{ApplicationID: "app-3", StageID: "onsite", At: t3}, false)
		check("app-3", []visitRow{
			{Stage: "screen", Title: "Screen", Source: "api", Entered: lcT0, Left: t2},
			{Stage: "onsite", Source: "webhook", Entered: t3},
		})

		// No previous stage, or the same one, or an unknown entry time.
		record(store.StageChange{ApplicationID: "app-4", StageID: "screen", At: t1, PreviousStageID: "screen"}, true)
		check("app-4", []visitRow{{Stage: "screen", Source: "webhook", Entered: t1}})
		record(store.StageChange{ApplicationID: "app-5", StageID: "onsite", At: t1, PreviousStageID: "screen"}, true)
		check("app-5", []visitRow{ // same entry time: listed by stage id
			{Stage: "onsite", Source: "webhook", Entered: t1},
			{Stage: "screen", Source: "webhook", Entered: t1, Left: t1},
		})
		// Times are stored as UTC whatever zone they come in.
		paris := time.FixedZone("CET", 3600)
		record(store.StageChange{ApplicationID: "app-6", StageID: "screen", At: t1.In(paris)}, true)
		record(store.StageChange{ApplicationID: "app-6", StageID: "onsite", At: t2.In(paris)}, true)
		check("app-6", []visitRow{
			{Stage: "screen", Source: "webhook", Entered: t1, Left: t2},
			{Stage: "onsite", Source: "webhook", Entered: t2},
		})

		if _, err := db.RecordStageChange(ctx, store.StageChange{ApplicationID: "app-1", At: t1}); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("change without a stage: %v, want ErrInvalid", err)
		}
	})
}

// TestRecordStageChangeConcurrent: changes of one application recorded at
// once (several workers on Postgres) leave one open visit, the newest.
func TestRecordStageChangeConcurrent(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		testkit.Must(t, db.UpsertStageHistory(ctx, []domain.StageVisit{
			{ApplicationID: "app-c", StageID: "applied", EnteredAt: lcT0},
		}, lcT0))
		const n = 5
		errs := make(chan error, n)
		for i := range n {
			go func() {
				_, err := db.RecordStageChange(ctx, store.StageChange{ApplicationID: "app-c",
					StageID: fmt.Sprintf("stage-%d", i), At: lcT0.Add(time.Duration(i+1) * time.Minute)})
				errs <- err
			}()
		}
		for range n {
			testkit.Must(t, <-errs)
		}
		var open []visitRow
		for _, v := range visits(t, db, "app-c") {
			if v.Left.IsZero() {
				open = append(open, v)
			}
		}
		if len(open) != 1 || open[0].Stage != fmt.Sprintf("stage-%d", n-1) {
			t.Fatalf("open visits after concurrent changes = %+v, want only stage-%d", open, n-1)
		}
	})
}

func TestCandidateApplications(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, a := range []domain.Application{
			{ID: "app-b", CandidateID: "cand-1", CandidateName: "Ada Lovelace", UpdatedAt: lcT0},
			{ID: "app-c", CandidateID: "cand-1", UpdatedAt: lcT0},
			{ID: "app-x", CandidateID: "cand-2", UpdatedAt: lcT0},
		} {
			testkit.Must(t, db.UpsertApplication(ctx, a))
		}
		// app-a is known only from a schedule; app-b from both.
		for _, s := range []domain.Schedule{
			{ID: "sch-a", ApplicationID: "app-a", CandidateID: "cand-1"},
			{ID: "sch-b", ApplicationID: "app-b", CandidateID: "cand-1"},
			{ID: "sch-y", ApplicationID: "app-y", CandidateID: "cand-2"},
		} {
			s.Status, s.CreatedAt, s.UpdatedAt = domain.StatusComplete, lcT0, lcT0
			testkit.Must(t, db.UpsertSchedule(ctx, s))
		}
		got, err := db.CandidateApplications(ctx, "cand-1")
		testkit.Must(t, err)
		if want := []string{"app-a", "app-b", "app-c"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("applications of cand-1 = %v, want %v", got, want)
		}
		if got, err := db.CandidateApplications(ctx, "cand-unknown"); err != nil || len(got) != 0 {
			t.Fatalf("applications of an unknown candidate = %v, %v; want none", got, err)
		}
		if _, err := db.CandidateApplications(ctx, ""); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("empty candidate id: %v, want ErrInvalid", err)
		}
	})
}

func TestCandidateMessages(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		exec := func(id, app string) {
			t.Helper()
			_, err := db.InsertExecution(ctx, domain.Execution{ID: id, ScheduleID: "sch-" + app, ApplicationID: app,
				Mode: domain.ModeLive, Outcome: domain.OutcomeReject, Status: domain.ExecRejected, ExecutedAt: lcT0}, "")
			testkit.Must(t, err)
		}
		exec("e1", "app-1")
		exec("e2", "app-2")
		exec("e9", "app-9")
		notice := func(exec, kind, channel, ts, text string) {
			t.Helper()
			_, err := db.InsertNotification(ctx, domain.Notification{ExecutionID: exec, Kind: kind, Channel: channel,
				MessageTS: ts, Status: domain.NotificationSent, Text: text, CreatedAt: lcT0})
			testkit.Must(t, err)
		}
		notice("e1", "rejection", "C-rec", "100.1", "Ada Lovelace did not pass the screen")
		notice("e1", "rejection", "C-rec", "100.1", "the same message, recorded twice")
		notice("e2", "timeout_alert", "C-rec", "100.2", "feedback overdue")
		notice("e2", "rejection", "", "", "never posted")
		notice("e9", "rejection", "C-rec", "100.9", "Grace Hopper did not pass the screen")
		// Admin alerts name the candidate, in any case, as a word.
		notice("", "admin_alert", "C-admin", "200.1", "Could not archive ADA LOVELACE: missing scope")
		notice("", "admin_alert", "C-admin", "200.2", "Could not archive Ada Lovelacey")
		notice("", "admin_alert", "C-admin", "200.3", "ada lovelace")
		notice("", "admin_alert", "", "", "Ada Lovelace alert stored, Slack not configured")
		remind := func(app, ev, channel, ts string) {
			t.Helper()
			_, _, err := db.ClaimReminder(ctx, domain.Reminder{EventID: ev, InterviewerID: "u1", ScheduleID: "sch-" + app,
				ApplicationID: app, Kind: domain.ReminderKindReminder, Sequence: 1, SlackChannelID: channel,
				SlackMessageTS: ts, Status: domain.ReminderSent, SentAt: lcT0})
			testkit.Must(t, err)
		}
		remind("app-1", "ev-1", "D-int", "300.1")
		remind("app-2", "ev-2", "", "")
		remind("app-9", "ev-9", "D-int", "300.9")

		got, err := db.CandidateMessages(ctx, []string{"app-1", "app-2"}, []string{" Ada Lovelace ", "", "Ada Lovelace"})
		testkit.Must(t, err)
		want := []store.PostedMessage{
			{Channel: "C-admin", TS: "200.1", Kind: "admin_alert"},
			{Channel: "C-admin", TS: "200.3", Kind: "admin_alert"},
			{Channel: "C-rec", TS: "100.1", Kind: "rejection"},
			{Channel: "C-rec", TS: "100.2", Kind: "timeout_alert"},
			{Channel: "D-int", TS: "300.1", Kind: domain.ReminderKindReminder},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("messages:\n got %+v\nwant %+v", got, want)
		}
		// Names alone, and nothing at all.
		got, err = db.CandidateMessages(ctx, nil, []string{"grace hopper"})
		testkit.Must(t, err)
		if want := []store.PostedMessage{{Channel: "C-rec", TS: "100.9", Kind: "rejection"}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("messages by name only = %+v, want %+v", got, want)
		}
		if got, err := db.CandidateMessages(ctx, nil, nil); err != nil || len(got) != 0 {
			t.Fatalf("messages of nobody = %+v, %v", got, err)
		}
	})
}

func TestMergeCandidates(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "app-1", CandidateID: "cand-old",
			CandidateName: "A. Lovelace", ProfileURL: "https://app.ashbyhq.com/candidates/cand-old", UpdatedAt: lcT0}))
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "app-2", CandidateID: "cand-other",
			CandidateName: "Grace Hopper", UpdatedAt: lcT0}))
		testkit.Must(t, db.UpsertSchedule(ctx, domain.Schedule{ID: "sch-1", ApplicationID: "app-1", CandidateID: "cand-old",
			Status: domain.StatusComplete, CreatedAt: lcT0, UpdatedAt: lcT0}))
		testkit.Must(t, db.UpsertSchedule(ctx, domain.Schedule{ID: "sch-3", ApplicationID: "app-3", CandidateID: "cand-old",
			Status: domain.StatusComplete, CreatedAt: lcT0, UpdatedAt: lcT0}))

		n, err := db.MergeCandidates(ctx, "cand-old", "cand-new", "Ada Lovelace")
		testkit.Must(t, err)
		if n != 3 {
			t.Fatalf("merge changed %d rows, want 3 (one application, two schedules)", n)
		}
		a, err := db.GetApplication(ctx, "app-1")
		testkit.Must(t, err)
		if a.CandidateID != "cand-new" || a.CandidateName != "Ada Lovelace" ||
			a.ProfileURL != "https://app.ashbyhq.com/candidates/cand-new" {
			t.Fatalf("merged application = %+v", a)
		}
		if other, _ := db.GetApplication(ctx, "app-2"); other.CandidateID != "cand-other" || other.CandidateName != "Grace Hopper" {
			t.Fatalf("another candidate's application changed: %+v", other)
		}
		for _, id := range []string{"sch-1", "sch-3"} {
			s, err := db.GetSchedule(ctx, id)
			testkit.Must(t, err)
			if s.CandidateID != "cand-new" {
				t.Fatalf("schedule %s candidate = %q, want cand-new", id, s.CandidateID)
			}
		}
		apps, err := db.CandidateApplications(ctx, "cand-new")
		testkit.Must(t, err)
		if want := []string{"app-1", "app-3"}; !reflect.DeepEqual(apps, want) {
			t.Fatalf("applications of the merged candidate = %v, want %v", apps, want)
		}
		if n, err := db.MergeCandidates(ctx, "cand-old", "cand-new", "Ada Lovelace"); err != nil || n != 0 {
			t.Fatalf("second merge = %d, %v; want 0", n, err)
		}

		// Without a name the cached one stays.
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "app-4", CandidateID: "cand-dup",
			CandidateName: "Ada L.", UpdatedAt: lcT0}))
		if n, err := db.MergeCandidates(ctx, "cand-dup", "cand-new", ""); err != nil || n != 1 {
			t.Fatalf("merge without a name = %d, %v; want 1", n, err)
		}
		if a, _ := db.GetApplication(ctx, "app-4"); a.CandidateID != "cand-new" || a.CandidateName != "Ada L." {
			t.Fatalf("merged without a name = %+v", a)
		}
		if _, err := db.MergeCandidates(ctx, "", "cand-new", ""); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("merge without the deleted id: %v, want ErrInvalid", err)
		}
	})
}

// erasureSeed is a candidate with everything aaa keeps about one, and
// another candidate whose rows must survive the erasure.
type erasureSeed struct {
	rule                          domain.Rule
	execA, execB, execLive, execG string
}

const (
	adaID    = "cand-ada-7f3e"
	adaName  = "Ada Lovelace"
	adaEmail = "ada.lovelace@example.org"
	adaApp   = "app-ada-1"
	adaApp2  = "app-ada-2"
	adaSched = "sch-ada-1"
	adaSch2  = "sch-ada-2"
	adaEvent = "ev-ada-1"
)

func seedErasure(t *testing.T, db *store.DB, q *jobs.Queue) erasureSeed {
	t.Helper()
	ctx := context.Background()
	var s erasureSeed
	var err error
	s.rule, err = db.CreateRule(ctx, domain.Rule{Name: "Screen 3+", JobID: "job1", InterviewPlanID: "plan1",
		InterviewStageID: "st1", TargetStageID: "st2", Active: true, Mode: domain.ModeShadow, CreatedAt: lcT0,
		Requirements: []domain.Requirement{{InterviewID: "iv1", FieldPath: "score", Operator: ">=", Threshold: "3"}}})
	testkit.Must(t, err)

	testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: adaApp, CandidateID: adaID, JobID: "job1",
		CurrentStageID: "st1", Status: "Active", CandidateName: adaName,
		ProfileURL: "https://app.ashbyhq.com/candidates/" + adaID, RecruiterEmail: "rita@corp.example", UpdatedAt: lcT0}))
	testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "app-grace", CandidateID: "cand-grace", JobID: "job1",
		CandidateName: "Grace Hopper", UpdatedAt: lcT0}))
	schedule := func(id, app, cand, name, event string) {
		t.Helper()
		testkit.Must(t, db.UpsertSchedule(ctx, domain.Schedule{ID: id, ApplicationID: app, CandidateID: cand,
			InterviewStageID: "st1", InterviewPlanID: "plan1", JobID: "job1", Status: domain.StatusComplete,
			LastSummary: "waiting on feedback for " + name, CreatedAt: lcT0, UpdatedAt: lcT0,
			Events: []domain.Event{{ID: event, ScheduleID: id, InterviewID: "iv1", StartTime: lcT0, EndTime: lcT0.Add(time.Hour),
				Location: "Room for " + name,
				Interviewers: []domain.Assignment{{EventID: event, InterviewerID: "u1", FirstName: "Ivan", LastName: "Interviewer",
					Email: "ivan@corp.example", IsEnabled: true, IsFeedbackRequired: true}}}}}))
	}
	// The second application is known only from its schedule.
	schedule(adaSched, adaApp, adaID, adaName, adaEvent)
	schedule(adaSch2, adaApp2, adaID, adaName, "ev-ada-2")
	schedule("sch-grace", "app-grace", "cand-grace", "Grace Hopper", "ev-grace")
	_, err = db.UpsertFeedback(ctx, domain.Feedback{ID: "fb-ada", ApplicationID: adaApp, EventID: adaEvent, InterviewID: "iv1",
		InterviewerID: "u1", SubmittedAt: lcT0.Add(2 * time.Hour),
		Values: []byte(`{"score": 4, "notes": "Ada Lovelace explained the engine clearly"}`)})
	testkit.Must(t, err)
	testkit.Must(t, db.UpsertStageHistory(ctx, []domain.StageVisit{
		{ApplicationID: adaApp, StageID: "st0", Title: "Applied", EnteredAt: lcT0.Add(-time.Hour)},
	}, lcT0))
	if _, err := db.RecordStageChange(ctx, store.StageChange{ApplicationID: adaApp, StageID: "st1", StageTitle: "Screen", At: lcT0}); err != nil {
		t.Fatal(err)
	}

	exec := func(id, sched, app, mode, outcome, status, claim string, at time.Time) string {
		t.Helper()
		name := adaName
		if app == "app-grace" {
			name = "Grace Hopper"
		}
		reasons := []byte(`{"outcome":"advance","summary":"` + name + `: every interviewer passed"}`)
		_, err := db.InsertExecution(ctx, domain.Execution{ID: id, ScheduleID: sched, ApplicationID: app, RuleID: s.rule.ID,
			RuleVersion: 1, Mode: mode, Outcome: outcome, Status: status, FromStageID: "st1", ToStageID: "st2",
			FailureReason: "Ashby refused to move " + name, Summary: name + " would advance", Reasons: reasons,
			ExecutedAt: at, ExecutedBy: "system"}, claim)
		testkit.Must(t, err)
		return id
	}
	s.execA = exec("ex-ada-1", adaSched, adaApp, domain.ModeShadow, domain.OutcomeAdvance, domain.ExecDryRun, "", lcT0)
	s.execB = exec("ex-ada-2", adaSched, adaApp, domain.ModeShadow, domain.OutcomeReject, domain.ExecDryRun, "", lcT0.Add(time.Minute))
	s.execLive = exec("ex-ada-3", adaSch2, adaApp2, domain.ModeLive, domain.OutcomeAdvance, domain.ExecFailed,
		store.ClaimKey("advance", adaApp2, "st1", s.rule.ID, 1), lcT0.Add(2*time.Minute))
	s.execG = exec("ex-grace", "sch-grace", "app-grace", domain.ModeShadow, domain.OutcomeAdvance, domain.ExecDryRun, "", lcT0)
	testkit.Must(t, db.SaveReview(ctx, domain.Review{ExecutionID: s.execA, RuleID: s.rule.ID, Verdict: domain.VerdictAgree,
		Note: "Ada was clearly ready", Reviewer: "rita", CreatedAt: lcT0}))
	testkit.Must(t, db.SaveReview(ctx, domain.Review{ExecutionID: s.execB, RuleID: s.rule.ID, Verdict: domain.VerdictDisagree,
		Reviewer: "rita", CreatedAt: lcT0}))
	testkit.Must(t, db.SaveReview(ctx, domain.Review{ExecutionID: s.execG, RuleID: s.rule.ID, Verdict: domain.VerdictAgree,
		Note: "Grace is ready", Reviewer: "rita", CreatedAt: lcT0}))
	posted := 0
	notice := func(exec, kind, text string) {
		t.Helper()
		posted++
		_, err := db.InsertNotification(ctx, domain.Notification{ExecutionID: exec, Kind: kind, Channel: "C-rec",
			MessageTS: fmt.Sprintf("17000.%d", posted), Status: domain.NotificationSent, Text: text, CreatedAt: lcT0})
		testkit.Must(t, err)
	}
	notice(s.execA, "advance_notice", "[shadow] "+adaName+" would move to Onsite")
	notice(s.execLive, "admin_alert", "could not move the candidate") // names no one, but is a notice of her decision
	notice("", "admin_alert", "Feedback overdue for ada lovelace (Screen)")
	notice(s.execG, "advance_notice", "[shadow] Grace Hopper would move to Onsite")
	_, _, err = db.ClaimReminder(ctx, domain.Reminder{EventID: adaEvent, InterviewerID: "u1", InterviewID: "iv1",
		ScheduleID: adaSched, ApplicationID: adaApp, RuleID: s.rule.ID, Kind: domain.ReminderKindReminder, Sequence: 1,
		InterviewerEmail: "ivan@corp.example", SlackUserID: "U1", SlackChannelID: "D1", SlackMessageTS: "1.1",
		Status: domain.ReminderSent, SentAt: lcT0})
	testkit.Must(t, err)
	payload := fmt.Sprintf(`{"action":"interviewScheduleUpdate","data":{"interviewSchedule":{"id":%q,"applicationId":%q,
"candidate":{"id":%q,"name":%q,"primaryEmailAddress":{"value":%q}}}}}`, adaSched, adaApp, adaID, adaName, adaEmail)
	deliveries := []domain.Delivery{
		{ID: "d-ada", DedupeKey: "action:d-ada", WebhookActionID: "wa-1", Action: "interviewScheduleUpdate",
			ScheduleID: adaSched, Payload: []byte(payload), Status: domain.DeliveryProcessed, ReceivedAt: lcT0},
		// A candidate-level webhook: no schedule, the candidate's id and email.
		{ID: "d-ada-cand", DedupeKey: "action:d-ada-cand", Action: "candidateHire", Status: domain.DeliveryIgnored,
			Payload: []byte(fmt.Sprintf(`{"candidate":{"id":%q,"email":%q}}`, adaID, adaEmail)), ReceivedAt: lcT0},
		{ID: "d-ada-2", DedupeKey: "action:d-ada-2", Action: "interviewScheduleUpdate", ScheduleID: adaSch2,
			Payload: []byte(`{}`), Status: domain.DeliveryFailed, ReceivedAt: lcT0},
		{ID: "d-grace", DedupeKey: "action:d-grace", Action: "interviewScheduleUpdate", ScheduleID: "sch-grace",
			Payload: []byte(`{"candidate":{"name":"Grace Hopper"}}`), Status: domain.DeliveryProcessed, ReceivedAt: lcT0},
	}
	for _, d := range deliveries {
		_, err := db.InsertDelivery(ctx, d)
		testkit.Must(t, err)
	}
	testkit.Must(t, db.MarkDelivery(ctx, "d-ada-2", domain.DeliveryFailed, "schedule "+adaSch2+" of "+adaName+" failed", lcT0))
	// River holds a job naming the schedule (ids only).
	testkit.Must(t, db.InTx(ctx, func(tx store.Store) error {
		return q.EnqueueEvaluate(ctx, tx.SQLTx(), adaSched, lcT0.Add(24*time.Hour), lcT0)
	}))
	return s
}

// tableTexts returns every table of the database (aaa's and River's) with
// the text of each of its values, one string per cell.
func tableTexts(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.Dialect() == store.DialectPostgres {
		q = `SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := db.Reader().QueryContext(ctx, q)
	testkit.Must(t, err)
	var tables []string
	for rows.Next() {
		var n string
		testkit.Must(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	testkit.Must(t, rows.Err())
	rows.Close()
	out := map[string][]string{}
	for _, table := range tables {
		out[table] = cellTexts(t, db.Reader(), table)
	}
	return out
}

func cellTexts(t *testing.T, r *sql.DB, table string) []string {
	t.Helper()
	rows, err := r.QueryContext(context.Background(), `SELECT * FROM `+table)
	testkit.Must(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	testkit.Must(t, err)
	out := []string{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		testkit.Must(t, rows.Scan(ptrs...))
		for i, v := range vals {
			var s string
			switch v := v.(type) {
			case nil:
				continue
			case []byte:
				s = string(v)
			case string:
				s = v
			default:
				s = fmt.Sprint(v)
			}
			out = append(out, cols[i]+"="+s)
		}
	}
	testkit.Must(t, rows.Err())
	return out
}

// findIn lists where (table and column) any of needles occurs, ignoring case.
func findIn(texts map[string][]string, needles []string, skip func(table string) bool) []string {
	var found []string
	for table, cells := range texts {
		if skip != nil && skip(table) {
			continue
		}
		for _, c := range cells {
			for _, n := range needles {
				if strings.Contains(strings.ToLower(c), strings.ToLower(n)) {
					found = append(found, table+": "+c)
				}
			}
		}
	}
	return found
}

func TestEraseCandidate(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		d := testkit.OpenDatabase(t, b)
		db := d.DB
		s := seedErasure(t, db, d.Queue(t, jobs.Options{InsertOnly: true}))

		personal := []string{adaID, adaName, adaEmail}
		ids := []string{adaApp, adaApp2, adaSched, adaSch2, adaEvent}
		river := func(table string) bool { return strings.HasPrefix(table, "river_") }
		before := tableTexts(t, db)
		if _, ok := before["river_job"]; !ok {
			t.Fatalf("River's tables are missing: %v", before)
		}
		// The seed does name her everywhere the scan looks.
		if found := findIn(before, personal, nil); len(found) < 10 {
			t.Fatalf("seed names the candidate in only %d cells: %v", len(found), found)
		}
		if found := findIn(before, []string{adaSched}, func(table string) bool { return !river(table) }); len(found) == 0 {
			t.Fatalf("River's job table does not hold the schedule id: the scan of River's tables proves nothing")
		}
		counts, err := db.CountExecutions(ctx, time.Time{})
		testkit.Must(t, err)
		overview, err := db.ListRuleOverview(ctx)
		testkit.Must(t, err)
		msgs, err := db.CandidateMessages(ctx, []string{adaApp, adaApp2}, []string{adaName})
		testkit.Must(t, err)
		if len(msgs) != 4 {
			t.Fatalf("messages naming the candidate before erasure = %+v, want 4", msgs)
		}

		at := lcT0.Add(30 * 24 * time.Hour)
		got, err := db.EraseCandidate(ctx, adaID, at)
		testkit.Must(t, err)
		want := store.Erasure{Applications: 1, Schedules: 2, Feedback: 1, Notifications: 3, Reminders: 1,
			Deliveries: 3, Visits: 2, Decisions: 3, Reviews: 1}
		if got != want {
			t.Fatalf("erasure = %+v, want %+v", got, want)
		}

		after := tableTexts(t, db)
		if found := findIn(after, personal, nil); len(found) > 0 {
			t.Fatalf("the candidate is still named after erasure:\n%s", strings.Join(found, "\n"))
		}
		if found := findIn(after, ids, river); len(found) > 0 {
			t.Fatalf("the candidate's ids are still stored after erasure:\n%s", strings.Join(found, "\n"))
		}
		if found := findIn(after, []string{adaSched}, func(table string) bool { return !river(table) }); len(found) == 0 {
			t.Fatalf("River's job table was changed; aaa must leave it to River")
		}
		var assignments int
		testkit.Must(t, db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM interview_assignments WHERE event_id = $1`,
			adaEvent).Scan(&assignments))
		if assignments != 0 {
			t.Fatalf("%d interviewer assignments of the erased schedule remain", assignments)
		}

		// Stats and the rule's shadow record are unchanged.
		counts2, err := db.CountExecutions(ctx, time.Time{})
		testkit.Must(t, err)
		if !reflect.DeepEqual(counts, counts2) {
			t.Fatalf("execution counts changed: %+v -> %+v", counts, counts2)
		}
		overview2, err := db.ListRuleOverview(ctx)
		testkit.Must(t, err)
		if len(overview2) != 1 || overview2[0].Shadow != overview[0].Shadow || overview[0].Shadow.Agree != 2 ||
			overview[0].Shadow.Disagree != 1 {
			t.Fatalf("shadow record changed or wrong: %+v -> %+v", overview[0].Shadow, overview2[0].Shadow)
		}

		// Decisions stay under one pseudonym per application and schedule.
		a, err := db.GetExecution(ctx, s.execA)
		testkit.Must(t, err)
		b2, err := db.GetExecution(ctx, s.execB)
		testkit.Must(t, err)
		live, err := db.GetExecution(ctx, s.execLive)
		testkit.Must(t, err)
		if !strings.HasPrefix(a.ApplicationID, "erased-") || a.ApplicationID != b2.ApplicationID ||
			a.ApplicationID == live.ApplicationID || !strings.HasPrefix(a.ScheduleID, "erased-") ||
			a.ScheduleID != b2.ScheduleID || a.ScheduleID == a.ApplicationID {
			t.Fatalf("pseudonyms: %q/%q, %q/%q, %q", a.ApplicationID, a.ScheduleID, b2.ApplicationID, b2.ScheduleID, live.ApplicationID)
		}
		if a.Outcome != domain.OutcomeAdvance || a.Status != domain.ExecDryRun || a.Mode != domain.ModeShadow ||
			a.RuleID != s.rule.ID || !a.ExecutedAt.Equal(lcT0) || a.Summary != "" || a.Reasons != nil ||
			a.FailureReason != "" || !a.UpdatedAt.Equal(at) {
			t.Fatalf("erased decision = %+v", a)
		}
		if _, err := db.GetExecutionByClaim(ctx, "erased|"+s.execLive); err != nil {
			t.Fatalf("claim key of the live decision: %v", err)
		}
		if live.Status != domain.ExecFailed || live.FailureReason != "" {
			t.Fatalf("erased live decision = %+v", live)
		}
		reviews, err := db.ListReviews(ctx, s.rule.ID)
		testkit.Must(t, err)
		for _, r := range reviews {
			if r.ExecutionID == s.execA && (r.Note != "" || r.Verdict != domain.VerdictAgree || r.Reviewer != "rita") {
				t.Fatalf("erased review = %+v", r)
			}
			if r.ExecutionID == s.execG && r.Note != "Grace is ready" {
				t.Fatalf("another candidate's review changed: %+v", r)
			}
		}

		// Delivery rows stay (their dedupe key refuses a redelivery).
		del, err := db.GetDelivery(ctx, "d-ada")
		testkit.Must(t, err)
		if len(del.Payload) != 0 || del.ScheduleID != "" || del.Status != domain.DeliveryProcessed || del.DedupeKey != "action:d-ada" {
			t.Fatalf("erased delivery = %+v", del)
		}
		if ins, err := db.InsertDelivery(ctx, domain.Delivery{DedupeKey: "action:d-ada", Action: "interviewScheduleUpdate",
			Payload: []byte(`{}`), ReceivedAt: at}); err != nil || ins {
			t.Fatalf("redelivery after erasure inserted=%v err=%v, want refused", ins, err)
		}
		// Notices keep where and when they were posted.
		ns, err := db.ListNotifications(ctx, s.execA, 10)
		testkit.Must(t, err)
		if len(ns) != 1 || ns[0].Text != "" || ns[0].Channel != "C-rec" || ns[0].MessageTS == "" || ns[0].Status != domain.NotificationSent {
			t.Fatalf("erased notices = %+v", ns)
		}

		// The other candidate is untouched.
		if g, err := db.GetApplication(ctx, "app-grace"); err != nil || g.CandidateName != "Grace Hopper" {
			t.Fatalf("another candidate's application: %+v, %v", g, err)
		}
		if g, err := db.GetDelivery(ctx, "d-grace"); err != nil || len(g.Payload) == 0 || g.ScheduleID != "sch-grace" {
			t.Fatalf("another candidate's delivery: %+v, %v", g, err)
		}
		if g, err := db.GetExecution(ctx, s.execG); err != nil || g.ApplicationID != "app-grace" || g.Summary == "" {
			t.Fatalf("another candidate's decision: %+v, %v", g, err)
		}
		if gn, err := db.ListNotifications(ctx, s.execG, 10); err != nil || len(gn) != 1 || gn[0].Text == "" {
			t.Fatalf("another candidate's notice: %+v, %v", gn, err)
		}
		if _, err := db.GetSchedule(ctx, "sch-grace"); err != nil {
			t.Fatalf("another candidate's schedule: %v", err)
		}

		// Nothing is left to find.
		again, err := db.EraseCandidate(ctx, adaID, at.Add(time.Hour))
		testkit.Must(t, err)
		if !again.Zero() {
			t.Fatalf("second erasure = %+v, want nothing", again)
		}
		if apps, err := db.CandidateApplications(ctx, adaID); err != nil || len(apps) != 0 {
			t.Fatalf("applications after erasure = %v, %v", apps, err)
		}
		if _, err := db.EraseCandidate(ctx, "", at); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("erase without an id: %v, want ErrInvalid", err)
		}
	})
}

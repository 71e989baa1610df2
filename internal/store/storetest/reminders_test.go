package storetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var remT0 = time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC)

func remSchedule(id, app string, end time.Time) domain.Schedule {
	return domain.Schedule{ID: id, ApplicationID: app, InterviewStageID: "st1", InterviewPlanID: "plan1",
		Status: domain.StatusWaitingOnFeedback, UpdatedAt: remT0,
		Events: []domain.Event{{ID: "ev-" + id, InterviewID: "iv1", StartTime: end.Add(-time.Hour), EndTime: end,
			Interviewers: []domain.Assignment{{InterviewerID: "u1", Email: "u1@example.com", IsEnabled: true, IsFeedbackRequired: true}}}}}
}

func remRow(schedule string, seq int, sentAt time.Time) domain.Reminder {
	return domain.Reminder{EventID: "ev-" + schedule, InterviewerID: "u1", InterviewID: "iv1", ScheduleID: schedule,
		ApplicationID: "app-" + schedule, RuleID: "r1", Kind: domain.ReminderKindReminder, Sequence: seq,
		InterviewerEmail: "u1@example.com", SlackUserID: "U1", EventEndedAt: remT0, SentAt: sentAt}
}

func TestReminderClaimIsOnce(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ok, id, err := db.ClaimReminder(ctx, remRow("s1", 1, remT0.Add(2*time.Hour)))
		testkit.Must(t, err)
		if !ok || id == "" {
			t.Fatalf("first claim: ok=%v id=%q", ok, id)
		}
		again, _, err := db.ClaimReminder(ctx, remRow("s1", 1, remT0.Add(3*time.Hour)))
		testkit.Must(t, err)
		if again {
			t.Fatal("second claim of the same reminder succeeded")
		}
		// Another sequence, kind or interviewer is another reminder.
		esc := remRow("s1", 1, remT0.Add(3*time.Hour))
		esc.Kind = domain.ReminderKindEscalation
		for _, r := range []domain.Reminder{remRow("s1", 2, remT0.Add(26*time.Hour)), esc} {
			ok, _, err := db.ClaimReminder(ctx, r)
			testkit.Must(t, err)
			if !ok {
				t.Fatalf("claim %s %d refused", r.Kind, r.Sequence)
			}
		}

		testkit.Must(t, db.UpdateReminder(ctx, store.ReminderUpdate{ID: id, Status: domain.ReminderSent,
			SlackChannelID: "DU1", SlackMessageTS: "1.2", At: remT0.Add(2 * time.Hour)}))
		if err := db.UpdateReminder(ctx, store.ReminderUpdate{ID: "nope", Status: domain.ReminderSent, At: remT0}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("update of an unknown reminder: %v, want ErrNotFound", err)
		}
		got, err := db.RemindersBySchedule(ctx, "s1")
		testkit.Must(t, err)
		if len(got) != 3 {
			t.Fatalf("got %d reminders, want 3", len(got))
		}
		if got[0].Kind != domain.ReminderKindReminder || got[0].Sequence != 1 || got[1].Sequence != 2 || got[2].Kind != domain.ReminderKindEscalation {
			t.Fatalf("order = %+v", got)
		}
		r := got[0]
		if r.ID != id || r.Status != domain.ReminderSent || r.SlackChannelID != "DU1" || r.SlackMessageTS != "1.2" ||
			r.SlackUserID != "U1" || !r.SentAt.Equal(remT0.Add(2*time.Hour)) || !r.EventEndedAt.Equal(remT0) || !r.SubmittedAt.IsZero() {
			t.Fatalf("stored reminder = %+v", r)
		}
		if c := store.SentReminderCounts(got); c["u1"] != 1 {
			t.Fatalf("sent counts = %v, want u1:1", c)
		}

		n, err := db.MarkRemindersSubmitted(ctx, store.ReminderSubmission{ScheduleID: "s1", InterviewID: "iv1",
			InterviewerID: "u1", SubmittedAt: remT0.Add(30 * time.Hour), At: remT0.Add(31 * time.Hour)})
		testkit.Must(t, err)
		if n != 3 {
			t.Fatalf("marked %d reminders submitted, want 3", n)
		}
		n, err = db.MarkRemindersSubmitted(ctx, store.ReminderSubmission{ScheduleID: "s1", InterviewID: "iv1",
			InterviewerID: "u1", SubmittedAt: remT0.Add(40 * time.Hour), At: remT0.Add(41 * time.Hour)})
		testkit.Must(t, err)
		if n != 0 {
			t.Fatalf("second mark touched %d rows, want 0 (submitted_at is set once)", n)
		}
		got, err = db.RemindersBySchedule(ctx, "s1")
		testkit.Must(t, err)
		if !got[0].SubmittedAt.Equal(remT0.Add(30 * time.Hour)) {
			t.Fatalf("submitted_at = %v", got[0].SubmittedAt)
		}
	})
}

func TestReminderClaimConcurrent(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Go(func() {
				ok, _, err := db.ClaimReminder(ctx, remRow("s1", 1, remT0))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d concurrent claims won, want 1", wins)
		}
	})
}

func TestListReminderSchedules(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := remT0.Add(24 * time.Hour)
		cancelled := remSchedule("s-cancelled", "app2", remT0)
		cancelled.Status, cancelled.Cancelled = domain.StatusCancelled, true
		for _, s := range []domain.Schedule{
			remSchedule("s-open", "app1", remT0),
			cancelled,
			remSchedule("s-advanced", "app3", remT0),
			remSchedule("s-future", "app4", now.Add(time.Hour)),
			remSchedule("s-old", "app5", now.Add(-40*24*time.Hour)),
			remSchedule("s-advanced-reminded", "app6", remT0),
		} {
			testkit.Must(t, db.UpsertSchedule(ctx, s))
		}
		for _, id := range []string{"s-advanced", "s-advanced-reminded"} {
			testkit.Must(t, db.RecordEvaluation(ctx, store.EvaluationStamp{ScheduleID: id, Outcome: domain.OutcomeAdvance, At: now}))
		}
		// A reminder still waiting for its feedback keeps a decided schedule in the scan.
		_, _, err := db.ClaimReminder(ctx, remRow("s-advanced-reminded", 1, remT0.Add(2*time.Hour)))
		testkit.Must(t, err)
		got, err := db.ListReminderSchedules(ctx, store.ReminderScan{EndedAfter: now.Add(-30 * 24 * time.Hour), EndedBefore: now})
		testkit.Must(t, err)
		want := []string{"s-advanced-reminded", "s-open"}
		if !slices.Equal(got, want) {
			t.Fatalf("reminder schedules = %v, want %v", got, want)
		}
	})
}

func TestReminderStats(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i, id := range []string{"s1", "s2", "s3"} {
			s := remSchedule(id, "app-"+id, remT0)
			testkit.Must(t, db.UpsertSchedule(ctx, s))
			// Feedback 1h, 3h and 5h after the end.
			_, err := db.UpsertFeedback(ctx, domain.Feedback{ID: "fb-" + id, ApplicationID: "app-" + id, EventID: "ev-" + id,
				InterviewerID: "u1", InterviewID: "iv1", SubmittedAt: remT0.Add(time.Duration(2*i+1) * time.Hour),
				Values: json.RawMessage(`{}`)})
			testkit.Must(t, err)
		}
		claim := func(r domain.Reminder, status string) {
			ok, id, err := db.ClaimReminder(ctx, r)
			testkit.Must(t, err)
			if !ok {
				t.Fatalf("claim %+v refused", r)
			}
			testkit.Must(t, db.UpdateReminder(ctx, store.ReminderUpdate{ID: id, Status: status, At: r.SentAt}))
		}
		claim(remRow("s1", 1, remT0.Add(2*time.Hour)), domain.ReminderSent)
		claim(remRow("s1", 2, remT0.Add(26*time.Hour)), domain.ReminderSent)
		claim(remRow("s2", 1, remT0.Add(2*time.Hour)), domain.ReminderFailed)
		claim(remRow("s3", 1, remT0.Add(2*time.Hour)), domain.ReminderSent)
		noSlack := remRow("s4", 1, remT0.Add(2*time.Hour))
		claim(noSlack, domain.ReminderNoSlackUser)
		esc := remRow("s4", 1, remT0.Add(2*time.Hour))
		esc.Kind = domain.ReminderKindEscalation
		claim(esc, domain.ReminderSent)
		claim(remRow("s-before", 1, remT0.Add(-48*time.Hour)), domain.ReminderSent) // before since
		_, err := db.MarkRemindersSubmitted(ctx, store.ReminderSubmission{ScheduleID: "s1", InterviewID: "iv1", InterviewerID: "u1",
			SubmittedAt: remT0.Add(30 * time.Hour), At: remT0.Add(31 * time.Hour)})
		testkit.Must(t, err)

		st, err := db.ReminderStats(ctx, remT0)
		testkit.Must(t, err)
		if st.RemindersSent != 3 || st.RemindersFailed != 1 || st.NoSlackUser != 1 || st.EscalationsSent != 1 {
			t.Fatalf("counts = %+v", st)
		}
		if st.InterviewersReminded != 2 || st.SubmittedAfterReminder != 1 || st.StillOwed != 1 {
			t.Fatalf("reminded = %d, submitted after = %d, still owed = %d; want 2, 1, 1", st.InterviewersReminded, st.SubmittedAfterReminder, st.StillOwed)
		}
		if st.FeedbackCount != 3 || st.MedianTimeToFeedback != 3*time.Hour || st.MedianTimeToFeedbackSeconds != 3*3600 {
			t.Fatalf("feedback %d, median %s, want 3 and 3h", st.FeedbackCount, st.MedianTimeToFeedback)
		}
		if st.MedianTimeToFeedbackReminded != 30*time.Hour {
			t.Fatalf("median after reminder = %s, want 30h", st.MedianTimeToFeedbackReminded)
		}
		if b, err := json.Marshal(st); err != nil || !json.Valid(b) {
			t.Fatalf("marshal stats: %v", err)
		}
	})
}

func TestRulePolicy(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.GetRulePolicy(ctx, "r1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing policy: %v, want ErrNotFound", err)
		}
		p := store.RulePolicy{RuleID: "r1", FirstAfterMinutes: 30, EveryMinutes: 600, MaxReminders: 2, Enabled: true, UpdatedAt: remT0}
		testkit.Must(t, db.PutRulePolicy(ctx, p))
		p.Enabled, p.SkipShadow, p.MaxReminders = false, true, 5
		testkit.Must(t, db.PutRulePolicy(ctx, p))
		got, err := db.GetRulePolicy(ctx, "r1")
		testkit.Must(t, err)
		if got != p {
			t.Fatalf("policy = %+v, want %+v", got, p)
		}
		if err := db.PutRulePolicy(ctx, store.RulePolicy{RuleID: "r2", MaxReminders: -1}); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("negative max: %v, want ErrInvalid", err)
		}
	})
}

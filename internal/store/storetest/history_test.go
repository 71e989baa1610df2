package storetest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

func TestStageHistory(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 2, 1, 10, 0, 0, 123_000_000, time.UTC)
		left := at.Add(48 * time.Hour)
		visits := []domain.StageVisit{
			{ApplicationID: "app-1", StageID: "s1", Title: "Screen", EnteredAt: at, HistoryID: "h1"},
			{ApplicationID: "app-1", StageID: "s2", Title: "Onsite", EnteredAt: left, HistoryID: "h2"},
		}
		testkit.Must(t, db.UpsertStageHistory(ctx, visits, at))
		// A re-fetch, now with left_at known, updates instead of duplicating.
		visits[0].LeftAt = &left
		testkit.Must(t, db.UpsertStageHistory(ctx, visits, at.Add(time.Hour)))
		// A later fetch without left_at never erases it.
		visits[0].LeftAt = nil
		testkit.Must(t, db.UpsertStageHistory(ctx, visits[:1], at.Add(2*time.Hour)))
		got, err := db.ListStageHistory(ctx, "app-1")
		testkit.Must(t, err)
		if len(got) != 2 || got[0].LeftAt == nil || !got[0].LeftAt.Equal(left) || !got[0].EnteredAt.Equal(at) || got[1].StageID != "s2" {
			t.Fatalf("history = %+v", got)
		}
		if n, _ := db.CountStageHistory(ctx); n != 2 {
			t.Fatalf("count = %d, want 2", n)
		}
	})
}

func TestHistoryProgressAndApplications(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
		if _, err := db.GetHistoryProgress(ctx, "history"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("unknown progress: %v, want ErrNotFound", err)
		}
		p := store.HistoryProgress{Name: "history", Since: now.Add(-24 * time.Hour), AfterApplication: "app-2",
			Applications: 2, Visits: 5, FeedbackCursor: "c.1", StartedAt: now, UpdatedAt: now}
		testkit.Must(t, db.SaveHistoryProgress(ctx, p))
		fin := now.Add(time.Minute)
		p.FeedbackDone, p.FeedbackCursor, p.FinishedAt = true, "", &fin
		testkit.Must(t, db.SaveHistoryProgress(ctx, p))
		got, err := db.GetHistoryProgress(ctx, "history")
		testkit.Must(t, err)
		if got.AfterApplication != "app-2" || !got.FeedbackDone || got.FinishedAt == nil || !got.Since.Equal(p.Since) {
			t.Fatalf("progress = %+v", got)
		}

		for i, app := range []string{"app-3", "app-1", "app-2", "app-old"} {
			created := now.Add(-time.Duration(i) * time.Hour)
			if app == "app-old" {
				created = now.Add(-30 * 24 * time.Hour)
			}
			testkit.Must(t, db.UpsertSchedule(ctx, domain.Schedule{ID: "sch-" + app, ApplicationID: app,
				Status: domain.StatusComplete, CreatedAt: created, UpdatedAt: created}))
		}
		apps, err := db.ListHistoryApplications(ctx, now.Add(-48*time.Hour), "app-1", 10)
		testkit.Must(t, err)
		if len(apps) != 2 || apps[0] != "app-2" || apps[1] != "app-3" {
			t.Fatalf("applications after app-1 = %v, want [app-2 app-3]", apps)
		}
	})
}

func TestLoadBacktestSet(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		end := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
		for i, job := range []string{"job-a", "job-b", "job-a"} {
			id := []string{"1", "2", "3"}[i]
			s := domain.Schedule{ID: "sch-" + id, ApplicationID: "app-" + id, InterviewPlanID: "plan", InterviewStageID: "s1",
				JobID: job, Status: domain.StatusComplete, CreatedAt: end, UpdatedAt: end,
				Events: []domain.Event{{ID: "ev-" + id, InterviewID: "iv", StartTime: end.Add(-time.Hour), EndTime: end,
					Interviewers: []domain.Assignment{{InterviewerID: "u1", IsFeedbackRequired: true}, {InterviewerID: "u2", TrainingRole: "Shadow"}}}}}
			if id == "3" {
				s.Status, s.Cancelled = domain.StatusCancelled, true
			}
			testkit.Must(t, db.UpsertSchedule(ctx, s))
			_, err := db.UpsertFeedback(ctx, domain.Feedback{ID: "fb-" + id, ApplicationID: "app-" + id, EventID: "ev-" + id,
				InterviewerID: "u1", SubmittedAt: end.Add(time.Hour), Values: []byte(`{"score":3}`)})
			testkit.Must(t, err)
			testkit.Must(t, db.UpsertStageHistory(ctx, []domain.StageVisit{{ApplicationID: "app-" + id, StageID: "s1", EnteredAt: end}}, end))
		}
		testkit.Must(t, db.UpsertSchedule(ctx, domain.Schedule{ID: "sch-other", ApplicationID: "app-x", InterviewPlanID: "plan",
			InterviewStageID: "s2", Status: domain.StatusComplete}))
		testkit.Must(t, db.UpsertStages(ctx, "plan", []domain.Stage{{ID: "s1", Title: "Screen", Order: 1}, {ID: "s2", Title: "Onsite", Order: 2}}, end))

		set, err := db.LoadBacktestSet(ctx, store.BacktestQuery{PlanID: "plan", StageID: "s1"})
		testkit.Must(t, err)
		if len(set.Schedules) != 2 || set.Schedules[0].ID != "sch-1" || set.Schedules[1].ID != "sch-2" {
			t.Fatalf("schedules = %+v, want sch-1 and sch-2 (not cancelled, not other stages)", set.Schedules)
		}
		ev := set.Schedules[0].Events
		if len(ev) != 1 || len(ev[0].Interviewers) != 2 || !ev[0].EndTime.Equal(end) || !ev[0].Interviewers[0].IsFeedbackRequired {
			t.Fatalf("events = %+v", ev)
		}
		if len(set.Feedback["app-1"]) != 1 || len(set.Feedback["app-3"]) != 0 || len(set.History["app-2"]) != 1 || len(set.Stages) != 2 {
			t.Fatalf("feedback %v history %v stages %v", set.Feedback, set.History, set.Stages)
		}
		set, err = db.LoadBacktestSet(ctx, store.BacktestQuery{PlanID: "plan", StageID: "s1", JobIDs: []string{"job-b"}})
		testkit.Must(t, err)
		if len(set.Schedules) != 1 || set.Schedules[0].ID != "sch-2" {
			t.Fatalf("job filter: %+v", set.Schedules)
		}
	})
}

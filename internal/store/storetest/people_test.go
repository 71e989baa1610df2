package storetest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestJobPeople: the interviewers with feedback required on a job's (or a
// plan's) schedules and the recruiters of its applications, once each by
// lower-cased email (an interviewer who also recruits counts as an
// interviewer), ordered by email; shadows, people without an email and
// other jobs are left out.
func TestJobPeople(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 7, 9, 0, 0, 0, time.UTC)
		sched := func(id, app, job, plan string, people ...domain.Assignment) {
			t.Helper()
			for i := range people {
				people[i].EventID = "ev-" + id
			}
			testkit.Must(t, db.UpsertSchedule(ctx, domain.Schedule{ID: id, ApplicationID: app, JobID: job, InterviewPlanID: plan,
				InterviewStageID: "st", Status: "Scheduled", CreatedAt: at, UpdatedAt: at, SourceAt: at,
				Events: []domain.Event{{ID: "ev-" + id, ScheduleID: id, InterviewID: "iv", StartTime: at, EndTime: at.Add(time.Hour),
					Interviewers: people}}}))
		}
		iv := func(id, first, email string, required bool) domain.Assignment {
			return domain.Assignment{InterviewerID: id, FirstName: first, LastName: "X", Email: email, IsEnabled: true, IsFeedbackRequired: required}
		}
		sched("s1", "a1", "job-1", "plan-1", iv("u1", "Ada", "Ada@Example.com", true), iv("u2", "Shadow", "shadow@example.com", false),
			iv("u3", "NoMail", "", true))
		sched("s2", "a2", "job-2", "plan-2", iv("u4", "Other", "other@example.com", true))
		sched("s3", "a3", "", "plan-3", iv("u5", "Plan", "plan@example.com", true))
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "a1", JobID: "job-1", RecruiterEmail: "rec@example.com", UpdatedAt: at}))
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "a2", JobID: "job-2", RecruiterEmail: "rec2@example.com", UpdatedAt: at}))
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "a3", JobID: "job-3", RecruiterEmail: "ada@example.com", UpdatedAt: at}))

		got, err := db.JobPeople(ctx, []string{"job-1"}, []string{"plan-3"})
		testkit.Must(t, err)
		want := []store.Person{
			{Email: "ada@example.com", Name: "Ada X", Role: store.RoleInterviewer},
			{Email: "plan@example.com", Name: "Plan X", Role: store.RoleInterviewer},
			{Email: "rec@example.com", Role: store.RoleRecruiter},
		}
		if !slices.Equal(got, want) {
			t.Fatalf("JobPeople = %+v\nwant %+v", got, want)
		}
		if got, err := db.JobPeople(ctx, nil, nil); err != nil || len(got) != 0 {
			t.Fatalf("JobPeople of nothing = %+v, %v", got, err)
		}
	})
}

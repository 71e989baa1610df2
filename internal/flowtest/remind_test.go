package flowtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestFeedbackReminders runs reminders over schedules ingested from the
// simulator by webhook: a shadow-mode rule still reminds, each DM names only
// its own candidate and links to its event's feedback form, an interviewer
// Slack does not know is escalated, and feedback synced from Ashby stops the
// reminders and is recorded.
func TestFeedbackReminders(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, envOpts{})
			ctx := context.Background()
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 2, Interviewers: 2, Shadows: 1})
			e.rule(sc, domain.ModeShadow, "3")
			for _, c := range sc.Candidates {
				e.send(c.ScheduleID)
			}
			testkit.Eventually(t, 10*time.Second, "schedules stored", func() bool {
				n, _ := e.db.ListDeliveries(ctx, domain.DeliveryProcessed, 10)
				return len(n) == 2
			})

			known, _ := e.sim.User(sc.InterviewerIDs[0])
			unknown, _ := e.sim.User(sc.InterviewerIDs[1])
			shadow, _ := e.sim.User(sc.ShadowIDs[0])
			recruiter, _ := e.sim.User(sc.RecruiterID)
			fake := slackfake.New("xoxb-flow")
			t.Cleanup(fake.Close)
			fake.AddUsers(
				slackfake.User{ID: "UKNOWN", Email: known.Email, RealName: known.Name},
				slackfake.User{ID: "USHADOW", Email: shadow.Email, RealName: shadow.Name},
				slackfake.User{ID: "UREC", Email: recruiter.Email, RealName: recruiter.Name},
			)
			sched, ok := e.schedule(sc.Candidates[0].ScheduleID)
			if !ok || len(sched.Events) != 1 {
				t.Fatalf("schedule not stored: %+v", sched)
			}
			ended := sched.Events[0].EndTime
			clock := testkit.NewClock(ended)
			everyHour := notify.ReminderPolicy{WorkStart: 0, WorkEnd: 24 * time.Hour, Workdays: []time.Weekday{
				time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}}
			svc := e.stack.NewServices(func(o *app.Options) {
				o.Now, o.AdminChannel, o.Reminders = clock.Now, "CADMIN", everyHour
				o.Slack = slackapp.New(slackapp.Options{Token: "xoxb-flow", BaseURL: fake.URL(), MaxRetries: -1})
			})
			run := func(at time.Time) {
				t.Helper()
				clock.Set(at)
				if err := svc.Notices.SendDueReminders(ctx); err != nil {
					t.Fatal(err)
				}
			}
			posts := func(channel string) []slackfake.Call {
				var out []slackfake.Call
				for _, c := range fake.CallsTo("chat.postMessage") {
					if c.OK() && c.Params.Get("channel") == channel {
						out = append(out, c)
					}
				}
				return out
			}

			run(ended.Add(119 * time.Minute))
			if n := len(fake.CallsTo("chat.postMessage")); n != 0 {
				t.Fatalf("%d messages before the first reminder is due", n)
			}
			run(ended.Add(2 * time.Hour))
			dms := posts("UKNOWN")
			if len(dms) != 2 {
				t.Fatalf("interviewer got %d reminders, want one per candidate", len(dms))
			}
			if n := len(posts("USHADOW")); n != 0 {
				t.Fatalf("shadow interviewer got %d reminders", n)
			}
			names := map[string]string{} // candidate name -> event id
			for _, c := range sc.Candidates {
				p, _ := e.sim.Candidate(c.CandidateID)
				names[p.Name] = c.EventID
			}
			if len(names) != 2 {
				t.Fatalf("the two candidates share a name: %v", names)
			}
			for _, dm := range dms {
				body := dm.Params.Get("text") + string(dm.Blocks)
				mentioned := 0
				for name, eventID := range names {
					if strings.Contains(body, name) {
						mentioned++
						if link := "https://app.ashbyhq.com/interview-briefings/" + eventID + "/feedback"; !strings.Contains(body, link) {
							t.Errorf("reminder about %s lacks its feedback link %s", name, link)
						}
					}
				}
				if mentioned != 1 {
					t.Errorf("reminder mentions %d candidates, want exactly its own: %s", mentioned, body)
				}
			}

			// The interviewer Slack does not know: recorded, and escalated.
			for _, c := range sc.Candidates {
				var found bool
				rows, err := e.db.RemindersBySchedule(ctx, c.ScheduleID)
				testkit.Must(t, err)
				for _, r := range rows {
					if r.InterviewerID == sc.InterviewerIDs[1] && r.Kind == domain.ReminderKindReminder {
						found = r.Status == domain.ReminderNoSlackUser
					}
				}
				if !found {
					t.Fatalf("schedule %s: no no_slack_user row for the unknown interviewer: %+v", c.ScheduleID, rows)
				}
			}
			for _, ch := range []string{"UREC", "CADMIN"} {
				esc := posts(ch)
				if len(esc) != 2 {
					t.Fatalf("%d escalations to %s, want one per candidate", len(esc), ch)
				}
				for _, m := range esc {
					if body := m.Params.Get("text") + string(m.Blocks); !strings.Contains(body, unknown.Name) || !strings.Contains(body, "not found in Slack") {
						t.Errorf("escalation to %s does not name %s: %s", ch, unknown.Name, body)
					}
				}
			}

			// Feedback for the first candidate arrives through the sync.
			first := sc.Candidates[0]
			e.sim.SubmitFeedback(first.ApplicationID, first.EventID, sc.InterviewerIDs[0],
				map[string]any{ashbysim.FieldOverallScore: 4, ashbysim.FieldRecommendation: "hire"})
			testkit.Must(t, e.svc.Sync.SyncFeedback(ctx))
			run(ended.Add(26 * time.Hour))
			dms = posts("UKNOWN")
			if len(dms) != 3 {
				t.Fatalf("interviewer got %d reminders, want 3 (a second one for the second candidate only)", len(dms))
			}
			second, _ := e.sim.Candidate(sc.Candidates[1].CandidateID)
			if body := dms[2].Params.Get("text") + string(dms[2].Blocks); !strings.Contains(body, second.Name) {
				t.Fatalf("second reminder is not about %s: %s", second.Name, body)
			}
			rows, err := e.db.RemindersBySchedule(ctx, first.ScheduleID)
			testkit.Must(t, err)
			for _, r := range rows {
				if r.InterviewerID == sc.InterviewerIDs[0] && r.SubmittedAt.IsZero() {
					t.Fatalf("reminder %+v: feedback arrived but submitted_at is not set", r)
				}
			}
			if c := store.SentReminderCounts(rows); c[sc.InterviewerIDs[0]] != 1 || c[sc.InterviewerIDs[1]] != 0 {
				t.Fatalf("sent counts = %v", c)
			}
		})
	}
}

package flowtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// Second thoughts (issue 18): delayed archives with Cancel, Undo, Keep in
// process and working hours, through Slack clicks signed as Slack signs
// them, the admin API and the simulator.

// secondRule is slackRule with the second-thought options set.
func (e *env) secondRule(sc ashbysim.Scenario, change func(r *domain.Rule)) domain.Rule {
	e.t.Helper()
	r := domain.Rule{
		Name: "panel", InterviewPlanID: sc.PlanID, InterviewStageID: sc.StageIDs[0], Mode: domain.ModeLive, Active: true,
		ArchiveReasonID: sc.ArchiveReasonID, CommunicationTemplateID: sc.TemplateID,
		Requirements: []domain.Requirement{{InterviewID: sc.InterviewID, FieldPath: ashbysim.FieldOverallScore,
			Operator: ">=", Threshold: "3", Required: true}},
	}
	change(&r)
	r, err := e.db.CreateRule(context.Background(), r)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// click sends a signed click on the button actionID of a posted message
// and checks Slack got 200.
func (e *env) click(n domain.Notification, actionID, value, userID, userName string) {
	e.t.Helper()
	body := actionBody(e.t, n, actionID, value, userID, userName)
	if got := e.interact(body, signed(signingSecret, time.Now(), body)); got != http.StatusOK {
		e.t.Fatalf("click %s: status %d", actionID, got)
	}
}

// buttonOf waits until the message of n shows a button actionID and returns
// its value.
func buttonOf(t *testing.T, fake *slackfake.Server, n domain.Notification, actionID string) string {
	t.Helper()
	var value string
	testkit.Eventually(t, 30*time.Second, "button "+actionID, func() bool {
		m, ok := fake.Message(n.Channel, n.MessageTS)
		if !ok {
			return false
		}
		for _, b := range buttons(t, m.Blocks) {
			if b.ActionID == actionID {
				value = b.Value
				return true
			}
		}
		return false
	}, func() string { m, _ := fake.Message(n.Channel, n.MessageTS); return m.Text })
	return value
}

// messageSays waits until the message of n contains want (text or blocks)
// and has no button left but those in keep.
func messageSays(t *testing.T, fake *slackfake.Server, n domain.Notification, want string, keep ...string) {
	t.Helper()
	testkit.Eventually(t, 30*time.Second, "message says "+want, func() bool {
		m, ok := fake.Message(n.Channel, n.MessageTS)
		if !ok || !strings.Contains(m.Text+blockText(t, m.Blocks), want) {
			return false
		}
		for _, b := range buttons(t, m.Blocks) {
			found := false
			for _, k := range keep {
				found = found || b.ActionID == k
			}
			if !found {
				return false
			}
		}
		return true
	}, func() string { m, _ := fake.Message(n.Channel, n.MessageTS); return m.Text })
}

// ephemeralSays waits for an ephemeral message to user containing want.
func ephemeralSays(t *testing.T, fake *slackfake.Server, user, want string) {
	t.Helper()
	testkit.Eventually(t, 30*time.Second, "ephemeral "+want, func() bool {
		for _, c := range fake.CallsTo("chat.postEphemeral") {
			if c.Params.Get("user") == user && strings.Contains(c.Params.Get("text"), want) {
				return true
			}
		}
		return false
	}, func() string {
		var out []string
		for _, c := range fake.CallsTo("chat.postEphemeral") {
			out = append(out, c.Params.Get("text"))
		}
		return strings.Join(out, " | ")
	})
}

// TestDelayedArchive: with reject_delay, an Archive click schedules the
// archive (the message says when, with Cancel); the job survives its worker
// stopping and runs at its time; a cancelled one never reaches Ashby; one
// whose candidate was moved by hand meanwhile is recorded stale.
func TestDelayedArchive(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, fake := newSlackEnv(t, b, envOpts{})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 3})
			const delay = 6 * time.Second
			e.secondRule(sc, func(r *domain.Rule) { r.RejectDelay = delay })
			archived, cancelled, moved := sc.Candidates[0], sc.Candidates[1], sc.Candidates[2]
			for _, c := range sc.Candidates {
				e.submitScores(sc, c, 1)
			}
			exs := e.decide(archived, cancelled, moved)
			var notices []domain.Notification
			clicked := time.Now()
			for _, x := range exs {
				n := e.notice(x, domain.NotificationSent)
				notices = append(notices, n)
				e.click(n, slackapp.ActionSendRejection, rejectionButton(t, fake, x.ID), "UJANE", "jane.doe")
			}
			for i, x := range exs {
				s := e.waitExecution(x.ID, domain.ExecScheduled)
				if s.ActAt.Before(clicked.Add(delay-time.Second)) || s.ActAt.After(time.Now().Add(delay+time.Second)) {
					t.Fatalf("act_at %s, want about %s after the click", s.ActAt, delay)
				}
				if !strings.Contains(s.ExecutedBy, "UJANE") {
					t.Errorf("scheduled by %q, want the clicker", s.ExecutedBy)
				}
				buttonOf(t, fake, notices[i], slackapp.ActionCancelArchive)
				messageSays(t, fake, notices[i], "Archiving at", slackapp.ActionCancelArchive)
			}
			if got := e.changeStageCalls(); got != 0 {
				t.Fatalf("changeStage calls = %d while archives are scheduled, want 0", got)
			}

			// Cancel by a click; move the other candidate by hand.
			e.click(notices[1], slackapp.ActionCancelArchive, buttonOf(t, fake, notices[1], slackapp.ActionCancelArchive), "UBOB", "bob")
			c := e.waitExecution(exs[1].ID, domain.ExecCancelled)
			if !strings.Contains(c.RevertedBy, "UBOB") || c.RevertedAt.IsZero() {
				t.Errorf("cancelled by %q at %s, want bob and a time", c.RevertedBy, c.RevertedAt)
			}
			messageSays(t, fake, notices[1], "cancelled")
			if err := e.sim.MoveApplication(moved.ApplicationID, sc.StageIDs[1]); err != nil {
				t.Fatal(err)
			}

			// The process stops; another starts on the same database.
			stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := e.q.Stop(stopCtx); err != nil {
				t.Fatal(err)
			}
			q2 := e.stack.Database.Queue(t, jobs.Options{MaxAttempts: 25})
			svc2 := e.stack.NewServices(func(o *app.Options) { o.Queue = q2 })
			if err := q2.Start(ctx, svc2.Handlers()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = q2.Stop(context.Background()) })

			a := e.waitExecution(exs[0].ID, domain.ExecRejected)
			if a.ActedAt.Before(exs[0].ExecutedAt.Add(delay - time.Second)) {
				t.Errorf("archived at %s, before its time %s", a.ActedAt, a.ActAt)
			}
			s := e.waitExecution(exs[2].ID, domain.ExecStale)
			if !strings.Contains(s.FailureReason, "moved") {
				t.Errorf("stale reason %q", s.FailureReason)
			}
			if app, _ := e.sim.Application(archived.ApplicationID); app.Status != "Archived" {
				t.Fatalf("delayed archive not executed: %+v", app)
			}
			if app, _ := e.sim.Application(cancelled.ApplicationID); app.Status != "Active" || app.StageID != sc.StageIDs[0] {
				t.Fatalf("cancelled archive reached Ashby: %+v", app)
			}
			if app, _ := e.sim.Application(moved.ApplicationID); app.StageID != sc.StageIDs[1] || app.Status != "Active" {
				t.Fatalf("moved candidate changed: %+v", app)
			}
			if got := e.changeStageCalls(); got != 1 {
				t.Fatalf("changeStage calls = %d, want 1 (the one archive that was due)", got)
			}
			if emails := e.sim.ArchiveEmails(); len(emails) != 1 || emails[0].ApplicationID != archived.ApplicationID {
				t.Fatalf("rejection emails %+v, want one, to the archived candidate", emails)
			}
			if x, _ := e.db.GetExecution(ctx, exs[1].ID); x.Status != domain.ExecCancelled {
				t.Fatalf("cancelled decision became %s", x.Status)
			}
			assertNoFreeText(t, e, fake)
		})
	}
}

// TestUndo: Undo within the window moves the candidate back exactly once
// however often it is clicked (an advance's message and an archive's), and
// is refused, with Ashby receiving nothing, once the window closed or after
// someone moved the candidate.
func TestUndo(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			// A minute ahead: the simulator's feedback, stamped by the real
			// clock, must not look like it comes from the future.
			clock := testkit.NewRunningClock(time.Now().Add(time.Minute))
			e, fake := newSlackEnv(t, b, envOpts{clock: clock.Now, undoWindow: 15 * time.Minute})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 4})
			e.secondRule(sc, func(r *domain.Rule) { r.NotifyOnAdvance = true })
			for _, c := range sc.Candidates {
				e.users(sc, c, fake)
			}
			advanced, archived, moved, late := sc.Candidates[0], sc.Candidates[1], sc.Candidates[2], sc.Candidates[3]
			e.submitScores(sc, advanced, 4)
			e.submitScores(sc, archived, 1)
			e.submitScores(sc, moved, 4)
			e.submitScores(sc, late, 4)
			exs := e.decide(advanced, archived, moved, late)
			for _, i := range []int{0, 2, 3} {
				exs[i] = e.waitExecution(exs[i].ID, domain.ExecSuccess)
				if exs[i].ActedAt.IsZero() {
					t.Fatalf("advance without acted_at: %+v", exs[i])
				}
			}

			// The advance's message carries Undo; two clicks at once.
			an := e.noticeOfKind(exs[0], notify.KindAdvance)
			undo := buttonOf(t, fake, an, slackapp.ActionUndo)
			before := e.changeStageCalls()
			var wg sync.WaitGroup
			for _, u := range []string{"UJANE", "UBOB"} {
				wg.Add(1)
				go func() { defer wg.Done(); e.click(an, slackapp.ActionUndo, undo, u, strings.ToLower(u[1:])) }()
			}
			wg.Wait()
			u := e.waitExecution(exs[0].ID, domain.ExecUndone)
			if u.RevertedBy == "" || u.RevertedAt.IsZero() {
				t.Errorf("undone without who and when: %+v", u)
			}
			messageSays(t, fake, an, "Undone")
			if app, _ := e.sim.Application(advanced.ApplicationID); app.StageID != sc.StageIDs[0] || app.Status != "Active" {
				t.Fatalf("undone advance: candidate in %+v, want back in the first stage", app)
			}
			testkit.Eventually(t, 30*time.Second, "click jobs done", func() bool { return e.unfinished("decision_action") == 0 }, e.jobs)
			if got := e.changeStageCalls() - before; got != 1 {
				t.Fatalf("changeStage calls for two Undo clicks = %d, want exactly 1", got)
			}
			// A third click is a no-op.
			e.click(an, slackapp.ActionUndo, undo, "UJANE", "jane")
			testkit.Eventually(t, 30*time.Second, "click jobs done", func() bool { return e.unfinished("decision_action") == 0 }, e.jobs)
			if got := e.changeStageCalls() - before; got != 1 {
				t.Fatalf("changeStage calls after a third Undo = %d, want still 1", got)
			}

			// The archive's message carries Undo once archived.
			rn := e.notice(exs[1], domain.NotificationSent)
			e.click(rn, slackapp.ActionSendRejection, rejectionButton(t, fake, exs[1].ID), "UJANE", "jane")
			e.waitExecution(exs[1].ID, domain.ExecRejected)
			e.click(rn, slackapp.ActionUndo, buttonOf(t, fake, rn, slackapp.ActionUndo), "UJANE", "jane")
			e.waitExecution(exs[1].ID, domain.ExecUndone)
			messageSays(t, fake, rn, "back in")
			if app, _ := e.sim.Application(archived.ApplicationID); app.StageID != sc.StageIDs[0] || app.Status != "Active" {
				t.Fatalf("undone archive: %+v, want active in the first stage", app)
			}

			// Moved by hand since: refused, and said why.
			if err := e.sim.MoveApplication(moved.ApplicationID, sc.StageIDs[2]); err != nil {
				t.Fatal(err)
			}
			calls := e.changeStageCalls()
			mn := e.noticeOfKind(exs[2], notify.KindAdvance)
			e.click(mn, slackapp.ActionUndo, buttonOf(t, fake, mn, slackapp.ActionUndo), "UJANE", "jane")
			ephemeralSays(t, fake, "UJANE", "moved since aaa acted")
			if x, _ := e.db.GetExecution(ctx, exs[2].ID); x.Status != domain.ExecSuccess {
				t.Fatalf("refused undo changed the decision to %s", x.Status)
			}

			// After the window: refused through the admin API too.
			clock.Advance(16 * time.Minute)
			status, body := e.adminPost("/admin/decisions/" + exs[3].ID + "/undo")
			if status != http.StatusConflict || !strings.Contains(body, "undo window closed") || !strings.Contains(body, "REFUSED") {
				t.Fatalf("late undo: %d %s", status, body)
			}
			ln := e.noticeOfKind(exs[3], notify.KindAdvance)
			e.click(ln, slackapp.ActionUndo, buttonOf(t, fake, ln, slackapp.ActionUndo), "UBOB", "bob")
			ephemeralSays(t, fake, "UBOB", "undo window closed")
			testkit.Eventually(t, 30*time.Second, "click jobs done", func() bool { return e.unfinished("decision_action") == 0 }, e.jobs)
			if got := e.changeStageCalls(); got != calls {
				t.Fatalf("refused undos reached Ashby: %d changeStage calls, want %d", got, calls)
			}
			if app, _ := e.sim.Application(late.ApplicationID); app.StageID != sc.StageIDs[1] {
				t.Fatalf("late undo moved the candidate: %+v", app)
			}
		})
	}
}

// TestKeepInProcess: Keep in process is recorded as a disagreeing review by
// the clicker, retires the notice, and aaa does not ask again for that
// schedule until new feedback arrives.
func TestKeepInProcess(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, fake := newSlackEnv(t, b, envOpts{})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			rule := e.secondRule(sc, func(*domain.Rule) {})
			c := sc.Candidates[0]
			e.submitScores(sc, c, 1)
			exs := e.decide(c)
			n := e.notice(exs[0], domain.NotificationSent)
			e.click(n, slackapp.ActionKeepInProcess, buttonOf(t, fake, n, slackapp.ActionKeepInProcess), "UJANE", "jane.doe")
			k := e.waitExecution(exs[0].ID, domain.ExecKept)
			if !strings.Contains(k.RevertedBy, "UJANE") {
				t.Errorf("kept by %q, want the clicker", k.RevertedBy)
			}
			messageSays(t, fake, n, "Kept in process")
			reviews, err := e.db.ListReviews(ctx, rule.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(reviews) != 1 || reviews[0].Verdict != domain.VerdictDisagree || reviews[0].ExecutionID != exs[0].ID ||
				!strings.Contains(reviews[0].Reviewer, "UJANE") {
				t.Fatalf("reviews %+v, want one disagreeing review of the decision by the clicker", reviews)
			}
			ov, err := e.db.ListRuleOverview(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range ov {
				if o.Rule.ID == rule.ID && o.Shadow.Disagree != 1 {
					t.Errorf("rule agreement figures: %+v, want one disagreement", o.Shadow)
				}
			}

			rep, err := e.svc.Backtest.Backtest(ctx, backtest.Query{Rule: rule})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Overrides) != 1 || rep.Overrides[0].ExecutionID != exs[0].ID || !strings.Contains(rep.Overrides[0].By, "UJANE") ||
				rep.Overrides[0].CandidateName == "" {
				t.Fatalf("backtest overrides %+v, want the one kept decision with the candidate's name", rep.Overrides)
			}
			if text := strings.Join(rep.Lines(10), "\n"); !strings.Contains(text, "kept in process by recruiters against the rule: 1 ("+rep.Overrides[0].CandidateName+")") {
				t.Fatalf("backtest text does not show the override:\n%s", text)
			}

			// Evaluated again, without new feedback: nothing new.
			if _, err := e.svc.Advance.EvaluateNow(ctx, c.ScheduleID); err != nil {
				t.Fatal(err)
			}
			if got := e.executions(c.ApplicationID); len(got) != 1 {
				t.Fatalf("re-evaluation without new feedback: %s", describe(got))
			}
			// New feedback that still fails: asked again, once.
			e.sim.SubmitFeedback(c.ApplicationID, c.EventID, sc.InterviewerIDs[0], map[string]any{ashbysim.FieldOverallScore: 2})
			if err := e.svc.Sync.SyncFeedback(ctx); err != nil {
				t.Fatal(err)
			}
			var again []domain.Execution
			testkit.Eventually(t, 30*time.Second, "a new rejection after new feedback", func() bool {
				again = e.executions(c.ApplicationID)
				return len(again) == 2 && again[0].Status == domain.ExecNotified
			}, func() string { return describe(again) + e.jobs() })
			e.notice(again[0], domain.NotificationSent)
			if _, err := e.svc.Advance.EvaluateNow(ctx, c.ScheduleID); err != nil {
				t.Fatal(err)
			}
			if got := e.executions(c.ApplicationID); len(got) != 2 {
				t.Fatalf("asked more than once after new feedback: %s", describe(got))
			}
		})
	}
}

// TestActInWorkHours: a rule with act_in_work_hours holds an advance decided
// on a Saturday until Monday's first working minute, says so on the
// decision, and acts then.
func TestActInWorkHours(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, clock, saturday, sc, c := passingOnSaturday(t, b)
			x := e.decide(c)[0]
			monday := saturday.Truncate(24*time.Hour).AddDate(0, 0, 2).Add(9 * time.Hour)
			if x.Status != domain.ExecScheduled || !x.ActAt.Equal(monday) {
				t.Fatalf("decision on Saturday: %s act_at %s, want scheduled for %s", x.Status, x.ActAt, monday)
			}
			status, body := e.adminGet("/admin/decisions?application_id=" + c.ApplicationID)
			if status != http.StatusOK || !strings.Contains(body, `"act_at":"`+monday.Format("2006-01-02T15:04:05")) {
				t.Fatalf("decision does not show when it acts: %d %s", status, body)
			}
			if got := e.changeStageCalls(); got != 0 {
				t.Fatalf("changeStage on a Saturday: %d calls", got)
			}
			// Sunday evening: still held.
			clock.Set(monday.Add(-10 * time.Hour))
			if ev, err := e.svc.Advance.EvaluateNow(ctx, c.ScheduleID); err != nil || ev.Status != domain.ExecScheduled {
				t.Fatalf("Sunday: %+v, %v", ev, err)
			}
			// Monday, first working minute.
			clock.Set(monday)
			ev, err := e.svc.Advance.EvaluateNow(ctx, c.ScheduleID)
			if err != nil || ev.Status != domain.ExecSuccess || ev.ExecutionID != x.ID {
				t.Fatalf("Monday: %+v, %v", ev, err)
			}
			if app, _ := e.sim.Application(c.ApplicationID); app.StageID != sc.StageIDs[1] {
				t.Fatalf("not advanced on Monday: %+v", app)
			}
			if got := e.changeStageCalls(); got != 1 {
				t.Fatalf("changeStage calls = %d, want 1", got)
			}
		})
	}
}

// passingOnSaturday is an env whose clock runs from a Saturday at 11:00 and
// a live rule with act_in_work_hours whose one candidate passes.
func passingOnSaturday(t *testing.T, b testkit.Backend) (*env, *testkit.Clock, time.Time, ashbysim.Scenario, ashbysim.ScenarioCandidate) {
	t.Helper()
	saturday := nextWeekday(time.Now().UTC(), time.Saturday).Add(11 * time.Hour)
	clock := testkit.NewRunningClock(saturday)
	e := newEnv(t, b, envOpts{clock: clock.Now})
	sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
	e.secondRule(sc, func(r *domain.Rule) { r.ActInWorkHours = true })
	c := sc.Candidates[0]
	for _, id := range sc.InterviewerIDs {
		e.sim.SubmitFeedback(c.ApplicationID, c.EventID, id, map[string]any{ashbysim.FieldOverallScore: 4})
	}
	return e, clock, saturday, sc, c
}

func nextWeekday(t time.Time, d time.Weekday) time.Time {
	day := t.Truncate(24*time.Hour).AddDate(0, 0, 1)
	for day.Weekday() != d {
		day = day.AddDate(0, 0, 1)
	}
	return day
}

// users registers the candidate's recruiter in the Slack fake, so notices
// go to their DM.
func (e *env) users(sc ashbysim.Scenario, c ashbysim.ScenarioCandidate, fake *slackfake.Server) {
	fake.AddUsers(slackfake.User{ID: "URECRUITER", Email: e.recruiterEmail(c.ApplicationID)})
}

// noticeOfKind waits for the sent notification of a kind of an execution.
func (e *env) noticeOfKind(x domain.Execution, kind string) domain.Notification {
	e.t.Helper()
	var got domain.Notification
	testkit.Eventually(e.t, 30*time.Second, kind+" for "+x.ID, func() bool {
		list, _ := e.db.ListNotifications(context.Background(), x.ID, 10)
		for _, n := range list {
			if n.Kind == kind && n.Status == domain.NotificationSent {
				got = n
				return true
			}
		}
		return false
	}, e.jobs)
	return got
}

// unfinished counts jobs of a kind not yet completed.
func (e *env) unfinished(kind string) int {
	list, err := e.q.AllJobs(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, j := range list {
		if j.Kind == kind && j.FinalizedAt == nil {
			n++
		}
	}
	return n
}

func (e *env) adminPost(path string) (int, string) { return e.admin(http.MethodPost, path) }
func (e *env) adminGet(path string) (int, string)  { return e.admin(http.MethodGet, path) }

func (e *env) admin(method, path string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer admin-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v any
	_ = json.NewDecoder(resp.Body).Decode(&v)
	raw, _ := json.Marshal(v)
	return resp.StatusCode, fmt.Sprint(string(raw))
}

// TestDecisionActionsAPI: POST /admin/decisions/{id}/cancel|keep|undo go
// through the same use cases as the buttons, record the token's name,
// repeat as no-ops, and refuse with 409 and the reason.
func TestDecisionActionsAPI(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e, _ := newSlackEnv(t, b, envOpts{undoWindow: 15 * time.Minute})
			auto := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			notice := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			e.secondRule(auto, func(r *domain.Rule) { r.OnReject, r.RejectDelay = domain.OnRejectArchive, time.Hour })
			e.secondRule(notice, func(*domain.Rule) {})
			e.submitScores(auto, auto.Candidates[0], 1)
			e.submitScores(notice, notice.Candidates[0], 1)
			exs := e.decide(auto.Candidates[0], notice.Candidates[0])
			scheduled := e.waitExecution(exs[0].ID, domain.ExecScheduled)
			if d := time.Until(scheduled.ActAt); d < 50*time.Minute || d > time.Hour+time.Minute {
				t.Fatalf("auto-archive scheduled for %s, want in an hour", scheduled.ActAt)
			}

			status, body := e.adminPost("/admin/decisions/" + exs[0].ID + "/cancel")
			if status != http.StatusOK || !strings.Contains(body, `"status":"cancelled"`) || !strings.Contains(body, `"reverted_by":"admin (api)"`) {
				t.Fatalf("cancel: %d %s", status, body)
			}
			if status, body = e.adminPost("/admin/decisions/" + exs[0].ID + "/cancel"); status != http.StatusOK || !strings.Contains(body, `"status":"cancelled"`) {
				t.Fatalf("second cancel: %d %s", status, body)
			}
			if status, body = e.adminPost("/admin/decisions/" + exs[1].ID + "/cancel"); status != http.StatusConflict ||
				!strings.Contains(body, "REFUSED") || !strings.Contains(body, "nothing is scheduled") {
				t.Fatalf("cancel of a rejection awaiting its click: %d %s", status, body)
			}
			if status, body = e.adminPost("/admin/decisions/" + exs[1].ID + "/keep"); status != http.StatusOK || !strings.Contains(body, `"status":"kept"`) {
				t.Fatalf("keep: %d %s", status, body)
			}
			if status, body = e.adminPost("/admin/decisions/" + exs[1].ID + "/undo"); status != http.StatusConflict ||
				!strings.Contains(body, "only an advance or archive") {
				t.Fatalf("undo of a kept rejection: %d %s", status, body)
			}
			if status, body = e.adminPost("/admin/decisions/no-such-decision/undo"); status != http.StatusNotFound {
				t.Fatalf("undo of an unknown decision: %d %s", status, body)
			}
			if got := e.changeStageCalls(); got != 0 {
				t.Fatalf("changeStage calls = %d, want none", got)
			}
		})
	}
}

// TestHeldAdvanceSupersededByReject: an advance held to working hours does
// not run when new feedback turns the decision into a reject before its
// time: it is recorded stale and the rejection takes over.
func TestHeldAdvanceSupersededByReject(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, clock, saturday, sc, c := passingOnSaturday(t, b)
			held := e.decide(c)[0]
			if held.Status != domain.ExecScheduled {
				t.Fatalf("decision on Saturday: %s, want scheduled", held.Status)
			}
			// A second scorecard from the first interviewer, failing.
			e.sim.SubmitFeedback(c.ApplicationID, c.EventID, sc.InterviewerIDs[0], map[string]any{ashbysim.FieldOverallScore: 1})
			if err := e.svc.Sync.SyncFeedback(ctx); err != nil {
				t.Fatal(err)
			}
			var list []domain.Execution
			testkit.Eventually(t, 30*time.Second, "the reject recorded and the held advance retired", func() bool {
				list = e.executions(c.ApplicationID)
				statuses := map[string]string{}
				for _, x := range list {
					statuses[x.Outcome] = x.Status
				}
				return len(list) == 2 && statuses[domain.OutcomeAdvance] == domain.ExecStale && statuses[domain.OutcomeReject] != ""
			}, func() string { return describe(list) + e.jobs() })
			clock.Set(saturday.Truncate(24*time.Hour).AddDate(0, 0, 2).Add(9 * time.Hour))
			if _, err := e.svc.Advance.EvaluateNow(ctx, c.ScheduleID); err != nil {
				t.Fatal(err)
			}
			if got := e.changeStageCalls(); got != 0 {
				t.Fatalf("changeStage calls = %d on Monday, want none: the advance was superseded", got)
			}
		})
	}
}

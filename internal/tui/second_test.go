package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

const (
	secondSecret = "tui-second-thoughts"
	undoWindow   = 15 * time.Minute
)

// secondStack is aaa against the Ashby simulator, working its jobs, with
// UNDO_WINDOW set.
func secondStack(t *testing.T, b testkit.Backend) *testkit.Stack {
	t.Helper()
	return testkit.NewStack(t, testkit.StackOptions{Backend: b,
		App:    app.Options{Timeout: 7 * 24 * time.Hour, AttemptDelay: 10 * time.Millisecond, UndoWindow: undoWindow},
		Server: server.Deps{WebhookSecret: secondSecret}})
}

// liveRule stores a live rule for the scenario's first stage (Overall score
// ≥ 3), changed by change.
func liveRule(t *testing.T, s *testkit.Stack, sc ashbysim.Scenario, name string, change func(*domain.Rule)) domain.Rule {
	t.Helper()
	r := domain.Rule{Name: name, InterviewPlanID: sc.PlanID, InterviewStageID: sc.StageIDs[0], Mode: domain.ModeLive,
		Active: true, ArchiveReasonID: sc.ArchiveReasonID,
		Requirements: []domain.Requirement{{InterviewID: sc.InterviewID, FieldPath: ashbysim.FieldOverallScore,
			Operator: ">=", Threshold: "3", Required: true}}}
	change(&r)
	r, err := s.DB.CreateRule(context.Background(), r)
	testkit.Must(t, err)
	return r
}

// decideScores has every interviewer score the candidate, delivers the
// schedule, syncs the feedback and waits for the candidate's decision to
// reach status.
func decideScores(t *testing.T, s *testkit.Stack, sc ashbysim.Scenario, c ashbysim.ScenarioCandidate, score int, status string) domain.Execution {
	t.Helper()
	ctx := context.Background()
	for _, id := range sc.InterviewerIDs {
		s.Sim.SubmitFeedback(c.ApplicationID, c.EventID, id, map[string]any{ashbysim.FieldOverallScore: score})
	}
	if code, err := s.Sim.SendScheduleUpdate(ctx, s.URL+"/webhooks/ashby", secondSecret, c.ScheduleID); err != nil || code != 200 {
		t.Fatalf("webhook: %d %v", code, err)
	}
	testkit.Eventually(t, 30*time.Second, "schedule stored", func() bool {
		_, err := s.DB.GetSchedule(ctx, c.ScheduleID)
		return err == nil
	})
	testkit.Must(t, s.Services.Sync.SyncFeedback(ctx))
	var got []domain.Execution
	testkit.Eventually(t, 30*time.Second, "decision "+status, func() bool {
		got, _ = s.DB.ListExecutions(ctx, store.ExecutionFilter{ApplicationID: c.ApplicationID})
		return len(got) == 1 && got[0].Status == status
	}, func() string { return fmt.Sprintf("%+v", got) })
	return got[0]
}

// dashboardOn opens the dashboard over the stack as "ana", acting through
// the stack's advance use case, on the Decisions view.
func dashboardOn(t *testing.T, s *testkit.Stack) *Model {
	t.Helper()
	m := newModel(Options{Store: s.DB, Decisions: s.Services.Advance, UndoWindow: undoWindow, Actor: "ana",
		RefreshEvery: time.Hour})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	noErrors(t, pressDrive(t, m, "2"))
	return m
}

// openDecision opens the detail of decision id from the Decisions list.
func openDecision(t *testing.T, m *Model, id string) {
	t.Helper()
	v := m.views[viewDecisions].(*decisionsView)
	if v.detail {
		press(m, "esc")
	}
	noErrors(t, pressDrive(t, m, "r"))
	press(m, "g")
	for _, r := range v.rows {
		if r.Execution.ID == id {
			noErrors(t, pressDrive(t, m, "enter"))
			if v.detailData == nil || v.detailData.Row.Execution.ID != id {
				t.Fatalf("detail of %s not loaded:\n%s", id, screen(m))
			}
			return
		}
		press(m, "j")
	}
	t.Fatalf("decision %s not in the list:\n%s", id, screen(m))
}

// confirmAndDo presses k, checks the confirm step shows each of prompt and
// that nothing was done yet, then presses y.
func confirmAndDo(t *testing.T, m *Model, s *testkit.Stack, id, k string, prompt ...string) {
	t.Helper()
	before, err := s.DB.GetExecution(context.Background(), id)
	testkit.Must(t, err)
	if msgs := pressDrive(t, m, k); len(msgs) != 0 {
		t.Fatalf("%s ran %d messages before the confirm step", k, len(msgs))
	}
	scr := strings.Join(strings.Fields(screen(m)), " ")
	for _, p := range append(prompt, "y confirm · n/esc cancel") {
		if !strings.Contains(scr, p) {
			t.Fatalf("%s: confirm step lacks %q:\n%s", k, p, screen(m))
		}
	}
	if after, _ := s.DB.GetExecution(context.Background(), id); after.Status != before.Status {
		t.Fatalf("%s changed the decision before the confirm: %s -> %s", k, before.Status, after.Status)
	}
	pressDrive(t, m, "y")
}

func candidateName(t *testing.T, s *testkit.Stack, appID string) string {
	t.Helper()
	a, err := s.DB.GetApplication(context.Background(), appID)
	testkit.Must(t, err)
	if a.CandidateName == "" {
		t.Fatalf("application %s has no candidate name", appID)
	}
	return a.CandidateName
}

// TestDecisionDetailUndo: u in the detail of a live advance asks first,
// then moves the candidate back in the simulator as "ana (tui)"; a second
// u is not offered; an undo of a candidate moved by hand meanwhile is
// refused with the use case's reason, the decision unchanged and Ashby
// untouched.
func TestDecisionDetailUndo(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		s := secondStack(t, b)
		sc := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
		liveRule(t, s, sc, "Phone screen pass", func(*domain.Rule) {})
		undone, moved := sc.Candidates[0], sc.Candidates[1]
		x := decideScores(t, s, sc, undone, 4, domain.ExecSuccess)
		y := decideScores(t, s, sc, moved, 4, domain.ExecSuccess)
		name := candidateName(t, s, undone.ApplicationID)

		m := dashboardOn(t, s)
		openDecision(t, m, x.ID)
		scr := screen(m)
		for _, want := range []string{"Undo     possible until", "left) — u undo", "u undo"} {
			if !strings.Contains(scr, want) {
				t.Fatalf("detail of a live advance lacks %q:\n%s", want, scr)
			}
		}
		// n drops the confirm step: nothing moves.
		calls := s.Sim.CallCount("application.changeStage")
		press(m, "u")
		if msgs := pressDrive(t, m, "n"); len(msgs) != 0 || m.views[viewDecisions].Capturing() {
			t.Fatalf("n did not drop the confirm step (%d messages)", len(msgs))
		}
		confirmAndDo(t, m, s, x.ID, "u", "Undo: move "+name+" back to Phone Screen in Ashby?",
			"An email or stage automation Ashby already ran is not taken back.")
		if want := "Undone: " + name + " is back in Phone Screen"; m.status != want || m.statusErr {
			t.Fatalf("status = %q (error %t), want %q", m.status, m.statusErr, want)
		}
		got, err := s.DB.GetExecution(ctx, x.ID)
		testkit.Must(t, err)
		if got.Status != domain.ExecUndone || got.RevertedBy != "ana (tui)" || got.RevertedAt.IsZero() {
			t.Fatalf("decision after undo: %s by %q at %s", got.Status, got.RevertedBy, got.RevertedAt)
		}
		if a, _ := s.Sim.Application(undone.ApplicationID); a.StageID != sc.StageIDs[0] || a.Status != "Active" {
			t.Fatalf("simulator: %+v, want active in the first stage", a)
		}
		if n := s.Sim.CallCount("application.changeStage") - calls; n != 1 {
			t.Fatalf("changeStage calls for one undo = %d", n)
		}
		if scr := screen(m); !strings.Contains(scr, "Undone by ana (tui) at") || strings.Contains(scr, "u undo") {
			t.Fatalf("detail after the undo:\n%s", scr)
		}
		// u again: not offered, and Ashby hears nothing.
		pressDrive(t, m, "u")
		if !strings.Contains(m.status, "Nothing to undo") || !strings.Contains(m.status, "undone by ana (tui)") {
			t.Fatalf("second u: status %q", m.status)
		}

		// Moved by hand since aaa advanced: refused, with the reason.
		testkit.Must(t, s.Sim.MoveApplication(moved.ApplicationID, sc.StageIDs[2]))
		calls = s.Sim.CallCount("application.changeStage")
		openDecision(t, m, y.ID)
		confirmAndDo(t, m, s, y.ID, "u", "Undo: move")
		if !m.statusErr || !strings.Contains(m.status, "moved since aaa acted") || !strings.Contains(m.status, "now in ") ||
			strings.Contains(m.status, sc.StageIDs[2]) {
			t.Fatalf("refused undo: status %q (error %t)", m.status, m.statusErr)
		}
		// The whole reason reads on screen, wrapped under the detail.
		if scr := strings.Join(strings.Fields(screen(m)), " "); !strings.Contains(scr, m.status) {
			t.Fatalf("the reason %q is not on screen in full:\n%s", m.status, screen(m))
		}
		if got, _ := s.DB.GetExecution(ctx, y.ID); got.Status != domain.ExecSuccess || got.RevertedBy != "" {
			t.Fatalf("refused undo changed the decision: %s by %q", got.Status, got.RevertedBy)
		}
		if n := s.Sim.CallCount("application.changeStage"); n != calls {
			t.Fatalf("refused undo reached Ashby: %d changeStage calls, want %d", n, calls)
		}
		if a, _ := s.Sim.Application(moved.ApplicationID); a.StageID != sc.StageIDs[2] {
			t.Fatalf("refused undo moved the candidate: %+v", a)
		}
	})
}

// TestDecisionDetailCancelAndKeep: c cancels a scheduled archive (rule with
// on_reject archive and a reject delay) before it reaches Ashby; K keeps a
// rejection awaiting its click in process, recorded as a disagreeing review
// by "ana (tui)".
func TestDecisionDetailCancelAndKeep(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		s := secondStack(t, b)
		archive := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
		liveRule(t, s, archive, "Auto archive", func(r *domain.Rule) {
			r.OnReject, r.RejectDelay = domain.OnRejectArchive, 2*time.Hour
		})
		notify := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1, JobTitle: "Designer"})
		keepRule := liveRule(t, s, notify, "Ask first", func(r *domain.Rule) { r.OnReject = domain.OnRejectNotify })
		sched := decideScores(t, s, archive, archive.Candidates[0], 1, domain.ExecScheduled)
		notified := decideScores(t, s, notify, notify.Candidates[0], 1, domain.ExecNotified)
		name := candidateName(t, s, archive.Candidates[0].ApplicationID)
		kept := candidateName(t, s, notify.Candidates[0].ApplicationID)

		m := dashboardOn(t, s)
		openDecision(t, m, sched.ID)
		if scr := screen(m); !strings.Contains(scr, "Scheduled archive at") || !strings.Contains(scr, "(in 2 h) — c cancel, K keep") {
			t.Fatalf("detail of a scheduled archive:\n%s", scr)
		}
		// u does not fit a scheduled archive: said, not asked.
		pressDrive(t, m, "u")
		if !strings.Contains(m.status, "Nothing to undo") || m.views[viewDecisions].Capturing() {
			t.Fatalf("u on a scheduled archive: status %q", m.status)
		}
		confirmAndDo(t, m, s, sched.ID, "c", "Cancel the archive of "+name+" scheduled for",
			name+" stays in Phone Screen and no rejection email is sent.")
		if want := "Cancelled: " + name + " will not be archived and stays in Phone Screen"; m.status != want {
			t.Fatalf("status = %q, want %q", m.status, want)
		}
		got, err := s.DB.GetExecution(ctx, sched.ID)
		testkit.Must(t, err)
		if got.Status != domain.ExecCancelled || got.RevertedBy != "ana (tui)" {
			t.Fatalf("decision after cancel: %s by %q", got.Status, got.RevertedBy)
		}
		if scr := screen(m); !strings.Contains(scr, "Cancelled by ana (tui) at") {
			t.Fatalf("detail after the cancel:\n%s", scr)
		}
		if a, _ := s.Sim.Application(archive.Candidates[0].ApplicationID); a.Status != "Active" || a.StageID != archive.StageIDs[0] {
			t.Fatalf("cancelled archive reached Ashby: %+v", a)
		}

		openDecision(t, m, notified.ID)
		if scr := screen(m); !strings.Contains(scr, "Awaiting a recruiter's Archive click in Slack — K keep in process") {
			t.Fatalf("detail of a rejection awaiting its click:\n%s", scr)
		}
		confirmAndDo(t, m, s, notified.ID, "K", "Keep "+kept+" in process?", `disagreeing review of "Ask first"`,
			"does not ask again until new feedback arrives")
		if want := "Kept in process: " + kept + " stays in Phone Screen"; !strings.HasPrefix(m.status, want) || m.statusErr {
			t.Fatalf("status = %q, want %q…", m.status, want)
		}
		got, err = s.DB.GetExecution(ctx, notified.ID)
		testkit.Must(t, err)
		if got.Status != domain.ExecKept || got.RevertedBy != "ana (tui)" {
			t.Fatalf("decision after keep: %s by %q", got.Status, got.RevertedBy)
		}
		reviews, err := s.DB.ListReviews(ctx, keepRule.ID)
		testkit.Must(t, err)
		if len(reviews) != 1 || reviews[0].Verdict != domain.VerdictDisagree || reviews[0].Reviewer != "ana (tui)" {
			t.Fatalf("reviews %+v, want one disagreement by ana (tui)", reviews)
		}
		if scr := screen(m); !strings.Contains(scr, "Kept in process by ana (tui) at") {
			t.Fatalf("detail after keep:\n%s", scr)
		}
		if n := s.Sim.CallCount("application.changeStage"); n != 0 {
			t.Fatalf("cancel and keep called changeStage %d times", n)
		}
		// The list reads the new statuses whole.
		noErrors(t, pressDrive(t, m, "esc", "r"))
		scr := screen(m)
		for _, want := range []string{" cancelled ", " kept "} {
			if !strings.Contains(scr, want) {
				t.Fatalf("list lacks the status %q:\n%s", want, scr)
			}
		}
	})
}

// TestDecisionActionsUnavailable: without the Decisions use case the keys
// say why nothing can be done; without an Ashby key undo says it needs one,
// while cancel still works.
func TestDecisionActionsUnavailable(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		s := secondStack(t, b)
		sc := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
		liveRule(t, s, sc, "Auto archive", func(r *domain.Rule) {
			r.OnReject, r.RejectDelay = domain.OnRejectArchive, time.Hour
		})
		adv := decideScores(t, s, sc, sc.Candidates[0], 4, domain.ExecSuccess)
		sched := decideScores(t, s, sc, sc.Candidates[1], 1, domain.ExecScheduled)

		ro := newModel(Options{Store: s.DB, UndoWindow: undoWindow, RefreshEvery: time.Hour})
		ro.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		pressDrive(t, ro, "2")
		openDecision(t, ro, adv.ID)
		if strings.Contains(screen(ro), "u undo") {
			t.Fatalf("a read-only dashboard offers u:\n%s", screen(ro))
		}
		for _, k := range []string{"u", "c", "K"} {
			pressDrive(t, ro, k)
			if !ro.statusErr || !strings.Contains(ro.status, "not available in this dashboard") || ro.views[viewDecisions].Capturing() {
				t.Fatalf("%s in a read-only dashboard: status %q", k, ro.status)
			}
		}

		// The use cases without an Ashby client, as `aaa tui` builds them
		// when ASHBY_API_KEY is not set.
		noAshby := s.NewServices(func(o *app.Options) { o.ATS = nil })
		m := newModel(Options{Store: s.DB, Decisions: noAshby.Advance, UndoWindow: undoWindow, Actor: "ana", RefreshEvery: time.Hour})
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		pressDrive(t, m, "2")
		openDecision(t, m, adv.ID)
		confirmAndDo(t, m, s, adv.ID, "u", "Undo: move")
		if !m.statusErr || !strings.Contains(m.status, "start the dashboard with ASHBY_API_KEY set to undo") {
			t.Fatalf("undo without Ashby: status %q", m.status)
		}
		if got, _ := s.DB.GetExecution(ctx, adv.ID); got.Status != domain.ExecSuccess {
			t.Fatalf("undo without Ashby changed the decision to %s", got.Status)
		}
		openDecision(t, m, sched.ID)
		confirmAndDo(t, m, s, sched.ID, "c", "Cancel the archive")
		if got, _ := s.DB.GetExecution(ctx, sched.ID); got.Status != domain.ExecCancelled || m.statusErr {
			t.Fatalf("cancel without Ashby: %s, status %q", got.Status, m.status)
		}
	})
}

// secondFixture is the decision detail of a live rejection in status.
func secondFixture(status string, change func(e *domain.Execution)) decisionDetailMsg {
	d := decisionDetailFixture()
	r := &d.detail.Row
	r.Execution.ID, r.Execution.Mode, r.Execution.Status = "exec-9", domain.ModeLive, status
	r.Execution.ToStageID, r.ToStageTitle = "stage-archived", "Archived"
	r.RuleName, r.Execution.RuleID = "Backend Engineer: panel scores", "rule-2"
	change(&r.Execution)
	return d
}

// TestGoldenSecondThoughts: the decision detail of a scheduled archive, of
// an undone one and the confirm step of a cancel, at 80x24.
func TestGoldenSecondThoughts(t *testing.T) {
	t.Parallel()
	db, _ := testkit.OpenSQLite(t)
	svcs := app.New(app.Options{Store: db, UndoWindow: undoWindow})
	tests := []struct {
		name   string
		detail decisionDetailMsg
		keys   []string
	}{
		{name: "decisions_scheduled", detail: secondFixture(domain.ExecScheduled, func(e *domain.Execution) {
			e.ActAt = now.Add(2*time.Hour + 10*time.Minute)
		})},
		{name: "decisions_scheduled_cancel", keys: []string{"c"}, detail: secondFixture(domain.ExecScheduled, func(e *domain.Execution) {
			e.ActAt = now.Add(2*time.Hour + 10*time.Minute)
		})},
		{name: "decisions_undone", detail: secondFixture(domain.ExecUndone, func(e *domain.Execution) {
			e.ActedAt, e.RevertedBy, e.RevertedAt = now.Add(-10*time.Minute), "slack:U123 (jane.doe)", now.Add(-4*time.Minute)
		})},
		{name: "decisions_undo_window", keys: []string{"u"}, detail: secondFixture(domain.ExecRejected, func(e *domain.Execution) {
			e.ActedAt = now.Add(-5 * time.Minute)
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := newModel(Options{Now: fixedNow, Decisions: svcs.Advance, UndoWindow: undoWindow, Label: "sqlite:aaa.db"})
			m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			v := m.views[viewDecisions].(*decisionsView)
			v.seq = 1
			for _, msg := range fixture() {
				if _, ok := msg.(detailFixture); !ok {
					m.Update(msg)
				}
			}
			press(m, "2", "j", "enter")
			v.detailID = tt.detail.detail.Row.Execution.ID
			m.Update(tt.detail)
			press(m, tt.keys...)
			golden(t, tt.name+"_80x24", screen(m))
		})
	}
}

package tui

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/charmbracelet/x/ansi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// now is the fixed clock of the view tests.
var now = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return now }

func ptrTime(t time.Time) *time.Time { return &t }

func assign(id, first, last string) domain.Assignment {
	return domain.Assignment{InterviewerID: id, FirstName: first, LastName: last, IsEnabled: true, IsFeedbackRequired: true}
}

// fixture is the fixed data every view test loads. It uses the demo
// workspace's names (`aaa demo`: its four jobs and their "<job>: panel
// scores" rules, the live Backend Engineer rule with a 10 minute reject
// delay, the Phone Screen → Technical Interview stages, the Panel
// Interview's Overall Score, candidates and interviewers drawn from the
// simulator's names). The demo's own data cannot be used as is: its ids are
// random and its times follow the wall clock and the server's timing, so
// no golden file would be stable.
func fixture() []tea.Msg {
	l := func(v viewID) loaded { return loaded{view: v, at: now} }
	rule := domain.Rule{ID: "rule-1", Name: "Product Designer: panel scores", JobID: "job-1", InterviewPlanID: "plan-1",
		InterviewStageID: "stage-1", TargetStageID: "stage-2", Mode: domain.ModeShadow, OnReject: domain.OnRejectNotify,
		Active: true, Version: 3, TimeoutDays: 5, UpdatedAt: now.Add(-24 * time.Hour), RejectDelay: 2 * time.Hour, ActInWorkHours: true,
		Requirements: []domain.Requirement{{InterviewID: "iv-code", FieldPath: "score", Operator: ">=", Threshold: "3",
			Aggregate: domain.AggEach, Required: true}}}
	live := domain.Rule{ID: "rule-2", Name: "Backend Engineer: panel scores", JobID: "job-2", InterviewPlanID: "plan-2",
		InterviewStageID: "stage-21", Mode: domain.ModeLive, OnReject: domain.OnRejectNotify, Active: true, Version: 7,
		RejectDelay: 10 * time.Minute, UpdatedAt: now.Add(-48 * time.Hour)}
	old := domain.Rule{ID: "rule-3", Name: "Data Scientist: panel scores", JobID: "job-3", InterviewPlanID: "plan-3",
		InterviewStageID: "stage-31", Mode: domain.ModeShadow, Active: false, Version: 2}
	sre := domain.Rule{ID: "rule-4", Name: "Site Reliability Engineer: panel scores", JobID: "job-4", InterviewPlanID: "plan-4",
		InterviewStageID: "stage-41", Mode: domain.ModeShadow, Active: true, Version: 1}

	pending := store.Pending{InterviewTitles: map[string]string{"iv-code": "Panel Interview", "iv-sys": "Panel Interview"}}
	event := func(id, iv string, end time.Time, who ...domain.Assignment) []domain.Event {
		return []domain.Event{{ID: id, InterviewID: iv, StartTime: end.Add(-time.Hour), EndTime: end, Interviewers: who}}
	}
	pending.Schedules = []store.PendingSchedule{
		{
			Schedule: domain.Schedule{ID: "sched-1", ApplicationID: "app-1", CandidateID: "cand-1", InterviewStageID: "stage-1",
				InterviewPlanID: "plan-1", JobID: "job-1", Status: domain.StatusWaitingOnFeedback, LastOutcome: domain.OutcomeWait,
				LastSummary: "wait: 1 of 2 interviewers still owe feedback", LastEvaluatedAt: ptrTime(now.Add(-10 * time.Minute)),
				DueAt: ptrTime(now.Add(40 * time.Minute)),
				Events: []domain.Event{{ID: "ev-1", InterviewID: "iv-code", StartTime: now.Add(-5 * 24 * time.Hour),
					EndTime:      now.Add(-5*24*time.Hour + 3*time.Hour),
					Interviewers: []domain.Assignment{assign("u-1", "Grace", "Hopper"), assign("u-2", "Alan", "Turing")}}}},
			CandidateName: "Ada Lovelace", JobTitle: "Product Designer", StageTitle: "Phone Screen",
			Feedback: []domain.Feedback{{ID: "fb-1", ApplicationID: "app-1", EventID: "ev-1", InterviewerID: "u-1",
				InterviewID: "iv-code", SubmittedAt: now.Add(-3 * 24 * time.Hour)}},
			RemindersSent: map[string]int{"u-2": 2},
		},
		{
			Schedule: domain.Schedule{ID: "sched-2", ApplicationID: "app-2", CandidateID: "cand-2", InterviewStageID: "stage-21",
				InterviewPlanID: "plan-2", JobID: "job-2", Status: domain.StatusScheduled,
				Events: event("ev-2", "iv-sys", now.Add(25*time.Hour), assign("u-3", "Barbara", "Liskov"))},
			CandidateName: "Linus Torvalds", JobTitle: "Backend Engineer", StageTitle: "Phone Screen",
		},
		{
			Schedule: domain.Schedule{ID: "sched-5", ApplicationID: "app-5", CandidateID: "cand-5", InterviewStageID: "stage-21",
				InterviewPlanID: "plan-2", JobID: "job-2", Status: domain.StatusWaitingOnFeedback, LastOutcome: domain.OutcomeWait,
				LastEvaluatedAt: ptrTime(now.Add(-3 * time.Minute)), DueAt: ptrTime(now.Add(-3 * time.Minute)),
				Events: event("ev-5", "iv-sys", now.Add(-2*time.Hour), assign("u-3", "Barbara", "Liskov"), assign("u-4", "Ken", "Thompson"))},
			CandidateName: "Margaret Hamilton", JobTitle: "Backend Engineer", StageTitle: "Phone Screen",
			Feedback: []domain.Feedback{{ID: "fb-5", ApplicationID: "app-5", EventID: "ev-5", InterviewerID: "u-4",
				InterviewID: "iv-sys", SubmittedAt: now.Add(-time.Hour)}},
		},
		{
			Schedule: domain.Schedule{ID: "sched-6", ApplicationID: "app-6", CandidateID: "cand-6", InterviewStageID: "stage-41",
				InterviewPlanID: "plan-4", JobID: "job-4", Status: domain.StatusWaitingOnFeedback, LastOutcome: domain.OutcomeWait,
				LastEvaluatedAt: ptrTime(now.Add(-20 * time.Minute)), DueAt: ptrTime(now.Add(3 * time.Hour)),
				Events: event("ev-6", "iv-sys", now.Add(-26*time.Hour), assign("u-5", "Dennis", "Ritchie"), assign("u-6", "Radia", "Perlman"))},
			CandidateName: "Frances Allen", JobTitle: "Site Reliability Engineer", StageTitle: "Phone Screen",
		},
	}

	passed, failed := true, false
	reasons, _ := json.Marshal(domain.Decision{Outcome: domain.OutcomeReject, Summary: "reject: score >= 3 failed",
		Reasons: []domain.Reason{
			{Code: "requirement_failed", RequirementID: "req-1", InterviewID: "iv-code", Passed: &failed,
				Field: "overall_score", Operator: ">=", Threshold: "3", Aggregate: "each",
				Message: "2/3 interviewers passed overall_score >= 3 on interview iv-code"},
			{Code: "interviewer_passed", RequirementID: "req-1", InterviewID: "iv-code", InterviewerID: "u-1", Passed: &passed,
				Field: "overall_score", Operator: ">=", Threshold: "3", Aggregate: "each",
				Value: 4, Message: "interviewer u-1 passed overall_score >= 3"},
			{Code: "interviewer_failed", RequirementID: "req-1", InterviewID: "iv-code", InterviewerID: "u-2", Passed: &failed,
				Field: "overall_score", Operator: ">=", Threshold: "3", Aggregate: "each",
				Value: 2, Message: "interviewer u-2 did not pass overall_score >= 3"},
			// An interviewer the caches do not know (yet): named by id in a
			// code span, the score still shown at 80 columns.
			{Code: "interviewer_passed", RequirementID: "req-1", InterviewID: "iv-code",
				InterviewerID: "80aa2f81-49ee-4af1-bd94-61a1b8b38ea1", Passed: &passed,
				Field: "overall_score", Operator: ">=", Threshold: "3", Aggregate: "each",
				Value: 3, Message: "interviewer 80aa2f81-49ee-4af1-bd94-61a1b8b38ea1 passed overall_score >= 3"},
		}})
	decisions := []store.DecisionRow{
		{Execution: domain.Execution{ID: "exec-3", ScheduleID: "sched-3", ApplicationID: "app-3", RuleID: "rule-2", RuleVersion: 7,
			Mode: domain.ModeLive, Outcome: domain.OutcomeAdvance, Status: domain.ExecFailed, FromStageID: "stage-21",
			ToStageID: "stage-22", FailureReason: "ashby: application.changeStage: 503 Service Unavailable",
			Summary: "advance: every requirement passed", ExecutedAt: now.Add(-5 * time.Minute), ExecutedBy: "system",
			UpdatedAt: now.Add(-4 * time.Minute)},
			CandidateName: "Ken Ritchie", JobTitle: "Backend Engineer", StageTitle: "Phone Screen", ToStageTitle: "Technical Interview",
			RuleName: "Backend Engineer: panel scores"},
		{Execution: domain.Execution{ID: "exec-2", ScheduleID: "sched-1", ApplicationID: "app-1", RuleID: "rule-1", RuleVersion: 3,
			Mode: domain.ModeShadow, Outcome: domain.OutcomeReject, Status: domain.ExecDryRun, FromStageID: "stage-1",
			ToStageID: "", Summary: "reject: score >= 3 failed", Reasons: reasons, ExecutedAt: now.Add(-30 * time.Minute),
			ExecutedBy: "system", UpdatedAt: now.Add(-30 * time.Minute)},
			CandidateName: "Ada Lovelace", JobTitle: "Product Designer", StageTitle: "Phone Screen", RuleName: "Product Designer: panel scores"},
		{Execution: domain.Execution{ID: "exec-1", ScheduleID: "sched-4", ApplicationID: "app-4", RuleID: "rule-1", RuleVersion: 2,
			Mode: domain.ModeShadow, Outcome: domain.OutcomeAdvance, Status: domain.ExecDryRun, FromStageID: "stage-1",
			Summary: "advance: score >= 3 passed", ExecutedAt: now.Add(-26 * time.Hour), ExecutedBy: "system",
			UpdatedAt: now.Add(-26 * time.Hour)},
			CandidateName: "Barbara Turing", JobTitle: "Product Designer", StageTitle: "Phone Screen", RuleName: "Product Designer: panel scores",
			Verdict: domain.VerdictAgree},
		{Execution: domain.Execution{ID: "exec-4", ScheduleID: "sched-7", ApplicationID: "app-7", RuleID: "rule-2", RuleVersion: 7,
			Mode: domain.ModeLive, Outcome: domain.OutcomeReject, Status: domain.ExecScheduled, FromStageID: "stage-21",
			Summary: "reject: score >= 3 failed", ExecutedAt: now.Add(-2 * time.Hour), ActAt: now.Add(8 * time.Minute),
			ExecutedBy: "system", UpdatedAt: now.Add(-2 * time.Minute)},
			CandidateName: "Grace Liskov", JobTitle: "Backend Engineer", StageTitle: "Phone Screen", RuleName: "Backend Engineer: panel scores"},
		{Execution: domain.Execution{ID: "exec-5", ScheduleID: "sched-8", ApplicationID: "app-8", RuleID: "rule-4", RuleVersion: 1,
			Mode: domain.ModeShadow, Outcome: domain.OutcomeTimeout, Status: domain.ExecTimeout, FromStageID: "stage-41",
			Summary: "timeout: feedback missing after 7 days", ExecutedAt: now.Add(-50 * time.Hour), ExecutedBy: "system",
			UpdatedAt: now.Add(-50 * time.Hour)},
			CandidateName: "Radia Thompson", JobTitle: "Site Reliability Engineer", StageTitle: "Phone Screen",
			RuleName: "Site Reliability Engineer: panel scores", Verdict: domain.VerdictDisagree},
	}
	detail := store.DecisionDetail{Row: decisions[1],
		Notifications: []domain.Notification{{ID: "n-1", ExecutionID: "exec-2", Kind: "reject", Channel: "#hiring",
			Status: domain.NotificationFailed, Error: "channel_not_found", CreatedAt: now.Add(-29 * time.Minute),
			UpdatedAt: now.Add(-29 * time.Minute)}},
		InterviewerNames: map[string]string{"u-1": "Grace Hopper", "u-2": "Alan Turing"},
		InterviewTitles:  map[string]string{"iv-code": "Panel Interview"}}

	rules := []store.RuleOverview{
		{Rule: live, JobTitle: "Backend Engineer", PlanTitle: "Backend Engineer Interview Plan", StageTitle: "Phone Screen",
			TargetStageTitle: "Technical Interview", Shadow: store.ShadowRecord{Decisions: 30, WouldAdvance: 20, WouldReject: 10}},
		{Rule: old, JobTitle: "Data Scientist", PlanTitle: "Data Scientist Interview Plan", StageTitle: "Phone Screen"},
		{Rule: rule, JobTitle: "Product Designer", PlanTitle: "Product Designer Interview Plan", StageTitle: "Phone Screen",
			TargetStageTitle: "Technical Interview",
			Shadow:           store.ShadowRecord{Decisions: 12, WouldAdvance: 7, WouldReject: 4, Agree: 3, Disagree: 1}},
		{Rule: sre, JobTitle: "Site Reliability Engineer", PlanTitle: "Site Reliability Engineer Interview Plan", StageTitle: "Phone Screen",
			Shadow: store.ShadowRecord{Decisions: 6, WouldAdvance: 2, WouldReject: 3, Agree: 1, Disagree: 2}},
	}

	act := activity{
		counts: map[string]int{domain.DeliveryProcessed: 41, domain.DeliveryFailed: 1},
		syncs: []store.SyncState{
			{Name: "feedback_sync", LastStartedAt: ptrTime(now.Add(-31 * time.Minute)), LastFinishedAt: ptrTime(now.Add(-30 * time.Minute)),
				LastStatus: "ok", Items: 14},
			{Name: "metadata_sync", LastStartedAt: ptrTime(now.Add(-2 * time.Hour)), LastFinishedAt: ptrTime(now.Add(-2 * time.Hour)),
				LastStatus: "failed", LastError: "ashby: 401 unauthorized"},
		},
		deliveries: []domain.Delivery{
			{ID: "d-2", Action: "interviewScheduleUpdate", ScheduleID: "sched-1", Status: domain.DeliveryProcessed, Attempts: 1,
				ReceivedAt: now.Add(-2 * time.Minute)},
			{ID: "d-1", Action: "interviewScheduleUpdate", ScheduleID: "sched-9", Status: domain.DeliveryFailed, Attempts: 3,
				LastError: "schedule payload missing interviewStageId", ReceivedAt: now.Add(-20 * time.Minute)},
			{ID: "d-0", Action: "candidateStageChange", Status: domain.DeliveryProcessed, Attempts: 1,
				LastError: "moved to Technical Interview", ReceivedAt: now.Add(-45 * time.Minute)},
		},
		scheduleCandidates: map[string]string{"sched-1": "Ada Lovelace"},
		notifications:      detail.Notifications,
		executions:         []domain.Execution{decisions[0].Execution},
		candidates:         map[string]string{"exec-3": "Ken Ritchie", "exec-2": "Ada Lovelace"},
	}
	return []tea.Msg{
		pendingMsg{loaded: l(viewPending), pending: pending, rules: []domain.Rule{rule, live, sre}},
		decisionsMsg{loaded: l(viewDecisions), seq: 1, rows: decisions, rules: []domain.Rule{live, old, rule, sre}},
		rulesMsg{loaded: l(viewRules), rows: rules, reqs: map[string][]string{
			"rule-1": {"Panel Interview: Overall Score ≥ 3 (each, required)"},
			"rule-2": {"Panel Interview: Overall Score ≥ 3 (each, required)"},
		}},
		activityMsg{loaded: l(viewActivity), activity: act},
		detailFixture{detail},
	}
}

// detailFixture wraps the decision detail so loadedModel can hold it back
// until the detail is opened.
type detailFixture struct{ d store.DecisionDetail }

// loadedModel returns a model of size w x h with the fixture loaded.
func loadedModel(t *testing.T, w, h int) *Model {
	t.Helper()
	m := newModel(Options{Now: fixedNow, FeedbackTimeout: 7 * 24 * time.Hour, Label: "sqlite:aaa.db"})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.views[viewDecisions].(*decisionsView).seq = 1
	for _, msg := range fixture() {
		if _, ok := msg.(detailFixture); ok {
			continue
		}
		m.Update(msg)
	}
	return m
}

// ruleHistoryFixture is the history of rule-1 (version 3).
func ruleHistoryFixture() ruleHistoryMsg {
	str := func(v string) *string { return &v }
	titles := rules.Titles{"job-1": "Product Designer", "plan-1": "Product Designer Interview Plan", "stage-1": "Phone Screen"}
	return ruleHistoryMsg{ruleID: "rule-1", titles: titles, revs: []domain.RuleRevision{
		{RuleID: "rule-1", Version: 3, Action: domain.RevisionMode, Actor: "ana", Source: domain.SourceTUI,
			Changes: []domain.FieldChange{{Field: "mode", Old: str("live"), New: str("shadow")}}, CreatedAt: now.Add(-time.Hour)},
		{RuleID: "rule-1", Version: 2, Action: domain.RevisionUpdate, Actor: "deploy-bot", Source: domain.SourceAPI,
			Changes: []domain.FieldChange{{Field: "mode", Old: str("shadow"), New: str("live")},
				{Field: "requirements[0].threshold_value", Old: str("2"), New: str("3")}}, CreatedAt: now.Add(-48 * time.Hour)},
		{RuleID: "rule-1", Version: 1, Action: domain.RevisionCreate, Actor: "sam", Source: domain.SourceCLI,
			Changes: []domain.FieldChange{{Field: "active", New: str("true")}, {Field: "job", New: str("job-1")},
				{Field: "interview_plan", New: str("plan-1")}, {Field: "interview_stage", New: str("stage-1")},
				{Field: "mode", New: str("shadow")}, {Field: "requirements", New: str("1")}},
			CreatedAt: now.Add(-72 * time.Hour)},
	}}
}

// deliveryDetailFixture is the failed delivery d-1 and what its payload
// names.
func deliveryDetailFixture() deliveryDetailMsg {
	d := domain.Delivery{ID: "d-1", Action: "interviewScheduleUpdate", ScheduleID: "sched-9", Status: domain.DeliveryFailed,
		Attempts: 3, LastError: "schedule payload missing interviewStageId", ReceivedAt: now.Add(-20 * time.Minute)}
	return deliveryDetailMsg{delivery: d, summary: deliverySummary{ScheduleID: "sched-9", ApplicationID: "app-9", CandidateID: "cand-9"}}
}

func decisionDetailFixture() decisionDetailMsg {
	for _, msg := range fixture() {
		if d, ok := msg.(detailFixture); ok {
			return decisionDetailMsg{loaded: loaded{view: viewDecisions, at: now}, detail: d.d}
		}
	}
	panic("no detail in fixture")
}

func press(m *Model, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		_, last = m.Update(keyMsg(k))
	}
	return last
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func screen(m *Model) string {
	lines := strings.Split(ansi.Strip(m.View().Content), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from %s (run with -update after checking):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

func TestGoldenViews(t *testing.T) {
	t.Parallel()
	sizes := []struct{ w, h int }{{80, 24}, {120, 40}}
	tests := []struct {
		name string
		keys []string
		// detail feeds the decision detail after the keys.
		detail bool
		// history feeds the rule history after the keys.
		history bool
		// delivery feeds the delivery detail after the keys.
		delivery bool
		// server feeds a server status first.
		server *serverStatus
	}{
		{name: "pending"},
		{name: "pending_detail", keys: []string{"j", "k", "enter"}},
		{name: "pending_no_server", server: &serverStatus{}},
		{name: "pending_serving", server: &serverStatus{Running: true, Host: "aaa-prod-1", Version: "v1.4.0", LastBeat: now.Add(-5 * time.Second), Instances: 1}},
		{name: "pending_filtered", keys: []string{"/", "b", "k", "n", "d", "enter"}},
		{name: "pending_filter_typing", keys: []string{"/", "l", "i", "s", "k"}},
		{name: "pending_sorted", keys: []string{"s", "S"}},
		{name: "decisions", keys: []string{"2"}},
		{name: "decisions_detail", keys: []string{"2", "j", "enter"}, detail: true},
		{name: "decisions_detail_scrolled", keys: []string{"2", "j", "enter", "G"}, detail: true},
		{name: "decisions_review", keys: []string{"2", "j", "d", "t", "o", "o", "space", "s", "o", "o", "n"}},
		{name: "decisions_filtered", keys: []string{"2", "/", "p", "a", "n", "e", "l", "space", "p", "d", "enter"}},
		{name: "decisions_sorted", keys: []string{"2", "s"}},
		{name: "rules", keys: []string{"3"}},
		{name: "rules_sorted", keys: []string{"3", "s", "s", "s"}},
		{name: "rules_filtered", keys: []string{"3", "/", "s", "h", "a", "d", "o", "w", "enter"}},
		{name: "rules_confirm_live", keys: []string{"3", "j", "j", "m"}},
		{name: "rules_detail", keys: []string{"3", "j", "j", "enter"}, history: true},
		{name: "rules_reject_delay", keys: []string{"3", "j", "j", "enter", "D", "backspace", "backspace", "9", "0", "m"}, history: true},
		{name: "activity", keys: []string{"4"}},
		{name: "activity_sorted", keys: []string{"4", "s"}},
		{name: "activity_filtered", keys: []string{"4", "/", "f", "a", "i", "l", "enter"}},
		{name: "activity_job_detail", keys: []string{"4", "j", "enter"}},
		{name: "activity_delivery_detail", keys: []string{"4", "j", "j", "j", "enter"}, delivery: true},
		{name: "activity_retry_confirm", keys: []string{"4", "j", "j", "j", "enter", "R"}, delivery: true},
		{name: "activity_error_detail", keys: []string{"4", "G", "enter"}},
		{name: "help", keys: []string{"?"}},
		{name: "help_decisions", keys: []string{"2", "?"}},
		{name: "help_rules", keys: []string{"3", "?"}},
		{name: "help_activity", keys: []string{"4", "?"}},
	}
	for _, sz := range sizes {
		for _, tt := range tests {
			name := tt.name + "_" + itoa(sz.w) + "x" + itoa(sz.h)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				m := loadedModel(t, sz.w, sz.h)
				if tt.server != nil {
					m.Update(serverStatusMsg{status: *tt.server})
				}
				press(m, tt.keys...)
				if tt.detail {
					m.Update(decisionDetailFixture())
				}
				if tt.history {
					m.Update(ruleHistoryFixture())
				}
				if tt.delivery {
					m.Update(deliveryDetailFixture())
				}
				golden(t, name, screen(m))
			})
		}
	}
}

func TestTooSmall(t *testing.T) {
	t.Parallel()
	m := loadedModel(t, 79, 30)
	got := screen(m)
	if !strings.Contains(got, "at least 80x24") || !strings.Contains(got, "79x30") {
		t.Fatalf("small terminal message missing:\n%s", got)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 23})
	if got := screen(m); !strings.Contains(got, "80x23") {
		t.Fatalf("small terminal message missing:\n%s", got)
	}
}

func TestNoColor(t *testing.T) {
	t.Parallel()
	m := newModel(Options{Now: fixedNow, NoColor: true})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	for _, msg := range fixture() {
		m.Update(msg)
	}
	for _, k := range []string{"1", "2", "3", "4"} {
		press(m, k)
		out := m.View().Content
		// SGR color parameters: 38/48 (extended) or 30-37/90-97 foregrounds.
		for _, bad := range []string{"[38;", "[48;", ";38;", ";48;", "[31m", "[32m", "[33m", "[91m"} {
			if strings.Contains(out, bad) {
				t.Fatalf("view %s has a color sequence %q with NoColor", k, bad)
			}
		}
	}
}

// TestReasonLinesShowScoreAt80 is issue 17: at 80x24 every interviewer
// line of the decision detail shows the value given and the threshold.
func TestReasonLinesShowScoreAt80(t *testing.T) {
	t.Parallel()
	m := loadedModel(t, 80, 24)
	press(m, "2", "j", "enter")
	m.Update(decisionDetailFixture())
	got := screen(m)
	for _, want := range []string{"Grace Hopper · Overall score 4 (≥ 3) ✓", "Alan Turing · Overall score 2 (≥ 3) ✗",
		"unknown interviewer `80aa2f81…` · Overall score 3 (≥ 3) ✓"} {
		if !strings.Contains(got, want) {
			t.Errorf("80x24 detail lacks %q:\n%s", want, got)
		}
	}
}

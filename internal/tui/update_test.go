package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/review"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// drive runs cmd and every command it leads to, feeding each message to m,
// and returns the messages. Ticks are dropped: tests tick by hand.
func drive(t testing.TB, m *Model, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case nil, tickMsg:
			continue
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		}
		out = append(out, msg)
		_, next := m.Update(msg)
		queue = append(queue, next)
	}
	return out
}

// pressDrive presses keys and drives what they start.
func pressDrive(t testing.TB, m *Model, keys ...string) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		out = append(out, drive(t, m, cmd)...)
	}
	return out
}

// noErrors fails t on any message reporting an error.
func noErrors(t testing.TB, msgs []tea.Msg) {
	t.Helper()
	for _, msg := range msgs {
		if n, ok := msg.(notifier); ok {
			if text, isErr := n.notice(); isErr {
				t.Fatalf("error message %T: %s", msg, text)
			}
		}
	}
}

func TestUpdateNavigation(t *testing.T) {
	t.Parallel()
	m := loadedModel(t, 100, 30)
	if m.active != viewPending {
		t.Fatalf("starts on %v", m.active)
	}
	p := m.views[viewPending].(*pendingView)
	press(m, "j")
	if p.list.cursor != 1 {
		t.Fatalf("j: cursor = %d, want 1", p.list.cursor)
	}
	press(m, "j", "j", "j", "down")
	if p.list.cursor != 3 {
		t.Fatalf("cursor past the end: %d", p.list.cursor)
	}
	press(m, "k", "up", "k", "k")
	if p.list.cursor != 0 {
		t.Fatalf("k: cursor = %d, want 0", p.list.cursor)
	}
	press(m, "G")
	if p.list.cursor != 3 {
		t.Fatalf("G: cursor = %d, want 3", p.list.cursor)
	}
	press(m, "g")
	if p.list.cursor != 0 {
		t.Fatalf("g: cursor = %d, want 0", p.list.cursor)
	}
	press(m, "enter")
	if !p.detail || !strings.Contains(screen(m), "Feedback 1 of 2") {
		t.Fatalf("enter did not open the detail:\n%s", screen(m))
	}
	press(m, "esc")
	if p.detail {
		t.Fatal("esc did not close the detail")
	}
	// q in a detail returns to the list; it does not quit.
	press(m, "enter")
	if cmd := press(m, "q"); p.detail || (cmd != nil && isQuit(cmd())) {
		t.Fatalf("q in the detail: detail=%v, quit=%v", p.detail, cmd != nil)
	}
	tests := []struct {
		name string
		key  string
		want viewID
	}{
		{name: "tab", key: "tab", want: viewDecisions},
		{name: "tab again", key: "tab", want: viewRules},
		{name: "4", key: "4", want: viewActivity},
		{name: "tab wraps", key: "tab", want: viewPending},
		{name: "3", key: "3", want: viewRules},
		{name: "1", key: "1", want: viewPending},
	}
	for _, tt := range tests {
		m.inflight = [viewCount]bool{}
		cmd := press(m, tt.key)
		if m.active != tt.want {
			t.Fatalf("%s: active = %v, want %v", tt.name, m.active, tt.want)
		}
		if cmd == nil || !m.inflight[tt.want] {
			t.Fatalf("%s: switching did not load the view", tt.name)
		}
	}
	// A tick refreshes the active view unless its load is in flight.
	m.inflight = [viewCount]bool{}
	m.Update(tickMsg(now))
	if !m.inflight[viewPending] {
		t.Fatal("tick did not refresh the active view")
	}
	press(m, "?")
	if !m.fullHelp || !strings.Contains(screen(m), "Keys — Pending") {
		t.Fatal("? did not show the full help")
	}
	press(m, "esc")
	if m.fullHelp {
		t.Fatal("esc did not close the full help")
	}
	if cmd := press(m, "q"); cmd == nil {
		t.Fatal("q does not quit")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q does not quit")
	}
}

func TestUpdateFiltering(t *testing.T) {
	t.Parallel()
	m := loadedModel(t, 100, 30)
	press(m, "2")
	d := m.views[viewDecisions].(*decisionsView)
	press(m, "/")
	if !d.Capturing() {
		t.Fatal("/ did not start filtering")
	}
	// Keys go to the filter while typing: q and 1 are text, not commands.
	press(m, "a", "d", "q", "1", "backspace", "backspace")
	if got := d.find.query(); got != "ad" || m.active != viewDecisions {
		t.Fatalf("filter = %q on %v, want \"ad\" on decisions", got, m.active)
	}
	// "ad" is in Ada, Radia and the outcome "advance"; not in Grace
	// Liskov's rejection (the "a…d" of "Backend" does not start a word).
	if names := candidates(d.rows); names != "Ken Ritchie, Ada Lovelace, Barbara Turing, Radia Thompson" {
		t.Fatalf("rows = %s", names)
	}
	press(m, "space", "l", "v", "c")
	if names := candidates(d.rows); names != "Ada Lovelace" {
		t.Fatalf("\"ad lvc\": rows = %s", names)
	}
	press(m, "enter")
	if d.Capturing() || d.find.query() != "ad lvc" {
		t.Fatal("enter should keep the filter and stop typing")
	}
	// An answer to an older query is dropped.
	seq := d.seq
	m.Update(decisionsMsg{loaded: loaded{view: viewDecisions}, seq: seq - 1})
	if len(d.all) != 5 {
		t.Fatalf("stale answer applied: %d rows", len(d.all))
	}
	m.Update(decisionsMsg{loaded: loaded{view: viewDecisions}, seq: seq, rows: d.all[1:3], rules: d.rules})
	if len(d.all) != 2 || len(d.rows) != 1 {
		t.Fatalf("current answer not applied: %d rows, %d shown", len(d.all), len(d.rows))
	}
	// f, m and u filter in the store: outcome, mode and rule.
	press(m, "f", "f", "m", "u", "u", "u")
	f := d.currentFilter()
	if f.Outcome != domain.OutcomeReject || f.Mode != domain.ModeShadow || f.RuleID != "rule-1" {
		t.Fatalf("filter = %+v, want reject/shadow/rule-1", f)
	}
	press(m, "esc")
	if d.find.query() != "" || len(d.rows) != len(d.all) {
		t.Fatal("esc did not clear the text filter")
	}
	// esc while typing clears too.
	press(m, "/", "x", "esc")
	if d.Capturing() || d.find.query() != "" {
		t.Fatal("esc while typing did not clear the filter")
	}
}

// candidates names the rows' candidates in order.
func candidates(rows []store.DecisionRow) string {
	var out []string
	for _, r := range rows {
		out = append(out, r.CandidateName)
	}
	return strings.Join(out, ", ")
}

func isQuit(msg tea.Msg) bool {
	_, ok := msg.(tea.QuitMsg)
	return ok
}

// seedMetadata stores a plan with one stage and an interview, titled by
// their ids (so views read the same as without metadata), for the rules
// service's checks.
func seedMetadata(t testing.TB, db *store.DB, plan, stage, interview string) {
	t.Helper()
	ctx := context.Background()
	testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: plan, Title: plan}, now))
	testkit.Must(t, db.UpsertStages(ctx, plan, []domain.Stage{{ID: stage, Title: stage, Order: 1}}, now))
	testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: interview, Title: interview}, now))
}

// rulesOf is the rules service the dashboard writes through.
func rulesOf(db *store.DB) *rules.Service {
	return rules.New(rules.Options{Store: db, Now: fixedNow})
}

// seededStore returns a SQLite store with one shadow rule and two decisions.
func seededStore(t *testing.T) (*store.DB, domain.Rule) {
	t.Helper()
	db, _ := testkit.OpenSQLite(t)
	ctx := context.Background()
	seedMetadata(t, db, "plan-1", "stage-1", "iv-1")
	rule, err := db.CreateRule(ctx, domain.Rule{Name: "Screen", InterviewPlanID: "plan-1", InterviewStageID: "stage-1",
		Active: true, Mode: domain.ModeShadow, CreatedAt: now,
		Requirements: []domain.Requirement{{InterviewID: "iv-1", FieldPath: "score", Operator: ">=", Threshold: "3"}}})
	testkit.Must(t, err)
	for i, mode := range []string{domain.ModeLive, domain.ModeShadow} {
		_, err := db.InsertExecution(ctx, domain.Execution{ID: "exec-" + itoa(i), ScheduleID: "s", ApplicationID: "app-" + itoa(i),
			RuleID: rule.ID, RuleVersion: 1, Mode: mode, Outcome: domain.OutcomeAdvance, Status: domain.ExecDryRun,
			ExecutedAt: now.Add(time.Duration(i) * time.Minute)}, "")
		testkit.Must(t, err)
	}
	return db, rule
}

func TestUpdateToggleRuleConfirm(t *testing.T) {
	t.Parallel()
	db, rule := seededStore(t)
	ctx := context.Background()
	m := newModel(Options{Store: db, Rules: rulesOf(db), Actor: "ana", Now: fixedNow, RefreshEvery: time.Millisecond})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	noErrors(t, pressDrive(t, m, "3"))
	r := m.views[viewRules].(*rulesView)

	press(m, "space")
	if !r.Capturing() || !strings.Contains(screen(m), `Deactivate "Screen"?`) {
		t.Fatalf("space did not ask to confirm:\n%s", screen(m))
	}
	// n cancels and writes nothing; global keys are held while confirming.
	if msgs := pressDrive(t, m, "1", "n"); len(msgs) != 0 || m.active != viewRules {
		t.Fatalf("cancel ran %d messages, view %v", len(msgs), m.active)
	}
	got, _ := db.GetRule(ctx, rule.ID)
	if !got.Active || got.Version != rule.Version {
		t.Fatal("cancel changed the rule")
	}

	msgs := pressDrive(t, m, "space", "y")
	noErrors(t, msgs)
	got, _ = db.GetRule(ctx, rule.ID)
	if got.Active {
		t.Fatal("confirmed deactivate did not reach the store")
	}
	if !strings.Contains(screen(m), `rule "Screen" deactivated`) {
		t.Fatalf("no confirmation in the status line:\n%s", screen(m))
	}

	noErrors(t, pressDrive(t, m, "space", "y"))
	got, _ = db.GetRule(ctx, rule.ID)
	if !got.Active {
		t.Fatal("re-activate did not reach the store")
	}

	noErrors(t, pressDrive(t, m, "m"))
	if !strings.Contains(screen(m), "to LIVE?") {
		t.Fatalf("m did not ask to confirm going live:\n%s", screen(m))
	}
	noErrors(t, pressDrive(t, m, "y"))
	got, _ = db.GetRule(ctx, rule.ID)
	if got.Mode != domain.ModeLive {
		t.Fatalf("mode = %s, want live", got.Mode)
	}

	// A clash of scopes is shown, not hidden: deactivate, add a rival, re-activate.
	noErrors(t, pressDrive(t, m, "space", "y"))
	_, err := db.CreateRule(ctx, domain.Rule{Name: "Rival", InterviewPlanID: "plan-1", InterviewStageID: "stage-1", Active: true})
	testkit.Must(t, err)
	noErrors(t, pressDrive(t, m, "r"))
	for i, row := range r.rows {
		if row.Rule.ID == rule.ID {
			r.list.cursor = i
		}
	}
	pressDrive(t, m, "space", "y")
	if !m.statusErr || !strings.Contains(m.status, rules.ScopeConflictMessage) {
		t.Fatalf("conflict not shown: %q", m.status)
	}
}

// TestDashboardRefusesSecondActiveRule: activating a rule in the dashboard
// for a scope that already has an active rule is refused with the admin
// API's message (never the driver's), writes nothing, and the rule's detail
// shows its history with names.
func TestDashboardRefusesSecondActiveRule(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedMetadata(t, db, "plan-1", "stage-1", "iv-1")
		svc := rulesOf(db)
		api := rules.Actor{Name: "admin", Source: domain.SourceAPI}
		rule := func(name string, active bool) domain.Rule {
			return domain.Rule{Name: name, InterviewPlanID: "plan-1", InterviewStageID: "stage-1", Active: active,
				Requirements: []domain.Requirement{{InterviewID: "iv-1", FieldPath: "score", Operator: ">=", Threshold: "3", Required: true}}}
		}
		_, err := svc.Create(ctx, api, rule("Screen", true))
		testkit.Must(t, err)
		second, err := svc.Create(ctx, api, rule("Screen v2", false))
		testkit.Must(t, err)

		m := newModel(Options{Store: db, Rules: svc, Actor: "ana", Now: fixedNow, RefreshEvery: time.Millisecond})
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		noErrors(t, pressDrive(t, m, "3"))
		v := m.views[viewRules].(*rulesView)
		for i, row := range v.rows {
			if row.Rule.ID == second.Rule.ID {
				v.list.cursor = i
			}
		}
		pressDrive(t, m, "space")
		if !strings.Contains(screen(m), `Activate "Screen v2"`) {
			t.Fatalf("no confirm step:\n%s", screen(m))
		}
		pressDrive(t, m, "y")
		if !m.statusErr || !strings.Contains(m.status, rules.ScopeConflictMessage) {
			t.Fatalf("status = %q, want the API's message", m.status)
		}
		for _, bad := range []string{"UNIQUE", "constraint", "SQLSTATE", "duplicate key", second.Rule.ID} {
			if strings.Contains(m.status, bad) {
				t.Fatalf("status shows %q: %s", bad, m.status)
			}
		}
		got, err := db.GetRule(ctx, second.Rule.ID)
		testkit.Must(t, err)
		if got.Active || got.Version != 1 {
			t.Fatalf("refused activation reached the store: %+v", got)
		}
		revs, err := db.ListRuleRevisions(ctx, second.Rule.ID)
		testkit.Must(t, err)
		if len(revs) != 1 {
			t.Fatalf("revisions = %+v, want only the create", revs)
		}

		// The detail shows who created the rule, with names.
		noErrors(t, pressDrive(t, m, "enter"))
		s := screen(m)
		if !strings.Contains(s, "History") || !strings.Contains(s, "v1") || !strings.Contains(s, "admin (api)") ||
			!strings.Contains(s, "created for all jobs / plan-1 / stage-1") {
			t.Fatalf("detail without history:\n%s", s)
		}
	})
}

func TestUpdateReview(t *testing.T) {
	t.Parallel()
	db, rule := seededStore(t)
	ctx := context.Background()
	m := newModel(Options{Store: db, Reviews: review.New(review.Options{Store: db, Now: fixedNow}), Now: fixedNow, RefreshEvery: time.Millisecond, Reviewer: "ops"})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	noErrors(t, pressDrive(t, m, "2"))
	d := m.views[viewDecisions].(*decisionsView)
	if len(d.rows) != 2 || d.rows[0].Execution.Mode != domain.ModeShadow {
		t.Fatalf("rows = %+v", d.rows)
	}

	noErrors(t, pressDrive(t, m, "a", "enter"))
	reviews, err := db.ListReviews(ctx, rule.ID)
	testkit.Must(t, err)
	if len(reviews) != 1 || reviews[0].Verdict != domain.VerdictAgree || reviews[0].Reviewer != "ops" {
		t.Fatalf("reviews = %+v", reviews)
	}

	noErrors(t, pressDrive(t, m, "d", "t", "o", "o", "space", "h", "a", "r", "s", "h", "enter"))
	reviews, _ = db.ListReviews(ctx, rule.ID)
	if len(reviews) != 1 || reviews[0].Verdict != domain.VerdictDisagree || reviews[0].Note != "too harsh" {
		t.Fatalf("reviews = %+v, want one disagree with a note", reviews)
	}
	if d.rows[0].Verdict != domain.VerdictDisagree {
		t.Fatal("the list did not reload the review")
	}

	// esc cancels a review; live decisions are not reviewed.
	if msgs := pressDrive(t, m, "a", "esc"); len(msgs) != 0 {
		t.Fatalf("esc saved a review: %v", msgs)
	}
	pressDrive(t, m, "j", "a")
	if d.Capturing() || !m.statusErr || !strings.Contains(m.status, "only shadow") {
		t.Fatalf("live decision review: capturing=%v status=%q", d.Capturing(), m.status)
	}

	// The Rules view counts the review.
	noErrors(t, pressDrive(t, m, "3"))
	if rec := m.views[viewRules].(*rulesView).rows[0].Shadow; rec.Disagree != 1 {
		t.Fatalf("shadow record = %+v", rec)
	}
}

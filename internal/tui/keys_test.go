package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"github.com/charmbracelet/x/ansi"
)

// opened records the URLs the dashboard asked to open.
type opened struct {
	mu   sync.Mutex
	urls []string
	err  error
}

func (o *opened) open(url string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.urls = append(o.urls, url)
	return o.err
}

func (o *opened) last() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.urls
	o.urls = nil
	return out
}

// fixtureOn returns a model of the fixture over db (for `o` and `y`, which
// look the candidate's profile up in the store).
func fixtureOn(t *testing.T, db *store.DB, opts Options) *Model {
	t.Helper()
	opts.Store, opts.Now, opts.Label = db, fixedNow, "sqlite:aaa.db"
	m := newModel(opts)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.views[viewDecisions].(*decisionsView).seq = 1
	for _, msg := range fixture() {
		if _, ok := msg.(detailFixture); !ok {
			m.Update(msg)
		}
	}
	return m
}

// TestOpenInAshby: o opens the selected candidate's Ashby profile, the
// job when no profile is known or the row names no candidate, and says
// plainly when there is nothing to open; the status line says what.
func TestOpenInAshby(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "app-1", CandidateID: "cand-1", JobID: "job-1",
			CandidateName: "Ada Lovelace", ProfileURL: "https://app.ashbyhq.com/candidates/cand-1", UpdatedAt: now}))
		var o opened
		m := fixtureOn(t, db, Options{Open: o.open})
		tests := []struct {
			name    string
			keys    []string
			want    string // "" opens nothing
			status  string
			isError bool
		}{
			{name: "pending candidate with a profile", keys: []string{"1", "g", "j"},
				want: "https://app.ashbyhq.com/candidates/cand-1", status: "Opened Ada Lovelace's profile in Ashby"},
			{name: "pending candidate without one: the job", keys: []string{"1", "G"},
				want: "https://app.ashbyhq.com/jobs/job-2", status: "Opened the job Backend Engineer (no Ashby profile is known for Linus Torvalds) in Ashby"},
			{name: "from the detail", keys: []string{"1", "g", "j", "enter"},
				want: "https://app.ashbyhq.com/candidates/cand-1", status: "Opened Ada Lovelace's profile in Ashby"},
			{name: "decision", keys: []string{"esc", "2", "g", "j"},
				want: "https://app.ashbyhq.com/candidates/cand-1", status: "Opened Ada Lovelace's profile in Ashby"},
			{name: "rule: its job", keys: []string{"3", "g"},
				want: "https://app.ashbyhq.com/jobs/job-2", status: "Opened the job Backend Engineer in Ashby"},
			{name: "delivery: nothing", keys: []string{"4", "g", "j", "j"},
				status: "Nothing to open: this webhook delivery names no candidate or job", isError: true},
		}
		for _, tt := range tests {
			// The keys are pressed without running the loads they start:
			// the store holds only the application, the views the fixture.
			press(m, tt.keys...)
			_, cmd := m.Update(keyMsg("o"))
			drive(t, m, cmd)
			got := o.last()
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("%s: opened %v, want nothing", tt.name, got)
			case tt.want != "" && (len(got) != 1 || got[0] != tt.want):
				t.Errorf("%s: opened %v, want %s", tt.name, got, tt.want)
			}
			if m.status != tt.status || m.statusErr != tt.isError {
				t.Errorf("%s: status %q (error %v), want %q", tt.name, m.status, m.statusErr, tt.status)
			}
		}
		o.err = errors.New("exec: \"xdg-open\": executable file not found in $PATH")
		press(m, "1", "g", "j")
		_, cmd := m.Update(keyMsg("o"))
		drive(t, m, cmd)
		if !m.statusErr || !strings.HasPrefix(m.status, "Could not open Ada Lovelace's profile: exec:") {
			t.Errorf("opener failure: status %q", m.status)
		}
	})
}

// clipboardOf runs cmd and returns the text of the tea.SetClipboard it
// leads to ("" when none).
func clipboardOf(t *testing.T, m *Model, cmd tea.Cmd) string {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		case copiedMsg:
			_, next := m.Update(msg)
			queue = append(queue, next)
			continue
		}
		if fmt.Sprintf("%T", msg) == "tea.setClipboardMsg" {
			return fmt.Sprint(msg)
		}
		if msg != nil {
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
	return ""
}

// TestCopy: y copies the candidate's profile URL, else the row's id, with
// tea.SetClipboard (OSC 52: ESC ] 52 ; c ; base64 BEL).
func TestCopy(t *testing.T) {
	t.Parallel()
	db, _ := testkit.OpenSQLite(t)
	ctx := context.Background()
	testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "app-1", CandidateID: "cand-1", JobID: "job-1",
		CandidateName: "Ada Lovelace", ProfileURL: "https://app.ashbyhq.com/candidates/cand-1", UpdatedAt: now}))
	m := fixtureOn(t, db, Options{Open: func(string) error { return errors.New("not in this test") }})
	tests := []struct {
		name   string
		keys   []string
		want   string
		status string
	}{
		{name: "candidate's link", keys: []string{"1", "g", "j"}, want: "https://app.ashbyhq.com/candidates/cand-1",
			status: "Copied the link to Ada Lovelace's profile to the clipboard"},
		{name: "decision id without a profile", keys: []string{"2", "g"}, want: "exec-3",
			status: "Copied the id of Ken Ritchie's decision to the clipboard"},
		{name: "rule id", keys: []string{"3", "g"}, want: "rule-2",
			status: "Copied the id of rule “Backend Engineer: panel scores” to the clipboard"},
		{name: "delivery id", keys: []string{"4", "g", "j", "j"}, want: "d-2",
			status: "Copied the webhook delivery id to the clipboard"},
	}
	for _, tt := range tests {
		press(m, tt.keys...)
		_, cmd := m.Update(keyMsg("y"))
		got := clipboardOf(t, m, cmd)
		if got != tt.want {
			t.Errorf("%s: copied %q, want %q", tt.name, got, tt.want)
		}
		if m.status != tt.status || m.statusErr {
			t.Errorf("%s: status %q, want %q", tt.name, m.status, tt.status)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the program's writer goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCopyWritesOSC52: in a running program, y writes the OSC 52
// sequence with the candidate's link to the terminal.
func TestCopyWritesOSC52(t *testing.T) {
	t.Parallel()
	db, _ := seededStore(t)
	ctx := context.Background()
	url := "https://app.ashbyhq.com/candidates/cand-1"
	testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "app-1", CandidateID: "cand-1",
		CandidateName: "Ada Lovelace", ProfileURL: url, UpdatedAt: now}))
	var out syncBuffer
	p := tea.NewProgram(New(Options{Store: db, Now: fixedNow, RefreshEvery: time.Hour}), tea.WithInput(nil), tea.WithOutput(&out),
		tea.WithWindowSize(100, 30), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(url)) + "\x07"
	p.Send(keyMsg("2"))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			p.Kill()
			t.Fatalf("no OSC 52 sequence %q in the output", want)
		}
		// The decisions may not be loaded yet: y again until they are.
		p.Send(keyMsg("y"))
		time.Sleep(20 * time.Millisecond)
	}
	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestSortKeys: s cycles the sort column and S reverses it in every view;
// Pending starts by due time, Decisions by time (newest first).
func TestSortKeys(t *testing.T) {
	t.Parallel()
	m := loadedModel(t, 100, 30)
	p := m.views[viewPending].(*pendingView)
	order := func() string {
		var out []string
		for _, r := range p.rows {
			out = append(out, r.CandidateName)
		}
		return strings.Join(out, ", ")
	}
	if got := order(); got != "Margaret Hamilton, Ada Lovelace, Frances Allen, Linus Torvalds" {
		t.Fatalf("pending by due: %s", got)
	}
	press(m, "S")
	if got := order(); got != "Linus Torvalds, Frances Allen, Ada Lovelace, Margaret Hamilton" {
		t.Fatalf("pending by due reversed: %s", got)
	}
	press(m, "s")
	if got := order(); got != "Ada Lovelace, Frances Allen, Linus Torvalds, Margaret Hamilton" || p.find.sortWords() != "candidate, A to Z" {
		t.Fatalf("pending by candidate: %s (%s)", got, p.find.sortWords())
	}
	press(m, "s", "s", "s", "s")
	if p.find.sortBy != 0 || p.find.desc {
		t.Fatalf("s did not cycle back to due: %d %v", p.find.sortBy, p.find.desc)
	}

	press(m, "2")
	d := m.views[viewDecisions].(*decisionsView)
	if got := candidates(d.rows); got != "Ken Ritchie, Ada Lovelace, Grace Liskov, Barbara Turing, Radia Thompson" {
		t.Fatalf("decisions by time: %s", got)
	}
	press(m, "S")
	if got := candidates(d.rows); got != "Radia Thompson, Barbara Turing, Grace Liskov, Ada Lovelace, Ken Ritchie" {
		t.Fatalf("decisions oldest first: %s", got)
	}

	press(m, "3", "s", "s")
	r := m.views[viewRules].(*rulesView)
	if r.rows[0].Rule.ID != "rule-2" || r.find.sortWords() != "decisions, most first" {
		t.Fatalf("rules by decisions: first %s (%s)", r.rows[0].Rule.Name, r.find.sortWords())
	}
	press(m, "4", "s")
	a := m.views[viewActivity].(*activityView)
	if a.rows[0].sync.Name != "metadata_sync" {
		t.Fatalf("activity by status: first job %s", a.rows[0].sync.Name)
	}
}

// TestFilterEveryView: / filters each view by names, esc clears it.
func TestFilterEveryView(t *testing.T) {
	t.Parallel()
	tests := []struct {
		view  string
		typed string
		shown func(m *Model) int
		want  int
	}{
		{view: "1", typed: "liskov", shown: func(m *Model) int { return len(m.views[viewPending].(*pendingView).rows) }, want: 2},
		{view: "2", typed: "designer", shown: func(m *Model) int { return len(m.views[viewDecisions].(*decisionsView).rows) }, want: 2},
		{view: "3", typed: "reliab", shown: func(m *Model) int { return len(m.views[viewRules].(*rulesView).rows) }, want: 1},
		{view: "4", typed: "slack", shown: func(m *Model) int { return len(m.views[viewActivity].(*activityView).rows) }, want: 1},
	}
	for _, tt := range tests {
		m := loadedModel(t, 100, 30)
		press(m, tt.view, "/")
		press(m, strings.Split(tt.typed, "")...)
		press(m, "enter")
		if got := tt.shown(m); got != tt.want {
			t.Errorf("view %s filtered by %q: %d rows, want %d\n%s", tt.view, tt.typed, got, tt.want, screen(m))
		}
		if !strings.Contains(screen(m), "filter “"+tt.typed+"”") {
			t.Errorf("view %s does not say it is filtered:\n%s", tt.view, screen(m))
		}
		press(m, "esc")
		if got := tt.shown(m); got == tt.want {
			t.Errorf("view %s: esc did not clear the filter", tt.view)
		}
	}
}

// TestNoticeExpires: a notice leaves the status line after noticeTTL, at
// the next tick; a load error stays until a load succeeds.
func TestNoticeExpires(t *testing.T) {
	t.Parallel()
	clock := now
	m := newModel(Options{Now: func() time.Time { return clock }})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(noticeMsg{text: "review saved: agree"})
	clock = clock.Add(noticeTTL - time.Second)
	m.Update(tickMsg(clock))
	if !strings.Contains(screen(m), "review saved: agree") {
		t.Fatal("the notice went before its time")
	}
	clock = clock.Add(time.Second)
	m.Update(tickMsg(clock))
	if strings.Contains(screen(m), "review saved") || m.status != "" {
		t.Fatalf("the notice did not expire: %q", m.status)
	}
	m.Update(pendingMsg{loaded: loaded{view: viewPending, err: errors.New("database is locked")}})
	clock = clock.Add(time.Minute)
	m.Update(tickMsg(clock))
	if !strings.Contains(m.status, "database is locked") {
		t.Fatal("a load error expired")
	}
	m.Update(pendingMsg{loaded: loaded{view: viewPending, at: clock}})
	if m.status != "" {
		t.Fatalf("a good load left the error: %q", m.status)
	}
}

// TestMouse: the wheel moves the selection or scrolls a detail; a click
// selects a tab or a row, a second click opens the row.
func TestMouse(t *testing.T) {
	t.Parallel()
	m := loadedModel(t, 100, 30)
	if m.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("mouse is off")
	}
	p := m.views[viewPending].(*pendingView)
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if p.list.cursor != 2 {
		t.Fatalf("wheel down: cursor %d, want 2", p.list.cursor)
	}
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if p.list.cursor != 1 {
		t.Fatalf("wheel up: cursor %d, want 1", p.list.cursor)
	}
	// Body line 3 is the first row: header (2 lines), summary, toolbar,
	// column titles.
	m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 5, Y: 2 + 3 + 3})
	if p.list.cursor != 3 || p.detail {
		t.Fatalf("click: cursor %d detail %v, want row 3", p.list.cursor, p.detail)
	}
	m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 5, Y: 2 + 3 + 3})
	if !p.detail {
		t.Fatal("a second click did not open the row")
	}
	press(m, "esc")
	// Below the no-server notice, the rows move down.
	m.Update(serverStatusMsg{status: serverStatus{}})
	if m.serverNoticeLines() == 0 {
		t.Fatal("no notice without a server")
	}
	m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 5, Y: 2 + m.serverNoticeLines() + 3 + 1})
	if p.list.cursor != 1 {
		t.Fatalf("click under the notice: cursor %d, want 1\n%s", p.list.cursor, screen(m))
	}
	// The header's tabs: " aaa " then " 1 Pending " " 2 Decisions "…
	x := strings.Index(screen(m), "3 Rules")
	m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: x, Y: 0})
	if m.active != viewRules {
		t.Fatalf("click on the Rules tab: active %v", m.active)
	}
	m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 2, Y: 2 + 4 + 1})
	if r := m.views[viewRules].(*rulesView); r.list.cursor != 1 {
		t.Fatalf("click on the second rule: cursor %d", r.list.cursor)
	}
}

// TestQuitOnlyFromList: esc and q close every detail; q quits from a list.
func TestQuitOnlyFromList(t *testing.T) {
	t.Parallel()
	m := loadedModel(t, 100, 30)
	for _, tt := range []struct {
		name string
		keys []string
		feed tea.Msg
	}{
		{name: "pending", keys: []string{"1", "enter"}},
		{name: "decisions", keys: []string{"2", "enter"}, feed: decisionDetailFixture()},
		{name: "rules", keys: []string{"3", "enter"}},
		{name: "activity", keys: []string{"4", "enter"}},
	} {
		for _, closeKey := range []string{"esc", "q"} {
			press(m, tt.keys...)
			if tt.feed != nil {
				m.Update(tt.feed)
			}
			v := m.views[m.active]
			if !v.InDetail() {
				t.Fatalf("%s: enter did not open the detail", tt.name)
			}
			cmd := press(m, closeKey)
			if v.InDetail() {
				t.Errorf("%s: %s did not close the detail", tt.name, closeKey)
			}
			if cmd != nil && isQuit(cmd()) {
				t.Errorf("%s: %s in the detail quit", tt.name, closeKey)
			}
		}
	}
	if cmd := press(m, "q"); cmd == nil || !isQuit(cmd()) {
		t.Fatal("q on a list does not quit")
	}
}

// TestDetailWrapsAt80: the detail screens wrap long lines instead of
// cutting them, and scroll to what is below.
func TestDetailWrapsAt80(t *testing.T) {
	t.Parallel()
	m := loadedModel(t, 80, 24)
	press(m, "3", "j", "j", "enter")
	m.Update(ruleHistoryFixture())
	s := screen(m)
	if strings.Contains(s, "…") {
		t.Fatalf("the rule detail cuts a line at 80 columns:\n%s", s)
	}
	// The first revision's line wraps; its end is below the fold.
	if strings.Contains(s, "in shadow mode") {
		t.Fatalf("want the end of the first revision below the fold:\n%s", s)
	}
	press(m, "G")
	if s := screen(m); !strings.Contains(s, "in shadow mode") || strings.Contains(s, "Product Designer: panel scores · shadow") {
		t.Fatalf("G did not scroll to the end:\n%s", s)
	}
	press(m, "g")
	if s := screen(m); !strings.Contains(s, "Product Designer: panel scores · shadow") {
		t.Fatalf("g did not scroll back to the top:\n%s", s)
	}
	for _, l := range strings.Split(screen(m), "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Fatalf("line wider than 80: %q", l)
		}
	}
}

// TestActivityRows: rows are selectable; enter opens a delivery's detail
// and asks for its payload; R on a failed delivery asks first, n drops
// it, y retries it; R on anything else says there is nothing to retry.
func TestActivityRows(t *testing.T) {
	t.Parallel()
	m := loadedModel(t, 100, 30)
	press(m, "4")
	a := m.views[viewActivity].(*activityView)
	if a.selected().sync.Name != "feedback_sync" {
		t.Fatal("the first row is not the first periodic job")
	}
	press(m, "R")
	_, cmd := m.Update(keyMsg("R"))
	if a.retry != nil || cmd == nil {
		t.Fatal("R on a periodic job asked to retry")
	}
	m.Update(cmd())
	if !m.statusErr || m.status != "Nothing to retry: select a failed webhook delivery" {
		t.Fatalf("status %q", m.status)
	}
	press(m, "j", "j", "j")
	if d := a.selected(); d.kind != itemDelivery || d.delivery.ID != "d-1" {
		t.Fatalf("selected %+v, want the failed delivery", d)
	}
	press(m, "enter")
	if !a.detail || !strings.Contains(screen(m), "Webhook interviewScheduleUpdate") {
		t.Fatalf("enter did not open the delivery:\n%s", screen(m))
	}
	m.Update(deliveryDetailFixture())
	if !strings.Contains(screen(m), "Application  `app-9`") {
		t.Fatalf("no payload summary:\n%s", screen(m))
	}
	press(m, "R")
	if a.retry == nil || !strings.Contains(screen(m), "Retry the interviewScheduleUpdate webhook") {
		t.Fatalf("R did not ask to confirm:\n%s", screen(m))
	}
	// Global keys are held while confirming.
	press(m, "1", "n")
	if a.retry != nil || m.active != viewActivity {
		t.Fatal("n did not drop the retry")
	}
}

// TestActivityRetryKeys: on both stores, selecting a failed delivery in
// Activity, enter, R and y re-process it exactly once through the intake
// use case; the status line says so with the webhook's action, not its id.
func TestActivityRetryKeys(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		s := testkit.NewStack(t, testkit.StackOptions{Backend: b})
		sc := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
		c := sc.Candidates[0]
		received := time.Now().Add(-time.Hour)
		failed := domain.Delivery{ID: "dl-keys", DedupeKey: "retry-keys-" + b.Name, Action: "interviewScheduleUpdate",
			ScheduleID: c.ScheduleID, Payload: s.Sim.ScheduleUpdateBody(c.ScheduleID), Status: domain.DeliveryFailed, ReceivedAt: received}
		if ok, err := s.DB.InsertDelivery(ctx, failed); err != nil || !ok {
			t.Fatalf("store the failed delivery: %v %v", ok, err)
		}
		testkit.Must(t, s.DB.MarkDelivery(ctx, failed.ID, domain.DeliveryFailed, "ashby: 500 Internal Server Error", received))

		m := newModel(Options{Store: s.DB, Intake: s.Services.Intake, RefreshEvery: time.Hour})
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		noErrors(t, pressDrive(t, m, "4", "/", "f", "a", "i", "l", "e", "d", "enter"))
		a := m.views[viewActivity].(*activityView)
		for i, it := range a.rows {
			if it.kind == itemDelivery && it.delivery.ID == failed.ID {
				a.list.cursor = i
			}
		}
		noErrors(t, pressDrive(t, m, "enter"))
		if s := screen(m); !strings.Contains(s, "Status     failed — R retries it") || !strings.Contains(s, "Application  `"+c.ApplicationID+"`") {
			t.Fatalf("delivery detail:\n%s", s)
		}
		noErrors(t, pressDrive(t, m, "R"))
		if !strings.Contains(screen(m), "Retry the interviewScheduleUpdate webhook") {
			t.Fatalf("R did not ask first:\n%s", screen(m))
		}
		noErrors(t, pressDrive(t, m, "y"))
		if !strings.Contains(m.status, "interviewScheduleUpdate delivery received") || strings.Contains(m.status, failed.ID) {
			t.Fatalf("status %q", m.status)
		}
		testkit.Eventually(t, 30*time.Second, "the retried delivery processed", func() bool {
			d, err := s.DB.GetDelivery(ctx, failed.ID)
			return err == nil && d.Status == domain.DeliveryProcessed
		})
		if _, err := s.DB.GetSchedule(ctx, c.ScheduleID); err != nil {
			t.Fatalf("schedule not stored by the retry: %v", err)
		}
		testkit.Eventually(t, 10*time.Second, "one ingest job, completed", func() bool {
			return ingestJobs(t, s, failed.ID) == 1
		})
		// The refreshed detail shows it processed; R now has nothing to do.
		noErrors(t, pressDrive(t, m, "r"))
		noErrors(t, drive(t, m, m.views[viewActivity].(*activityView).data.loadDelivery(failed.ID)))
		if !strings.Contains(screen(m), "Status     processed") {
			t.Fatalf("detail after the retry:\n%s", screen(m))
		}
		noErrors(t, pressDrive(t, m, "esc"))
	})
}

// TestGlobalKeys: shift+tab goes back a view, pgdn/pgup move a page, r
// reloads the view, ctrl+c quits even from a detail, ? shows the keys of
// the view in front.
func TestGlobalKeys(t *testing.T) {
	t.Parallel()
	m := loadedModel(t, 100, 30)
	press(m, "shift+tab")
	if m.active != viewActivity {
		t.Fatalf("shift+tab from Pending: %v", m.active)
	}
	press(m, "shift+tab")
	if m.active != viewRules {
		t.Fatalf("shift+tab from Activity: %v", m.active)
	}
	press(m, "1")
	p := m.views[viewPending].(*pendingView)
	press(m, "pgdown")
	if p.list.cursor != 3 {
		t.Fatalf("pgdn: cursor %d, want the last row", p.list.cursor)
	}
	press(m, "pgup")
	if p.list.cursor != 0 {
		t.Fatalf("pgup: cursor %d", p.list.cursor)
	}
	m.inflight = [viewCount]bool{}
	if cmd := press(m, "r"); cmd == nil || !m.inflight[viewPending] {
		t.Fatal("r did not reload the view")
	}
	for _, tt := range []struct{ view, want string }{{"1", "Keys — Pending"}, {"2", "u   undo (detail)"},
		{"3", "D     reject delay"}, {"4", "R   retry delivery"}} {
		press(m, tt.view, "?")
		if s := screen(m); !strings.Contains(s, tt.want) || !strings.Contains(s, "o open in Ashby") {
			t.Errorf("? on view %s lacks %q:\n%s", tt.view, tt.want, s)
		}
		press(m, "?")
		if m.fullHelp {
			t.Fatal("? again did not close the keys")
		}
	}
	press(m, "1", "enter")
	if cmd := press(m, "ctrl+c"); cmd == nil || !isQuit(cmd()) {
		t.Fatal("ctrl+c in a detail does not quit")
	}
}

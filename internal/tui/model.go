package tui

import (
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/ashby-auto-advance/aaa/internal/backtest"
)

// Minimum terminal size; below it the dashboard shows a message instead.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Options configures the dashboard.
type Options struct {
	// Store is where the dashboard reads and writes (required).
	Store Store
	// Backtest is the backtest use case, built by cmd/aaa with the global
	// engine settings live evaluation and GET /admin/backtest use; nil
	// leaves the Rules view's backtest unavailable.
	Backtest *backtest.Runner
	// Reviews records dry-run reviews (the review use case); nil makes
	// reviewing unavailable.
	Reviews Reviews
	// Now is the clock (default time.Now); tests inject a fixed one.
	Now func() time.Time
	// Logger receives the dashboard's logs. It must not write to the
	// terminal; nil discards (Run opens LogPath instead when set).
	Logger *slog.Logger
	// LogPath is a file Run appends JSON logs to when Logger is nil.
	LogPath string
	// RefreshEvery is the refresh tick (default 1s).
	RefreshEvery time.Duration
	// FeedbackTimeout is the global feedback timeout
	// (ADVANCEMENT_FEEDBACK_TIMEOUT_DAYS); a rule's timeout_days overrides
	// it. Zero: only rules' timeouts are shown.
	FeedbackTimeout time.Duration
	// Reviewer is recorded on dry-run reviews (default $USER).
	Reviewer string
	// Rules is the rules service rule changes go through; nil makes the
	// rules read-only.
	Rules Rules
	// Actor is recorded as who made a rule change (default Reviewer), and
	// as "<actor> (tui)" on an undo, cancel or keep in process.
	Actor string
	// Decisions undoes, cancels and keeps decisions in process (the
	// advance use case); nil leaves the decision detail read-only.
	Decisions Decisions
	// UndoWindow is UNDO_WINDOW: how long after aaa acted the detail
	// offers an undo (0: undo is off).
	UndoWindow time.Duration
	// NoColor drops every color (Run sets it when NO_COLOR is set).
	NoColor bool
	// Label names the store in the header (e.g. "sqlite:aaa.db"); never
	// put a password in it.
	Label string
	// Intake retries a failed delivery from Activity (the intake use
	// case); nil leaves retry unavailable.
	Intake Intake
	// Open opens a URL for `o` (default SystemOpener: xdg-open or open);
	// tests inject their own.
	Open func(url string) error
}

// noticeTTL is how long a notice stays in the status line.
const noticeTTL = 4 * time.Second

// viewID names the views, in tab order.
type viewID int

const (
	viewPending viewID = iota
	viewDecisions
	viewRules
	viewActivity
	viewCount
)

var viewNames = [viewCount]string{"Pending", "Decisions", "Rules", "Activity"}

func (v viewID) String() string { return strings.ToLower(viewNames[v]) }

// component is one view: its own state, keys and help.
type component interface {
	// Init returns the view's first load.
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	// Refresh returns the loads for what the view shows now.
	Refresh() tea.Cmd
	// Capturing reports whether keys go to the view first (text input,
	// confirm step), before the global keys.
	Capturing() bool
	// InDetail reports whether a detail screen is shown: then esc and q
	// return to the list instead of quitting.
	InDetail() bool
	// Target is the selected row, for `o` and `y`.
	Target() target
	// Click selects the row at line y of the view's body (a click on the
	// selected row opens it).
	Click(y int) tea.Cmd
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

type tickMsg time.Time

// Model is the dashboard's root model.
type Model struct {
	opts   Options
	keys   KeyMap
	styles Styles
	data   data
	help   help.Model

	views    [viewCount]component
	active   viewID
	inflight [viewCount]bool
	updated  [viewCount]time.Time

	width, height int
	fullHelp      bool
	status        string
	statusErr     bool
	// statusFromLoad marks a status set by a failed load; it stays until
	// a load succeeds. Other notices expire noticeTTL after statusAt.
	statusFromLoad bool
	statusAt       time.Time

	// server is the latest server status (see server.go); serverKnown is
	// set once one loaded, serverLoading while a load runs.
	server        serverStatus
	serverKnown   bool
	serverLoading bool
}

// New returns the dashboard model. It does no I/O until its commands run.
func New(opts Options) tea.Model {
	return newModel(opts)
}

func newModel(opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.RefreshEvery <= 0 {
		opts.RefreshEvery = time.Second
	}
	if opts.Reviewer == "" {
		opts.Reviewer = os.Getenv("USER")
	}
	if opts.Actor == "" {
		opts.Actor = opts.Reviewer
	}
	if opts.Open == nil {
		opts.Open = SystemOpener
	}
	m := &Model{
		opts:   opts,
		keys:   DefaultKeyMap(),
		styles: NewStyles(opts.NoColor),
		data:   data{st: opts.Store, backtest: opts.Backtest, reviews: opts.Reviews, rules: opts.Rules, decisions: opts.Decisions, undoWindow: opts.UndoWindow, intake: opts.Intake, actor: opts.Actor, now: opts.Now, log: opts.Logger.With("component", "tui"), reviewer: opts.Reviewer},
		help:   help.New(),
	}
	m.help.Styles = m.styles.Help
	m.views = [viewCount]component{
		newPendingView(m.keys, m.styles, m.data, opts.FeedbackTimeout),
		newDecisionsView(m.keys, m.styles, m.data),
		newRulesView(m.keys, m.styles, m.data),
		newActivityView(m.keys, m.styles, m.data),
	}
	return m
}

// Init starts the refresh tick and loads the first view.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.tick(), m.load(m.active, m.views[m.active].Init()), m.loadServer())
}

func (m *Model) tick() tea.Cmd {
	return tea.Tick(m.opts.RefreshEvery, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update is a thin dispatcher: each case delegates to one method.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m, m.resize(msg.Width, msg.Height)
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case tickMsg:
		return m, m.onTick()
	case serverStatusMsg:
		return m, m.onServerStatus(msg)
	case tea.MouseWheelMsg:
		return m, m.wheel(msg)
	case tea.MouseClickMsg:
		return m, m.click(msg)
	case copiedMsg:
		// OSC 52 through tea's output: the terminal sets the clipboard,
		// also over SSH.
		cmd := m.forward(msg)
		if msg.text == "" {
			return m, cmd
		}
		return m, tea.Batch(tea.SetClipboard(msg.text), cmd)
	default:
		return m, m.forward(msg)
	}
}

func (m *Model) resize(w, h int) tea.Cmd {
	m.width, m.height = w, h
	m.help.SetWidth(w)
	for _, v := range m.views {
		v.SetSize(w, m.bodyHeight())
	}
	m.sizeForServerNotice()
	return nil
}

func (m *Model) bodyHeight() int { return max(1, m.height-4) }

// load marks a view's load in flight and returns it.
func (m *Model) load(v viewID, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	m.inflight[v] = true
	return cmd
}

// onTick refreshes the active view unless its last load is still running,
// and schedules the next tick.
func (m *Model) onTick() tea.Cmd {
	if m.status != "" && !m.statusFromLoad && !m.opts.Now().Before(m.statusAt.Add(noticeTTL)) {
		m.status, m.statusErr = "", false
	}
	cmds := []tea.Cmd{m.tick(), m.loadServer()}
	if !m.inflight[m.active] {
		cmds = append(cmds, m.load(m.active, m.views[m.active].Refresh()))
	}
	return tea.Batch(cmds...)
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.ForceQuit) {
		return tea.Quit
	}
	v := m.views[m.active]
	if v.Capturing() {
		return v.Update(msg)
	}
	if m.fullHelp && (key.Matches(msg, m.keys.Help) || key.Matches(msg, m.keys.Close)) {
		m.fullHelp = false
		return nil
	}
	if v.InDetail() && (key.Matches(msg, m.keys.Quit) || key.Matches(msg, m.keys.Close)) {
		// esc and q close the detail; only a list quits.
		m.fullHelp = false
		return v.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return tea.Quit
	case key.Matches(msg, m.keys.Open):
		return m.data.open(v.Target(), m.opts.Open)
	case key.Matches(msg, m.keys.Copy):
		return m.data.copyTarget(v.Target())
	case key.Matches(msg, m.keys.Help):
		m.fullHelp = true
		return nil
	case key.Matches(msg, m.keys.NextView):
		return m.switchTo((m.active + 1) % viewCount)
	case key.Matches(msg, m.keys.PrevView):
		return m.switchTo((m.active + viewCount - 1) % viewCount)
	case key.Matches(msg, m.keys.View1):
		return m.switchTo(viewPending)
	case key.Matches(msg, m.keys.View2):
		return m.switchTo(viewDecisions)
	case key.Matches(msg, m.keys.View3):
		return m.switchTo(viewRules)
	case key.Matches(msg, m.keys.View4):
		return m.switchTo(viewActivity)
	case key.Matches(msg, m.keys.Refresh):
		return m.load(m.active, v.Refresh())
	}
	return v.Update(msg)
}

// switchTo shows another view and loads it at once.
func (m *Model) switchTo(v viewID) tea.Cmd {
	m.active = v
	m.fullHelp = false
	if m.inflight[v] {
		return nil
	}
	return m.load(v, m.views[v].Refresh())
}

// forward hands data messages to every view and shows their notices.
func (m *Model) forward(msg tea.Msg) tea.Cmd {
	if l, ok := msg.(interface{ loadedView() viewID }); ok {
		v := l.loadedView()
		m.inflight[v] = false
		if lm, ok := msg.(interface{ loadedAt() time.Time }); ok {
			m.updated[v] = lm.loadedAt()
		}
	}
	if n, ok := msg.(notifier); ok {
		_, isLoad := msg.(interface{ loadedView() viewID })
		if text, isErr := n.notice(); text != "" {
			m.status, m.statusErr, m.statusFromLoad = text, isErr, isLoad
			m.statusAt = m.opts.Now()
		} else if isLoad && m.statusFromLoad {
			// A successful load clears a load error; other notices stay.
			m.status, m.statusErr, m.statusFromLoad = "", false, false
		}
	}
	var cmds []tea.Cmd
	for _, v := range m.views {
		cmds = append(cmds, v.Update(msg))
	}
	return tea.Batch(cmds...)
}

// wheel scrolls the active list or detail as the arrow keys do.
func (m *Model) wheel(msg tea.MouseWheelMsg) tea.Cmd {
	v := m.views[m.active]
	if v.Capturing() || m.fullHelp {
		return nil
	}
	switch msg.Button {
	case tea.MouseWheelUp:
		return v.Update(tea.KeyPressMsg{Code: tea.KeyUp})
	case tea.MouseWheelDown:
		return v.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	return nil
}

// click switches views on a tab of the header and selects a row in the
// body.
func (m *Model) click(msg tea.MouseClickMsg) tea.Cmd {
	if msg.Button != tea.MouseLeft || m.views[m.active].Capturing() {
		return nil
	}
	if msg.Y == 0 {
		x := lipgloss.Width(m.styles.Title.Render(" aaa "))
		for i, name := range viewNames {
			w := lipgloss.Width(" " + itoa(i+1) + " " + name + " ")
			if msg.X >= x && msg.X < x+w {
				return m.switchTo(viewID(i))
			}
			x += w
		}
		return nil
	}
	y := msg.Y - 2
	if m.active == viewPending {
		// The no-server notice sits above the Pending view.
		y -= m.serverNoticeLines()
	}
	if y >= 0 && y < m.bodyHeight() && !m.fullHelp {
		return m.views[m.active].Click(y)
	}
	return nil
}

// View draws the dashboard in the alternate screen, with the mouse on
// (wheel and clicks, cell motion).
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "aaa tui"
	return v
}

func (m *Model) render() string {
	if m.width == 0 || m.height == 0 {
		return "loading…"
	}
	if m.width < MinWidth || m.height < MinHeight {
		return lipgloss.NewStyle().Width(m.width).Render(
			"aaa tui needs a terminal of at least 80x24; this one is " +
				itoa(m.width) + "x" + itoa(m.height) + ".\nEnlarge the window, or press q to quit.")
	}
	var body string
	if m.fullHelp {
		body = m.renderFullHelp()
	} else {
		body = m.withServerNotice(m.views[m.active].View())
	}
	return strings.Join([]string{
		m.renderHeader(),
		m.styles.Separator.Render(strings.Repeat("─", m.width)),
		block(body, m.bodyHeight()),
		m.renderStatus(),
		// The help bar can pass the width (bubbles' help adds an item
		// when its ellipsis would not fit), so it is cut here too.
		fitStyled(m.help.ShortHelpView(m.shortHelp()), m.width),
	}, "\n")
}

func (m *Model) renderHeader() string {
	parts := []string{m.styles.Title.Render(" aaa ")}
	for i, name := range viewNames {
		label := " " + itoa(i+1) + " " + name + " "
		if viewID(i) == m.active {
			parts = append(parts, m.styles.TabActive.Render(label))
		} else {
			parts = append(parts, m.styles.Tab.Render(label))
		}
	}
	left := strings.Join(parts, "")
	updated := ""
	if at := m.updated[m.active]; !at.IsZero() {
		updated = "updated " + at.In(m.opts.Now().Location()).Format("15:04:05")
	}
	// The store label goes first when the line is short of room, then
	// the server badge's host.
	for _, right := range m.headerRights(updated) {
		right += " "
		if gap := m.width - lipgloss.Width(left) - lipgloss.Width(right); gap >= 1 {
			return left + strings.Repeat(" ", gap) + right
		}
	}
	return fitStyled(left, m.width)
}

func (m *Model) renderStatus() string {
	if m.status == "" {
		return ""
	}
	if m.statusErr {
		return fitStyled(m.styles.Error.Render(" "+m.status), m.width)
	}
	return fitStyled(m.styles.Status.Render(" "+m.status), m.width)
}

func (m *Model) shortHelp() []key.Binding {
	if m.fullHelp {
		return []key.Binding{m.keys.Close, m.keys.Quit}
	}
	v := m.views[m.active]
	out := v.ShortHelp()
	switch {
	case v.Capturing():
	case v.InDetail():
		// q returns to the list here; only a list quits.
		out = append(out, m.keys.Help)
	default:
		// ? first: it lists what the bar has no room for.
		out = append(out, m.keys.Help, m.keys.Quit, m.keys.NextView)
	}
	return out
}

func (m *Model) renderFullHelp() string {
	groups := append([][]key.Binding{m.keys.globalHelp(), m.keys.navHelp()}, m.views[m.active].FullHelp()...)
	// Columns of keys side by side while they fit the width, then a new
	// row of columns: nothing is cut off at 80 columns.
	var rows, row []string
	used := 0
	for _, g := range groups {
		col := m.help.FullHelpView([][]key.Binding{g})
		w := lipgloss.Width(col) + 4
		if used > 0 && used+w > m.width {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, used = nil, 0
		}
		row = append(row, lipgloss.NewStyle().PaddingRight(4).Render(col))
		used += w
	}
	rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	mouse := m.styles.Dim.Render(fitStyled("Mouse: the wheel scrolls; a click selects a tab or a row, a second click opens it.", m.width))
	return m.styles.Heading.Render("Keys — "+viewNames[m.active]) + "\n\n" + strings.Join(rows, "\n\n") + "\n\n" + mouse
}

func (l loaded) loadedAt() time.Time { return l.at }

func itoa(n int) string { return strconv.Itoa(n) }

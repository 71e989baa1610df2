package tui

import (
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// backtestWindow is how far back the dashboard's backtest looks.
const backtestWindow = 90 * 24 * time.Hour

// backtestKey opens the backtest of the selected rule in the Rules view.
func backtestKey() key.Binding {
	return key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "backtest 90d"))
}

// backtestMsg carries a finished backtest.
type backtestMsg struct {
	ruleID string
	report backtest.Report
	err    error
}

func (m backtestMsg) notice() (string, bool) {
	if m.err != nil {
		return "backtest: " + m.err.Error(), true
	}
	return "", false
}

// errNoBacktest is shown when the dashboard was started without the backtest
// use case (Options.Backtest).
var errNoBacktest = errors.New("backtests are not available in this dashboard")

// runBacktest replays a rule over the last 90 days off the event loop,
// through the same backtest use case (and so the same global min wait and
// timeout) as GET /admin/backtest. It only reads the store.
func (d data) runBacktest(rule domain.Rule) tea.Cmd {
	return func() tea.Msg {
		if d.backtest == nil {
			return backtestMsg{ruleID: rule.ID, err: errNoBacktest}
		}
		ctx, cancel := d.ctx()
		defer cancel()
		now := d.now()
		rep, err := d.backtest.Backtest(ctx, backtest.Query{Rule: rule, Since: now.Add(-backtestWindow), Now: now})
		d.logErr("backtest", err)
		return backtestMsg{ruleID: rule.ID, report: rep, err: err}
	}
}

// backtestPanel shows one rule's backtest report over the Rules view.
type backtestPanel struct {
	rule   domain.Rule
	done   bool
	report backtest.Report
	err    error
	pane   pane
}

func (p *backtestPanel) apply(msg backtestMsg) {
	if msg.ruleID != p.rule.ID {
		return
	}
	p.done, p.report, p.err = true, msg.report, msg.err
}

func (p *backtestPanel) lines(st Styles) []string {
	head := st.Heading.Render(fmt.Sprintf("Backtest · %s · last %d days · read-only", ruleLabel(p.rule), int(backtestWindow.Hours()/24)))
	switch {
	case !p.done:
		return []string{head, "", st.Dim.Render("Replaying past schedules…")}
	case p.err != nil:
		return []string{head, "", st.Error.Render(p.err.Error())}
	}
	out := []string{head, ""}
	out = append(out, p.report.Lines(0)...)
	if p.report.Judged == 0 && p.report.NoHistory > 0 {
		out = append(out, "", st.Dim.Render("No stage history stored: run 'aaa sync history' first."))
	}
	return out
}

func (p *backtestPanel) view(st Styles, width, height int) string {
	return p.pane.view(p.lines(st), width, height)
}

func (p *backtestPanel) navigate(k KeyMap, msg tea.KeyPressMsg, st Styles, width, height int) {
	p.pane.navigate(k, msg, p.lines(st), width, height)
}

func backtestHelp(k KeyMap) []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Back}
}

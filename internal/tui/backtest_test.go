package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/backtest"
)

func TestRulesBacktestPanel(t *testing.T) {
	t.Parallel()
	db, _ := seededStore(t)
	m := newModel(Options{Store: db, Backtest: backtest.NewRunner(db, backtest.Options{MinWait: 30 * time.Minute, Timeout: 7 * 24 * time.Hour}, fixedNow),
		Now: fixedNow, RefreshEvery: time.Millisecond})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	noErrors(t, pressDrive(t, m, "3"))
	r := m.views[viewRules].(*rulesView)

	msgs := pressDrive(t, m, "b")
	noErrors(t, msgs)
	if len(msgs) != 1 {
		t.Fatalf("b ran %d messages, want the backtest", len(msgs))
	}
	if _, ok := msgs[0].(backtestMsg); !ok || !r.Capturing() {
		t.Fatalf("b gave %T, capturing %v", msgs[0], r.Capturing())
	}
	out := screen(m)
	for _, want := range []string{"Backtest · Screen", "predicted \\ actual", "Disagreements (0)"} {
		if !strings.Contains(out, want) {
			t.Fatalf("backtest panel lacks %q:\n%s", want, out)
		}
	}
	press(m, "esc")
	if r.Capturing() || strings.Contains(screen(m), "Backtest ·") {
		t.Fatalf("esc did not close the backtest:\n%s", screen(m))
	}
}

func TestRulesBacktestUnavailable(t *testing.T) {
	t.Parallel()
	db, _ := seededStore(t)
	m := newModel(Options{Store: db, Now: fixedNow, RefreshEvery: time.Millisecond})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	noErrors(t, pressDrive(t, m, "3"))
	msgs := pressDrive(t, m, "b")
	if len(msgs) != 1 {
		t.Fatalf("b ran %d messages, want the backtest", len(msgs))
	}
	if bm, ok := msgs[0].(backtestMsg); !ok || bm.err != errNoBacktest {
		t.Fatalf("b without a backtest use case gave %#v", msgs[0])
	}
	if out := screen(m); !strings.Contains(out, errNoBacktest.Error()) {
		t.Fatalf("panel does not say backtests are unavailable:\n%s", out)
	}
}

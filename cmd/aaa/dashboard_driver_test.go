package main

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/tui"
	"github.com/charmbracelet/x/ansi"
)

// dashboard drives a tui model in-process as a person at the keyboard
// would: every command a key press starts runs to completion (the refresh
// tick excepted) before the next key.
type dashboard struct {
	t *testing.T
	m tea.Model
}

// newDashboard starts the dashboard with opts in a width x height terminal
// and runs its first loads.
func newDashboard(t *testing.T, opts tui.Options, width, height int) *dashboard {
	t.Helper()
	d := &dashboard{t: t, m: tui.New(opts)}
	d.m, _ = d.m.Update(tea.WindowSizeMsg{Width: width, Height: height})
	d.drive(d.m.Init())
	return d
}

// drive runs cmd and the commands its messages lead to.
func (d *dashboard) drive(cmd tea.Cmd) {
	d.t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 1000 {
			d.t.Fatal("dashboard commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		}
		if fmt.Sprintf("%T", msg) == "tui.tickMsg" {
			// The refresh tick would reload for ever.
			continue
		}
		var next tea.Cmd
		d.m, next = d.m.Update(msg)
		queue = append(queue, next)
	}
}

// press types keys one at a time (" " is the space bar; "enter", "esc"
// and "backspace" are those keys).
func (d *dashboard) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		msg := tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		switch k {
		case " ":
			msg.Code = tea.KeySpace
		case "enter", "esc", "backspace":
			msg = tea.KeyPressMsg{Code: map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "backspace": tea.KeyBackspace}[k]}
		}
		var cmd tea.Cmd
		d.m, cmd = d.m.Update(msg)
		d.drive(cmd)
	}
}

// screen is what the terminal shows, without colours.
func (d *dashboard) screen() string { return ansi.Strip(d.m.View().Content) }

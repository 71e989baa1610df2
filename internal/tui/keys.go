package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key binding; it also feeds the help bar.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	NextView, PrevView                      key.Binding
	View1, View2, View3, View4              key.Binding
	Detail, Close, Filter, Refresh, Help    key.Binding
	Quit, ForceQuit                         key.Binding
	// Every list: sort column, reverse, open in Ashby, copy.
	Sort, Reverse, Open, Copy key.Binding
	// Activity: retry a failed delivery.
	Retry key.Binding
	// Back labels esc and q in a detail's help (the model turns q into
	// esc there).
	Back key.Binding
	// Decisions view.
	Outcome, Mode, Rule, Agree, Disagree key.Binding
	// FilterBy and Review only label the help bar.
	FilterBy, Review key.Binding
	// Decision detail: second thoughts.
	Undo, CancelScheduled, Keep key.Binding
	// Rules view.
	ToggleActive, SwitchMode, RejectDelay key.Binding
	// Confirm steps and text inputs; Answer labels y/n in the full help.
	Confirm, Cancel, Submit, Answer key.Binding
}

// DefaultKeyMap returns the bindings users expect (see STYLE.md).
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:           b("↑/k", "up", "up", "k"),
		Down:         b("↓/j", "down", "down", "j"),
		PageUp:       b("pgup", "page up", "pgup", "ctrl+u"),
		PageDown:     b("pgdn", "page down", "pgdown", "ctrl+d"),
		Top:          b("g", "top", "g", "home"),
		Bottom:       b("G", "bottom", "G", "end"),
		NextView:     b("tab", "next view", "tab"),
		PrevView:     b("shift+tab", "previous view", "shift+tab"),
		View1:        b("1", "pending", "1"),
		View2:        b("2", "decisions", "2"),
		View3:        b("3", "rules", "3"),
		View4:        b("4", "activity", "4"),
		Detail:       b("enter", "detail", "enter"),
		Close:        b("esc", "back", "esc"),
		Back:         b("esc/q", "back", "esc", "q"),
		Filter:       b("/", "filter", "/"),
		Refresh:      b("r", "refresh", "r"),
		Help:         b("?", "help", "?"),
		Quit:         b("q", "quit", "q"),
		ForceQuit:    b("ctrl+c", "quit", "ctrl+c"),
		Sort:         b("s", "sort", "s"),
		Reverse:      b("S", "reverse sort", "S"),
		Open:         b("o", "open in Ashby", "o"),
		Copy:         b("y", "copy link/id", "y"),
		Retry:        b("R", "retry delivery", "R"),
		Outcome:      b("f", "outcome", "f"),
		Mode:         b("m", "mode", "m"),
		Rule:         b("u", "rule", "u"),
		FilterBy:     b("f/m/u", "outcome/mode/rule", "f", "m", "u"),
		Review:       b("a/d", "agree/disagree", "a", "d"),
		Agree:        b("a", "agree", "a"),
		Disagree:     b("d", "disagree", "d"),
		ToggleActive: b("space", "toggle active", "space"),
		SwitchMode:   b("m", "shadow/live", "m"),
		RejectDelay:  b("D", "reject delay", "D"),
		Confirm:      b("y", "confirm", "y"),
		Cancel:       b("n/esc", "cancel", "n", "esc"),
		Submit:       b("enter", "save", "enter"),
		Answer:       b("y/n", "answer a confirm", "y", "n"),

		// The decision detail's second thoughts.
		Undo:            b("u", "undo (detail)", "u"),
		CancelScheduled: b("c", "cancel scheduled (detail)", "c"),
		Keep:            b("K", "keep in process (detail)", "K"),
	}
}

// globalHelp are the bindings every view shares, for the full help.
func (k KeyMap) globalHelp() []key.Binding {
	return []key.Binding{k.NextView, k.PrevView, k.View1, k.View2, k.View3, k.View4, k.Refresh, k.Help, k.Quit}
}

func (k KeyMap) navHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Detail, k.Back}
}

// listHelp are the keys every list has.
func (k KeyMap) listHelp() []key.Binding {
	return []key.Binding{k.Filter, k.Sort, k.Reverse, k.Open, k.Copy}
}

// brief is b with a shorter description, for the help bar at 80 columns;
// the full help (?) keeps the long one.
func brief(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}

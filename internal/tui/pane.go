package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// pane is a detail screen: a bubbles viewport over the detail's lines,
// wrapped at the width with continuation lines indented under their
// first, so nothing is cut off; j/k, pgup/pgdn, g/G and the wheel scroll.
type pane struct {
	vp viewport.Model
}

func newPane() pane { return pane{vp: viewport.New()} }

// set fills the viewport with lines wrapped to width, height lines high.
func (p *pane) set(lines []string, width, height int) {
	p.vp.SetWidth(width)
	p.vp.SetHeight(max(1, height))
	p.vp.SetContentLines(wrapLines(lines, width))
}

// view shows lines from the current offset.
func (p *pane) view(lines []string, width, height int) string {
	p.set(lines, width, height)
	return p.vp.View()
}

// top scrolls back to the first line (a newly opened detail).
func (p *pane) top() { p.vp.SetYOffset(0) }

// navigate scrolls on the list keys; it reports whether msg was one.
func (p *pane) navigate(k KeyMap, msg tea.KeyPressMsg, lines []string, width, height int) bool {
	p.set(lines, width, height)
	switch {
	case key.Matches(msg, k.Up):
		p.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		p.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		p.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		p.vp.PageDown()
	case key.Matches(msg, k.Top):
		p.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		p.vp.GotoBottom()
	default:
		return false
	}
	return true
}

// hangingIndent is where a wrapped line's continuation starts: under the
// value of a "Label      value" line, else two cells past the line's own
// indentation.
func hangingIndent(plain string) int {
	lead := len(plain) - len(strings.TrimLeft(plain, " "))
	rest := []rune(plain[lead:])
	for i := 1; i+2 < len(rest) && i < 16; i++ {
		if rest[i] == ' ' && rest[i+1] == ' ' {
			j := i
			for j < len(rest) && rest[j] == ' ' {
				j++
			}
			if rest[i-1] != ' ' {
				return lead + j
			}
		}
	}
	return lead + 2
}

// wrapLines wraps each line to width at spaces; a continuation line is
// indented under its first (hangingIndent).
func wrapLines(lines []string, width int) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if ansi.StringWidth(l) <= width {
			out = append(out, l)
			continue
		}
		indent := hangingIndent(ansi.Strip(l))
		if indent > width/2 {
			indent = 2
		}
		first := ansi.Wrap(l, width, " ")
		parts := strings.Split(first, "\n")
		out = append(out, parts[0])
		rest := strings.Join(parts[1:], " ")
		for _, c := range strings.Split(ansi.Wrap(strings.TrimLeft(rest, " "), width-indent, " "), "\n") {
			out = append(out, strings.Repeat(" ", indent)+c)
		}
	}
	return out
}

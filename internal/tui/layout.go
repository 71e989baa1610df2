package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// column is one table column: a fixed width, or flex (sharing what is left,
// at least min cells). The lists draw their own rows rather than use
// bubbles' table: it styles only the selected row, and these lists colour
// each row by what it is (failed, live, no longer standing, timing out).
type column struct {
	title string
	width int
	flex  bool
}

// widths lays columns out in total cells, one space between columns.
func widths(cols []column, total int) []int {
	out := make([]int, len(cols))
	used, flex := len(cols)-1, 0
	for i, c := range cols {
		out[i] = c.width
		used += c.width
		if c.flex {
			flex++
		}
	}
	if flex == 0 {
		return out
	}
	extra := max(0, total-used)
	for i, c := range cols {
		if c.flex {
			share := extra / flex
			extra -= share
			flex--
			out[i] += share
		}
	}
	return out
}

// fit truncates s (with an ellipsis) or pads it to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = strings.ReplaceAll(s, "\n", " ")
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

// tableRow fits cells to ws and joins them; styled cells must already fit.
func tableRow(cells []string, ws []int) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		parts[i] = fit(c, w)
	}
	return strings.Join(parts, " ")
}

func tableHeader(cols []column, ws []int) string {
	cells := make([]string, len(cols))
	for i, c := range cols {
		cells[i] = strings.ToUpper(c.title)
	}
	return tableRow(cells, ws)
}

// cursorList is the selection and scroll offset of a list of n rows shown
// in height lines.
type cursorList struct {
	cursor, offset, n, height int
}

func (l *cursorList) setLen(n int) {
	l.n = n
	l.clamp()
}

func (l *cursorList) setHeight(h int) {
	l.height = max(1, h)
	l.clamp()
}

func (l *cursorList) move(delta int) {
	l.cursor += delta
	l.clamp()
}

// click selects the row at body line y of a list whose rows start after
// header lines (of rows in all); it reports whether that row was already
// selected, which opens it.
func (l *cursorList) click(y, header, rows int) (again bool) {
	i := l.offset + y - header
	if y < header || i >= rows {
		return false
	}
	if i == l.cursor {
		return true
	}
	l.cursor = i
	l.clamp()
	return false
}

func (l *cursorList) clamp() {
	l.cursor = min(max(l.cursor, 0), max(l.n-1, 0))
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.height {
		l.offset = l.cursor - l.height + 1
	}
	l.offset = min(max(l.offset, 0), max(l.n-l.height, 0))
}

// visible returns the range of rows on screen.
func (l cursorList) visible() (start, end int) {
	return l.offset, min(l.n, l.offset+l.height)
}

// navigate applies the list keys; it reports whether msg was one.
func (l *cursorList) navigate(k KeyMap, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, k.Up):
		l.move(-1)
	case key.Matches(msg, k.Down):
		l.move(1)
	case key.Matches(msg, k.PageUp):
		l.move(-l.height)
	case key.Matches(msg, k.PageDown):
		l.move(l.height)
	case key.Matches(msg, k.Top):
		l.move(-l.n)
	case key.Matches(msg, k.Bottom):
		l.move(l.n)
	default:
		return false
	}
	return true
}

// fitStyled truncates a possibly styled line to width cells.
func fitStyled(s string, w int) string {
	if ansi.StringWidth(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s
}

// block pads or cuts s to exactly height lines.
func block(s string, height int) string {
	lines := strings.Split(s, "\n")
	if s == "" {
		lines = nil
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// ago formats t relative to now: "in 2h05m", "3m ago", "now".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := t.Sub(now)
	switch {
	case d > -time.Minute && d < time.Minute:
		return "now"
	case d > 0:
		return "in " + shortDur(d)
	}
	return shortDur(-d) + " ago"
}

func shortDur(d time.Duration) string {
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	h := int(d % (24 * time.Hour) / time.Hour)
	m := int(d % time.Hour / time.Minute)
	switch {
	case days > 0 && h > 0:
		return fmt.Sprintf("%dd%dh", days, h)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case h > 0 && m > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case h > 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dm", m)
}

// stamp formats t in now's location, short.
func stamp(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(now.Location()).Format("01-02 15:04")
}

// orDash returns s, or the first non-empty fallback, or "—".
func orDash(s string, fallbacks ...string) string {
	if s != "" {
		return s
	}
	for _, f := range fallbacks {
		if f != "" {
			return f
		}
	}
	return "—"
}

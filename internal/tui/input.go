package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// lineInput is a one-line text input (filter text, review notes, the
// reject delay). It keeps to what the dashboard needs: typing, paste,
// backspace, ctrl+w and ctrl+u; the cursor is always at the end. bubbles'
// textinput would need a new module (github.com/atotto/clipboard, for its
// own paste) and a cursor blink tick; this one has neither.
type lineInput struct {
	prompt, placeholder string
	value               []rune
	focused             bool
	limit               int
	dim, cursor         lipgloss.Style
}

func newLineInput(prompt, placeholder string, s Styles) lineInput {
	return lineInput{prompt: prompt, placeholder: placeholder, limit: 200, dim: s.Dim,
		cursor: lipgloss.NewStyle().Reverse(true)}
}

func (in *lineInput) Focus()            { in.focused = true }
func (in *lineInput) Blur()             { in.focused = false }
func (in *lineInput) Value() string     { return string(in.value) }
func (in *lineInput) SetValue(s string) { in.value = []rune(s) }

// Update edits the value; it reports whether the value changed.
func (in *lineInput) Update(msg tea.Msg) bool {
	if !in.focused {
		return false
	}
	before := string(in.value)
	switch msg := msg.(type) {
	case tea.PasteMsg:
		in.insert(msg.Content)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "backspace":
			if len(in.value) > 0 {
				in.value = in.value[:len(in.value)-1]
			}
		case "ctrl+u":
			in.value = nil
		case "ctrl+w":
			s := strings.TrimRight(string(in.value), " ")
			if i := strings.LastIndex(s, " "); i >= 0 {
				in.value = []rune(s[:i+1])
			} else {
				in.value = nil
			}
		case "space":
			in.insert(" ")
		default:
			if msg.Text != "" && msg.Mod&(tea.ModCtrl|tea.ModAlt) == 0 {
				in.insert(msg.Text)
			}
		}
	}
	return string(in.value) != before
}

func (in *lineInput) insert(s string) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if r < 32 {
			return -1
		}
		return r
	}, s)
	in.value = append(in.value, []rune(s)...)
	if len(in.value) > in.limit {
		in.value = in.value[:in.limit]
	}
}

// View renders the prompt and value (its tail when wider than width).
func (in *lineInput) View(width int) string {
	text := string(in.value)
	room := width - ansi.StringWidth(in.prompt) - 1
	for ansi.StringWidth(text) > room && text != "" {
		_, size := firstRune(text)
		text = text[size:]
	}
	out := in.prompt + text
	if in.focused {
		out += in.cursor.Render(" ")
	}
	if len(in.value) == 0 && in.placeholder != "" {
		out += in.dim.Render(in.placeholder)
	}
	return fitStyled(out, width)
}

func firstRune(s string) (rune, int) {
	for i, r := range s {
		if i > 0 {
			return r, i
		}
	}
	return 0, len(s)
}

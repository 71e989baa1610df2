package tui

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// sortSpec is one way to sort a list: cmp orders rows the way the column
// is usually read (due time: soonest first; decision time: newest first),
// and the words say so both ways for the toolbar.
type sortSpec[T any] struct {
	name, first, reversed string
	cmp                   func(a, b T) int
}

// finder is the `/` filter and `s`/`S` sort of a list view. The filter is
// fuzzy: every word typed must appear, letters in order, in one of a row's
// names (candidate, job, stage, interviewer, rule…); the view says which
// names through fields. Rows keep the chosen order while filtered.
type finder[T any] struct {
	input  lineInput
	typing bool
	sorts  []sortSpec[T]
	sortBy int
	desc   bool
	fields func(T) []string
}

func newFinder[T any](s Styles, placeholder string, fields func(T) []string, sorts ...sortSpec[T]) finder[T] {
	return finder[T]{input: newLineInput(" / ", placeholder, s), fields: fields, sorts: sorts}
}

// query is the filter text ("" when none).
func (f *finder[T]) query() string { return strings.TrimSpace(f.input.Value()) }

// apply returns the rows of all that match the filter, sorted.
func (f *finder[T]) apply(all []T) []T {
	terms := strings.Fields(strings.ToLower(f.query()))
	out := make([]T, 0, len(all))
	for _, r := range all {
		if matchAll(terms, f.fields(r)) {
			out = append(out, r)
		}
	}
	if len(f.sorts) > 0 {
		s := f.sorts[f.sortBy]
		slices.SortStableFunc(out, func(a, b T) int {
			if f.desc {
				return s.cmp(b, a)
			}
			return s.cmp(a, b)
		})
	}
	return out
}

// matchAll reports whether every term fuzzily matches one of the fields.
func matchAll(terms, fields []string) bool {
	for _, t := range terms {
		found := false
		for _, f := range fields {
			if fuzzy(t, strings.ToLower(f)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// fuzzy reports whether term is in s, or its letters appear in s in order
// from the start of a word ("adlv" and "lovel" match "ada lovelace",
// "bknd" matches "backend engineer"; "ad" does not match "backend").
func fuzzy(term, s string) bool {
	if term == "" || strings.Contains(s, term) {
		return true
	}
	rs, text := []rune(term), []rune(s)
	for start := range text {
		if text[start] != rs[0] || (start > 0 && isWordRune(text[start-1])) {
			continue
		}
		i := 1
		for _, r := range text[start+1:] {
			if i < len(rs) && r == rs[i] {
				i++
			}
		}
		if i == len(rs) {
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// handleKey applies the filter and sort keys; handled says msg was one,
// changed that the rows to show changed.
func (f *finder[T]) handleKey(k KeyMap, msg tea.KeyPressMsg) (handled, changed bool) {
	if f.typing {
		switch {
		case key.Matches(msg, k.Submit):
			f.typing = false
			f.input.Blur()
			return true, false
		case msg.String() == "esc":
			f.typing = false
			f.input.Blur()
			changed = f.input.Value() != ""
			f.input.SetValue("")
			return true, changed
		}
		return true, f.input.Update(msg)
	}
	switch {
	case key.Matches(msg, k.Filter):
		f.typing = true
		f.input.Focus()
		return true, false
	case key.Matches(msg, k.Sort) && len(f.sorts) > 0:
		f.sortBy, f.desc = (f.sortBy+1)%len(f.sorts), false
		return true, true
	case key.Matches(msg, k.Reverse) && len(f.sorts) > 0:
		f.desc = !f.desc
		return true, true
	case key.Matches(msg, k.Close) && f.input.Value() != "":
		f.input.SetValue("")
		return true, true
	}
	return false, false
}

// paste types pasted text into the filter while typing.
func (f *finder[T]) paste(msg tea.PasteMsg) bool {
	return f.typing && f.input.Update(msg)
}

// sortWords says how the list is sorted: "due, soonest first".
func (f *finder[T]) sortWords() string {
	if len(f.sorts) == 0 {
		return ""
	}
	s := f.sorts[f.sortBy]
	if f.desc {
		return s.name + ", " + s.reversed
	}
	return s.name + ", " + s.first
}

// line is the list's toolbar: the filter being typed, or how the list is
// sorted and filtered.
func (f *finder[T]) line(st Styles, width, shown, total int) string {
	if f.typing {
		return f.input.View(width)
	}
	text := " sorted by " + f.sortWords()
	if q := f.query(); q != "" {
		text += " · filter “" + q + "”: " + itoa(shown) + " of " + itoa(total) + " · esc clears"
	} else {
		text += " · s sort · S reverse · / filter"
	}
	return st.Dim.Render(fitStyled(text, width))
}

// byText compares names, ignoring case.
func byText(a, b string) int {
	return cmp.Compare(strings.ToLower(a), strings.ToLower(b))
}

// byTime compares times, earliest first.
func byTime(a, b time.Time) int { return a.Compare(b) }

// byTimePtr compares optional times, earliest first, missing ones last.
func byTimePtr(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return a.Compare(*b)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func cmpInt(a, b int) int { return cmp.Compare(a, b) }

// filterHelp is the help bar while typing a filter.
func filterHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear"))}
}

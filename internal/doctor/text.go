package doctor

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Marks print each status in the checklist.
var marks = map[string]string{Pass: "✓", Warn: "!", Fail: "✗"}

// textWidth is the width WriteText wraps at.
const textWidth = 80

// WriteText prints the report as a checklist grouped by section: ✓ passed,
// ! warning, ✗ failed, each warning and failure followed by what to do
// (→), wrapped at 80 columns, then the counts.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	section := ""
	for _, c := range r.Checks {
		if c.Section != section {
			if section != "" {
				b.WriteString("\n")
			}
			section = c.Section
			b.WriteString(section + "\n")
		}
		text := c.Name
		if c.Detail != "" {
			text += ": " + c.Detail
		}
		wrap(&b, "  "+marks[c.Status]+" ", "      ", text)
		if c.Fix != "" && c.Status != Pass {
			wrap(&b, "    → ", "      ", c.Fix)
		}
	}
	if len(r.Checks) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s, %s, %s.\n", plural(r.Count(Pass), "check")+" passed", plural(r.Count(Warn), "warning"), plural(r.Count(Fail), "failure"))
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap writes text word-wrapped at textWidth: first after lead, the rest
// after indent. A word longer than the line (a URL) gets a line of its own.
func wrap(b *strings.Builder, lead, indent, text string) {
	line := lead
	width := utf8.RuneCountInString(lead)
	start := width
	for _, word := range strings.Fields(text) {
		n := utf8.RuneCountInString(word)
		if width > start && width+1+n > textWidth {
			b.WriteString(line + "\n")
			line, width = indent, utf8.RuneCountInString(indent)
			start = width
		}
		if width > start {
			line += " "
			width++
		}
		line += word
		width += n
	}
	b.WriteString(line + "\n")
}

package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Printer returns an OnMessage hook that writes each message to w in a
// readable plain-text form (see Render), e.g. for `aaa demo`.
func Printer(w io.Writer) func(Call) {
	var mu sync.Mutex
	return func(c Call) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "── slack %s → %s (ts %s)\n", c.Method, c.Channel, c.TS)
		if c.Blocks != nil {
			fmt.Fprint(w, Render(c.Blocks))
		} else {
			fmt.Fprintf(w, "%s\n", c.Params.Get("text"))
		}
		fmt.Fprintln(w)
	}
}

// block is the subset of Block Kit Render understands.
type block struct {
	Type     string    `json:"type"`
	Text     *textObj  `json:"text"`
	Fields   []textObj `json:"fields"`
	Elements []struct {
		Type     string          `json:"type"`
		Text     json.RawMessage `json:"text"`
		ActionID string          `json:"action_id"`
		Style    string          `json:"style"`
		Confirm  *struct{}       `json:"confirm"`
	} `json:"elements"`
}

type textObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Render turns Block Kit JSON into indented plain text: headers as
// "== text ==", sections and context as their text, dividers as a rule and
// buttons as "[text] (action_id)". Unknown blocks show their type.
// mrkdwn entities (&amp; &lt; &gt;) are decoded.
func Render(blocksJSON json.RawMessage) string {
	var blocks []block
	if err := json.Unmarshal(blocksJSON, &blocks); err != nil {
		return fmt.Sprintf("  (unreadable blocks: %v)\n", err)
	}
	var b strings.Builder
	line := func(s string) {
		for l := range strings.SplitSeq(unescape(s), "\n") {
			b.WriteString("  " + l + "\n")
		}
	}
	for _, bl := range blocks {
		switch bl.Type {
		case "header":
			if bl.Text != nil {
				line("== " + bl.Text.Text + " ==")
			}
		case "section":
			if bl.Text != nil {
				line(bl.Text.Text)
			}
			for _, f := range bl.Fields {
				line(strings.ReplaceAll(f.Text, "\n", ": "))
			}
		case "divider":
			line("────────")
		case "context":
			for _, e := range bl.Elements {
				var t textObj
				if json.Unmarshal(e.Text, &t) == nil && t.Text != "" {
					line(t.Text)
				} else {
					var s string
					_ = json.Unmarshal(e.Text, &s)
					line(s)
				}
			}
		case "actions":
			for _, e := range bl.Elements {
				var t textObj
				_ = json.Unmarshal(e.Text, &t)
				extra := ""
				if e.Style != "" {
					extra += ", " + e.Style
				}
				if e.Confirm != nil {
					extra += ", confirm"
				}
				line(fmt.Sprintf("[%s] (%s%s)", t.Text, e.ActionID, extra))
			}
		default:
			line("(" + bl.Type + " block)")
		}
	}
	return b.String()
}

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func unescape(s string) string { return unescaper.Replace(s) }

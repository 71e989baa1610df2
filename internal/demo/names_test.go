package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/demo"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var (
	uuidRe = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	// linkRe is a Slack link <target|text> or <target>: the target is not
	// read as words.
	linkRe = regexp.MustCompile(`<[^<>|]*\|([^<>]*)>|<[^<>|]*>`)
	// codeRe is a code span, where ids may be shown to admins.
	codeRe = regexp.MustCompile("`[^`]*`")
)

// idsInSentences returns the UUIDs of s outside link targets and code spans.
func idsInSentences(s string) []string {
	s = linkRe.ReplaceAllString(s, "$1")
	s = codeRe.ReplaceAllString(s, "")
	return uuidRe.FindAllString(s, -1)
}

// slackTexts returns what people read of a Slack call: the fallback text
// and every text object of its blocks (not button values, block ids or
// URLs, which Slack does not show as words).
func slackTexts(c slackfake.Call) []string {
	out := []string{c.Params.Get("text")}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				if k == "text" {
					if s, ok := vv.(string); ok {
						out = append(out, s)
						continue
					}
				}
				if k == "value" || k == "url" || k == "block_id" || k == "action_id" {
					continue
				}
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	if len(c.Blocks) > 0 {
		var v any
		if json.Unmarshal(c.Blocks, &v) == nil {
			walk(v)
		}
	}
	return out
}

// TestDemoSpeaksNames is issue 17's "no UUID in a sentence a person reads":
// the demo day's Slack messages (notices, updates, alerts), the story, the
// dashboard's golden screens and a backtest table of the demo's rules
// name people and things; ids appear only as link targets or code spans.
func TestDemoSpeaksNames(t *testing.T) {
	t.Parallel()
	d := testkit.OpenDatabase(t, testkit.SQLite())
	var mu sync.Mutex
	var calls []slackfake.Call
	var out testkit.Buffer
	_, err := demo.Run(context.Background(), demo.Options{Out: &out, Speed: 150, Duration: 26 * time.Second,
		Serve: serveOn(d), OnSlack: func(c slackfake.Call) {
			mu.Lock()
			calls = append(calls, c)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	kinds := map[string]int{}
	for _, c := range calls {
		if !strings.HasPrefix(c.Method, "chat.") {
			continue
		}
		kinds[c.Method]++
		for _, text := range slackTexts(c) {
			if ids := idsInSentences(text); len(ids) > 0 {
				t.Errorf("Slack %s shows ids %v in: %s", c.Method, ids, text)
			}
		}
	}
	if kinds["chat.postMessage"] == 0 || kinds["chat.update"] == 0 {
		t.Fatalf("the demo sent no notices or updates: %v", kinds)
	}

	// The story (the demo's narration) names people only.
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "│") {
			continue // Slack bodies, checked above
		}
		if ids := idsInSentences(line); len(ids) > 0 {
			t.Errorf("story line shows ids %v: %s", ids, line)
		}
		if strings.Contains(line, "overall_score") {
			t.Errorf("story line shows a field path instead of its title: %s", line)
		}
	}

	// The dashboard's golden screens.
	goldens, _ := filepath.Glob(filepath.Join("..", "tui", "testdata", "*.golden"))
	if len(goldens) == 0 {
		t.Fatal("no dashboard goldens found")
	}
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if ids := idsInSentences(line); len(ids) > 0 {
				t.Errorf("%s:%d shows ids %v: %s", filepath.Base(g), i+1, ids, line)
			}
		}
	}

	// A backtest table of each demo rule.
	rules, err := d.DB.ListRules(context.Background(), true)
	if err != nil || len(rules) == 0 {
		t.Fatalf("rules: %v (%d)", err, len(rules))
	}
	for _, r := range rules {
		rep, err := backtest.Run(context.Background(), d.DB, backtest.Query{Rule: r, Now: time.Now()}, backtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := rep.Write(&buf, backtest.FormatTable); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(buf.String(), "\n") {
			if ids := idsInSentences(line); len(ids) > 0 {
				t.Errorf("backtest table shows ids %v: %s", ids, line)
			}
		}
	}
}

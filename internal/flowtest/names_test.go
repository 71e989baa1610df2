package flowtest_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var (
	uuidPattern = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	slackLink   = regexp.MustCompile(`<[^<>|]*\|([^<>]*)>|<[^<>|]*>`)
	codeSpan    = regexp.MustCompile("`[^`]*`")
)

// readableTexts returns the fallback text and the text objects of a Slack
// call's blocks, with link targets and code spans removed.
func readableTexts(c slackfake.Call) []string {
	out := []string{c.Params.Get("text")}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				if s, ok := vv.(string); ok && k == "text" {
					out = append(out, s)
					continue
				}
				if k != "value" && k != "url" && k != "block_id" && k != "action_id" {
					walk(vv)
				}
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	var v any
	if json.Unmarshal(c.Blocks, &v) == nil {
		walk(v)
	}
	for i, s := range out {
		out[i] = codeSpan.ReplaceAllString(slackLink.ReplaceAllString(s, "$1"), "")
	}
	return out
}

// TestFailureAlertSpeaksNames is issue 17 for the "advance failed" alert:
// Ashby refuses every move, and the admin channel's alert names the
// candidate, job and stages; ids appear only in code spans.
func TestFailureAlertSpeaksNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testkit.SQLite(), envOpts{slack: true, adminChannel: "CADMIN"})
	ctx := context.Background()
	sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
	e.rule(sc, domain.ModeLive, "3")
	e.sim.SetFault("application.changeStage", ashbysim.Fault{Rate5xx: 1})
	c := sc.Candidates[0]
	e.submitAll(sc, c, 4)
	e.send(c.ScheduleID)
	testkit.Eventually(t, 10*time.Second, "schedule stored", func() bool {
		n, _ := e.db.ListDeliveries(ctx, domain.DeliveryProcessed, 10)
		return len(n) == 1
	})
	if err := e.svc.Sync.SyncFeedback(ctx); err != nil {
		t.Fatal(err)
	}
	var alerts []slackfake.Call
	testkit.Eventually(t, 15*time.Second, "failure alert in the admin channel", func() bool {
		alerts = alerts[:0]
		for _, call := range e.stack.Slack.CallsTo("chat.postMessage") {
			if call.Params.Get("channel") == "CADMIN" && strings.Contains(call.Params.Get("text"), "failed") {
				alerts = append(alerts, call)
			}
		}
		return len(alerts) > 0
	})
	for _, a := range alerts {
		t.Logf("alert: %s", a.Blocks)
		for _, text := range readableTexts(a) {
			if ids := uuidPattern.FindAllString(text, -1); len(ids) > 0 {
				t.Errorf("alert shows ids %v in: %s", ids, text)
			}
		}
		if body := string(a.Blocks); !strings.Contains(body, "Application `"+c.ApplicationID+"`") {
			t.Errorf("alert lacks the application id in a code span: %s", body)
		}
	}
}

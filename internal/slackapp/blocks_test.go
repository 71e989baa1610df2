package slackapp_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/ashby-auto-advance/aaa/internal/slackapp"
)

// jsonBlock is the decoded shape of a block, for assertions.
type jsonBlock struct {
	Type    string `json:"type"`
	BlockID string `json:"block_id"`
	Text    *struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"text"`
	Fields []struct {
		Text string `json:"text"`
	} `json:"fields"`
	Elements []json.RawMessage `json:"elements"`
}

type jsonButton struct {
	Type     string `json:"type"`
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
	Style    string `json:"style"`
	Text     struct {
		Text string `json:"text"`
	} `json:"text"`
	Confirm *struct {
		Title   struct{ Text string } `json:"title"`
		Text    struct{ Text string } `json:"text"`
		Confirm struct{ Text string } `json:"confirm"`
		Deny    struct{ Text string } `json:"deny"`
	} `json:"confirm"`
}

func decodeBlocks(t *testing.T, raw []byte) []jsonBlock {
	t.Helper()
	var out []jsonBlock
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode blocks %s: %v", raw, err)
	}
	return out
}

func marshalBlocks(t *testing.T, blocks []slack.Block) []byte {
	t.Helper()
	b, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// buttons returns the buttons of all actions blocks.
func buttons(t *testing.T, blocks []jsonBlock) []jsonButton {
	t.Helper()
	var out []jsonButton
	for _, b := range blocks {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			var btn jsonButton
			if err := json.Unmarshal(e, &btn); err != nil {
				t.Fatal(err)
			}
			out = append(out, btn)
		}
	}
	return out
}

// sectionTexts returns the text of every section.
func sectionTexts(blocks []jsonBlock) []string {
	var out []string
	for _, b := range blocks {
		if b.Type == "section" && b.Text != nil {
			out = append(out, b.Text.Text)
		}
	}
	return out
}

func sampleNotice() slackapp.RejectionNotice {
	return slackapp.RejectionNotice{
		ExecutionID:   "exec-1",
		ApplicationID: "app-1",
		CandidateName: "John Smith",
		ProfileURL:    "https://app.ashbyhq.com/candidate-searches/new/right-side/candidates/c0ffee00",
		JobTitle:      "Senior Software Engineer",
		StageTitle:    "Technical Interview",
		Summary:       "Overall score below 3 for 1 of 2 interviewers",
		RuleID:        "rule-7",
		Lines: []slackapp.RequirementLine{
			{
				InterviewTitle: "Technical Deep Dive", Field: "Overall score", Operator: ">=", Threshold: "3",
				Interviewers: []slackapp.InterviewerValue{
					{Name: "Alice Adams", Value: "2"},
					{Name: "Bob Brown", Value: "4", Passed: true},
				},
			},
			{
				InterviewTitle: "Culture", Field: "Recommendation", Operator: "in", Threshold: "Yes, Strong Yes", Passed: true,
				Interviewers: []slackapp.InterviewerValue{
					{Name: "Carol Chen", Value: "Strong Yes", Passed: true},
					{Name: "Dan Diaz", Missing: true},
				},
			},
		},
	}
}

func TestRejectionMessage(t *testing.T) {
	t.Parallel()
	n := sampleNotice()
	text, blocks := slackapp.RejectionMessage(n)
	if text != "Candidate John Smith did not meet the advancement criteria" {
		t.Fatalf("text = %q", text)
	}
	jb := decodeBlocks(t, marshalBlocks(t, blocks))

	btns := buttons(t, jb)
	if len(btns) != 1 {
		t.Fatalf("buttons = %+v, want one", btns)
	}
	btn := btns[0]
	if btn.ActionID != "send_rejection" || btn.Style != "danger" || btn.Text.Text != "Archive & send rejection" {
		t.Fatalf("button = %+v", btn)
	}
	if btn.Confirm == nil || btn.Confirm.Confirm.Text == "" || btn.Confirm.Deny.Text == "" ||
		!strings.Contains(btn.Confirm.Text.Text, "John Smith") {
		t.Fatalf("confirm = %+v", btn.Confirm)
	}
	rv, err := slackapp.ParseRejectionValue(btn.Value)
	if err != nil {
		t.Fatal(err)
	}
	if rv.ExecutionID != "exec-1" || rv.ApplicationID != "app-1" {
		t.Fatalf("button value = %+v", rv)
	}
	var raw map[string]string
	if err := json.Unmarshal([]byte(btn.Value), &raw); err != nil || raw["action"] != "send_rejection" || len(raw) != 3 {
		t.Fatalf("button value %s: %v", btn.Value, err)
	}

	all := strings.Join(sectionTexts(jb), "\n")
	for _, want := range []string{
		"<https://app.ashbyhq.com/candidate-searches/new/right-side/candidates/c0ffee00|John Smith>",
		"*Job:* Senior Software Engineer",
		"*Stage:* Technical Interview",
		"❌ *Technical Deep Dive*: Overall score &gt;= 3",
		"• Alice Adams: 2 ❌",
		"• Bob Brown: 4 ✅",
		"✅ *Culture*: Recommendation in Yes, Strong Yes",
		"• Carol Chen: Strong Yes ✅",
		"• Dan Diaz: _no feedback_",
		"Overall score below 3 for 1 of 2 interviewers",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("sections lack %q:\n%s", want, all)
		}
	}
	// Only the given lines are rendered: one bullet per given interviewer,
	// one section per requirement.
	if got := strings.Count(all, "\n• "); got != 4 {
		t.Errorf("bullet lines = %d, want 4:\n%s", got, all)
	}
	reqSections := 0
	for _, s := range sectionTexts(jb) {
		if strings.Contains(s, "\n• ") {
			reqSections++
		}
	}
	if reqSections != len(n.Lines) {
		t.Errorf("requirement sections = %d, want %d", reqSections, len(n.Lines))
	}
	if jb[0].Type != "header" || strings.Contains(jb[0].Text.Text, "Dry run") {
		t.Errorf("header = %+v", jb[0])
	}
}

func TestRejectionMessageDryRun(t *testing.T) {
	t.Parallel()
	n := sampleNotice()
	n.DryRun = true
	text, blocks := slackapp.RejectionMessage(n)
	raw := marshalBlocks(t, blocks)
	jb := decodeBlocks(t, raw)
	if btns := buttons(t, jb); len(btns) != 0 {
		t.Fatalf("dry run has buttons %+v", btns)
	}
	if strings.Contains(string(raw), "send_rejection") {
		t.Fatalf("dry run blocks mention send_rejection: %s", raw)
	}
	if !strings.Contains(text, "Dry run") || !strings.Contains(text, "shadow mode") {
		t.Errorf("text = %q, want it to say dry run / shadow mode", text)
	}
	if jb[0].Type != "header" || !strings.Contains(jb[0].Text.Text, "Dry run") {
		t.Errorf("header = %+v, want Dry run", jb[0].Text)
	}
	// The lines are still shown.
	if all := strings.Join(sectionTexts(jb), "\n"); !strings.Contains(all, "Alice Adams: 2") {
		t.Errorf("dry run lacks interviewer lines:\n%s", all)
	}
}

func TestRejectionMessageEscapesAndLimits(t *testing.T) {
	t.Parallel()
	n := slackapp.RejectionNotice{
		ExecutionID:   "e",
		ApplicationID: "a",
		CandidateName: "<!channel> & Co",
		ProfileURL:    "javascript:alert(1)",
		JobTitle:      strings.Repeat("x", 5000),
	}
	for i := range 100 {
		n.Lines = append(n.Lines, slackapp.RequirementLine{InterviewTitle: fmt.Sprintf("I%d", i), Field: "f", Operator: "<", Threshold: "2"})
	}
	text, blocks := slackapp.RejectionMessage(n)
	if strings.Contains(text, "<!channel>") {
		t.Errorf("text not escaped: %q", text)
	}
	if len(blocks) > 50 {
		t.Errorf("%d blocks, Slack allows 50", len(blocks))
	}
	jb := decodeBlocks(t, marshalBlocks(t, blocks))
	all := strings.Join(sectionTexts(jb), "\n")
	if strings.Contains(all, "<!channel>") || !strings.Contains(all, "&lt;!channel&gt; &amp; Co") {
		t.Errorf("name not escaped:\n%.300s", all)
	}
	if strings.Contains(all, "javascript:") {
		t.Errorf("non-http profile URL linked")
	}
	if !strings.Contains(all, "more requirements") {
		t.Errorf("100 lines not folded")
	}
	for _, s := range sectionTexts(jb) {
		if utf8.RuneCountInString(s) > 3000 {
			t.Errorf("section of %d chars", utf8.RuneCountInString(s))
		}
	}
	if len(buttons(t, jb)) != 1 {
		t.Errorf("button missing")
	}
}

func TestArchivedUpdate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 15, 4, 5, 0, time.UTC)
	text, blocks := slackapp.ArchivedUpdate(sampleNotice(), "U123ABC456", "jane.doe", at)
	if !strings.Contains(text, "archived by jane.doe") {
		t.Errorf("text = %q", text)
	}
	jb := decodeBlocks(t, marshalBlocks(t, blocks))
	if len(buttons(t, jb)) != 0 {
		t.Fatal("update still has a button")
	}
	all := strings.Join(sectionTexts(jb), "\n")
	for _, want := range []string{"<@U123ABC456>", fmt.Sprintf("<!date^%d^", at.Unix()), "2026-03-04T15:04:05Z", "John Smith", "Alice Adams: 2"} {
		if !strings.Contains(all, want) {
			t.Errorf("update lacks %q:\n%s", want, all)
		}
	}
}

func TestArchiveFailedUpdate(t *testing.T) {
	t.Parallel()
	text, blocks := slackapp.ArchiveFailedUpdate(sampleNotice(), "already moved out of the stage by hand")
	if !strings.Contains(text, "already moved out of the stage by hand") {
		t.Errorf("text = %q", text)
	}
	jb := decodeBlocks(t, marshalBlocks(t, blocks))
	if len(buttons(t, jb)) != 0 {
		t.Fatal("update still has a button")
	}
	var status string
	for _, b := range jb {
		if b.BlockID == slackapp.BlockRejectionStatus {
			status = b.Text.Text
		}
	}
	if !strings.Contains(status, "Not archived") || !strings.Contains(status, "already moved out of the stage by hand") {
		t.Errorf("status = %q", status)
	}
}

func TestAlertMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		kind    string
		heading string
	}{
		{name: "advance failed", kind: slackapp.AlertAdvanceFailed, heading: "Auto-advance failed"},
		{name: "feedback timeout", kind: slackapp.AlertFeedbackTimeout, heading: "Feedback timed out"},
		{name: "webhook failed", kind: slackapp.AlertWebhookFailed, heading: "Webhook processing failed"},
		{name: "reminder escalation", kind: slackapp.AlertReminderEscalation, heading: "reminder escalation"},
		{name: "unknown kind", kind: "other", heading: "aaa alert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			text, blocks := slackapp.AlertMessage(slackapp.Alert{
				Kind:   tt.kind,
				Title:  "John Smith <3>",
				Detail: "ashby: invalid_input",
				Fields: map[string]string{"Schedule": "s-1", "Application": "a-1", "Attempts": "3"},
			})
			if !strings.Contains(text, tt.heading) || !strings.Contains(text, "John Smith &lt;3&gt;") {
				t.Errorf("text = %q", text)
			}
			jb := decodeBlocks(t, marshalBlocks(t, blocks))
			if jb[0].Type != "header" || !strings.Contains(jb[0].Text.Text, tt.heading) {
				t.Errorf("header = %+v", jb[0].Text)
			}
			var fields []string
			for _, b := range jb {
				for _, f := range b.Fields {
					fields = append(fields, f.Text)
				}
			}
			want := []string{"*Application*\na-1", "*Attempts*\n3", "*Schedule*\ns-1"}
			if strings.Join(fields, "|") != strings.Join(want, "|") {
				t.Errorf("fields = %q, want %q", fields, want)
			}
		})
	}
}

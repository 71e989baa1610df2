package slackapp_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
	if len(btns) != 2 {
		t.Fatalf("buttons = %+v, want archive and keep", btns)
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
	if len(buttons(t, jb)) != 2 {
		t.Errorf("buttons missing")
	}
}

func TestArchivedUpdate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 15, 4, 5, 0, time.UTC)
	text, blocks := slackapp.ArchivedUpdate(sampleNotice(), "U123ABC456", "jane.doe", at, time.Time{})
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

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// contextTexts returns the text of every context element.
func contextTexts(t *testing.T, blocks []jsonBlock) []string {
	t.Helper()
	var out []string
	for _, b := range blocks {
		if b.Type != "context" {
			continue
		}
		for _, e := range b.Elements {
			var txt struct{ Text string }
			if err := json.Unmarshal(e, &txt); err != nil {
				t.Fatal(err)
			}
			out = append(out, txt.Text)
		}
	}
	return out
}

// blockText returns the section text of the block with the given id.
func blockText(t *testing.T, blocks []jsonBlock, id string) string {
	t.Helper()
	for _, b := range blocks {
		if b.BlockID == id && b.Text != nil {
			return b.Text.Text
		}
	}
	t.Fatalf("no section %q in %+v", id, blocks)
	return ""
}

// clock is the Slack date token of a time of day, as the status lines
// render it.
func clock(at time.Time) string {
	return fmt.Sprintf("<!date^%d^{time}|%s>", at.Unix(), at.UTC().Format("15:04 UTC"))
}

// date is the Slack date token of an event, as the status lines render it.
func date(at time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|%s>", at.Unix(), at.UTC().Format(time.RFC3339))
}

var (
	t0 = time.Date(2026, 3, 4, 15, 4, 5, 0, time.UTC)
	t1 = t0.Add(15 * time.Minute)
)

func sampleAdvance() slackapp.AdvanceNotice {
	return slackapp.AdvanceNotice{
		ExecutionID:    "exec-2",
		ApplicationID:  "app-2",
		CandidateName:  "Maria García",
		ProfileURL:     "https://app.ashbyhq.com/candidates/c0ffee01",
		JobTitle:       "Senior Software Engineer",
		FromStageTitle: "Technical Interview",
		ToStageTitle:   "Onsite",
		Summary:        "Every interviewer scored 3 or more",
		RuleName:       "Tech screen pass",
		UndoUntil:      t1,
	}
}

// TestBlocksGolden pins the complete Block Kit JSON of every builder; run
// with -update to rewrite testdata/blocks/ after an intended change, and
// read the diff.
func TestBlocksGolden(t *testing.T) {
	t.Parallel()
	delayed := sampleNotice()
	delayed.RejectDelay = 2 * time.Hour
	dry := sampleNotice()
	dry.DryRun = true
	noUndo := sampleAdvance()
	noUndo.UndoUntil = time.Time{}
	type built = func() (string, []slack.Block)
	tests := []struct {
		name  string
		build built
	}{
		{"rejection", func() (string, []slack.Block) { return slackapp.RejectionMessage(sampleNotice()) }},
		{"rejection_delayed", func() (string, []slack.Block) { return slackapp.RejectionMessage(delayed) }},
		{"rejection_dry_run", func() (string, []slack.Block) { return slackapp.RejectionMessage(dry) }},
		{"archive_scheduled", func() (string, []slack.Block) {
			return slackapp.ArchiveScheduledUpdate(delayed, "U123ABC456", "jane.doe", t0.Add(2*time.Hour), t0)
		}},
		{"archive_scheduled_by_rule", func() (string, []slack.Block) {
			return slackapp.ArchiveScheduledUpdate(delayed, "", "", t0.Add(90*time.Minute), t0)
		}},
		{"archive_cancelled", func() (string, []slack.Block) {
			return slackapp.ArchiveCancelledUpdate(delayed, "U123ABC456", "jane.doe", t0)
		}},
		{"archived", func() (string, []slack.Block) {
			return slackapp.ArchivedUpdate(sampleNotice(), "U123ABC456", "jane.doe", t0, time.Time{})
		}},
		{"archived_undo", func() (string, []slack.Block) {
			return slackapp.ArchivedUpdate(sampleNotice(), "U123ABC456", "jane.doe", t0, t1)
		}},
		{"archive_failed", func() (string, []slack.Block) {
			return slackapp.ArchiveFailedUpdate(sampleNotice(), "already moved out of the stage by hand")
		}},
		{"undone", func() (string, []slack.Block) {
			return slackapp.UndoneUpdate(sampleNotice(), "U123ABC456", "jane.doe", t1)
		}},
		{"kept", func() (string, []slack.Block) {
			return slackapp.KeptUpdate(sampleNotice(), "U123ABC456", "jane.doe", t0)
		}},
		{"moved", func() (string, []slack.Block) { return slackapp.MovedUpdate(sampleNotice(), "Onsite", t0) }},
		{"advance", func() (string, []slack.Block) { return slackapp.AdvanceMessage(sampleAdvance()) }},
		{"advance_no_undo", func() (string, []slack.Block) { return slackapp.AdvanceMessage(noUndo) }},
		{"advance_undone", func() (string, []slack.Block) {
			return slackapp.AdvanceUndoneUpdate(sampleAdvance(), "U123ABC456", "jane.doe", t0.Add(5*time.Minute))
		}},
		{"advance_undo_expired", func() (string, []slack.Block) { return slackapp.AdvanceUndoExpiredUpdate(sampleAdvance()) }},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			text, blocks := tt.build()
			got, err := json.MarshalIndent(struct {
				Text   string        `json:"text"`
				Blocks []slack.Block `json:"blocks"`
			}{text, blocks}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if len(blocks) > 50 {
				t.Errorf("%d blocks, Slack allows 50", len(blocks))
			}
			path := filepath.Join("testdata", "blocks", tt.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", path, got)
			}
		})
	}
}

func TestRejectionMessageKeepInProcess(t *testing.T) {
	t.Parallel()
	_, blocks := slackapp.RejectionMessage(sampleNotice())
	jb := decodeBlocks(t, marshalBlocks(t, blocks))
	btns := buttons(t, jb)
	if len(btns) != 2 {
		t.Fatalf("buttons = %+v", btns)
	}
	keep := btns[1]
	if keep.ActionID != slackapp.ActionKeepInProcess || keep.Text.Text != "Keep in process" || keep.Style != "" {
		t.Fatalf("keep button = %+v", keep)
	}
	dv, err := slackapp.ParseDecisionValue(slackapp.ActionKeepInProcess, keep.Value)
	if err != nil {
		t.Fatal(err)
	}
	if dv != (slackapp.DecisionValue{ExecutionID: "exec-1", ApplicationID: "app-1", Action: "keep_in_process"}) {
		t.Fatalf("keep value = %+v", dv)
	}
	if keep.Confirm == nil {
		t.Fatal("keep button has no confirm dialog")
	}
	if keep.Confirm.Title.Text != "Keep John Smith in process?" || keep.Confirm.Confirm.Text != "Keep in process" || keep.Confirm.Deny.Text != "Cancel" {
		t.Errorf("keep confirm = %+v", keep.Confirm)
	}
	want := "This records that you disagree with the rule and keeps *John Smith* in *Technical Interview*; nothing changes in Ashby. aaa will not ask again unless new feedback arrives."
	if keep.Confirm.Text.Text != want {
		t.Errorf("keep confirm text = %q, want %q", keep.Confirm.Text.Text, want)
	}
	for _, b := range jb {
		if b.Type == "actions" && b.BlockID != slackapp.BlockRejectionActions {
			t.Errorf("actions block id = %q", b.BlockID)
		}
	}
}

func TestRejectionMessageArchiveConfirm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		delay time.Duration
		want  string
	}{
		{
			name: "immediate",
			want: "This archives *John Smith* in Ashby now with the rule's archive reason and sends its rejection email, if any. You can undo the archive for a short time from the updated message, but an email Ashby already sent cannot be recalled.",
		},
		{
			name:  "delayed two hours",
			delay: 2 * time.Hour,
			want:  "This archives *John Smith* in Ashby in 2 h with the rule's archive reason and sends its rejection email, if any. Until then you can cancel the archive from this message.",
		},
		{
			name:  "delayed ninety minutes",
			delay: 90 * time.Minute,
			want:  "This archives *John Smith* in Ashby in 1 h 30 min with the rule's archive reason and sends its rejection email, if any. Until then you can cancel the archive from this message.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := sampleNotice()
			n.RejectDelay = tt.delay
			_, blocks := slackapp.RejectionMessage(n)
			btns := buttons(t, decodeBlocks(t, marshalBlocks(t, blocks)))
			if len(btns) != 2 || btns[0].ActionID != slackapp.ActionSendRejection || btns[0].Confirm == nil {
				t.Fatalf("buttons = %+v", btns)
			}
			if got := btns[0].Confirm.Text.Text; got != tt.want {
				t.Errorf("confirm text = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestConfirmDialogsKeepTheirWarning: a very long candidate or stage name
// is shortened so the dialog's explanation (the part a recruiter must read)
// is never cut by Slack's 300-character limit.
func TestConfirmDialogsKeepTheirWarning(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Bartholomew ", 50)
	n := sampleNotice()
	n.CandidateName = long
	n.StageTitle = long
	a := sampleAdvance()
	a.CandidateName = long
	a.FromStageTitle = long
	var all []jsonButton
	for _, delay := range []time.Duration{0, time.Hour} {
		n.RejectDelay = delay
		_, b := slackapp.RejectionMessage(n)
		all = append(all, buttons(t, decodeBlocks(t, marshalBlocks(t, b)))...)
	}
	_, b := slackapp.ArchivedUpdate(n, "U1", "", t0, t1)
	all = append(all, buttons(t, decodeBlocks(t, marshalBlocks(t, b)))...)
	_, b = slackapp.AdvanceMessage(a)
	all = append(all, buttons(t, decodeBlocks(t, marshalBlocks(t, b)))...)
	if len(all) != 6 {
		t.Fatalf("%d buttons, want 6", len(all))
	}
	for _, btn := range all {
		c := btn.Confirm
		if c == nil {
			t.Fatalf("%s has no confirm", btn.ActionID)
		}
		if n := utf8.RuneCountInString(c.Text.Text); n > 300 {
			t.Errorf("%s confirm text has %d chars", btn.ActionID, n)
		}
		if n := utf8.RuneCountInString(c.Title.Text); n > 100 {
			t.Errorf("%s confirm title has %d chars", btn.ActionID, n)
		}
		if !strings.HasSuffix(c.Text.Text, ".") || strings.HasSuffix(c.Text.Text, "….") {
			t.Errorf("%s confirm text cut: %q", btn.ActionID, c.Text.Text)
		}
	}
}

func TestArchiveScheduledUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		wait       time.Duration
		userID     string
		userName   string
		wantStatus string
	}{
		{name: "two hours by a recruiter", wait: 2 * time.Hour, userID: "U123ABC456", userName: "jane.doe",
			wantStatus: "🕒 *Archiving at %s (in 2 h)* — requested by <@U123ABC456>"},
		{name: "by the rule", wait: 45 * time.Minute,
			wantStatus: "🕒 *Archiving at %s (in 45 min)* — scheduled by the rule"},
		{name: "by a named admin", wait: 90 * time.Minute, userName: "ops <admin>",
			wantStatus: "🕒 *Archiving at %s (in 1 h 30 min)* — requested by ops &lt;admin&gt;"},
		{name: "seconds short of two hours", wait: 2*time.Hour - 20*time.Second,
			wantStatus: "🕒 *Archiving at %s (in 2 h)* — scheduled by the rule"},
		{name: "under half a minute", wait: 20 * time.Second,
			wantStatus: "🕒 *Archiving at %s (in less than a minute)* — scheduled by the rule"},
		{name: "already due", wait: -time.Minute,
			wantStatus: "🕒 *Archiving at %s (any moment now)* — scheduled by the rule"},
		{name: "eleven hours, whole hours", wait: 11*time.Hour + 40*time.Minute,
			wantStatus: "🕒 *Archiving at %s (in 12 h)* — scheduled by the rule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			actAt := t0.Add(tt.wait)
			text, blocks := slackapp.ArchiveScheduledUpdate(sampleNotice(), tt.userID, tt.userName, actAt, t0)
			jb := decodeBlocks(t, marshalBlocks(t, blocks))
			if want := fmt.Sprintf(tt.wantStatus, clock(actAt)); blockText(t, jb, slackapp.BlockRejectionStatus) != want {
				t.Errorf("status = %q, want %q", blockText(t, jb, slackapp.BlockRejectionStatus), want)
			}
			if !strings.HasPrefix(text, "Candidate John Smith will be archived at "+actAt.Format("15:04 UTC")+" (") {
				t.Errorf("text = %q", text)
			}
			btns := buttons(t, jb)
			if len(btns) != 1 || btns[0].ActionID != slackapp.ActionCancelArchive || btns[0].Text.Text != "Cancel archive" || btns[0].Style == "danger" {
				t.Fatalf("buttons = %+v, want one Cancel archive", btns)
			}
			dv, err := slackapp.ParseDecisionValue(slackapp.ActionCancelArchive, btns[0].Value)
			if err != nil || dv.ExecutionID != "exec-1" || dv.ApplicationID != "app-1" {
				t.Fatalf("cancel value %q: %+v, %v", btns[0].Value, dv, err)
			}
			if jb[0].Text == nil || jb[0].Text.Text != "🕒 Archive scheduled" {
				t.Errorf("header = %+v", jb[0].Text)
			}
			if ctx := strings.Join(contextTexts(t, jb), "\n"); !strings.Contains(ctx, "Cancel before then to keep John Smith in Technical Interview.") {
				t.Errorf("context lacks the cancel note:\n%s", ctx)
			}
		})
	}
}

// TestArchiveScheduledFarAhead: a time more than half a day away shows its
// day, and the wait is counted in days and hours.
func TestArchiveScheduledFarAhead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		wait time.Duration
		want string
	}{
		{wait: 26 * time.Hour, want: "(in 1 day 2 h)"},
		{wait: 48*time.Hour + 10*time.Minute, want: "(in 2 days)"},
		{wait: 13*time.Hour + 47*time.Minute, want: "(in 14 h)"},
	}
	for _, tt := range tests {
		actAt := t0.Add(tt.wait)
		_, blocks := slackapp.ArchiveScheduledUpdate(sampleNotice(), "", "", actAt, t0)
		status := blockText(t, decodeBlocks(t, marshalBlocks(t, blocks)), slackapp.BlockRejectionStatus)
		token := fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|%s>", actAt.Unix(), actAt.Format("2006-01-02 15:04 UTC"))
		if want := "🕒 *Archiving " + token + " " + tt.want + "* — scheduled by the rule"; status != want {
			t.Errorf("wait %v: status = %q, want %q", tt.wait, status, want)
		}
	}
}

// TestFinalUpdates checks the updates that end a notice's life: exact
// header and status, the body kept, no buttons left.
func TestFinalUpdates(t *testing.T) {
	t.Parallel()
	n := sampleNotice()
	tests := []struct {
		name       string
		build      func() (string, []slack.Block)
		header     string
		text       string
		status     string
		statusID   string
		bodyChecks []string
	}{
		{
			name: "archive cancelled",
			build: func() (string, []slack.Block) {
				return slackapp.ArchiveCancelledUpdate(n, "U123ABC456", "jane.doe", t0)
			},
			header:   "🚫 Archive cancelled",
			text:     "Archive of candidate John Smith cancelled by jane.doe",
			status:   "🚫 *Archive cancelled* by <@U123ABC456> " + date(t0) + ". The candidate stays in Technical Interview.",
			statusID: slackapp.BlockRejectionStatus,
		},
		{
			name:     "archive cancelled from the admin API",
			build:    func() (string, []slack.Block) { return slackapp.ArchiveCancelledUpdate(n, "", "ops-token", t0) },
			header:   "🚫 Archive cancelled",
			text:     "Archive of candidate John Smith cancelled by ops-token",
			status:   "🚫 *Archive cancelled* by ops-token " + date(t0) + ". The candidate stays in Technical Interview.",
			statusID: slackapp.BlockRejectionStatus,
		},
		{
			name:     "archive undone",
			build:    func() (string, []slack.Block) { return slackapp.UndoneUpdate(n, "U123ABC456", "jane.doe", t1) },
			header:   "↩️ Archive undone",
			text:     "Archive of candidate John Smith undone by jane.doe: back in Technical Interview",
			status:   "↩️ *Undone* by <@U123ABC456> " + date(t1) + ": John Smith is back in Technical Interview.",
			statusID: slackapp.BlockRejectionStatus,
		},
		{
			name:     "kept in process",
			build:    func() (string, []slack.Block) { return slackapp.KeptUpdate(n, "U123ABC456", "jane.doe", t0) },
			header:   "🤝 Candidate kept in process",
			text:     "Candidate John Smith kept in process by jane.doe",
			status:   "🤝 *Kept in process* by <@U123ABC456> " + date(t0) + ". aaa will not ask again unless new feedback arrives.",
			statusID: slackapp.BlockRejectionStatus,
		},
		{
			name:     "moved by hand",
			build:    func() (string, []slack.Block) { return slackapp.MovedUpdate(n, "Onsite", t0) },
			header:   "➡️ Candidate moved",
			text:     "Candidate John Smith was moved to Onsite in Ashby; nothing left to do",
			status:   "➡️ Moved to Onsite in Ashby " + date(t0) + "; nothing left to do here.",
			statusID: slackapp.BlockRejectionStatus,
		},
		{
			name:     "archived by the rule, no undo",
			build:    func() (string, []slack.Block) { return slackapp.ArchivedUpdate(n, "", "", t0, time.Time{}) },
			header:   "✅ Candidate archived",
			text:     "Candidate John Smith was archived by the rule",
			status:   "✅ *Archived* by the rule " + date(t0),
			statusID: slackapp.BlockRejectionStatus,
		},
		{
			name: "advance undone",
			build: func() (string, []slack.Block) {
				return slackapp.AdvanceUndoneUpdate(sampleAdvance(), "U123ABC456", "jane.doe", t1)
			},
			header:     "↩️ Advance undone",
			text:       "Advance of candidate Maria García undone by jane.doe: back in Technical Interview",
			status:     "↩️ *Undone* by <@U123ABC456> " + date(t1) + ": Maria García is back in Technical Interview.",
			statusID:   slackapp.BlockAdvanceStatus,
			bodyChecks: []string{"Moved from Technical Interview to Onsite"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			text, blocks := tt.build()
			if text != tt.text {
				t.Errorf("text = %q, want %q", text, tt.text)
			}
			jb := decodeBlocks(t, marshalBlocks(t, blocks))
			if jb[0].Type != "header" || jb[0].Text.Text != tt.header {
				t.Errorf("header = %+v, want %q", jb[0].Text, tt.header)
			}
			if got := blockText(t, jb, tt.statusID); got != tt.status {
				t.Errorf("status = %q, want %q", got, tt.status)
			}
			if btns := buttons(t, jb); len(btns) != 0 {
				t.Errorf("buttons left: %+v", btns)
			}
			all := strings.Join(sectionTexts(jb), "\n")
			checks := tt.bodyChecks
			if tt.statusID == slackapp.BlockRejectionStatus {
				checks = []string{"*Stage:* Technical Interview", "• Alice Adams: 2 ❌", "*Summary:*"}
			}
			for _, want := range checks {
				if !strings.Contains(all, want) {
					t.Errorf("body lacks %q:\n%s", want, all)
				}
			}
		})
	}
}

func TestArchivedUpdateWithUndo(t *testing.T) {
	t.Parallel()
	_, blocks := slackapp.ArchivedUpdate(sampleNotice(), "U123ABC456", "jane.doe", t0, t1)
	jb := decodeBlocks(t, marshalBlocks(t, blocks))
	if got, want := blockText(t, jb, slackapp.BlockRejectionStatus), "✅ *Archived* by <@U123ABC456> "+date(t0); got != want {
		t.Errorf("status = %q, want %q", got, want)
	}
	btns := buttons(t, jb)
	if len(btns) != 1 || btns[0].ActionID != slackapp.ActionUndo || btns[0].Text.Text != "Undo" {
		t.Fatalf("buttons = %+v, want one Undo", btns)
	}
	dv, err := slackapp.ParseDecisionValue(slackapp.ActionUndo, btns[0].Value)
	if err != nil || dv.ExecutionID != "exec-1" || dv.ApplicationID != "app-1" {
		t.Fatalf("undo value %q: %+v, %v", btns[0].Value, dv, err)
	}
	c := btns[0].Confirm
	if c == nil || c.Title.Text != "Undo the archive of John Smith?" || c.Confirm.Text != "Undo" ||
		c.Text.Text != "This moves *John Smith* back to *Technical Interview* in Ashby. An email Ashby already sent cannot be recalled." {
		t.Errorf("undo confirm = %+v", c)
	}
	want := "Undo is possible until " + clock(t1) + ". It moves the candidate back to Technical Interview; an email Ashby already sent cannot be recalled."
	if ctx := contextTexts(t, jb); len(ctx) != 2 || ctx[0] != want {
		t.Errorf("context = %q, want first %q", ctx, want)
	}
}

func TestAdvanceMessage(t *testing.T) {
	t.Parallel()
	a := sampleAdvance()
	text, blocks := slackapp.AdvanceMessage(a)
	if text != "Candidate Maria García advanced from Technical Interview to Onsite" {
		t.Errorf("text = %q", text)
	}
	jb := decodeBlocks(t, marshalBlocks(t, blocks))
	if jb[0].Type != "header" || jb[0].Text.Text != "✅ Candidate advanced" {
		t.Errorf("header = %+v", jb[0].Text)
	}
	if got, want := blockText(t, jb, "candidate"),
		"*<https://app.ashbyhq.com/candidates/c0ffee01|Maria García>*\n*Job:* Senior Software Engineer\nMoved from Technical Interview to Onsite"; got != want {
		t.Errorf("candidate section = %q, want %q", got, want)
	}
	if got := blockText(t, jb, "summary"); got != "*Summary:* Every interviewer scored 3 or more" {
		t.Errorf("summary = %q", got)
	}
	btns := buttons(t, jb)
	if len(btns) != 1 || btns[0].ActionID != slackapp.ActionUndo || btns[0].Style != "" {
		t.Fatalf("buttons = %+v, want one Undo", btns)
	}
	dv, err := slackapp.ParseDecisionValue(slackapp.ActionUndo, btns[0].Value)
	if err != nil || dv != (slackapp.DecisionValue{ExecutionID: "exec-2", ApplicationID: "app-2", Action: slackapp.ActionUndo}) {
		t.Fatalf("undo value %q: %+v, %v", btns[0].Value, dv, err)
	}
	c := btns[0].Confirm
	if c == nil || c.Text.Text != "This moves *Maria García* back to *Technical Interview* in Ashby. Stage-entry automations Ashby already ran (emails, scheduling requests) are not undone." {
		t.Errorf("undo confirm = %+v", c)
	}
	for _, b := range jb {
		if b.Type == "actions" && b.BlockID != slackapp.BlockAdvanceActions {
			t.Errorf("actions block id = %q", b.BlockID)
		}
	}
	ctx := contextTexts(t, jb)
	until := fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|2026-03-04 15:19 UTC>", t1.Unix())
	want := []string{
		"Undo is possible until " + until + ". It moves the candidate back to Technical Interview; stage-entry automations Ashby already ran are not undone.",
		"_Advanced by aaa because the feedback met the rule's thresholds._ · Rule *Tech screen pass* · Execution `exec-2`",
	}
	if strings.Join(ctx, "|") != strings.Join(want, "|") {
		t.Errorf("context = %q\nwant %q", ctx, want)
	}

	a.UndoUntil = time.Time{}
	_, blocks = slackapp.AdvanceMessage(a)
	raw := marshalBlocks(t, blocks)
	if btns := buttons(t, decodeBlocks(t, raw)); len(btns) != 0 || strings.Contains(string(raw), "Undo") {
		t.Errorf("advance without undo window mentions undo: %s", raw)
	}
}

func TestAdvanceUndoExpiredUpdate(t *testing.T) {
	t.Parallel()
	text, blocks := slackapp.AdvanceUndoExpiredUpdate(sampleAdvance())
	if text != "Candidate Maria García advanced from Technical Interview to Onsite" {
		t.Errorf("text = %q", text)
	}
	jb := decodeBlocks(t, marshalBlocks(t, blocks))
	if btns := buttons(t, jb); len(btns) != 0 {
		t.Fatalf("buttons left: %+v", btns)
	}
	ctx := strings.Join(contextTexts(t, jb), "\n")
	if !strings.Contains(ctx, "The undo window has closed.") || strings.Contains(ctx, "Undo is possible") {
		t.Errorf("context = %q", ctx)
	}
	if !strings.Contains(blockText(t, jb, "candidate"), "Moved from Technical Interview to Onsite") {
		t.Errorf("body lost the move")
	}
}

// TestNewBuildersEscape feeds mrkdwn control characters through every new
// builder: nothing may reach Slack unescaped, and a user id that is not a
// Slack id is never turned into a mention.
func TestNewBuildersEscape(t *testing.T) {
	t.Parallel()
	n := sampleNotice()
	n.CandidateName = "<!channel> & Co"
	n.StageTitle = "Stage <b>"
	n.JobTitle = "Job > 1"
	a := sampleAdvance()
	a.CandidateName = "<!channel> & Co"
	a.FromStageTitle = "From <x>"
	a.ToStageTitle = "To <y>"
	a.RuleName = "<rule>"
	a.Summary = "<!here>"
	badID := "U1>|<!everyone"
	outputs := map[string]func() (string, []slack.Block){
		"rejection":     func() (string, []slack.Block) { return slackapp.RejectionMessage(n) },
		"scheduled":     func() (string, []slack.Block) { return slackapp.ArchiveScheduledUpdate(n, badID, "", t1, t0) },
		"cancelled":     func() (string, []slack.Block) { return slackapp.ArchiveCancelledUpdate(n, badID, "", t0) },
		"archived":      func() (string, []slack.Block) { return slackapp.ArchivedUpdate(n, badID, "", t0, t1) },
		"undone":        func() (string, []slack.Block) { return slackapp.UndoneUpdate(n, "", "<@U999>", t0) },
		"kept":          func() (string, []slack.Block) { return slackapp.KeptUpdate(n, badID, "", t0) },
		"moved":         func() (string, []slack.Block) { return slackapp.MovedUpdate(n, "<!here>", t0) },
		"advance":       func() (string, []slack.Block) { return slackapp.AdvanceMessage(a) },
		"advanceUndone": func() (string, []slack.Block) { return slackapp.AdvanceUndoneUpdate(a, badID, "", t0) },
		"advanceExpire": func() (string, []slack.Block) { return slackapp.AdvanceUndoExpiredUpdate(a) },
	}
	for name, build := range outputs {
		text, blocks := build()
		// Decode the JSON so Go's \u003c escaping does not hide a raw '<'.
		var texts []string
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				// plain_text (titles, button labels) is shown verbatim by
				// Slack, so only mrkdwn must be escaped.
				if s, ok := v["text"].(string); ok && v["type"] == "mrkdwn" {
					texts = append(texts, s)
				}
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		var decoded any
		if err := json.Unmarshal(marshalBlocks(t, blocks), &decoded); err != nil {
			t.Fatal(err)
		}
		walk(decoded)
		if len(texts) < 3 {
			t.Fatalf("%s: only %d mrkdwn texts found", name, len(texts))
		}
		for _, s := range append(texts, text) {
			for _, bad := range []string{"<!channel>", "<!here>", "<!everyone", "<b>", "<x>", "<y>", "<rule>", "<@U999>", "<@U1"} {
				if strings.Contains(s, bad) {
					t.Errorf("%s: %q contains raw %q", name, s, bad)
				}
			}
		}
	}
}

package slackapp

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Block Kit limits (characters) the builders truncate to.
const (
	maxHeaderText  = 150
	maxSectionText = 3000
	maxFieldText   = 2000
	maxButtonText  = 75
	maxConfirmText = 300
	maxConfirmHead = 100
	// maxRequirementBlocks keeps a notice well under Slack's 50-block cap;
	// further requirement lines are folded into one.
	maxRequirementBlocks = 30
	maxFieldsPerSection  = 10
)

// Block ids of the rejection notice, stable so handlers can find them.
const (
	BlockRejectionActions = "rejection_actions"
	BlockRejectionStatus  = "rejection_status"
)

// RejectionNotice is what a "did not meet the criteria" message shows.
type RejectionNotice struct {
	ExecutionID   string
	ApplicationID string
	CandidateName string
	// ProfileURL links the candidate's name to Ashby; only http(s) URLs are
	// linked.
	ProfileURL string
	JobTitle   string
	StageTitle string
	// Summary is the decision's one-line explanation.
	Summary string
	// Lines are the rule's requirements with each interviewer's value. The
	// caller passes score/select values only, never free text.
	Lines []RequirementLine
	// DryRun marks a shadow-mode decision: the message says so and carries
	// no button.
	DryRun bool
	RuleID string
	// RuleName is shown in the footer (the id only when it is empty, in a
	// code span).
	RuleName string
}

// RequirementLine is one requirement of the rule and how each interviewer
// fared against it.
type RequirementLine struct {
	InterviewTitle string
	Field          string
	Operator       string
	Threshold      string
	Passed         bool
	Interviewers   []InterviewerValue
}

// InterviewerValue is one interviewer's submitted value for a requirement's
// field. Missing means no feedback (Value is then ignored).
type InterviewerValue struct {
	Name    string
	Value   string
	Passed  bool
	Missing bool
}

// Alert kinds for AlertMessage.
const (
	AlertAdvanceFailed      = "advance_failed"
	AlertFeedbackTimeout    = "feedback_timeout"
	AlertWebhookFailed      = "webhook_failed"
	AlertReminderEscalation = "reminder_escalation"
)

// Alert is an admin-channel message about something that needs a human.
type Alert struct {
	// Kind is one of the Alert* constants; it picks the heading.
	Kind   string
	Title  string
	Detail string
	// Fields are shown as labelled values, sorted by label (names, counts;
	// no candidate free text).
	Fields map[string]string
	// Links turn the field of the same label into a link (http(s) only),
	// e.g. the candidate's Ashby profile.
	Links map[string]string
	// IDs are shown as a footer of labelled code spans, for admins.
	IDs map[string]string
}

// RejectionMessage builds the notice that a candidate did not meet a rule's
// criteria: fallback text and blocks with the candidate (linked to Ashby),
// job, stage, one section per requirement listing each interviewer's value
// against the threshold, the summary, and a danger button
// "Archive & send rejection" (action_id send_rejection, value the JSON
// RejectionValue) behind a confirm dialog. A dry-run notice says so in its
// header and text and has no button.
func RejectionMessage(n RejectionNotice) (text string, blocks []slack.Block) {
	name := candidateName(n)
	if n.DryRun {
		text = fmt.Sprintf("[Dry run] Candidate %s did not meet the advancement criteria (shadow mode: nothing was changed in Ashby)", name)
		blocks = append(blocks, header("🧪 Dry run: candidate did not meet advancement criteria"))
	} else {
		text = fmt.Sprintf("Candidate %s did not meet the advancement criteria", name)
		blocks = append(blocks, header("⚠️ Candidate did not meet advancement criteria"))
	}
	blocks = append(blocks, noticeBody(n)...)

	if !n.DryRun {
		rv := RejectionValue{ExecutionID: n.ExecutionID, ApplicationID: n.ApplicationID}
		confirm := slack.NewConfirmationBlockObject(
			plain(truncate("Archive "+name+"?", maxConfirmHead)),
			mrkdwn(truncate("This archives *"+escape(name)+"* in Ashby with the rule's archive reason and sends the rejection email if the rule has one. It cannot be undone from Slack.", maxConfirmText)),
			plain("Archive"),
			plain("Cancel"),
		).WithStyle(slack.StyleDanger)
		button := slack.NewButtonBlockElement(ActionSendRejection, rv.encode(), plain("Archive & send rejection")).
			WithStyle(slack.StyleDanger).
			WithConfirm(confirm)
		blocks = append(blocks, slack.NewActionBlock(BlockRejectionActions, button))
	}

	blocks = append(blocks, contextBlock(noticeFooter(n)))
	return escape(text), blocks
}

// ArchivedUpdate builds the replacement for a rejection notice once the
// candidate was archived: the notice without its button plus who archived
// and when. byUserID is a Slack user id (rendered as a mention); byName is
// used when it is empty.
func ArchivedUpdate(n RejectionNotice, byUserID, byName string, at time.Time) (text string, blocks []slack.Block) {
	name := candidateName(n)
	who := byName
	if who == "" {
		who = byUserID
	}
	text = fmt.Sprintf("Candidate %s was archived by %s", name, who)

	whoMrkdwn := escape(who)
	if byUserID != "" {
		whoMrkdwn = "<@" + byUserID + ">"
	}
	status := fmt.Sprintf("✅ *Archived* by %s %s", whoMrkdwn, slackDate(at))

	blocks = append(blocks, header("✅ Candidate archived"))
	blocks = append(blocks, noticeBody(n)...)
	blocks = append(blocks, section(status, BlockRejectionStatus))
	blocks = append(blocks, contextBlock(noticeFooter(n)))
	return escape(text), blocks
}

// ArchiveFailedUpdate builds the replacement for a rejection notice when the
// click did not archive the candidate, e.g. because the application was
// already moved out of the stage by hand. why is shown as given (escaped).
func ArchiveFailedUpdate(n RejectionNotice, why string) (text string, blocks []slack.Block) {
	name := candidateName(n)
	if why == "" {
		why = "unknown reason"
	}
	text = fmt.Sprintf("Candidate %s was not archived: %s", name, why)

	blocks = append(blocks, header("❌ Candidate not archived"))
	blocks = append(blocks, noticeBody(n)...)
	blocks = append(blocks, section("❌ *Not archived:* "+escape(why), BlockRejectionStatus))
	blocks = append(blocks, contextBlock(noticeFooter(n)))
	return escape(text), blocks
}

// AlertMessage builds an admin-channel alert: a heading for the kind, the
// title and detail, and the fields sorted by label.
func AlertMessage(a Alert) (text string, blocks []slack.Block) {
	heading := alertHeading(a.Kind)
	title := a.Title
	if title == "" {
		title = heading
	}
	text = heading + ": " + title

	blocks = append(blocks, header(heading))
	body := "*" + escape(title) + "*"
	if a.Detail != "" {
		body += "\n" + escape(a.Detail)
	}
	blocks = append(blocks, section(body, ""))

	keys := make([]string, 0, len(a.Fields))
	for k := range a.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for chunk := range slices.Chunk(keys, maxFieldsPerSection) {
		fields := make([]*slack.TextBlockObject, 0, len(chunk))
		for _, k := range chunk {
			v := a.Fields[k]
			if v == "" {
				v = "–"
			}
			shown := escape(v)
			if link := linkTarget(a.Links[k]); link != "" && a.Fields[k] != "" {
				shown = "<" + link + "|" + shown + ">"
			}
			fields = append(fields, mrkdwn(truncate("*"+escape(k)+"*\n"+shown, maxFieldText)))
		}
		blocks = append(blocks, slack.NewSectionBlock(nil, fields, nil))
	}
	if len(a.IDs) > 0 {
		labels := make([]string, 0, len(a.IDs))
		for k := range a.IDs {
			if a.IDs[k] != "" {
				labels = append(labels, k)
			}
		}
		slices.Sort(labels)
		parts := make([]string, 0, len(labels))
		for _, k := range labels {
			parts = append(parts, escape(k)+" `"+escape(strings.ReplaceAll(a.IDs[k], "`", "'"))+"`")
		}
		if len(parts) > 0 {
			blocks = append(blocks, contextBlock(strings.Join(parts, " · ")))
		}
	}
	return escape(text), blocks
}

// linkTarget returns an http(s) URL safe inside <url|text>, else "".
func linkTarget(raw string) string {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(u.String())
}

func alertHeading(kind string) string {
	switch kind {
	case AlertAdvanceFailed:
		return "❌ Auto-advance failed"
	case AlertFeedbackTimeout:
		return "⏰ Feedback timed out"
	case AlertWebhookFailed:
		return "🔌 Webhook processing failed"
	case AlertReminderEscalation:
		return "🔔 Feedback reminder escalation"
	}
	return "⚠️ aaa alert"
}

// noticeBody renders the candidate section, the requirement lines and the
// summary, shared by the notice and its updates.
func noticeBody(n RejectionNotice) []slack.Block {
	var lines []string
	lines = append(lines, "*"+candidateLink(n)+"*")
	if n.JobTitle != "" {
		lines = append(lines, "*Job:* "+escape(n.JobTitle))
	}
	if n.StageTitle != "" {
		lines = append(lines, "*Stage:* "+escape(n.StageTitle))
	}
	blocks := []slack.Block{section(strings.Join(lines, "\n"), "candidate"), slack.NewDividerBlock()}

	for i, l := range n.Lines {
		if i == maxRequirementBlocks-1 && len(n.Lines) > maxRequirementBlocks {
			blocks = append(blocks, section(fmt.Sprintf("…and %d more requirements (see aaa for the full decision)", len(n.Lines)-i), ""))
			break
		}
		blocks = append(blocks, section(requirementText(l), ""))
	}

	if n.Summary != "" {
		blocks = append(blocks, slack.NewDividerBlock(), section("*Summary:* "+escape(n.Summary), "summary"))
	}
	return blocks
}

func requirementText(l RequirementLine) string {
	mark := "❌"
	if l.Passed {
		mark = "✅"
	}
	var b strings.Builder
	title := l.InterviewTitle
	if title == "" {
		title = "Interview"
	}
	fmt.Fprintf(&b, "%s *%s*: %s %s %s", mark, escape(title), escape(l.Field), escape(l.Operator), escape(l.Threshold))
	if len(l.Interviewers) == 0 {
		b.WriteString("\n• _no interviewer feedback_")
	}
	for _, iv := range l.Interviewers {
		name := iv.Name
		if name == "" {
			name = "Interviewer"
		}
		switch {
		case iv.Missing:
			fmt.Fprintf(&b, "\n• %s: _no feedback_ ⏳", escape(name))
		case iv.Passed:
			fmt.Fprintf(&b, "\n• %s: %s ✅", escape(name), escape(iv.Value))
		default:
			fmt.Fprintf(&b, "\n• %s: %s ❌", escape(name), escape(iv.Value))
		}
	}
	return b.String()
}

func noticeFooter(n RejectionNotice) string {
	var parts []string
	if n.DryRun {
		parts = append(parts, "_Dry run (shadow mode): aaa changed nothing in Ashby._")
	} else {
		parts = append(parts, "_Flagged by aaa because the feedback did not meet the rule's thresholds._")
	}
	switch {
	case n.RuleName != "":
		parts = append(parts, "Rule *"+escape(n.RuleName)+"*")
	case n.RuleID != "":
		parts = append(parts, "Rule `"+escape(n.RuleID)+"`")
	}
	if n.ExecutionID != "" {
		parts = append(parts, "Execution `"+escape(n.ExecutionID)+"`")
	}
	return strings.Join(parts, " · ")
}

func candidateName(n RejectionNotice) string {
	if n.CandidateName == "" {
		return "(unnamed candidate)"
	}
	return n.CandidateName
}

// candidateLink renders <url|name> for an http(s) profile URL, else the
// escaped name.
func candidateLink(n RejectionNotice) string {
	name := escape(candidateName(n))
	u, err := url.Parse(n.ProfileURL)
	if n.ProfileURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return name
	}
	// '|' and '>' would end the link early; the name is already escaped.
	link := strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(u.String())
	return "<" + link + "|" + name + ">"
}

// slackDate renders t in each reader's time zone, with an RFC 3339 fallback.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|%s>", t.Unix(), t.UTC().Format(time.RFC3339))
}

// escape makes s safe in mrkdwn and fallback text: Slack treats &, < and >
// as control characters.
func escape(s string) string {
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// truncate cuts s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func header(s string) slack.Block {
	return slack.NewHeaderBlock(plain(truncate(s, maxHeaderText)))
}

func section(s, blockID string) slack.Block {
	var opts []slack.SectionBlockOption
	if blockID != "" {
		opts = append(opts, slack.SectionBlockOptionBlockID(blockID))
	}
	return slack.NewSectionBlock(mrkdwn(truncate(s, maxSectionText)), nil, nil, opts...)
}

func contextBlock(s string) slack.Block {
	return slack.NewContextBlock("", mrkdwn(truncate(s, maxSectionText)))
}

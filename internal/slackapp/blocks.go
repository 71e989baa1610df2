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

// Block ids of the rejection notice and the advance notice, stable so
// handlers can find them. The actions block holds the buttons; the status
// section says what happened (absent until something did).
const (
	BlockRejectionActions = "rejection_actions"
	BlockRejectionStatus  = "rejection_status"
	BlockAdvanceActions   = "advance_actions"
	BlockAdvanceStatus    = "advance_status"
)

// maxNameInDialog is how much of a candidate or stage name a confirm dialog
// shows, so its explanation is never cut by maxConfirmText.
const maxNameInDialog = 60

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
	// RejectDelay is the rule's reject_delay. When positive, the archive
	// button's confirm dialog says the archive happens after this delay and
	// can be cancelled until then; when zero, that it happens at once and
	// can be undone for a short time.
	RejectDelay time.Duration
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
// against the threshold, the summary, and in the actions block
// BlockRejectionActions two buttons, each behind a confirm dialog:
//
//   - "Archive & send rejection" (danger; action_id ActionSendRejection,
//     value the JSON RejectionValue). Its dialog says the archive happens
//     after n.RejectDelay and can be cancelled until then, or, with no delay,
//     that it happens at once and can be undone for a short time from the
//     updated message but an email Ashby sent cannot be recalled.
//   - "Keep in process" (no style; action_id ActionKeepInProcess, value the
//     JSON DecisionValue). Its dialog says it records that the recruiter
//     disagrees with the rule, leaves the candidate in the stage, and that
//     aaa will not ask again unless new feedback arrives.
//
// A dry-run notice says so in its header and text and has no buttons.
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
		blocks = append(blocks, slack.NewActionBlock(BlockRejectionActions, archiveButton(n), keepButton(n)))
	}

	blocks = append(blocks, contextBlock(noticeFooter(n)))
	return escape(text), blocks
}

// archiveButton is the notice's "Archive & send rejection" button.
func archiveButton(n RejectionNotice) *slack.ButtonBlockElement {
	name := dialogName(candidateName(n))
	var body string
	if n.RejectDelay > 0 {
		body = fmt.Sprintf("This archives *%s* in Ashby %s with the rule's archive reason and sends its rejection email, if any. Until then you can cancel the archive from this message.",
			name, relativeText(n.RejectDelay))
	} else {
		body = fmt.Sprintf("This archives *%s* in Ashby now with the rule's archive reason and sends its rejection email, if any. You can undo the archive for a short time from the updated message, but an email Ashby already sent cannot be recalled.",
			name)
	}
	confirm := slack.NewConfirmationBlockObject(
		plain(truncate("Archive "+candidateName(n)+"?", maxConfirmHead)),
		mrkdwn(truncate(body, maxConfirmText)),
		plain("Archive"),
		plain("Cancel"),
	).WithStyle(slack.StyleDanger)
	rv := RejectionValue{ExecutionID: n.ExecutionID, ApplicationID: n.ApplicationID}
	return slack.NewButtonBlockElement(ActionSendRejection, rv.encode(), plain("Archive & send rejection")).
		WithStyle(slack.StyleDanger).
		WithConfirm(confirm)
}

// keepButton is the notice's "Keep in process" button.
func keepButton(n RejectionNotice) *slack.ButtonBlockElement {
	where := "where they are"
	if n.StageTitle != "" {
		where = "in " + dialogStage(n.StageTitle, "")
	}
	body := fmt.Sprintf("This records that you disagree with the rule and keeps *%s* %s; nothing changes in Ashby. aaa will not ask again unless new feedback arrives.",
		dialogName(candidateName(n)), where)
	confirm := slack.NewConfirmationBlockObject(
		plain(truncate("Keep "+candidateName(n)+" in process?", maxConfirmHead)),
		mrkdwn(truncate(body, maxConfirmText)),
		plain("Keep in process"),
		plain("Cancel"),
	)
	dv := DecisionValue{ExecutionID: n.ExecutionID, ApplicationID: n.ApplicationID}
	return slack.NewButtonBlockElement(ActionKeepInProcess, dv.encode(ActionKeepInProcess), plain("Keep in process")).
		WithConfirm(confirm)
}

// ArchiveScheduledUpdate builds the replacement for a rejection notice once
// its archive was scheduled for actAt (the rule's reject_delay): the notice
// body; the status section BlockRejectionStatus "🕒 Archiving at <time>
// (in 2 h) — requested by <who>", where the time is a Slack date token
// shown in each reader's time zone (with its day when actAt is 12 hours or
// more from now) and the wait is counted from now (see relativeText); a
// note that cancelling keeps the candidate in the stage; and a "Cancel
// archive" button (no confirm; action_id ActionCancelArchive, value the
// JSON DecisionValue) in BlockRejectionActions. byUserID is a Slack user
// id, rendered as a mention; byName is shown when it is empty; with both
// empty the status says "scheduled by the rule" (an automatic archive).
func ArchiveScheduledUpdate(n RejectionNotice, byUserID, byName string, actAt, now time.Time) (text string, blocks []slack.Block) {
	name := candidateName(n)
	in := relativeText(actAt.Sub(now))
	text = escape(fmt.Sprintf("Candidate %s will be archived at %s (%s)", name, clockFallback(actAt, now), in))

	when := "at " + slackClock(actAt, now)
	if !near(actAt, now) {
		when = slackClock(actAt, now)
	}
	by := "scheduled by the rule"
	if byUserID != "" || byName != "" {
		by = "requested by " + whoMrkdwn(byUserID, byName, "")
	}
	status := fmt.Sprintf("🕒 *Archiving %s (%s)* — %s", when, in, by)
	note := fmt.Sprintf("Cancel before then to keep %s in %s. At that time aaa checks the stage again and does not archive a candidate who was moved meanwhile.",
		escape(name), stageOr(n.StageTitle, "their current stage"))

	dv := DecisionValue{ExecutionID: n.ExecutionID, ApplicationID: n.ApplicationID}
	cancel := slack.NewButtonBlockElement(ActionCancelArchive, dv.encode(ActionCancelArchive), plain("Cancel archive"))

	blocks = append(blocks, header("🕒 Archive scheduled"))
	blocks = append(blocks, noticeBody(n)...)
	blocks = append(blocks,
		section(status, BlockRejectionStatus),
		contextBlock(note),
		slack.NewActionBlock(BlockRejectionActions, cancel),
		contextBlock(noticeFooter(n)))
	return text, blocks
}

// ArchiveCancelledUpdate builds the replacement for a rejection notice whose
// scheduled archive was cancelled: the notice body and the status
// "🚫 Archive cancelled by <who> <date>. The candidate stays in <stage>."
// with no buttons. byUserID is a Slack user id, rendered as a mention;
// byName is shown when it is empty.
func ArchiveCancelledUpdate(n RejectionNotice, byUserID, byName string, at time.Time) (text string, blocks []slack.Block) {
	text = fmt.Sprintf("Archive of candidate %s cancelled by %s", escape(candidateName(n)), whoText(byUserID, byName, "someone"))
	status := fmt.Sprintf("🚫 *Archive cancelled* by %s %s. The candidate stays in %s.",
		whoMrkdwn(byUserID, byName, "someone"), slackDate(at), stageOr(n.StageTitle, "their current stage"))
	return text, noticeUpdate(n, "🚫 Archive cancelled", status)
}

// ArchivedUpdate builds the replacement for a rejection notice once the
// candidate was archived: the notice without its buttons plus who archived
// and when. byUserID is a Slack user id (rendered as a mention); byName is
// used when it is empty; with both empty the rule archived on its own.
// When undoUntil is not zero it adds an "Undo" button (action_id ActionUndo,
// value the JSON DecisionValue, behind a confirm dialog; in
// BlockRejectionActions) and a context line saying until when undo is
// possible (a Slack date token, the time of day when within 12 hours of
// at), that it moves the candidate back to the notice's stage, and that an
// email Ashby already sent cannot be recalled. The caller passes zero once
// the window has closed.
func ArchivedUpdate(n RejectionNotice, byUserID, byName string, at, undoUntil time.Time) (text string, blocks []slack.Block) {
	name := candidateName(n)
	text = fmt.Sprintf("Candidate %s was archived by %s", escape(name), whoText(byUserID, byName, "the rule"))
	status := fmt.Sprintf("✅ *Archived* by %s %s", whoMrkdwn(byUserID, byName, "the rule"), slackDate(at))

	blocks = append(blocks, header("✅ Candidate archived"))
	blocks = append(blocks, noticeBody(n)...)
	blocks = append(blocks, section(status, BlockRejectionStatus))
	if !undoUntil.IsZero() {
		stage := stageOr(n.StageTitle, "the stage they were in")
		confirm := slack.NewConfirmationBlockObject(
			plain(truncate("Undo the archive of "+name+"?", maxConfirmHead)),
			mrkdwn(truncate(fmt.Sprintf("This moves *%s* back to %s in Ashby. An email Ashby already sent cannot be recalled.",
				dialogName(name), dialogStage(n.StageTitle, "the stage they were in")), maxConfirmText)),
			plain("Undo"),
			plain("Keep archived"),
		)
		dv := DecisionValue{ExecutionID: n.ExecutionID, ApplicationID: n.ApplicationID}
		undo := slack.NewButtonBlockElement(ActionUndo, dv.encode(ActionUndo), plain("Undo")).WithConfirm(confirm)
		blocks = append(blocks,
			slack.NewActionBlock(BlockRejectionActions, undo),
			contextBlock(fmt.Sprintf("Undo is possible until %s. It moves the candidate back to %s; an email Ashby already sent cannot be recalled.",
				slackClock(undoUntil, at), stage)))
	}
	blocks = append(blocks, contextBlock(noticeFooter(n)))
	return text, blocks
}

// UndoneUpdate builds the replacement for an archive notice once the archive
// was undone: the notice body and the status "↩️ Undone by <who> <date>:
// <candidate> is back in <stage>." with no buttons. byUserID is a Slack user
// id, rendered as a mention; byName is shown when it is empty.
func UndoneUpdate(n RejectionNotice, byUserID, byName string, at time.Time) (text string, blocks []slack.Block) {
	name := escape(candidateName(n))
	stage := stageOr(n.StageTitle, "their previous stage")
	text = fmt.Sprintf("Archive of candidate %s undone by %s: back in %s", name, whoText(byUserID, byName, "someone"), stage)
	status := fmt.Sprintf("↩️ *Undone* by %s %s: %s is back in %s.", whoMrkdwn(byUserID, byName, "someone"), slackDate(at), name, stage)
	return text, noticeUpdate(n, "↩️ Archive undone", status)
}

// KeptUpdate builds the replacement for a rejection notice once a recruiter
// chose "Keep in process": the notice body and the status "🤝 Kept in
// process by <who> <date>. aaa will not ask again unless new feedback
// arrives." with no buttons. byUserID is a Slack user id, rendered as a
// mention; byName is shown when it is empty.
func KeptUpdate(n RejectionNotice, byUserID, byName string, at time.Time) (text string, blocks []slack.Block) {
	text = fmt.Sprintf("Candidate %s kept in process by %s", escape(candidateName(n)), whoText(byUserID, byName, "someone"))
	status := fmt.Sprintf("🤝 *Kept in process* by %s %s. aaa will not ask again unless new feedback arrives.",
		whoMrkdwn(byUserID, byName, "someone"), slackDate(at))
	return text, noticeUpdate(n, "🤝 Candidate kept in process", status)
}

// MovedUpdate builds the replacement for a rejection notice whose candidate
// was moved to toStage in Ashby by someone else (noticed at at), so the
// notice needs nothing more: the notice body and the status "➡️ Moved to
// <toStage> in Ashby <date>; nothing left to do here." with no buttons.
func MovedUpdate(n RejectionNotice, toStage string, at time.Time) (text string, blocks []slack.Block) {
	stage := stageOr(toStage, "another stage")
	text = fmt.Sprintf("Candidate %s was moved to %s in Ashby; nothing left to do", escape(candidateName(n)), stage)
	status := fmt.Sprintf("➡️ Moved to %s in Ashby %s; nothing left to do here.", stage, slackDate(at))
	return text, noticeUpdate(n, "➡️ Candidate moved", status)
}

// noticeUpdate is a rejection notice replaced by a final status: header,
// body, status section, footer, no buttons.
func noticeUpdate(n RejectionNotice, heading, status string) []slack.Block {
	blocks := []slack.Block{header(heading)}
	blocks = append(blocks, noticeBody(n)...)
	return append(blocks, section(status, BlockRejectionStatus), contextBlock(noticeFooter(n)))
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

// AdvanceNotice is what the message to the recruiter about a candidate aaa
// advanced shows (sent when the rule's notify_on_advance is set).
type AdvanceNotice struct {
	ExecutionID   string
	ApplicationID string
	CandidateName string
	// ProfileURL links the candidate's name to Ashby; only http(s) URLs are
	// linked.
	ProfileURL     string
	JobTitle       string
	FromStageTitle string
	ToStageTitle   string
	// Summary is the decision's one-line explanation.
	Summary  string
	RuleName string
	// UndoUntil is when the undo window closes; zero means no Undo button.
	UndoUntil time.Time
}

// AdvanceMessage builds the message that aaa advanced a candidate: the
// candidate (linked to Ashby), job, "Moved from <from> to <to>", the
// summary and a footer naming the rule. When a.UndoUntil is set it adds an
// "Undo" button (action_id ActionUndo, value the JSON DecisionValue, in the
// actions block BlockAdvanceActions) behind a confirm dialog saying the
// candidate goes back to the from-stage and that stage-entry automations
// Ashby already ran are not undone, and a context line saying until when
// undo is possible (a Slack date token with its day, e.g. "Today at
// 15:55", as the message has no reference time).
func AdvanceMessage(a AdvanceNotice) (text string, blocks []slack.Block) {
	blocks = append(blocks, header("✅ Candidate advanced"))
	blocks = append(blocks, advanceBody(a)...)
	if !a.UndoUntil.IsZero() {
		name := displayName(a.CandidateName)
		confirm := slack.NewConfirmationBlockObject(
			plain(truncate("Undo the advance of "+name+"?", maxConfirmHead)),
			mrkdwn(truncate(fmt.Sprintf("This moves *%s* back to %s in Ashby. Stage-entry automations Ashby already ran (emails, scheduling requests) are not undone.",
				dialogName(name), dialogStage(a.FromStageTitle, "the previous stage")), maxConfirmText)),
			plain("Undo"),
			plain("Cancel"),
		)
		dv := DecisionValue{ExecutionID: a.ExecutionID, ApplicationID: a.ApplicationID}
		undo := slack.NewButtonBlockElement(ActionUndo, dv.encode(ActionUndo), plain("Undo")).WithConfirm(confirm)
		blocks = append(blocks,
			slack.NewActionBlock(BlockAdvanceActions, undo),
			contextBlock(fmt.Sprintf("Undo is possible until %s. It moves the candidate back to %s; stage-entry automations Ashby already ran are not undone.",
				slackClock(a.UndoUntil, time.Time{}), stageOr(a.FromStageTitle, "the previous stage"))))
	}
	blocks = append(blocks, contextBlock(advanceFooter(a)))
	return advanceText(a), blocks
}

// AdvanceUndoneUpdate builds the replacement for an advance message once the
// advance was undone: the message body and the status "↩️ Undone by <who>
// <date>: <candidate> is back in <from>." with no buttons. byUserID is a
// Slack user id, rendered as a mention; byName is shown when it is empty.
func AdvanceUndoneUpdate(a AdvanceNotice, byUserID, byName string, at time.Time) (text string, blocks []slack.Block) {
	name := escape(displayName(a.CandidateName))
	from := stageOr(a.FromStageTitle, "the previous stage")
	text = fmt.Sprintf("Advance of candidate %s undone by %s: back in %s", name, whoText(byUserID, byName, "someone"), from)
	status := fmt.Sprintf("↩️ *Undone* by %s %s: %s is back in %s.", whoMrkdwn(byUserID, byName, "someone"), slackDate(at), name, from)

	blocks = append(blocks, header("↩️ Advance undone"))
	blocks = append(blocks, advanceBody(a)...)
	blocks = append(blocks, section(status, BlockAdvanceStatus), contextBlock(advanceFooter(a)))
	return text, blocks
}

// AdvanceUndoExpiredUpdate builds the replacement for an advance message once
// its undo window closed: the message without the Undo button and a line
// saying the window has closed and that the stage can still be changed in
// Ashby.
func AdvanceUndoExpiredUpdate(a AdvanceNotice) (text string, blocks []slack.Block) {
	blocks = append(blocks, header("✅ Candidate advanced"))
	blocks = append(blocks, advanceBody(a)...)
	blocks = append(blocks,
		contextBlock("The undo window has closed. To move the candidate back, change their stage in Ashby."),
		contextBlock(advanceFooter(a)))
	return advanceText(a), blocks
}

// advanceBody renders the candidate, job, stage move and summary shared by
// the advance message and its updates.
func advanceBody(a AdvanceNotice) []slack.Block {
	lines := []string{"*" + linkedName(displayName(a.CandidateName), a.ProfileURL) + "*"}
	if a.JobTitle != "" {
		lines = append(lines, "*Job:* "+escape(a.JobTitle))
	}
	lines = append(lines, fmt.Sprintf("Moved from %s to %s",
		stageOr(a.FromStageTitle, "the previous stage"), stageOr(a.ToStageTitle, "the next stage")))
	blocks := []slack.Block{section(strings.Join(lines, "\n"), "candidate")}
	if a.Summary != "" {
		blocks = append(blocks, slack.NewDividerBlock(), section("*Summary:* "+escape(a.Summary), "summary"))
	}
	return blocks
}

func advanceText(a AdvanceNotice) string {
	return fmt.Sprintf("Candidate %s advanced from %s to %s", escape(displayName(a.CandidateName)),
		stageOr(a.FromStageTitle, "the previous stage"), stageOr(a.ToStageTitle, "the next stage"))
}

func advanceFooter(a AdvanceNotice) string {
	parts := []string{"_Advanced by aaa because the feedback met the rule's thresholds._"}
	if a.RuleName != "" {
		parts = append(parts, "Rule *"+escape(a.RuleName)+"*")
	}
	if a.ExecutionID != "" {
		parts = append(parts, "Execution `"+escape(a.ExecutionID)+"`")
	}
	return strings.Join(parts, " · ")
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
	return displayName(n.CandidateName)
}

// displayName is the candidate's name, or a placeholder when Ashby gave none.
func displayName(name string) string {
	if name == "" {
		return "(unnamed candidate)"
	}
	return name
}

// candidateLink renders the notice's candidate as in linkedName.
func candidateLink(n RejectionNotice) string {
	return linkedName(candidateName(n), n.ProfileURL)
}

// linkedName renders <url|name> for an http(s) profile URL, else the escaped
// name.
func linkedName(name, profileURL string) string {
	link := linkTarget(profileURL)
	if link == "" {
		return escape(name)
	}
	return "<" + link + "|" + escape(name) + ">"
}

// stageOr is the escaped stage title, or fallback (already mrkdwn) when the
// title is unknown.
func stageOr(title, fallback string) string {
	if title == "" {
		return fallback
	}
	return escape(title)
}

// dialogName is a name shortened for a confirm dialog and escaped.
func dialogName(s string) string {
	return escape(truncate(s, maxNameInDialog))
}

// dialogStage is a stage title in bold, shortened for a confirm dialog, or
// fallback when the title is unknown.
func dialogStage(title, fallback string) string {
	if title == "" {
		return fallback
	}
	return "*" + dialogName(title) + "*"
}

// whoMrkdwn renders who acted: a mention for a Slack user id, else the
// escaped name, else fallback.
func whoMrkdwn(userID, name, fallback string) string {
	switch {
	case slackUserID(userID):
		return "<@" + userID + ">"
	case name != "":
		return escape(name)
	case userID != "":
		return escape(userID)
	}
	return fallback
}

// whoText is who acted for a fallback text (notifications): the escaped
// name, else a mention, else fallback.
func whoText(userID, name, fallback string) string {
	if name != "" {
		return escape(name)
	}
	return whoMrkdwn(userID, "", fallback)
}

// slackUserID reports whether id looks like a Slack user id (U…/W…), so a
// mention built from it cannot carry other markup.
func slackUserID(id string) bool {
	if len(id) < 2 || (id[0] != 'U' && id[0] != 'W') {
		return false
	}
	for _, r := range id {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// slackDate renders t in each reader's time zone, with an RFC 3339 fallback.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|%s>", t.Unix(), t.UTC().Format(time.RFC3339))
}

// slackClock renders t in each reader's time zone: the time of day alone
// when t is within 12 hours of ref (e.g. 15:40), else with its day (e.g.
// "Tomorrow at 09:00"). A zero ref always shows the day.
func slackClock(t, ref time.Time) string {
	if near(t, ref) {
		return fmt.Sprintf("<!date^%d^{time}|%s>", t.Unix(), clockFallback(t, ref))
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|%s>", t.Unix(), clockFallback(t, ref))
}

// clockFallback is slackClock's text for clients that cannot render dates.
func clockFallback(t, ref time.Time) string {
	if near(t, ref) {
		return t.UTC().Format("15:04 UTC")
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// near reports whether t is within 12 hours of a non-zero ref.
func near(t, ref time.Time) bool {
	if ref.IsZero() {
		return false
	}
	d := t.Sub(ref)
	return d > -12*time.Hour && d < 12*time.Hour
}

// relativeText renders a wait for people: "in 45 min", "in 1 h 30 min",
// "in 2 h", "in 1 day 3 h". It counts whole minutes (nearest) up to 10
// hours, whole hours beyond; under half a minute is "in less than a
// minute", and a wait already over is "any moment now".
func relativeText(d time.Duration) string {
	switch {
	case d <= 0:
		return "any moment now"
	case d < 30*time.Second:
		return "in less than a minute"
	case d < 10*time.Hour:
		d = d.Round(time.Minute)
	default:
		d = d.Round(time.Hour)
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	var parts []string
	switch days {
	case 0:
	case 1:
		parts = append(parts, "1 day")
	default:
		parts = append(parts, fmt.Sprintf("%d days", days))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%d h", hours))
	}
	if mins > 0 {
		parts = append(parts, fmt.Sprintf("%d min", mins))
	}
	return "in " + strings.Join(parts, " ")
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

// ErasedMessage replaces a message that named a candidate whose data was
// erased (a deletion in Ashby or an erasure request): it names nobody and
// has no button.
func ErasedMessage() (text string, blocks []slack.Block) {
	text = "This message named a candidate whose data was erased at their request; aaa removed it."
	blocks = append(blocks, section("🗑️ _"+escape(text)+"_", ""))
	return escape(text), blocks
}

package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Second thoughts in the decision detail (issue 18): u undoes an advance or
// archive by aaa within UNDO_WINDOW, c cancels a scheduled action, K keeps
// a rejected candidate in process. Each asks first, naming what it does in
// Ashby, and goes through the Decisions use case, which decides: the
// dashboard only offers the keys that fit the decision it shows, and shows
// a refusal's reason as the use case words it.

// actionTimeout bounds an undo, cancel or keep: an undo reads and moves the
// application in Ashby once, like POST /admin/decisions/{id}/undo.
const actionTimeout = time.Minute

// errNoDecisions is shown when the dashboard was started without the
// Decisions use case (Options.Decisions).
var errNoDecisions = errors.New("undo, cancel and keep in process are not available in this dashboard: " +
	"it was opened without aaa's decision actions; use the Slack buttons or POST /admin/decisions/{id}/undo|cancel|keep")

// decisionAction is an undo, cancel or keep the user is asked to confirm.
type decisionAction struct {
	action string // advance.ActionUndo, ActionCancel or ActionKeep
	row    store.DecisionRow
	prompt string
}

// decisionActedMsg is the result of a confirmed undo, cancel or keep.
type decisionActedMsg struct {
	action string
	row    store.DecisionRow
	// by is who the dashboard recorded as acting; got the decision after.
	by  string
	got domain.Execution
	err error
}

func (m decisionActedMsg) notice() (string, bool) {
	name := rowCandidate(m.row)
	var refused *advance.RefusedError
	switch {
	case errors.As(m.err, &refused):
		return capitalize(refused.Why), true
	case errors.Is(m.err, domain.ErrAshbyNotConfigured):
		return "Not undone: start the dashboard with ASHBY_API_KEY set to undo (cancel and keep in process work without it)", true
	case errors.Is(m.err, errNoDecisions):
		return capitalize(m.err.Error()), true
	case errors.Is(m.err, domain.ErrNotFound):
		return "That decision no longer exists; nothing was changed", true
	case m.err != nil:
		return fmt.Sprintf("%s not done: %s", actionNoun(m.action), explain.Scrub(m.err.Error())), true
	}
	if m.got.RevertedBy != "" && m.got.RevertedBy != m.by {
		// A second click (Slack, the API, another dashboard) was first.
		return fmt.Sprintf("Already %s by %s: nothing more to do for %s", statusWords(m.got.Status), actorLabel(m.got.RevertedBy), name), false
	}
	from := orDash(m.row.StageTitle, "the stage it came from")
	switch m.action {
	case advance.ActionUndo:
		return fmt.Sprintf("Undone: %s is back in %s", name, from), false
	case advance.ActionCancel:
		if m.row.Execution.Outcome == domain.OutcomeReject {
			return fmt.Sprintf("Cancelled: %s will not be archived and stays in %s", name, from), false
		}
		return fmt.Sprintf("Cancelled: %s will not be advanced and stays in %s", name, from), false
	default:
		return fmt.Sprintf("Kept in process: %s stays in %s; recorded as a disagreeing review of the rule", name, from), false
	}
}

// actOn runs a confirmed undo, cancel or keep as the dashboard's actor.
func (d data) actOn(a decisionAction) tea.Cmd {
	return func() tea.Msg {
		msg := decisionActedMsg{action: a.action, row: a.row, by: d.actor + " (" + domain.SourceTUI + ")"}
		if d.decisions == nil {
			msg.err = errNoDecisions
			return msg
		}
		ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
		defer cancel()
		id := a.row.Execution.ID
		switch a.action {
		case advance.ActionUndo:
			msg.got, msg.err = d.decisions.Undo(ctx, id, msg.by)
		case advance.ActionCancel:
			msg.got, msg.err = d.decisions.Cancel(ctx, id, msg.by)
		case advance.ActionKeep:
			msg.got, msg.err = d.decisions.KeepInProcess(ctx, id, msg.by)
		}
		if msg.err != nil && !errors.Is(msg.err, advance.ErrRefused) {
			d.log.Warn("dashboard_decision_action_failed", slog.String("action", a.action), slog.String("execution_id", id),
				slog.String("error", explain.Scrub(msg.err.Error())))
		} else if msg.err == nil {
			d.log.Info("dashboard_decision_action", slog.String("action", a.action), slog.String("execution_id", id),
				slog.String("status", msg.got.Status), slog.String("actor", d.actor))
		}
		return msg
	}
}

// offer returns the confirmation of action for the decision shown, or why
// the action does not fit it (then the use case is not called).
func (v *decisionsView) offer(action string) (*decisionAction, string) {
	if v.detailData == nil {
		return nil, ""
	}
	r := v.detailData.Row
	e := r.Execution
	name, from := rowCandidate(r), orDash(r.StageTitle, "the stage it came from")
	now := v.data.now()
	switch action {
	case advance.ActionUndo:
		if e.Mode != domain.ModeLive || (e.Status != domain.ExecSuccess && e.Status != domain.ExecRejected) {
			return nil, "Nothing to undo: only an advance or archive that aaa made in Ashby can be undone, and this decision is " +
				statusPhrase(e) + "."
		}
		until, ok := v.undoUntil(e)
		if !ok {
			return nil, "Undo is turned off (UNDO_WINDOW=0): move the candidate in Ashby instead."
		}
		if now.After(until) {
			return nil, fmt.Sprintf("Too late to undo: the undo window closed at %s; move the candidate in Ashby instead.", clock(until, now))
		}
		p := fmt.Sprintf("Undo: move %s back to %s in Ashby?", name, from)
		if e.Outcome == domain.OutcomeReject {
			p = fmt.Sprintf("Undo: take %s out of Archived and back to %s in Ashby? A rejection email Ashby already sent is not recalled.", name, from)
		} else {
			p += fmt.Sprintf(" %s leaves %s. An email or stage automation Ashby already ran is not taken back.", name, orDash(r.ToStageTitle, "the stage aaa moved them to"))
		}
		return &decisionAction{action: action, row: r, prompt: p}, ""
	case advance.ActionCancel:
		if e.Status != domain.ExecScheduled {
			return nil, "Nothing to cancel: only a scheduled action can be cancelled, and this decision is " + statusPhrase(e) + "."
		}
		p := fmt.Sprintf("Cancel the archive of %s scheduled for %s? %s stays in %s and no rejection email is sent.",
			name, clock(e.ActAt, now), name, from)
		if e.Outcome != domain.OutcomeReject {
			p = fmt.Sprintf("Cancel the advance of %s to %s scheduled for %s? %s stays in %s.",
				name, orDash(r.ToStageTitle, "the next stage"), clock(e.ActAt, now), name, from)
		}
		return &decisionAction{action: action, row: r, prompt: p}, ""
	default:
		if e.Outcome != domain.OutcomeReject || (e.Status != domain.ExecNotified && e.Status != domain.ExecScheduled) {
			return nil, "Keep in process is for a rejection still awaiting its archive, and this decision is " + statusPhrase(e) + "."
		}
		p := fmt.Sprintf("Keep %s in process? %s stays in %s, ", name, name, from)
		if e.Status == domain.ExecScheduled {
			p += "the scheduled archive is cancelled, "
		}
		p += fmt.Sprintf("the rejection counts as a disagreeing review of %q, and aaa does not ask again until new feedback arrives.",
			orDash(r.RuleName, "the rule"))
		return &decisionAction{action: action, row: r, prompt: p}, ""
	}
}

// undoUntil is when the undo window of an action by aaa closes (false when
// undo is off).
func (v *decisionsView) undoUntil(e domain.Execution) (time.Time, bool) {
	if v.data.undoWindow <= 0 {
		return time.Time{}, false
	}
	acted := e.ActedAt
	if acted.IsZero() {
		acted = e.UpdatedAt
	}
	return acted.Add(v.data.undoWindow), true
}

// secondLines are the detail's lines about second thoughts: when a
// scheduled action runs, until when an undo is possible, who cancelled,
// undid or kept it. hints says whether to name the keys.
func (v *decisionsView) secondLines(e domain.Execution, hints bool) []string {
	st, now := v.styles, v.data.now()
	hint := func(k string) string {
		if !hints {
			return ""
		}
		return " — " + k
	}
	by := actorLabel(e.RevertedBy)
	switch e.Status {
	case domain.ExecScheduled:
		line := fmt.Sprintf("Scheduled %s at %s (%s)", actionWord(e), clock(e.ActAt, now), inWords(e.ActAt, now)) + hint("c cancel")
		if e.Outcome == domain.OutcomeReject && hints {
			line += ", K keep"
		}
		return []string{st.Live.Render(line)}
	case domain.ExecNotified:
		if e.Outcome == domain.OutcomeReject && e.Mode == domain.ModeLive {
			return []string{"Awaiting a recruiter's Archive click in Slack" + hint("K keep in process")}
		}
	case domain.ExecSuccess, domain.ExecRejected:
		if e.Mode != domain.ModeLive {
			return nil
		}
		until, ok := v.undoUntil(e)
		switch {
		case !ok:
			return nil
		case now.After(until):
			return []string{st.Dim.Render("Undo     window closed at " + clock(until, now))}
		}
		return []string{st.Live.Render(fmt.Sprintf("Undo     possible until %s (%s left)", clock(until, now), spanText(until.Sub(now))) + hint("u undo"))}
	case domain.ExecCancelled:
		return []string{fmt.Sprintf("Cancelled by %s at %s", by, clock(e.RevertedAt, now))}
	case domain.ExecUndone:
		return []string{fmt.Sprintf("Undone by %s at %s", by, clock(e.RevertedAt, now))}
	case domain.ExecUndoing:
		return []string{st.Live.Render(fmt.Sprintf("Being undone by %s since %s", by, clock(e.RevertedAt, now)))}
	case domain.ExecKept:
		return []string{fmt.Sprintf("Kept in process by %s at %s", by, clock(e.RevertedAt, now))}
	}
	return nil
}

// actionWord is what a live decision does in Ashby.
func actionWord(e domain.Execution) string {
	if e.Outcome == domain.OutcomeReject {
		return "archive"
	}
	return "advance"
}

func actionNoun(action string) string {
	switch action {
	case advance.ActionUndo:
		return "Undo"
	case advance.ActionCancel:
		return "Cancel"
	}
	return "Keep in process"
}

// statusWords says a status in words for a sentence.
func statusWords(status string) string {
	switch status {
	case domain.ExecKept:
		return "kept in process"
	case domain.ExecUndoing:
		return "being undone"
	}
	return status
}

// statusPhrase says what happened to a decision, for the refusals the
// dashboard gives itself.
func statusPhrase(e domain.Execution) string {
	switch e.Status {
	case domain.ExecSuccess:
		return "an advance (live)"
	case domain.ExecRejected:
		return "an archive (live)"
	case domain.ExecDryRun:
		return "a shadow decision that changed nothing in Ashby"
	case domain.ExecNotified:
		return "a rejection awaiting a recruiter's click"
	case domain.ExecScheduled:
		return "a scheduled " + actionWord(e)
	case domain.ExecPending:
		return "being acted on"
	case domain.ExecFailed:
		return "failed (nothing changed in Ashby)"
	case domain.ExecStale:
		return "stale (the candidate had moved; nothing changed in Ashby)"
	case domain.ExecTimeout:
		return "a feedback timeout"
	case domain.ExecCancelled, domain.ExecUndone, domain.ExecKept:
		return statusWords(e.Status) + " by " + actorLabel(e.RevertedBy)
	case domain.ExecUndoing:
		return "being undone"
	}
	return e.Status
}

// actorLabel names who did something: "slack:U123 (jane)" is "jane (Slack)",
// everything else is shown as recorded ("ana (tui)", "deploy-bot (api)").
func actorLabel(by string) string {
	switch {
	case by == "" || by == "system":
		return "aaa"
	case strings.HasPrefix(by, "slack:"):
		_, name, _ := strings.Cut(strings.TrimPrefix(by, "slack:"), " (")
		if name = strings.TrimSuffix(name, ")"); name != "" {
			return name + " (Slack)"
		}
		return "a Slack user"
	}
	return by
}

// rowCandidate names a decision's candidate (an id in a code span only when
// the name is not known yet).
func rowCandidate(r store.DecisionRow) string {
	return candidateLabel(r.CandidateName, "", r.Execution.ApplicationID)
}

// clock shows a time of day, with the date when it is not today.
func clock(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("01-02 15:04")
}

// inWords says how far t is from now: "in 2 h", "in 5 min", "due now".
func inWords(t, now time.Time) string {
	if !t.After(now) {
		return "due now"
	}
	return "in " + spanText(t.Sub(now))
}

// spanText is a duration for people, to the minute: "2 h", "1 h 5 min",
// "3 days 2 h", "under a minute".
func spanText(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Minute {
		return "under a minute"
	}
	var parts []string
	for _, u := range []struct {
		d          time.Duration
		one, other string
	}{{24 * time.Hour, "1 day", "%d days"}, {time.Hour, "1 h", "%d h"}, {time.Minute, "1 min", "%d min"}} {
		n := d / u.d
		d -= n * u.d
		switch {
		case n == 1:
			parts = append(parts, u.one)
		case n > 1:
			parts = append(parts, fmt.Sprintf(u.other, n))
		}
	}
	return strings.Join(parts, " ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

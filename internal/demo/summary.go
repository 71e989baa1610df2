package demo

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// Summary counts what happened, from aaa's audit rows (decisions) and the
// simulator's call log.
type Summary struct {
	Candidates int
	// Advanced counts live advances that succeeded.
	Advanced int
	// Rejected counts live rejections, however they ended:
	// ArchivedByClick + AutoArchived + ArchiveScheduled + Cancelled +
	// UndoneArchives + Kept + AwaitingClick + stale or failed archives.
	Rejected        int
	ArchivedByClick int
	AutoArchived    int
	// DelayedArchives counts the archives (of ArchivedByClick and
	// AutoArchived) that ran at their scheduled time, after the rule's
	// reject_delay.
	DelayedArchives int
	// ArchiveScheduled counts archives still waiting for their time.
	ArchiveScheduled int
	// Cancelled counts scheduled archives a recruiter cancelled.
	Cancelled int
	// UndoneArchives and UndoneAdvances count archives and advances by aaa
	// that a recruiter undid: the candidate is back in the rule's stage.
	UndoneArchives int
	UndoneAdvances int
	// Kept counts rejections a recruiter kept in process.
	Kept          int
	AwaitingClick int
	// DryRunAdvance and DryRunReject are shadow-mode decisions.
	DryRunAdvance int
	DryRunReject  int
	Stale         int
	Timeouts      int
	Failed        int
	// Waiting counts candidates without any decision: WaitingOnFeedback
	// had their interview, LaterToday had not yet.
	Waiting           int
	WaitingOnFeedback int
	LaterToday        int

	// What the demo did.
	Webhooks, Scorecards, Clicks int

	// From the simulator's call log: successful changeStage calls to a
	// later pipeline stage (SimAdvances), to Archived (SimArchives) and
	// back to the rule's stage (SimUndos, only an undo does that), refused
	// or failed calls, and calls touching a shadow job's candidates.
	SimAdvances     int
	SimArchives     int
	SimUndos        int
	SimFailedCalls  int
	SimShadowWrites int
	// From the simulator's applications at the end: of the candidates
	// whose archive was cancelled, or whose archive or advance was undone,
	// how many are active in the rule's stage.
	SimCancelledInStage int
	SimUndoneInStage    int
	// LateCalls are changeStage calls made after the summary was read.
	LateCalls int

	// stage is the title of the stage the live rule watches.
	stage string
}

// summarize counts decisions per kind and checks them against the
// simulator: its call log (calls) and its applications (app).
func summarize(ws *workspace, list []decision, calls []ashbysim.StageChange, app func(id string) (ashbysim.ApplicationState, bool),
	act activity, over func(app string) bool) Summary {
	s := Summary{Candidates: len(ws.cands), Webhooks: act.webhooks, Scorecards: act.submitted, Clicks: act.clicks}
	for _, j := range ws.jobs {
		if j.mode == domain.ModeLive {
			s.stage = j.stages[j.sc.StageIDs[0]]
		}
	}
	// inStage reports whether the simulator has the application active in
	// the stage the decision moved it from.
	inStage := func(d decision) bool {
		a, ok := app(d.ApplicationID)
		return ok && a.StageID == deref(d.FromStageID) && a.Status == "Active"
	}
	decided := map[string]bool{}
	for _, d := range list {
		if ws.byApp[d.ApplicationID] == nil {
			continue
		}
		decided[d.ApplicationID] = true
		live := d.Mode == domain.ModeLive
		switch {
		case d.Status == domain.ExecSuccess:
			s.Advanced++
		case d.Status == domain.ExecUndone && d.Outcome == domain.OutcomeAdvance:
			s.UndoneAdvances++
			if inStage(d) {
				s.SimUndoneInStage++
			}
		case d.Status == domain.ExecDryRun && d.Outcome == domain.OutcomeAdvance:
			s.DryRunAdvance++
		case d.Status == domain.ExecDryRun && d.Outcome == domain.OutcomeReject:
			s.DryRunReject++
		case d.Status == domain.ExecTimeout:
			s.Timeouts++
		case d.Status == domain.ExecStale && d.Outcome == domain.OutcomeAdvance:
			s.Stale++
		case d.Status == domain.ExecFailed && d.Outcome != domain.OutcomeReject:
			s.Failed++
		}
		if live && d.Outcome == domain.OutcomeReject {
			s.Rejected++
			switch d.Status {
			case domain.ExecRejected:
				if strings.HasPrefix(d.ExecutedBy, "slack:") {
					s.ArchivedByClick++
				} else {
					s.AutoArchived++
				}
				if d.ActAt != nil {
					s.DelayedArchives++
				}
			case domain.ExecScheduled:
				s.ArchiveScheduled++
			case domain.ExecCancelled:
				s.Cancelled++
				if inStage(d) {
					s.SimCancelledInStage++
				}
			case domain.ExecUndone:
				s.UndoneArchives++
				if inStage(d) {
					s.SimUndoneInStage++
				}
			case domain.ExecKept:
				s.Kept++
			case domain.ExecNotified, domain.ExecPending:
				s.AwaitingClick++
			case domain.ExecStale:
				s.Stale++
			default:
				s.Failed++
			}
		}
	}
	for _, c := range ws.cands {
		if decided[c.ids.ApplicationID] {
			continue
		}
		s.Waiting++
		if over(c.ids.ApplicationID) {
			s.WaitingOnFeedback++
		} else {
			s.LaterToday++
		}
	}
	for _, ch := range calls {
		c := ws.byApp[ch.ApplicationID]
		switch {
		case !ch.OK:
			s.SimFailedCalls++
		case ch.Archive:
			s.SimArchives++
		case c != nil && ch.StageID == c.job.sc.StageIDs[0]:
			s.SimUndos++
		default:
			s.SimAdvances++
		}
		if c != nil && c.job.mode == domain.ModeShadow {
			s.SimShadowWrites++
		}
	}
	return s
}

// Check reports every disagreement between the audit rows and the
// simulator's call log.
func (s Summary) Check() error {
	var errs []error
	if advanced := s.Advanced + s.UndoneAdvances; s.SimAdvances != advanced {
		errs = append(errs, fmt.Errorf("%d advances recorded (%d since undone) but %d changeStage calls to a later stage",
			advanced, s.UndoneAdvances, s.SimAdvances))
	}
	if archived := s.ArchivedByClick + s.AutoArchived + s.UndoneArchives; s.SimArchives != archived {
		errs = append(errs, fmt.Errorf("%d archives recorded (%d since undone) but %d changeStage calls to Archived",
			archived, s.UndoneArchives, s.SimArchives))
	}
	if undone := s.UndoneArchives + s.UndoneAdvances; s.SimUndos != undone || s.SimUndoneInStage != undone {
		errs = append(errs, fmt.Errorf("%d undos recorded but %d changeStage calls back to the rule's stage, and %d candidates back in it",
			undone, s.SimUndos, s.SimUndoneInStage))
	}
	if s.SimCancelledInStage != s.Cancelled {
		errs = append(errs, fmt.Errorf("%d archives cancelled but %d of those candidates still active in their stage",
			s.Cancelled, s.SimCancelledInStage))
	}
	if s.SimFailedCalls > 0 {
		errs = append(errs, fmt.Errorf("%d changeStage calls failed", s.SimFailedCalls))
	}
	if s.SimShadowWrites > 0 {
		errs = append(errs, fmt.Errorf("%d changeStage calls for candidates under a shadow rule", s.SimShadowWrites))
	}
	if s.LateCalls > 0 {
		errs = append(errs, fmt.Errorf("%d changeStage calls after the summary was read", s.LateCalls))
	}
	return errors.Join(errs...)
}

// Print writes the summary table, at most 80 columns wide.
func (s Summary) Print(w io.Writer) {
	ok := func(b bool) string {
		if b {
			return "✓"
		}
		return "✗ MISMATCH"
	}
	row := func(label string, n int, note string) {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %-28s %4d   %s", label, n, note), " "))
	}
	stage := s.stage
	if stage == "" {
		stage = "their stage"
	}
	undone := s.UndoneArchives + s.UndoneAdvances
	fmt.Fprintln(w)
	fmt.Fprintln(w, "══ Summary ══════════════════════════════════════════════════════════════")
	row("candidates", s.Candidates, "")
	row("advanced (live rule)", s.Advanced, fmt.Sprintf("simulator: %d moves to the next stage %s", s.SimAdvances,
		ok(s.SimAdvances == s.Advanced+s.UndoneAdvances)))
	if s.UndoneAdvances > 0 {
		row("  then undone", s.UndoneAdvances, "")
	}
	row("rejected (live rule)", s.Rejected, "")
	archives := fmt.Sprintf("simulator: %d archives %s", s.SimArchives, ok(s.SimArchives == s.ArchivedByClick+s.AutoArchived+s.UndoneArchives))
	if s.UndoneArchives > 0 {
		archives = fmt.Sprintf("simulator: %d archives, %d undone %s", s.SimArchives, s.UndoneArchives,
			ok(s.SimArchives == s.ArchivedByClick+s.AutoArchived+s.UndoneArchives))
	}
	row("  archived by a Slack click", s.ArchivedByClick, archives)
	if s.AutoArchived > 0 {
		row("  archived by the rule", s.AutoArchived, "")
	}
	if s.DelayedArchives > 0 {
		row("    at their scheduled time", s.DelayedArchives, "after the rule's delay")
	}
	if s.ArchiveScheduled > 0 {
		row("  archive scheduled, not run", s.ArchiveScheduled, "still cancellable")
	}
	if s.Cancelled > 0 {
		row("  archive cancelled", s.Cancelled, fmt.Sprintf("simulator: %d still in %s %s", s.SimCancelledInStage, stage,
			ok(s.SimCancelledInStage == s.Cancelled)))
	}
	if s.UndoneArchives > 0 {
		row("  archive undone", s.UndoneArchives, fmt.Sprintf("simulator: %d back in %s %s", s.SimUndoneInStage, stage,
			ok(s.SimUndos == undone && s.SimUndoneInStage == undone)))
	}
	if s.Kept > 0 {
		row("  kept in process", s.Kept, "")
	}
	row("  awaiting a click", s.AwaitingClick, "")
	row("dry run (shadow rules)", s.DryRunAdvance+s.DryRunReject, fmt.Sprintf("%d advance, %d reject; simulator: %d writes %s",
		s.DryRunAdvance, s.DryRunReject, s.SimShadowWrites, ok(s.SimShadowWrites == 0)))
	row("stale (moved by hand)", s.Stale, "")
	row("feedback timeouts", s.Timeouts, "")
	row("still waiting", s.Waiting, fmt.Sprintf("%d owe feedback, %d interviews not over yet", s.WaitingOnFeedback, s.LaterToday))
	if s.Failed > 0 {
		row("failed", s.Failed, "see aaa-demo.log")
	}
	fmt.Fprintf(w, "  webhooks sent %d, scorecards submitted %d, Slack clicks %d\n", s.Webhooks, s.Scorecards, s.Clicks)
	if err := s.Check(); err != nil {
		fmt.Fprintln(w, "  audit rows and the simulator's call log DISAGREE:")
		for l := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprint(w, wrap("    ", "      ", l))
		}
		return
	}
	fmt.Fprintln(w, "  audit rows and the simulator's call log agree ✓")
}

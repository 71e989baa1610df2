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
	// ArchivedByClick + AutoArchived + AwaitingClick + failed archives.
	Rejected        int
	ArchivedByClick int
	AutoArchived    int
	AwaitingClick   int
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
	// pipeline stage (SimAdvances) and to Archived (SimArchives), refused
	// or failed calls, and calls touching a shadow job's candidates.
	SimAdvances     int
	SimArchives     int
	SimFailedCalls  int
	SimShadowWrites int
	// LateCalls are changeStage calls made after the summary was read.
	LateCalls int
}

// summarize counts decisions per kind and checks them against the call log.
func summarize(ws *workspace, list []decision, calls []ashbysim.StageChange, act activity, over func(app string) bool) Summary {
	s := Summary{Candidates: len(ws.cands), Webhooks: act.webhooks, Scorecards: act.submitted, Clicks: act.clicks}
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
	if s.SimAdvances != s.Advanced {
		errs = append(errs, fmt.Errorf("%d advances recorded but %d changeStage calls to a pipeline stage", s.Advanced, s.SimAdvances))
	}
	if archived := s.ArchivedByClick + s.AutoArchived; s.SimArchives != archived {
		errs = append(errs, fmt.Errorf("%d archives recorded but %d changeStage calls to Archived", archived, s.SimArchives))
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

// Print writes the summary table.
func (s Summary) Print(w io.Writer) {
	ok := func(b bool) string {
		if b {
			return "✓"
		}
		return "✗ MISMATCH"
	}
	row := func(label string, n int, note string) {
		fmt.Fprintf(w, "  %-28s %4d   %s\n", label, n, note)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "══ Summary ══════════════════════════════════════════════════════════════")
	row("candidates", s.Candidates, "")
	row("advanced (live rule)", s.Advanced, fmt.Sprintf("simulator: %d changeStage to the next stage %s", s.SimAdvances, ok(s.SimAdvances == s.Advanced)))
	row("rejected (live rule)", s.Rejected, "")
	row("  archived by a Slack click", s.ArchivedByClick, fmt.Sprintf("simulator: %d changeStage to Archived %s", s.SimArchives,
		ok(s.SimArchives == s.ArchivedByClick+s.AutoArchived)))
	if s.AutoArchived > 0 {
		row("  archived by the rule", s.AutoArchived, "")
	}
	row("  awaiting a click", s.AwaitingClick, "")
	row("dry run (shadow rules)", s.DryRunAdvance+s.DryRunReject, fmt.Sprintf("would advance %d, would reject %d; simulator: %d writes %s",
		s.DryRunAdvance, s.DryRunReject, s.SimShadowWrites, ok(s.SimShadowWrites == 0)))
	row("stale (moved by hand)", s.Stale, "")
	row("feedback timeouts", s.Timeouts, "")
	row("still waiting", s.Waiting, fmt.Sprintf("%d owe feedback, %d interviews not over yet", s.WaitingOnFeedback, s.LaterToday))
	if s.Failed > 0 {
		row("failed", s.Failed, "see aaa-demo.log")
	}
	fmt.Fprintf(w, "  webhooks sent %d, scorecards submitted %d, Slack clicks %d\n", s.Webhooks, s.Scorecards, s.Clicks)
	if err := s.Check(); err != nil {
		fmt.Fprintf(w, "  audit rows and the simulator's call log DISAGREE:\n    %s\n",
			strings.ReplaceAll(err.Error(), "\n", "\n    "))
		return
	}
	fmt.Fprintln(w, "  audit rows and the simulator's call log agree ✓")
}

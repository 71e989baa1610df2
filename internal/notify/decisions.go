package notify

import (
	"context"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/slack-go/slack"
)

// RefreshNotice re-renders the Slack message of a decision for its current
// status, after a cancel, an undo, a keep in process or a scheduled archive.
// Best effort: a message that cannot be edited is logged, not retried.
func (s *Service) RefreshNotice(ctx context.Context, executionID string, final bool) error {
	e, err := s.st.GetExecution(ctx, executionID)
	if err != nil {
		return err
	}
	if e.Outcome == domain.OutcomeAdvance {
		s.updateAdvanceMessage(ctx, e)
		return nil
	}
	s.UpdateRejectionMessage(ctx, e, MessageUpdate{})
	return nil
}

// rejectionBlocks renders a rejection's notice for its status. ok is false
// for a status with nothing new to show (an archive under way).
func (s *Service) rejectionBlocks(ctx context.Context, e domain.Execution, n slackapp.RejectionNotice) (string, []slack.Block, bool) {
	if rule, err := s.st.GetRule(ctx, e.RuleID); err == nil {
		n.RejectDelay = rule.RejectDelay
	}
	var text string
	var blocks []slack.Block
	switch e.Status {
	case domain.ExecNotified, domain.ExecDryRun:
		text, blocks = slackapp.RejectionMessage(n)
	case domain.ExecScheduled:
		id, name := actorOf(e.ExecutedBy)
		text, blocks = slackapp.ArchiveScheduledUpdate(n, id, name, e.ActAt, s.now())
	case domain.ExecRejected:
		id, name := actorOf(e.ExecutedBy)
		at := e.ActedAt
		if at.IsZero() {
			at = e.UpdatedAt
		}
		text, blocks = slackapp.ArchivedUpdate(n, id, name, at, s.undoUntil(e))
	case domain.ExecCancelled:
		id, name := actorOf(e.RevertedBy)
		text, blocks = slackapp.ArchiveCancelledUpdate(n, id, name, e.RevertedAt)
	case domain.ExecUndone:
		id, name := actorOf(e.RevertedBy)
		text, blocks = slackapp.UndoneUpdate(n, id, name, e.RevertedAt)
	case domain.ExecKept:
		id, name := actorOf(e.RevertedBy)
		text, blocks = slackapp.KeptUpdate(n, id, name, e.RevertedAt)
	case domain.ExecStale, domain.ExecFailed:
		text, blocks = slackapp.ArchiveFailedUpdate(n, explain.Scrub(e.FailureReason))
	default: // pending, undoing: the next status will be shown
		return "", nil, false
	}
	return text, blocks, true
}

// undoUntil is when the undo window of an action by aaa closes, or zero
// when undo is off, the decision was shadow, or the window has closed.
func (s *Service) undoUntil(e domain.Execution) time.Time {
	if s.opts.UndoWindow <= 0 || e.Mode != domain.ModeLive {
		return time.Time{}
	}
	at := e.ActedAt
	if at.IsZero() {
		at = e.UpdatedAt
	}
	until := at.Add(s.opts.UndoWindow)
	if !s.now().Before(until) {
		return time.Time{}
	}
	return until
}

// actorOf splits a recorded actor into a Slack user id (for a mention) and
// a name: "slack:U123 (alice)" is U123 and alice; "system" (the rule
// itself) is neither; anything else ("alice (api)") is a name.
func actorOf(by string) (userID, name string) {
	switch {
	case by == "" || by == "system":
		return "", "" // the builders say "the rule"
	case strings.HasPrefix(by, "slack:"):
		id, rest, _ := strings.Cut(strings.TrimPrefix(by, "slack:"), " (")
		return id, strings.TrimSuffix(rest, ")")
	}
	return "", by
}

// notifyAdvance sends the recruiter the message of a live advance, with its
// Undo button while the window is open (rules with notify_on_advance).
func (s *Service) notifyAdvance(ctx context.Context, e domain.Execution, final bool) error {
	if e.Status != domain.ExecSuccess || e.Mode != domain.ModeLive {
		return nil
	}
	a, recruiter := s.advanceNotice(ctx, e)
	text, blocks := slackapp.AdvanceMessage(a)
	return s.postNotice(ctx, e, KindAdvance, text, blocks, recruiter, final)
}

// updateAdvanceMessage edits the advance message after an undo (or once the
// window closed and someone clicked Undo too late).
func (s *Service) updateAdvanceMessage(ctx context.Context, e domain.Execution) {
	if s.slack == nil {
		return
	}
	channel, ts := s.messageOf(ctx, e.ID, KindAdvance)
	if channel == "" {
		return
	}
	a, _ := s.advanceNotice(ctx, e)
	var text string
	var blocks []slack.Block
	switch {
	case e.Status == domain.ExecUndone:
		id, name := actorOf(e.RevertedBy)
		text, blocks = slackapp.AdvanceUndoneUpdate(a, id, name, e.RevertedAt)
	case e.Status == domain.ExecSuccess && a.UndoUntil.IsZero():
		text, blocks = slackapp.AdvanceUndoExpiredUpdate(a)
	case e.Status == domain.ExecSuccess:
		text, blocks = slackapp.AdvanceMessage(a)
	default:
		return
	}
	if err := s.slack.UpdateMessage(ctx, channel, ts, text, blocks); err != nil {
		s.log.WarnContext(ctx, "slack_update_failed", "execution_id", e.ID, "error", err.Error())
	}
}

// advanceNotice names an advance's candidate, job and stages from the
// caches, and returns the recruiter's email.
func (s *Service) advanceNotice(ctx context.Context, e domain.Execution) (slackapp.AdvanceNotice, string) {
	rr := s.names.Renderer(ctx)
	jobID := ""
	if sched, err := s.st.GetSchedule(ctx, e.ScheduleID); err == nil {
		rr.SeedSchedule(sched)
		jobID = sched.JobID
	}
	sub := s.subjectOf(ctx, rr, e.ApplicationID, jobID)
	a := slackapp.AdvanceNotice{ExecutionID: e.ID, ApplicationID: e.ApplicationID, CandidateName: sub.candidate,
		ProfileURL: sub.profileURL, JobTitle: sub.job, Summary: rr.Summary(decisionOf(e)), UndoUntil: s.undoUntil(e)}
	if e.FromStageID != "" {
		a.FromStageTitle = rr.Name(explain.KindStage, e.FromStageID)
	}
	if e.ToStageID != "" {
		a.ToStageTitle = rr.Name(explain.KindStage, e.ToStageID)
	}
	if e.RuleID != "" {
		a.RuleName = rr.Name(explain.KindRule, e.RuleID)
	}
	recruiter := ""
	if app, err := s.st.GetApplication(ctx, e.ApplicationID); err == nil {
		recruiter = app.RecruiterEmail
	}
	return a, recruiter
}

// EraseMessages replaces Slack messages that named an erased candidate with
// a message that names nobody. A message Slack no longer has (deleted, the
// channel gone) is skipped; a transient failure is returned, so the
// erasure is retried before any row is scrubbed.
func (s *Service) EraseMessages(ctx context.Context, msgs []store.PostedMessage) error {
	if s.slack == nil {
		return nil
	}
	text, blocks := slackapp.ErasedMessage()
	for _, m := range msgs {
		if m.Channel == "" || m.TS == "" {
			continue
		}
		err := s.slack.UpdateMessage(ctx, m.Channel, m.TS, text, blocks)
		switch {
		case err == nil:
		case permanentSlackError(err):
			s.log.WarnContext(ctx, "slack_erase_skipped", "channel", m.Channel, "kind", m.Kind, "error", err.Error())
		default:
			return err
		}
	}
	return nil
}

package advance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/review"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Second thoughts (DESIGN.md, Safety): a scheduled action can be
// cancelled until it runs, an advance or archive by aaa can be undone
// within UNDO_WINDOW while the candidate is still where aaa put it, and a
// recruiter can keep a rejected candidate in process. Each is a
// compare-and-set on the decision's status, so a second click finds the
// first one's result and does nothing, and each records who did it.

// Decision actions a person can take.
const (
	ActionCancel = "cancel"
	ActionUndo   = "undo"
	ActionKeep   = "keep"
)

// ErrRefused matches every refusal of a cancel, undo or keep (a
// *RefusedError); refusals also match domain.ErrConflict.
var ErrRefused = errors.New("refused")

// RefusedError says why a cancel, undo or keep cannot be done (the window
// closed, the candidate moved, nothing is scheduled), in words for the
// person who asked.
type RefusedError struct{ Why string }

func (e *RefusedError) Error() string { return e.Why }

// Is makes a refusal match ErrRefused and domain.ErrConflict.
func (e *RefusedError) Is(target error) bool {
	return target == ErrRefused || target == domain.ErrConflict
}

func refused(format string, args ...any) error {
	return &RefusedError{Why: fmt.Sprintf(format, args...)}
}

// DecisionClick is a person's Cancel, Undo or Keep in process click in
// Slack, done in a job (an undo calls Ashby, which a Slack ack cannot wait
// for).
type DecisionClick struct {
	Action      string `json:"action"`
	ExecutionID string `json:"execution_id"`
	UserID      string `json:"user_id,omitempty"`
	UserName    string `json:"user_name,omitempty"`
	Channel     string `json:"channel,omitempty"`
	MessageTS   string `json:"message_ts,omitempty"`
}

// SlackActor is how a Slack user is recorded as the one who did something:
// "slack:U123 (alice)".
func SlackActor(userID, userName string) string {
	by := "slack:" + userID
	if userName != "" {
		by += " (" + userName + ")"
	}
	return by
}

// HandleDecisionClick checks a Slack click on Cancel, Undo or Keep in
// process and queues it. A user not on SLACK_ALLOWED_USER_IDS is refused
// with ErrNotAllowed; an unknown decision is domain.ErrNotFound.
func (s *Service) HandleDecisionClick(ctx context.Context, c DecisionClick) error {
	if len(s.allow) > 0 && !s.allow[c.UserID] {
		return ErrNotAllowed
	}
	switch c.Action {
	case ActionCancel, ActionUndo, ActionKeep:
	default:
		return fmt.Errorf("unknown decision action %q: %w", c.Action, domain.ErrInvalid)
	}
	if _, err := s.st.GetExecution(ctx, c.ExecutionID); err != nil {
		return err
	}
	return s.queue.EnqueueDecisionAction(ctx, nil, c)
}

// ActOnClick does a queued Slack click. A refusal is told to the user who
// clicked (only they see it) and is not an error: retrying would not change
// it.
func (s *Service) ActOnClick(ctx context.Context, c DecisionClick, final bool) error {
	by := SlackActor(c.UserID, c.UserName)
	var err error
	switch c.Action {
	case ActionCancel:
		_, err = s.Cancel(ctx, c.ExecutionID, by)
	case ActionUndo:
		_, err = s.Undo(ctx, c.ExecutionID, by)
	case ActionKeep:
		_, err = s.KeepInProcess(ctx, c.ExecutionID, by)
	default:
		return nil
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrRefused), errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrInvalid):
		s.notices.Ephemeral(ctx, c.Channel, c.UserID, capitalize(err.Error()))
		return nil
	case final:
		s.notices.Ephemeral(ctx, c.Channel, c.UserID, "aaa could not do that: "+err.Error())
		return nil
	}
	return err
}

// Cancel stops a scheduled action (a delayed archive, an action held to
// working hours) before it runs. Cancelling twice is a no-op.
func (s *Service) Cancel(ctx context.Context, executionID, by string) (domain.Execution, error) {
	e, err := s.st.GetExecution(ctx, executionID)
	if err != nil {
		return domain.Execution{}, err
	}
	switch e.Status {
	case domain.ExecCancelled:
		return e, nil
	case domain.ExecScheduled:
	default:
		return e, refused("nothing is scheduled for this decision: it is %s", describeStatus(e))
	}
	err = s.st.InTx(ctx, func(tx store.Store) error {
		if err := tx.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: domain.ExecScheduled,
			Status: domain.ExecCancelled, RevertedBy: by, At: s.now()}); err != nil {
			return err
		}
		return s.queue.EnqueueRefresh(ctx, tx.SQLTx(), e.ID)
	})
	if errors.Is(err, domain.ErrConflict) {
		return s.settled(ctx, e.ID, domain.ExecCancelled, "it was cancelled")
	}
	if err != nil {
		return e, err
	}
	s.log.InfoContext(ctx, "decision_cancelled", "execution_id", e.ID, "application_id", e.ApplicationID, "outcome", e.Outcome, "by", by)
	return s.st.GetExecution(ctx, e.ID)
}

// settled re-reads a decision a concurrent click changed: already in the
// wanted status is a no-op, anything else is refused.
func (s *Service) settled(ctx context.Context, id, want, what string) (domain.Execution, error) {
	e, err := s.st.GetExecution(ctx, id)
	if err != nil {
		return e, err
	}
	if e.Status == want {
		return e, nil
	}
	return e, refused("%s meanwhile: it is %s", what, describeStatus(e))
}

// KeepInProcess records a recruiter's override of a live rejection: the
// decision becomes kept, a disagreeing review counts against the rule's
// agreement, the notice loses its buttons, and aaa does not ask again for
// this schedule unless new feedback arrives. A scheduled archive is
// cancelled by it.
func (s *Service) KeepInProcess(ctx context.Context, executionID, by string) (domain.Execution, error) {
	e, err := s.st.GetExecution(ctx, executionID)
	if err != nil {
		return domain.Execution{}, err
	}
	switch {
	case e.Status == domain.ExecKept:
		return e, nil
	case e.Outcome != domain.OutcomeReject || (e.Status != domain.ExecNotified && e.Status != domain.ExecScheduled):
		return e, refused("only a rejection still awaiting its archive can be kept in process: this decision is %s", describeStatus(e))
	}
	err = s.st.InTx(ctx, func(tx store.Store) error {
		if err := tx.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: e.Status,
			Status: domain.ExecKept, RevertedBy: by, At: s.now()}); err != nil {
			return err
		}
		if err := review.Override(ctx, tx, e, by, "kept in process", s.now()); err != nil {
			return err
		}
		return s.queue.EnqueueRefresh(ctx, tx.SQLTx(), e.ID)
	})
	if errors.Is(err, domain.ErrConflict) {
		return s.settled(ctx, e.ID, domain.ExecKept, "the decision changed")
	}
	if err != nil {
		return e, err
	}
	s.log.InfoContext(ctx, "candidate_kept_in_process", "execution_id", e.ID, "application_id", e.ApplicationID, "by", by)
	return s.st.GetExecution(ctx, e.ID)
}

// Undo moves the candidate of an advance or archive by aaa back to the
// stage it came from (application.changeStage), within UNDO_WINDOW of the
// move and only while the candidate is still where aaa put it. It is done
// once: a second undo finds the first one's result. An email Ashby already
// sent and stage-entry automations Ashby already ran are not taken back.
func (s *Service) Undo(ctx context.Context, executionID, by string) (domain.Execution, error) {
	e, err := s.st.GetExecution(ctx, executionID)
	if err != nil {
		return domain.Execution{}, err
	}
	switch e.Status {
	case domain.ExecUndone:
		return e, nil
	case domain.ExecUndoing:
		if s.now().Sub(e.UpdatedAt) < s.opts.ClaimLease {
			return e, nil // under way in another click's hands
		}
		// Its worker stopped: re-read and finish below.
	case domain.ExecSuccess, domain.ExecRejected:
		if e.Mode != domain.ModeLive {
			return e, refused("a shadow decision changed nothing in Ashby, so there is nothing to undo")
		}
		if s.opts.UndoWindow <= 0 {
			return e, refused("undo is turned off (UNDO_WINDOW=0)")
		}
		acted := e.ActedAt
		if acted.IsZero() {
			acted = e.UpdatedAt
		}
		if until := acted.Add(s.opts.UndoWindow); s.now().After(until) {
			return e, refused("the undo window closed at %s (%s after aaa acted); move the candidate in Ashby instead",
				until.UTC().Format("2006-01-02 15:04 UTC"), s.opts.UndoWindow)
		}
	default:
		return e, refused("only an advance or archive that aaa made can be undone: this decision is %s", describeStatus(e))
	}
	if e.FromStageID == "" {
		return e, refused("the decision does not say which stage the candidate came from")
	}
	if s.ats == nil {
		return e, domain.ErrAshbyNotConfigured
	}
	app, err := s.catalog.Application(ctx, e.ApplicationID)
	if err != nil {
		return e, fmt.Errorf("read the application before undoing: %w", err)
	}
	wasUndoing := e.Status == domain.ExecUndoing
	if wasUndoing && app.StageID() == e.FromStageID && app.Status == ashby.ApplicationStatusActive {
		return s.finishUndo(ctx, e, by, app)
	}
	if !wasUndoing && !whereAaaPutIt(e, app) {
		return e, refused("not undone: the candidate was moved since aaa acted (now in %s, status %s); nothing was changed in Ashby",
			stageTitle(ctx, s.st, app.StageID()), app.Status)
	}
	from := e.Status
	if err := s.st.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: from,
		Status: domain.ExecUndoing, RevertedBy: by, At: s.now()}); err != nil {
		if errors.Is(err, domain.ErrConflict) {
			return s.settled(ctx, e.ID, domain.ExecUndone, "someone else acted on it")
		}
		return e, err
	}
	if _, err := s.ats.AdvanceApplication(ctx, e.ApplicationID, e.FromStageID); err != nil {
		if ashby.IsUncertain(err) {
			if again, rerr := s.catalog.Application(ctx, e.ApplicationID); rerr == nil && again.StageID() == e.FromStageID {
				return s.finishUndo(ctx, e, by, again)
			}
		}
		// Nothing moved (or we cannot tell): give the decision back its
		// status, so the undo can be tried again within the window.
		back := from
		if back == domain.ExecUndoing {
			back = undoneFrom(e)
		}
		_ = s.st.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: domain.ExecUndoing, Status: back, At: s.now()})
		s.log.WarnContext(ctx, "undo_failed", "execution_id", e.ID, "error", err.Error())
		return e, fmt.Errorf("undo: Ashby did not move the candidate back: %w", err)
	}
	return s.finishUndo(ctx, e, by, app)
}

// whereAaaPutIt reports whether the application is still where the
// decision's action left it: in the target stage of an advance, archived
// (in the same Archived stage, when known) after an archive.
func whereAaaPutIt(e domain.Execution, app ashby.Application) bool {
	if e.Outcome == domain.OutcomeAdvance {
		return app.StageID() == e.ToStageID && app.Status == ashby.ApplicationStatusActive
	}
	return app.Status == ashby.ApplicationStatusArchived && (e.ToStageID == "" || app.StageID() == e.ToStageID)
}

// undoneFrom is the status an interrupted undo returns to when its call
// failed.
func undoneFrom(e domain.Execution) string {
	if e.Outcome == domain.OutcomeAdvance {
		return domain.ExecSuccess
	}
	return domain.ExecRejected
}

func (s *Service) finishUndo(ctx context.Context, e domain.Execution, by string, app ashby.Application) (domain.Execution, error) {
	err := s.st.InTx(ctx, func(tx store.Store) error {
		if err := tx.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: domain.ExecUndoing,
			Status: domain.ExecUndone, RevertedBy: by, At: s.now()}); err != nil {
			return err
		}
		return s.queue.EnqueueRefresh(ctx, tx.SQLTx(), e.ID)
	})
	if errors.Is(err, domain.ErrConflict) {
		return s.settled(ctx, e.ID, domain.ExecUndone, "someone else acted on it")
	}
	if err != nil {
		return e, err
	}
	_ = s.st.UpsertApplication(ctx, domain.Application{ID: e.ApplicationID, CandidateID: app.Candidate.ID, JobID: app.Job.ID,
		CurrentStageID: e.FromStageID, Status: ashby.ApplicationStatusActive, CandidateName: app.Candidate.Name, UpdatedAt: s.now()})
	s.log.InfoContext(ctx, "decision_undone", "execution_id", e.ID, "application_id", e.ApplicationID,
		"outcome", e.Outcome, "to_stage_id", e.FromStageID, "by", by)
	return s.st.GetExecution(ctx, e.ID)
}

// describeStatus says in words what happened to a decision.
func describeStatus(e domain.Execution) string {
	switch e.Status {
	case domain.ExecSuccess:
		return "advanced"
	case domain.ExecRejected:
		return "archived"
	case domain.ExecNotified:
		return "awaiting a recruiter's click"
	case domain.ExecScheduled:
		return "scheduled for " + e.ActAt.UTC().Format("2006-01-02 15:04 UTC")
	case domain.ExecCancelled:
		return "cancelled by " + e.RevertedBy
	case domain.ExecUndone:
		return "undone by " + e.RevertedBy
	case domain.ExecUndoing:
		return "being undone"
	case domain.ExecKept:
		return "kept in process by " + e.RevertedBy
	case domain.ExecDryRun:
		return "a shadow decision"
	case domain.ExecPending:
		return "being acted on"
	}
	return e.Status
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// actAt is when a live action decided now should run: after delay, and in
// working hours when the rule asks for it. It equals now when the action
// runs at once.
func (s *Service) actAt(rule domain.Rule, delay time.Duration) time.Time {
	now := s.now()
	at := now.Add(max(delay, 0))
	if rule.ActInWorkHours && s.opts.WorkingTime != nil {
		at = s.opts.WorkingTime(at)
	}
	if at.Before(now) {
		return now
	}
	return at
}

// due reports whether a scheduled action's time has come (by the app's
// clock, with the tolerance the evaluation snooze allows).
func (s *Service) due(e domain.Execution) bool {
	return !s.now().Add(soonWindow).Before(e.ActAt)
}

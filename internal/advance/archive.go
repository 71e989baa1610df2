package advance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// ArchiveRequest asks to archive the application of a rejected decision.
type ArchiveRequest struct {
	ExecutionID   string `json:"execution_id" river:"unique"`
	ApplicationID string `json:"application_id"`
	UserID        string `json:"user_id,omitempty"`
	UserName      string `json:"user_name,omitempty"`
	Channel       string `json:"channel,omitempty"`
	MessageTS     string `json:"message_ts,omitempty"`
	// Auto marks an archive the rule itself ordered (on-reject: archive).
	Auto bool `json:"auto,omitempty"`
}

// Click results of HandleRejectionClick.
var (
	// ErrNotAllowed means the clicking user is not on SLACK_ALLOWED_USER_IDS.
	ErrNotAllowed = errors.New("not allowed to archive candidates")
)

// HandleRejectionClick validates a recruiter's Archive click and enqueues the
// archive. A shadow decision or a user not on the allowlist is refused.
func (s *Service) HandleRejectionClick(ctx context.Context, req ArchiveRequest) error {
	if len(s.allow) > 0 && !s.allow[req.UserID] {
		return ErrNotAllowed
	}
	if req.ExecutionID == "" {
		// The seed's button value names only the application: use its
		// newest rejection awaiting a click.
		list, err := s.st.ListExecutions(ctx, store.ExecutionFilter{ApplicationID: req.ApplicationID, Outcome: domain.OutcomeReject, Limit: 1})
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return fmt.Errorf("no rejection decision for application %s: %w", req.ApplicationID, domain.ErrNotFound)
		}
		req.ExecutionID = list[0].ID
	}
	e, err := s.st.GetExecution(ctx, req.ExecutionID)
	if err != nil {
		return err
	}
	if e.Mode == domain.ModeShadow {
		return fmt.Errorf("decision %s was made in shadow mode: %w", e.ID, domain.ErrInvalid)
	}
	if s.opts.DryRun {
		return fmt.Errorf("aaa runs in dry-run mode (ADVANCEMENT_DRY_RUN_MODE): nothing is archived: %w", domain.ErrInvalid)
	}
	req.ApplicationID = e.ApplicationID
	if e.Status != domain.ExecNotified {
		// Clicked twice, or after a cancel, keep or archive: the archive
		// job's own guard would find nothing to do; say what happened.
		return refused("this rejection is %s", describeStatus(e))
	}
	rule, err := s.st.GetRule(ctx, e.RuleID)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	at := s.actAt(rule, rule.RejectDelay)
	if !at.After(s.now()) {
		return s.queue.EnqueueArchive(ctx, nil, req, time.Time{})
	}
	// A delayed archive: the decision is scheduled (cancellable until at)
	// and its durable job commits with it.
	by := SlackActor(req.UserID, req.UserName)
	err = s.st.InTx(ctx, func(tx store.Store) error {
		if err := tx.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: domain.ExecNotified,
			Status: domain.ExecScheduled, ExecutedBy: by, ActAt: at, At: s.now()}); err != nil {
			return err
		}
		if err := s.queue.EnqueueArchive(ctx, tx.SQLTx(), req, at); err != nil {
			return err
		}
		return s.queue.EnqueueRefresh(ctx, tx.SQLTx(), e.ID)
	})
	if errors.Is(err, domain.ErrConflict) {
		return nil // a concurrent click scheduled or archived it
	}
	if err == nil {
		s.log.InfoContext(ctx, "archive_scheduled", "execution_id", e.ID, "application_id", e.ApplicationID,
			"act_at", at.UTC(), "by", by)
	}
	return err
}

// ArchiveFromSlack archives the application of a rejected decision (after a
// click, or automatically). It is idempotent: only a decision still
// awaiting its archive is acted on, and the application is re-read first.
func (s *Service) ArchiveFromSlack(ctx context.Context, req ArchiveRequest, final bool) error {
	e, err := s.st.GetExecution(ctx, req.ExecutionID)
	if err != nil {
		return err
	}
	log := s.log.With("execution_id", e.ID, "application_id", e.ApplicationID, "slack_user_id", req.UserID)
	if s.opts.DryRun && e.Status == domain.ExecNotified {
		// ADVANCEMENT_DRY_RUN_MODE is a kill switch: nothing is written to
		// Ashby, even for notices sent before it was turned on.
		log.WarnContext(ctx, "archive_refused_dry_run")
		return nil
	}
	if s.ats == nil && e.Status == domain.ExecNotified {
		// Checked before claiming the decision, so that a missing Ashby key
		// leaves it awaiting its click rather than stuck in pending.
		return domain.ErrAshbyNotConfigured
	}
	if s.ats == nil && e.Status == domain.ExecScheduled && s.due(e) {
		return domain.ErrAshbyNotConfigured
	}
	switch e.Status {
	case domain.ExecNotified, domain.ExecScheduled:
		if e.Status == domain.ExecScheduled && !s.due(e) {
			return fmt.Errorf("archive of %s is scheduled for %s, not yet due", e.ID, e.ActAt.UTC().Format(time.RFC3339))
		}
		if err := s.st.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: e.Status,
			Status: domain.ExecPending, At: s.now()}); err != nil {
			if errors.Is(err, domain.ErrConflict) {
				return nil
			}
			return err
		}
	case domain.ExecPending:
		// Our own earlier attempt (archive jobs are unique per decision).
	default:
		log.InfoContext(ctx, "archive_click_ignored", "status", e.Status)
		return nil
	}
	by := "system"
	if !req.Auto {
		by = SlackActor(req.UserID, req.UserName)
	}
	var archivedIn string // the Archived stage the candidate was moved to
	finish := func(status, reason string) error {
		err := s.st.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: domain.ExecPending,
			Status: status, FailureReason: reason, ExecutedBy: by, At: s.now(),
			Acted: status == domain.ExecRejected, ToStageID: archivedIn})
		e.Status, e.FailureReason, e.ExecutedBy, e.UpdatedAt = status, reason, by, s.now()
		if status == domain.ExecRejected {
			e.ActedAt = e.UpdatedAt // the undo window starts now, not at the click
		}
		s.notices.UpdateRejectionMessage(ctx, e, notify.MessageUpdate{Channel: req.Channel, MessageTS: req.MessageTS})
		return err
	}
	if s.ats == nil {
		return domain.ErrAshbyNotConfigured
	}
	app, err := s.catalog.Application(ctx, e.ApplicationID)
	if err != nil {
		return s.archiveRetryOrFail(ctx, err, final, finish)
	}
	if app.Status == ashby.ApplicationStatusArchived && e.FailureReason == archiveSent {
		// Our earlier attempt landed but its answer was lost.
		log.InfoContext(ctx, "candidate_archived", "confirmed_by_reread", true)
		archivedIn = app.StageID()
		return finish(domain.ExecRejected, "")
	}
	if app.Status == ashby.ApplicationStatusArchived || app.StageID() != e.FromStageID {
		reason := fmt.Sprintf("not archived: the candidate was already moved out of the stage by hand (now %s, status %s)",
			stageTitle(ctx, s.st, app.StageID()), app.Status)
		log.InfoContext(ctx, "archive_stale", "reason", reason)
		return finish(domain.ExecStale, reason)
	}
	reasonID := s.opts.DefaultArchiveReason
	var email *ashby.ArchiveEmail
	if rule, err := s.st.GetRule(ctx, e.RuleID); err == nil {
		if rule.ArchiveReasonID != "" {
			reasonID = rule.ArchiveReasonID
		}
		if rule.CommunicationTemplateID != "" {
			email = &ashby.ArchiveEmail{CommunicationTemplateID: rule.CommunicationTemplateID, SendAt: s.now()}
		}
	}
	if reasonID == "" {
		return finish(domain.ExecFailed, "no archive reason: set the rule's archive reason or DEFAULT_ARCHIVE_REASON_ID")
	}
	if err := s.st.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: domain.ExecPending,
		Status: domain.ExecPending, FailureReason: archiveSent, At: s.now()}); err != nil {
		return err
	}
	moved, err := s.ats.ArchiveApplication(ctx, e.ApplicationID, reasonID, email)
	if err != nil {
		if ashby.IsUncertain(err) {
			if again, rerr := s.catalog.Application(ctx, e.ApplicationID); rerr == nil && again.Status == ashby.ApplicationStatusArchived {
				log.InfoContext(ctx, "candidate_archived", "sent_email", email != nil, "confirmed_by_reread", true)
				archivedIn = again.StageID()
				return finish(domain.ExecRejected, "")
			}
		}
		return s.archiveRetryOrFail(ctx, err, final, finish)
	}
	log.InfoContext(ctx, "candidate_archived", "sent_email", email != nil, "executed_by", by)
	archivedIn = moved.StageID()
	_ = s.st.UpsertApplication(ctx, domain.Application{ID: app.ID, CandidateID: app.Candidate.ID, JobID: app.Job.ID,
		CurrentStageID: archivedIn, Status: ashby.ApplicationStatusArchived, CandidateName: app.Candidate.Name, UpdatedAt: s.now()})
	return finish(domain.ExecRejected, "")
}

// archiveSent marks a pending archive whose call may have reached Ashby.
const archiveSent = "archive sent; outcome being confirmed"

func (s *Service) archiveRetryOrFail(ctx context.Context, err error, final bool, finish func(string, string) error) error {
	if !final && !ashby.IsAuth(err) {
		return fmt.Errorf("archive: %w", err)
	}
	return finish(domain.ExecFailed, "archive failed: "+err.Error())
}

func stageTitle(ctx context.Context, st store.MetadataStore, id string) string {
	if id == "" {
		return "no stage"
	}
	if s, err := st.GetStage(ctx, id); err == nil && s.Title != "" {
		return s.Title
	}
	return id
}

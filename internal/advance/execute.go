package advance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// claimShadowAdvance records a shadow advance once per claim key. It runs in
// the record step's transaction, with the schedule's stamp: shadow never
// calls Ashby, so nothing stands between the claim and the stamp, and a
// fault between them rolls both back (a claim committed alone would make
// the next try find it and say nothing, while the schedule looked
// undecided). A target stage that could not be resolved is kept as the
// row's failure reason: a shadow decision is shown, not acted on.
func (s *Service) claimShadowAdvance(ctx context.Context, tx store.Store, it *item) (string, string, error) {
	sched, d := it.sched, it.d
	e := s.newExecution(sched, d, domain.ExecDryRun)
	e.ToStageID = it.target
	if it.terr != nil {
		e.FailureReason = it.terr.Error()
	}
	key := store.ClaimKey("advance:shadow", sched.ApplicationID, sched.InterviewStageID, d.RuleID, d.RuleVersion)
	got, created, err := tx.ClaimExecution(ctx, e, key)
	if created {
		it.logs = append(it.logs, func() {
			s.log.InfoContext(ctx, "DRY_RUN_would_advance_candidate", "schedule_id", sched.ID,
				"application_id", sched.ApplicationID, "rule_id", d.RuleID, "from_stage_id", sched.InterviewStageID,
				"to_stage_id", it.target, "execution_id", got.ID)
		})
	}
	return got.ID, got.Status, err
}

// advanceLive moves the candidate of a live advance decision exactly once,
// with the target stage already resolved (terr is the error of resolving
// it). It calls Ashby, so it never runs inside a transaction: the claim
// commits on its own before the call.
func (s *Service) advanceLive(ctx context.Context, sched domain.Schedule, d domain.Decision, rule domain.Rule, target string, terr error) (string, string, error) {
	log := s.log.With("schedule_id", sched.ID, "application_id", sched.ApplicationID, "rule_id", d.RuleID)
	e := s.newExecution(sched, d, domain.ExecPending)
	e.ToStageID = target
	key := store.ClaimKey("advance", sched.ApplicationID, sched.InterviewStageID, d.RuleID, d.RuleVersion)
	if terr != nil {
		if errors.Is(terr, errNoTarget) {
			// A configuration problem: record it once, alert, and stop.
			e.Status, e.FailureReason = domain.ExecFailed, terr.Error()
			got, created, err := s.st.ClaimExecution(ctx, e, key)
			if created {
				log.ErrorContext(ctx, "advancement_target_missing", "error", terr.Error(), "execution_id", got.ID)
				s.notices.AlertExecution(ctx, got)
			}
			return got.ID, got.Status, err
		}
		return "", "", terr // transient: the job retries
	}
	if at := s.actAt(rule, 0); at.After(s.now()) {
		// Held to working hours: the claim is scheduled, and the
		// re-evaluation at its time commits with it.
		e.Status, e.ActAt = domain.ExecScheduled, at
		var got domain.Execution
		var created bool
		err := s.st.InTx(ctx, func(tx store.Store) error {
			var err error
			if got, created, err = tx.ClaimExecution(ctx, e, key); err != nil || !created {
				return err
			}
			return s.queue.EnqueueEvaluate(ctx, tx.SQLTx(), sched.ID, at, noChange)
		})
		if err != nil {
			return "", "", err
		}
		if created {
			log.InfoContext(ctx, "advancement_held_to_work_hours", "execution_id", got.ID, "act_at", at.UTC())
		}
		if created || got.Status != domain.ExecScheduled || !s.due(got) {
			return got.ID, got.Status, nil
		}
	}
	// Claim before Ashby is called: a second evaluation (another worker,
	// the sweep, a retry) finds the claim and does nothing.
	got, created, err := s.st.ClaimExecution(ctx, e, key)
	if err != nil {
		return "", "", err
	}
	if !created && got.Status == domain.ExecScheduled {
		// Held to working hours (or a scheduled claim): act once its time
		// has come, unless someone cancelled it.
		if !s.due(got) {
			return got.ID, got.Status, nil
		}
		if err := s.st.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: got.ID, FromStatus: domain.ExecScheduled,
			Status: domain.ExecPending, At: s.now()}); err != nil {
			if errors.Is(err, domain.ErrConflict) {
				return got.ID, got.Status, nil
			}
			return got.ID, got.Status, err
		}
		if got, err = s.st.GetExecution(ctx, got.ID); err != nil {
			return "", "", err
		}
		created = true // ours now: act below
	}
	if !created {
		if got.Status != domain.ExecPending || s.now().Sub(got.UpdatedAt) < s.opts.ClaimLease {
			return got.ID, got.Status, nil // done, or in another worker's hands
		}
		// Pending past its lease: its worker stopped. Take it over; the new
		// stamp fences that worker out, and executeAdvance re-reads the
		// application before any write, since its call may have landed.
		stamp, err := s.st.TakeOverExecution(ctx, got.ID, got.UpdatedAt, s.now(), "")
		if err != nil {
			if errors.Is(err, domain.ErrConflict) {
				return got.ID, got.Status, nil
			}
			return got.ID, got.Status, err
		}
		got.UpdatedAt = stamp
		log.WarnContext(ctx, "advancement_taken_over", "execution_id", got.ID)
	}
	status, err := s.executeAdvance(ctx, got, log.With("execution_id", got.ID))
	return got.ID, status, err
}

// executeAdvance performs a claimed advance: stale-stage guard, changeStage,
// audit. A failed or uncertain call is followed by a re-read, never by a
// blind second changeStage.
func (s *Service) executeAdvance(ctx context.Context, e domain.Execution, log *slog.Logger) (string, error) {
	finish := func(status, reason string) (string, error) {
		err := s.st.InTx(ctx, func(tx store.Store) error {
			if err := tx.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: e.ID, FromStatus: domain.ExecPending,
				Status: status, FailureReason: reason, At: s.now(), Acted: status == domain.ExecSuccess}); err != nil {
				return err
			}
			if status != domain.ExecSuccess {
				return nil
			}
			// The recruiter's message with its Undo button, when the
			// rule asks for one, commits with the success.
			if rule, err := tx.GetRule(ctx, e.RuleID); err == nil && rule.NotifyOnAdvance {
				return s.queue.EnqueueNotify(ctx, tx.SQLTx(), e.ID)
			}
			return nil
		})
		if err == nil && status == domain.ExecSuccess {
			s.supersedeRejections(ctx, e)
		}
		return status, err
	}
	// sent records that a changeStage may have reached Ashby for this claim
	// (now, or before a crash): only then is finding the candidate in the
	// target stage our own success rather than a recruiter's move.
	sent := e.FailureReason == changeStageSent
	var lastErr error
	for attempt := 1; attempt <= s.opts.AdvanceAttempts; attempt++ {
		app, err := s.catalog.Application(ctx, e.ApplicationID)
		if err != nil {
			lastErr = fmt.Errorf("read application: %w", err)
			log.WarnContext(ctx, "advancement_attempt_failed", "attempt", attempt, "error", lastErr.Error())
			if err := s.sleep(ctx, s.opts.AttemptDelay); err != nil {
				return domain.ExecPending, err
			}
			continue
		}
		switch cur := app.StageID(); {
		case cur == e.ToStageID && sent:
			// Moved already: by this claim's earlier, uncertain call.
			log.InfoContext(ctx, "candidate_advanced_successfully", "attempt", attempt, "to_stage_id", e.ToStageID, "confirmed_by_reread", true)
			return finish(domain.ExecSuccess, "")
		case app.Status == ashby.ApplicationStatusArchived || app.Status == ashby.ApplicationStatusHired || cur != e.FromStageID:
			reason := fmt.Sprintf("application left stage %s before aaa acted (now %s, status %s)", e.FromStageID, stageOrNone(cur), app.Status)
			log.InfoContext(ctx, "advancement_stale", "reason", reason)
			return finish(domain.ExecStale, reason)
		}
		// Fence every send: only the worker whose stamp is still on the
		// claim may call Ashby (a slow worker whose claim was taken over
		// after its lease stops here).
		stamp, err := s.st.TakeOverExecution(ctx, e.ID, e.UpdatedAt, s.now(), changeStageSent)
		if errors.Is(err, domain.ErrConflict) {
			log.WarnContext(ctx, "advancement_claim_lost")
			return domain.ExecPending, nil
		} else if err != nil {
			return domain.ExecPending, err
		}
		e.UpdatedAt, sent = stamp, true
		_, err = s.ats.AdvanceApplication(ctx, e.ApplicationID, e.ToStageID)
		if err == nil {
			log.InfoContext(ctx, "candidate_advanced_successfully", "attempt", attempt, "from_stage_id", e.FromStageID, "to_stage_id", e.ToStageID)
			_ = s.st.UpsertApplication(ctx, domain.Application{ID: app.ID, CandidateID: app.Candidate.ID, JobID: app.Job.ID,
				CurrentStageID: e.ToStageID, Status: app.Status, CandidateName: app.Candidate.Name, UpdatedAt: s.now()})
			return finish(domain.ExecSuccess, "")
		}
		lastErr = err
		log.WarnContext(ctx, "advancement_attempt_failed", "attempt", attempt, "uncertain", ashby.IsUncertain(err), "error", err.Error())
		if ae := (*ashby.APIError)(nil); errors.As(err, &ae) && !ashby.IsRateLimited(err) && ae.StatusCode < 500 {
			break // Ashby refused the move: retrying will not help.
		}
		if err := s.sleep(ctx, s.opts.AttemptDelay); err != nil {
			return domain.ExecPending, err
		}
	}
	reason := fmt.Sprintf("advance failed after %d attempts: %v", s.opts.AdvanceAttempts, lastErr)
	status, err := finish(domain.ExecFailed, reason)
	if err == nil {
		e.Status, e.FailureReason = domain.ExecFailed, reason
		s.notices.AlertExecution(ctx, e)
	}
	return status, err
}

// changeStageSent marks a pending execution whose changeStage was sent.
const changeStageSent = "changeStage sent; outcome being confirmed"

func stageOrNone(id string) string {
	if id == "" {
		return "no stage"
	}
	return id
}

var errNoTarget = errors.New("no target stage")

// targetStage returns the rule's target, else the next stage by order,
// skipping Archived and Hired stages. A missing next stage is errNoTarget.
func (s *Service) targetStage(ctx context.Context, sched domain.Schedule, rule domain.Rule) (string, error) {
	if rule.TargetStageID != "" {
		return rule.TargetStageID, nil
	}
	stages, err := s.st.ListStages(ctx, sched.InterviewPlanID)
	if err != nil {
		return "", err
	}
	if next, _, ok := nextStage(stages, sched.InterviewStageID); ok {
		return next, nil
	}
	// The cache may hold only the stages seen so far: ask Ashby once.
	stages, err = s.catalog.RefreshStages(ctx, sched.InterviewPlanID)
	if err != nil {
		return "", err
	}
	next, found, ok := nextStage(stages, sched.InterviewStageID)
	switch {
	case ok:
		return next, nil
	case found:
		return "", fmt.Errorf("%w: stage %s is the last active stage of plan %s", errNoTarget, sched.InterviewStageID, sched.InterviewPlanID)
	}
	return "", fmt.Errorf("%w: stage %s is not in plan %s", errNoTarget, sched.InterviewStageID, sched.InterviewPlanID)
}

// nextStage finds the stage after current (by order), skipping Archived and
// Hired stages. found reports whether current is in the list.
func nextStage(stages []domain.Stage, current string) (next string, found, ok bool) {
	for i, st := range stages {
		if st.ID != current {
			continue
		}
		for _, n := range stages[i+1:] {
			if n.Type != ashby.StageTypeArchived && n.Type != ashby.StageTypeHired {
				return n.ID, true, true
			}
		}
		return "", true, false
	}
	return "", false, false
}

// supersedeRejections retires rejections of the same application and stage
// still awaiting a click or a scheduled archive, once the candidate has been
// advanced (new feedback turned the decision): their buttons must not stay
// live, and a delayed archive must not run.
func (s *Service) supersedeRejections(ctx context.Context, advanced domain.Execution) {
	s.retireRejections(ctx, advanced.ApplicationID,
		func(r domain.Execution) bool { return r.FromStageID == advanced.FromStageID },
		"superseded: the candidate was advanced by aaa after new feedback", notify.MessageUpdate{})
}

// RetireMoved retires the rejections of an application that a recruiter
// moved out of their stage in Ashby (a candidateStageChange): their Slack
// notices say where the candidate went and lose their buttons, and a
// scheduled archive does not run (recorded stale).
func (s *Service) RetireMoved(ctx context.Context, applicationID, nowStageID, nowStageTitle string) {
	where := nowStageTitle
	if where == "" {
		where = "another stage"
	}
	s.retireRejections(ctx, applicationID,
		func(r domain.Execution) bool { return r.FromStageID != nowStageID },
		"not archived: the candidate was moved to "+where+" in Ashby", notify.MessageUpdate{MovedTo: where})
}

// retireRejections marks stale, with reason, the rejections of an
// application that still await a click or whose archive is scheduled and
// that retire selects, and edits their Slack notices (no button left).
func (s *Service) retireRejections(ctx context.Context, applicationID string, retire func(domain.Execution) bool,
	reason string, update notify.MessageUpdate) {
	for _, status := range []string{domain.ExecNotified, domain.ExecScheduled} {
		list, err := s.st.ListExecutions(ctx, store.ExecutionFilter{ApplicationID: applicationID,
			Status: status, Outcome: domain.OutcomeReject, Limit: 20})
		if err != nil {
			s.log.WarnContext(ctx, "retire_rejections_failed", "error", err.Error())
			return
		}
		for _, r := range list {
			if !retire(r) {
				continue
			}
			if err := s.st.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: r.ID, FromStatus: status,
				Status: domain.ExecStale, FailureReason: reason, At: s.now()}); err != nil {
				continue // clicked meanwhile: the archive's own guard decides
			}
			s.log.InfoContext(ctx, "rejection_retired", "execution_id", r.ID, "application_id", applicationID, "was", status)
			r.Status, r.FailureReason = domain.ExecStale, reason
			s.notices.UpdateRejectionMessage(ctx, r, update)
		}
	}
}

package advance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// shadowAdvanceClaim claims a shadow advance once per claim key. It runs in
// the record step's transaction, with the schedule's stamp: shadow never
// calls Ashby, so nothing stands between the claim and the stamp, and a
// fault between them rolls both back (a claim committed alone would make
// the next try find it and say nothing, while the schedule looked
// undecided). A target stage that could not be resolved is kept as the
// row's failure reason: a shadow decision is shown, not acted on.
func (s *Service) shadowAdvanceClaim(ctx context.Context, it *item) *claim {
	sched, d := it.sched, it.d
	e := s.newExecution(sched, d, domain.ExecDryRun)
	e.ToStageID = it.target
	if it.terr != nil {
		e.FailureReason = it.terr.Error()
	}
	return &claim{it: it, e: e, key: store.ClaimKey("advance:shadow", sched.ApplicationID, sched.InterviewStageID, d.RuleID, d.RuleVersion),
		then: func(got domain.Execution) error {
			it.logs = append(it.logs, func() {
				s.log.InfoContext(ctx, "DRY_RUN_would_advance_candidate", "schedule_id", sched.ID,
					"application_id", sched.ApplicationID, "rule_id", d.RuleID, "from_stage_id", sched.InterviewStageID,
					"to_stage_id", it.target, "execution_id", got.ID)
			})
			return nil
		}}
}

// liveAdvance is one live advance decision on its way through act's steps.
type liveAdvance struct {
	it  *item
	log *slog.Logger
	// c is its claim; held is set when it is held to working hours (the
	// claim is then scheduled at that time), noTarget when the rule has no
	// target stage (the claim then records the failure).
	c        claim
	held     time.Time
	noTarget bool
	// own reports that this pass acts on the claim (created, or taken over:
	// got is then the row as this pass stamped it).
	own bool
	// fin is the outcome of the move to record, if it reached one.
	fin *finish
	// id, status and err are the advance's result.
	id, status string
	err        error
	done       bool
}

// finish is the outcome of a claimed advance, recorded by finishAll.
type finish struct {
	status, reason string
	// moved is the application as changeStage left it, for the cache.
	moved *domain.Application
}

func (a *liveAdvance) result(id, status string, err error) {
	a.id, a.status, a.err, a.done = id, status, err, true
}

// claimLive is act's first step: every live advance's claim in one
// transaction, with one statement, before any Ashby call. A claim commits
// pending (this pass acts on it), scheduled at act_at when the rule holds
// its actions to working hours (with its re-evaluation at that time, in the
// same transaction), or failed when the rule has no target stage (recorded
// once, and alerted). A target stage that failed for a transient reason
// claims nothing: the job retries.
func (s *Service) claimLive(ctx context.Context, live []*liveAdvance) {
	var todo []*liveAdvance
	for _, a := range live {
		it := a.it
		sched, d := it.sched, it.d
		a.log = s.log.With("schedule_id", sched.ID, "application_id", sched.ApplicationID, "rule_id", d.RuleID)
		e := s.newExecution(sched, d, domain.ExecPending)
		e.ToStageID = it.target
		a.c = claim{it: it, e: e, key: store.ClaimKey("advance", sched.ApplicationID, sched.InterviewStageID, d.RuleID, d.RuleVersion)}
		switch {
		case it.terr != nil && errors.Is(it.terr, errNoTarget):
			// A configuration problem: record it once, alert, and stop.
			a.c.e.Status, a.c.e.FailureReason = domain.ExecFailed, it.terr.Error()
			a.noTarget = true
		case it.terr != nil:
			a.result("", "", it.terr) // transient: the job retries
			continue
		default:
			if at := s.actAt(it.rule, 0); at.After(s.now()) {
				// Held to working hours: the claim is scheduled, and the
				// re-evaluation at its time commits with it.
				a.held = at
				a.c.e.Status, a.c.e.ActAt = domain.ExecScheduled, at
			}
		}
		todo = append(todo, a)
	}
	if len(todo) == 0 {
		return
	}
	// Claimed before Ashby is called: a second evaluation (another worker,
	// the sweep, a retry) finds the claim and does nothing.
	claims := make([]*claim, len(todo))
	for i, a := range todo {
		claims[i] = &a.c
	}
	err := s.st.InTx(ctx, func(tx store.Store) error {
		if err := claimAll(ctx, tx, claims); err != nil {
			return err
		}
		var rechecks []domain.EvaluationRequest
		for _, a := range todo {
			if a.c.created && !a.held.IsZero() {
				rechecks = append(rechecks, domain.EvaluationRequest{ScheduleID: a.it.sched.ID, At: a.held, ChangedAt: noChange})
			}
		}
		if len(rechecks) == 0 {
			return nil
		}
		return s.queue.EnqueueEvaluations(ctx, tx.SQLTx(), rechecks...)
	})
	for _, a := range todo {
		switch got := a.c.got; {
		case err != nil:
			a.result("", "", err)
		case a.noTarget:
			if a.c.created {
				a.log.ErrorContext(ctx, "advancement_target_missing", "error", a.it.terr.Error(), "execution_id", got.ID)
				s.notices.AlertExecution(ctx, got)
			}
			a.result(got.ID, got.Status, nil)
		case !a.held.IsZero() && (a.c.created || got.Status != domain.ExecScheduled || !s.due(got)):
			if a.c.created {
				a.log.InfoContext(ctx, "advancement_held_to_work_hours", "execution_id", got.ID, "act_at", a.held.UTC())
			}
			a.result(got.ID, got.Status, nil)
		}
	}
}

// take is act's second step, for one claim that found a row already there
// (another worker's, an earlier pass's, one held to working hours): it
// decides whether this pass acts on it. A scheduled claim is taken once
// its time has come (compare-and-set to pending, unless someone cancelled
// it); a pending one only past its lease (its worker stopped), by a
// takeover whose new stamp fences that worker out: executeAdvance then
// re-reads the application before any write, since its call may have
// landed. Anything else is done, or in another worker's hands.
func (s *Service) take(ctx context.Context, a *liveAdvance) {
	got := a.c.got
	if a.c.created {
		a.own = true
		return
	}
	if got.Status == domain.ExecScheduled {
		// Held to working hours (or a scheduled claim): act once its time
		// has come, unless someone cancelled it.
		if !s.due(got) {
			a.result(got.ID, got.Status, nil)
			return
		}
		if err := s.st.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: got.ID, FromStatus: domain.ExecScheduled,
			Status: domain.ExecPending, At: s.now()}); err != nil {
			if errors.Is(err, domain.ErrConflict) {
				err = nil
			}
			a.result(got.ID, got.Status, err)
			return
		}
		got, err := s.st.GetExecution(ctx, got.ID)
		if err != nil {
			a.result("", "", err)
			return
		}
		a.c.got, a.own = got, true
		return
	}
	if got.Status != domain.ExecPending || s.now().Sub(got.UpdatedAt) < s.opts.ClaimLease {
		a.result(got.ID, got.Status, nil) // done, or in another worker's hands
		return
	}
	// Pending past its lease: its worker stopped. Take it over; the new
	// stamp fences that worker out, and executeAdvance re-reads the
	// application before any write, since its call may have landed.
	stamp, err := s.st.TakeOverExecution(ctx, got.ID, got.UpdatedAt, s.now(), "")
	if err != nil {
		if errors.Is(err, domain.ErrConflict) {
			err = nil
		}
		a.result(got.ID, got.Status, err)
		return
	}
	a.c.got.UpdatedAt, a.own = stamp, true
	a.log.WarnContext(ctx, "advancement_taken_over", "execution_id", got.ID)
}

// finishAll is act's fourth step: the outcome of every move that reached
// one, in one transaction, with one compare-and-set statement, and the
// recruiter's message with its Undo button for each success whose rule
// asks for one. Once committed, a success retires the rejections it
// supersedes and a failure is alerted.
//
// Until then a moved claim is pending with changeStageSent: a crash in
// between leaves it to the lease takeover, whose re-read finds the
// candidate in the target stage and records the success.
func (s *Service) finishAll(ctx context.Context, live []*liveAdvance) {
	var fins []*liveAdvance
	for _, a := range live {
		if a.fin != nil {
			fins = append(fins, a)
		}
	}
	if len(fins) == 0 {
		return
	}
	// The cache learns where the candidates are now (as the catalog would),
	// best effort, in one statement.
	var moved []domain.Application
	for _, a := range fins {
		if a.fin.moved != nil {
			moved = append(moved, *a.fin.moved)
		}
	}
	if len(moved) > 0 {
		_ = s.st.UpsertApplications(ctx, moved)
	}
	var results []error
	err := s.st.InTx(ctx, func(tx store.Store) error {
		ups := make([]store.ExecutionUpdate, len(fins))
		for i, a := range fins {
			ups[i] = store.ExecutionUpdate{ID: a.c.got.ID, FromStatus: domain.ExecPending, Status: a.fin.status,
				FailureReason: a.fin.reason, At: s.now(), Acted: a.fin.status == domain.ExecSuccess}
		}
		var err error
		if results, err = tx.UpdateExecutionStatuses(ctx, ups); err != nil {
			return err
		}
		notify := map[string]bool{} // by rule
		for i, a := range fins {
			if results[i] != nil || a.fin.status != domain.ExecSuccess {
				continue
			}
			ruleID := a.c.got.RuleID
			on, ok := notify[ruleID]
			if !ok {
				rule, err := tx.GetRule(ctx, ruleID)
				on = err == nil && rule.NotifyOnAdvance
				notify[ruleID] = on
			}
			if on {
				if err := s.queue.EnqueueNotify(ctx, tx.SQLTx(), a.c.got.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	var advanced []string
	for i, a := range fins {
		if err == nil && results[i] == nil && a.fin.status == domain.ExecSuccess {
			advanced = append(advanced, a.c.got.ApplicationID)
		}
	}
	// Only the applications with a rejection still open have one to retire
	// (one query for all; on its failure, every one is looked at).
	open, oerr := s.st.ApplicationsWithExecutions(ctx, advanced, domain.OutcomeReject, domain.ExecNotified, domain.ExecScheduled)
	for i, a := range fins {
		e := a.c.got
		switch {
		case err != nil:
			a.result(e.ID, a.fin.status, err)
		case results[i] != nil:
			a.result(e.ID, a.fin.status, results[i])
		default:
			a.result(e.ID, a.fin.status, nil)
			switch a.fin.status {
			case domain.ExecSuccess:
				if oerr != nil || open[e.ApplicationID] {
					s.supersedeRejections(ctx, e)
				}
			case domain.ExecFailed:
				e.Status, e.FailureReason = domain.ExecFailed, a.fin.reason
				s.notices.AlertExecution(ctx, e)
			}
		}
	}
}

// executeAdvance moves a claimed advance: stale-stage guard, changeStage.
// It returns the outcome to record (finishAll) when it reached one, else
// the claim stays pending and status says so. A failed or uncertain call
// is followed by a re-read, never by a blind second changeStage.
func (s *Service) executeAdvance(ctx context.Context, e domain.Execution, log *slog.Logger) (*finish, string, error) {
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
				return nil, domain.ExecPending, err
			}
			continue
		}
		switch cur := app.StageID(); {
		case cur == e.ToStageID && sent:
			// Moved already: by this claim's earlier, uncertain call.
			log.InfoContext(ctx, "candidate_advanced_successfully", "attempt", attempt, "to_stage_id", e.ToStageID, "confirmed_by_reread", true)
			return &finish{status: domain.ExecSuccess}, "", nil
		case app.Status == ashby.ApplicationStatusArchived || app.Status == ashby.ApplicationStatusHired || cur != e.FromStageID:
			reason := fmt.Sprintf("application left stage %s before aaa acted (now %s, status %s)", e.FromStageID, stageOrNone(cur), app.Status)
			log.InfoContext(ctx, "advancement_stale", "reason", reason)
			return &finish{status: domain.ExecStale, reason: reason}, "", nil
		}
		// Fence every send: only the worker whose stamp is still on the
		// claim may call Ashby (a slow worker whose claim was taken over
		// after its lease stops here).
		stamp, err := s.st.TakeOverExecution(ctx, e.ID, e.UpdatedAt, s.now(), changeStageSent)
		if errors.Is(err, domain.ErrConflict) {
			log.WarnContext(ctx, "advancement_claim_lost")
			return nil, domain.ExecPending, nil
		} else if err != nil {
			return nil, domain.ExecPending, err
		}
		e.UpdatedAt, sent = stamp, true
		_, err = s.ats.AdvanceApplication(ctx, e.ApplicationID, e.ToStageID)
		if err == nil {
			log.InfoContext(ctx, "candidate_advanced_successfully", "attempt", attempt, "from_stage_id", e.FromStageID, "to_stage_id", e.ToStageID)
			return &finish{status: domain.ExecSuccess, moved: &domain.Application{ID: app.ID, CandidateID: app.Candidate.ID,
				JobID: app.Job.ID, CurrentStageID: e.ToStageID, Status: app.Status, CandidateName: app.Candidate.Name,
				UpdatedAt: s.now()}}, "", nil
		}
		lastErr = err
		log.WarnContext(ctx, "advancement_attempt_failed", "attempt", attempt, "uncertain", ashby.IsUncertain(err), "error", err.Error())
		if ae := (*ashby.APIError)(nil); errors.As(err, &ae) && !ashby.IsRateLimited(err) && ae.StatusCode < 500 {
			break // Ashby refused the move: retrying will not help.
		}
		if err := s.sleep(ctx, s.opts.AttemptDelay); err != nil {
			return nil, domain.ExecPending, err
		}
	}
	reason := fmt.Sprintf("advance failed after %d attempts: %v", s.opts.AdvanceAttempts, lastErr)
	return &finish{status: domain.ExecFailed, reason: reason}, "", nil
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

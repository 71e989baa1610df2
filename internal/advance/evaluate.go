package advance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Evaluation has one path (DESIGN.md, Data flow 4-5). Whichever door a
// schedule comes through (its evaluation job, the admin API, the sweep),
// it is a batch of schedules, of one or of many, that goes through the same
// four steps:
//
//	load    the schedules, their stage's active rules and their feedback
//	        (batch.go), resolving a missing plan id from Ashby first;
//	decide  the engine's decision for each (pure) and, for an advance, its
//	        target stage;
//	record  in ONE transaction: every stamp, every audit row that needs no
//	        Ashby call (shadow advances, rejects, timeouts) and every job
//	        that follows one (notice, archive, the re-check of a wait);
//	act     live advances, outside the transaction: all claimed before
//	        Ashby is called, then moved a few at a time (batch.go,
//	        execute.go).
//
// The record and act steps write with set statements (one statement for
// every stamp, every claim, every outcome of a batch), so a pass over many
// schedules costs a few statements more than a pass over one, not a few
// per schedule.
//
// Only what surrounds the steps differs by door: the job reports whether to
// run again (EvaluateSchedule), the API returns the decision (EvaluateNow),
// Preview stops after decide.

// Evaluation is a decision with the context it was made in.
type Evaluation struct {
	ScheduleID    string          `json:"schedule_id"`
	ApplicationID string          `json:"application_id"`
	Decision      domain.Decision `json:"decision"`
	// ExecutionID is the audit row the decision produced, if any.
	ExecutionID string `json:"execution_id,omitempty"`
	// Status is that row's execution_status.
	Status string `json:"status,omitempty"`
}

// noChange marks an evaluation enqueued for a due time, not for a change.
var noChange time.Time

// soonWindow is how close a wait's due time must be for the schedule's own
// evaluation job to snooze until then (see EvaluateSchedule). It is larger
// than any clock difference between the app and the database we tolerate.
const soonWindow = 5 * time.Second

// snoozeMargin is added to a snooze so that it ends after the due time by
// the app's clock, not just at it.
const snoozeMargin = 20 * time.Millisecond

// EvaluateSchedule evaluates a schedule and acts on the decision, as the
// schedule's evaluation job. rerun asks the job to run again after rerunIn:
// at once when the schedule changed while it was being evaluated, or when a
// wait falls due within soonWindow.
//
// A wait is recorded the same way from every door: its stamp and a queued
// evaluation at its due time commit together (see record), so the re-check
// survives a crash and is the same whether the schedule was evaluated alone
// or in the sweep. The snooze is added here only, because this job may be
// that very re-check, woken by the database's clock a moment before the
// app's clock reaches the due time: River's uniqueness then swallows the
// re-check this run enqueued (same arguments as the running job), and only
// a snooze keeps it. The snooze is measured by the app's clock, so a job
// woken early waits out the rest once instead of spinning; at worst, when
// this job was a change's, the schedule is evaluated twice at its due time,
// which the claims make harmless.
func (s *Service) EvaluateSchedule(ctx context.Context, scheduleID string) (rerun bool, rerunIn time.Duration, err error) {
	items, err := s.evaluate(ctx, []string{scheduleID})
	if errors.Is(err, domain.ErrNotFound) || (err == nil && len(items) == 0) {
		s.log.WarnContext(ctx, "schedule_not_found", "schedule_id", scheduleID)
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	it := items[0]
	after, err := s.st.GetSchedule(ctx, scheduleID)
	if err != nil {
		return false, 0, err
	}
	if after.UpdatedAt.After(it.sched.UpdatedAt) {
		return true, 0, nil
	}
	if d := it.d; d.Outcome == domain.OutcomeWait && d.DueAt != nil {
		if in := d.DueAt.Sub(s.now()); in < soonWindow {
			return true, max(in, 0) + snoozeMargin, nil
		}
	}
	return false, 0, nil
}

// EvaluateNow evaluates a schedule and acts on the decision, returning it
// (the admin API's trigger).
func (s *Service) EvaluateNow(ctx context.Context, scheduleID string) (Evaluation, error) {
	items, err := s.evaluate(ctx, []string{scheduleID})
	if len(items) == 0 {
		if err == nil {
			err = fmt.Errorf("get schedule %s: %w", scheduleID, domain.ErrNotFound)
		}
		return Evaluation{}, err
	}
	return items[0].ev, err
}

// EvaluateMany evaluates many schedules at once (the sweep, the
// evaluate_schedules job of an ingestion batch, the bench): the
// same steps as a single evaluation, with the loads in a few bulk queries,
// target stages resolved once per plan stage, one transaction for every
// record, and live advances a few at a time. Schedules that no longer exist
// are left out. After an error in the record step nothing is returned (and
// nothing was recorded); after an error of a live advance the others are
// still returned.
func (s *Service) EvaluateMany(ctx context.Context, ids []string) ([]Evaluation, error) {
	items, err := s.evaluate(ctx, ids)
	out := make([]Evaluation, len(items))
	for i := range items {
		out[i] = items[i].ev
	}
	return out, err
}

// Preview evaluates a schedule without recording or acting: load and
// decide only, and no call to Ashby.
func (s *Service) Preview(ctx context.Context, scheduleID string) (Evaluation, error) {
	items, err := s.load(ctx, []string{scheduleID}, false)
	if err != nil {
		return Evaluation{}, err
	}
	if len(items) == 0 {
		return Evaluation{}, fmt.Errorf("get schedule %s: %w", scheduleID, domain.ErrNotFound)
	}
	it := &items[0]
	it.d = s.decideOne(it.sched, it.rules, it.fb)
	return Evaluation{ScheduleID: it.sched.ID, ApplicationID: it.sched.ApplicationID, Decision: it.d}, nil
}

// item is one schedule on its way through the steps.
type item struct {
	sched domain.Schedule
	rules []domain.Rule // the active rules of its plan stage
	fb    []domain.Feedback
	// d is the decision and rule the rule it names.
	d    domain.Decision
	rule domain.Rule
	// target is an advance's target stage; terr the error resolving it.
	target string
	terr   error
	ev     Evaluation
	// logs are emitted once the record step has committed, so a rolled
	// back decision is never logged as made (and a retry logs it once).
	logs []func()
}

func (it *item) isLiveAdvance() bool {
	return it.d.Outcome == domain.OutcomeAdvance && it.d.Mode == domain.ModeLive
}

// evaluate runs the steps over schedules (missing ones are left out).
func (s *Service) evaluate(ctx context.Context, ids []string) ([]item, error) {
	items, err := s.load(ctx, ids, true)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	s.decide(ctx, items)
	if err := s.record(ctx, items); err != nil {
		return nil, err
	}
	return items, s.act(ctx, items)
}

// decide makes every item's decision and resolves the target stage of each
// advance, once per plan stage and rule target. It writes nothing but the
// stage cache.
func (s *Service) decide(ctx context.Context, items []item) {
	type targetKey struct{ plan, stage, target string }
	type resolved struct {
		id  string
		err error
	}
	targets := map[targetKey]resolved{}
	for i := range items {
		it := &items[i]
		it.d = s.decideOne(it.sched, it.rules, it.fb)
		for _, r := range it.rules {
			if r.ID == it.d.RuleID {
				it.rule = r
			}
		}
		it.ev = Evaluation{ScheduleID: it.sched.ID, ApplicationID: it.sched.ApplicationID, Decision: it.d}
		if s.opts.ObserveDecision != nil {
			s.opts.ObserveDecision(it.d.Outcome, it.d.Mode)
		}
		if it.d.Outcome != domain.OutcomeAdvance {
			continue
		}
		k := targetKey{it.sched.InterviewPlanID, it.sched.InterviewStageID, it.rule.TargetStageID}
		t, ok := targets[k]
		if !ok {
			t.id, t.err = s.targetStage(ctx, it.sched, it.rule)
			targets[k] = t
		}
		it.target, it.terr = t.id, t.err
	}
}

// decideOne is the engine's decision for one schedule, in shadow mode when
// dry run is forced.
func (s *Service) decideOne(sched domain.Schedule, rules []domain.Rule, fb []domain.Feedback) domain.Decision {
	d := engine.Evaluate(engine.Input{
		Schedule: sched, Rules: rules, Feedback: fb, Now: s.now(),
		MinWait: s.opts.MinWait, Timeout: s.opts.Timeout,
	})
	if s.opts.DryRun && d.Mode == domain.ModeLive {
		d.Mode = domain.ModeShadow
	}
	return d
}

// record writes every decision that needs no Ashby call in one
// transaction: the schedule's stamp, the audit row (claimed once per claim
// key) and the jobs that follow it commit together, so a crash or a fault
// can never leave a decision half recorded: a claim without its stamp, a
// notice recorded but never sent, a wait stamped but never re-checked. Live
// advances are left to act; their stamp follows the action.
//
// The writes are set statements, whatever the number of schedules: every
// stamp in one, every claim in one (a rejection kept in process is claimed
// again under its next key in one more), every wait's re-check in one
// insert; only what a newly created row asks for (its notice or archive,
// the retirement of held advances) is written row by row.
func (s *Service) record(ctx context.Context, items []item) error {
	if !slices.ContainsFunc(items, func(it item) bool { return !it.isLiveAdvance() }) {
		return nil // only live advances: no write lock to take
	}
	err := s.st.InTx(ctx, func(tx store.Store) error {
		for i := range items {
			it := &items[i]
			it.ev.ExecutionID, it.ev.Status, it.logs = "", "", nil // the closure may run again
		}
		return s.recordAll(ctx, tx, items)
	})
	if err != nil {
		return err
	}
	for i := range items {
		for _, log := range items[i].logs {
			log()
		}
	}
	return nil
}

func (s *Service) recordAll(ctx context.Context, tx store.Store, items []item) error {
	var stamps []store.EvaluationStamp
	var rechecks []domain.EvaluationRequest
	var claims []*claim
	for i := range items {
		it := &items[i]
		if it.isLiveAdvance() {
			// Stamped only once claimed and done (act): a failure before the
			// claim leaves the schedule open for the next try.
			continue
		}
		d := it.d
		stamps = append(stamps, store.EvaluationStamp{ScheduleID: it.sched.ID, Outcome: d.Outcome,
			Summary: d.Summary, DueAt: d.DueAt, At: s.now()})
		switch d.Outcome {
		case domain.OutcomeWait:
			it.logs = append(it.logs, func() { s.logUndecided(ctx, it) })
			if d.DueAt != nil {
				// Always a queued re-check, however soon it falls due: it
				// commits with the stamp, so no crash can lose it, and it is
				// the same from every door. See EvaluateSchedule for the job
				// that is itself that re-check.
				rechecks = append(rechecks, domain.EvaluationRequest{ScheduleID: it.sched.ID, At: *d.DueAt, ChangedAt: noChange})
			}
		case domain.OutcomeAdvance: // shadow: live ones are left to act
			claims = append(claims, s.shadowAdvanceClaim(ctx, it))
		case domain.OutcomeReject:
			claims = append(claims, s.rejectClaim(ctx, tx, it))
		case domain.OutcomeTimeout:
			claims = append(claims, s.timeoutClaim(ctx, tx, it))
		default: // skip, no_rule
			it.logs = append(it.logs, func() { s.logUndecided(ctx, it) })
		}
	}
	if err := tx.RecordEvaluations(ctx, stamps); err != nil {
		return err
	}
	if err := claimAll(ctx, tx, claims); err != nil {
		return fmt.Errorf("record decisions: %w", err)
	}
	for _, c := range claims {
		c.it.ev.ExecutionID, c.it.ev.Status = c.got.ID, c.got.Status
		if !c.created || c.then == nil {
			continue
		}
		if err := c.then(c.got); err != nil {
			return fmt.Errorf("record decision for %s: %w", c.it.sched.ID, err)
		}
	}
	if len(rechecks) == 0 {
		return nil
	}
	return s.queue.EnqueueEvaluations(ctx, tx.SQLTx(), rechecks...)
}

// claim is one decision's audit row on its way through claimAll: the row
// to create under key, and what follows.
type claim struct {
	it  *item
	e   domain.Execution
	key string
	// again, when set, is asked about a row found under key (not created):
	// it returns the key to claim under instead, if any.
	again func(found domain.Execution) (string, bool)
	// then, when set, writes what a created row asks for, in the same
	// transaction (its notice, its archive).
	then func(created domain.Execution) error
	// got is the row holding the key and created whether this claim made it.
	got     domain.Execution
	created bool
}

// claimAll claims every row with one statement (ClaimExecutions), then
// claims again, in one more, those whose again names another key, until
// none does.
func claimAll(ctx context.Context, st store.Store, claims []*claim) error {
	for todo := claims; len(todo) > 0; {
		reqs := make([]store.ExecutionClaim, len(todo))
		for i, c := range todo {
			reqs[i] = store.ExecutionClaim{Execution: c.e, Key: c.key}
		}
		res, err := st.ClaimExecutions(ctx, reqs)
		if err != nil {
			return err
		}
		var next []*claim
		for i, c := range todo {
			c.got, c.created = res[i].Execution, res[i].Created
			if c.created || c.again == nil {
				continue
			}
			if key, ok := c.again(c.got); ok {
				c.key = key
				next = append(next, c)
			}
		}
		todo = next
	}
	return nil
}

// logUndecided logs a wait or a skip (no_rule included) in one format for
// every door. It names ids, the due time and the reasons' codes, never the
// summary or the reasons' messages: a log line carries no feedback.
func (s *Service) logUndecided(ctx context.Context, it *item) {
	d := it.d
	msg := "evaluation_skipped"
	if d.Outcome == domain.OutcomeWait {
		msg = "evaluation_waiting"
	}
	codes := make([]string, 0, len(d.Reasons))
	for _, r := range d.Reasons {
		codes = append(codes, r.Code)
	}
	attrs := []any{"schedule_id", it.sched.ID, "application_id", it.sched.ApplicationID, "outcome", d.Outcome,
		"rule_id", d.RuleID, "mode", d.Mode, "reasons", codes}
	if d.DueAt != nil {
		attrs = append(attrs, "due_at", d.DueAt.UTC())
	}
	s.log.DebugContext(ctx, msg, attrs...)
}

// newExecution builds the audit row of a decision.
func (s *Service) newExecution(sched domain.Schedule, d domain.Decision, status string) domain.Execution {
	reasons, _ := json.Marshal(d)
	return domain.Execution{
		ScheduleID: sched.ID, ApplicationID: sched.ApplicationID, RuleID: d.RuleID, RuleVersion: d.RuleVersion,
		Mode: d.Mode, Outcome: d.Outcome, Status: status, FromStageID: sched.InterviewStageID,
		Summary: d.Summary, Reasons: reasons, ExecutedAt: s.now(), ExecutedBy: "system",
	}
}

// rejectClaim claims a reject once per claim key, in tx, with the job that
// follows it: the Slack notice, or the archive when the rule archives by
// itself. Shadow notifies only when the rule asks for it.
func (s *Service) rejectClaim(ctx context.Context, tx store.Store, it *item) *claim {
	sched, rule, d := it.sched, it.rule, it.d
	status := domain.ExecNotified
	if d.Mode == domain.ModeShadow {
		status = domain.ExecDryRun
	}
	ne := s.newExecution(sched, d, status)
	auto := d.Mode == domain.ModeLive && rule.OnReject == domain.OnRejectArchive
	var at time.Time
	if auto {
		if at = s.actAt(rule, rule.RejectDelay); at.After(s.now()) {
			ne.Status, ne.ActAt = domain.ExecScheduled, at
		}
	}
	c := &claim{it: it, e: ne, key: store.ClaimKey("reject:"+d.Mode, sched.ApplicationID, sched.InterviewStageID, d.RuleID, d.RuleVersion)}
	c.again = func(e domain.Execution) (string, bool) {
		if e.Status != domain.ExecKept || !newFeedbackSince(it.fb, e.RevertedAt) {
			return "", false
		}
		// Kept in process by a recruiter: asked again only once new
		// feedback arrived, under a key that names the override.
		return c.key + "|after:" + e.ID, true
	}
	c.then = func(e domain.Execution) error {
		if d.Mode == domain.ModeLive {
			// An advance held to working hours for this stage must not run
			// now that the decision is a reject.
			if err := s.retireHeldAdvances(ctx, tx, sched); err != nil {
				return err
			}
		}
		log := s.log.With("schedule_id", sched.ID, "application_id", sched.ApplicationID, "execution_id", e.ID)
		switch {
		case d.Mode == domain.ModeShadow:
			it.logs = append(it.logs, func() {
				log.InfoContext(ctx, "DRY_RUN_would_reject_candidate", "rule_id", d.RuleID, "summary", d.Summary)
			})
			if rule.NotifyInShadow {
				return s.queue.EnqueueNotify(ctx, tx.SQLTx(), e.ID)
			}
			return nil
		case auto && e.Status == domain.ExecScheduled:
			// A delayed auto-archive: the recruiter gets the notice with its
			// Cancel button, and the archive runs at its time.
			it.logs = append(it.logs, func() {
				log.InfoContext(ctx, "archive_scheduled", "rule_id", d.RuleID, "act_at", at.UTC(), "by", "system")
			})
			return errors.Join(s.queue.EnqueueArchive(ctx, tx.SQLTx(), ArchiveRequest{ExecutionID: e.ID, ApplicationID: sched.ApplicationID, Auto: true}, at),
				s.queue.EnqueueNotify(ctx, tx.SQLTx(), e.ID))
		case auto:
			it.logs = append(it.logs, func() { log.InfoContext(ctx, "auto_archiving_candidate", "rule_id", d.RuleID) })
			return s.queue.EnqueueArchive(ctx, tx.SQLTx(), ArchiveRequest{ExecutionID: e.ID, ApplicationID: sched.ApplicationID, Auto: true}, time.Time{})
		default:
			it.logs = append(it.logs, func() { log.InfoContext(ctx, "sending_rejection_notification", "rule_id", d.RuleID) })
			return s.queue.EnqueueNotify(ctx, tx.SQLTx(), e.ID)
		}
	}
	return c
}

// timeoutClaim claims a feedback timeout once per claim key, in tx, with
// the job of its Slack alert.
func (s *Service) timeoutClaim(ctx context.Context, tx store.Store, it *item) *claim {
	sched, d := it.sched, it.d
	return &claim{it: it, e: s.newExecution(sched, d, domain.ExecTimeout),
		key: store.ClaimKey("timeout:"+d.Mode, sched.ApplicationID, sched.InterviewStageID, d.RuleID, d.RuleVersion),
		then: func(e domain.Execution) error {
			it.logs = append(it.logs, func() {
				s.log.WarnContext(ctx, "feedback_timeout", "schedule_id", sched.ID, "application_id", sched.ApplicationID,
					"execution_id", e.ID, "summary", d.Summary)
			})
			return s.queue.EnqueueNotify(ctx, tx.SQLTx(), e.ID)
		}}
}

// newFeedbackSince reports whether any feedback was submitted or edited
// after t.
func newFeedbackSince(fb []domain.Feedback, t time.Time) bool {
	for _, f := range fb {
		if f.SubmittedAt.After(t) || f.UpdatedAt.After(t) {
			return true
		}
	}
	return false
}

// retireHeldAdvances marks stale, in tx, the live advances of the
// schedule's application and stage still waiting for their time (held to
// working hours): new feedback turned the decision.
func (s *Service) retireHeldAdvances(ctx context.Context, tx store.Store, sched domain.Schedule) error {
	held, err := tx.ListExecutions(ctx, store.ExecutionFilter{ApplicationID: sched.ApplicationID,
		Status: domain.ExecScheduled, Outcome: domain.OutcomeAdvance, Limit: 20})
	if err != nil {
		return err
	}
	for _, h := range held {
		if h.FromStageID != sched.InterviewStageID {
			continue
		}
		err := tx.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: h.ID, FromStatus: domain.ExecScheduled,
			Status: domain.ExecStale, FailureReason: "superseded: new feedback turned the decision into a reject before the advance's time", At: s.now()})
		if err != nil && !errors.Is(err, domain.ErrConflict) {
			return err
		}
	}
	return nil
}

package advance

import (
	"context"
	"encoding/json"
	"errors"

	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

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

// Preview evaluates a schedule without recording or acting.
func (s *Service) Preview(ctx context.Context, scheduleID string) (Evaluation, error) {
	sched, rules, fb, err := s.load(ctx, scheduleID)
	if err != nil {
		return Evaluation{}, err
	}
	d := s.decide(sched, rules, fb)
	return Evaluation{ScheduleID: sched.ID, ApplicationID: sched.ApplicationID, Decision: d}, nil
}

func (s *Service) load(ctx context.Context, scheduleID string) (domain.Schedule, []domain.Rule, []domain.Feedback, error) {
	sched, err := s.st.GetSchedule(ctx, scheduleID)
	if err != nil {
		return domain.Schedule{}, nil, nil, err
	}
	var rules []domain.Rule
	if sched.InterviewPlanID != "" && sched.InterviewStageID != "" {
		if rules, err = s.st.ListRulesForStage(ctx, sched.InterviewPlanID, sched.InterviewStageID); err != nil {
			return domain.Schedule{}, nil, nil, err
		}
	}
	fb, err := s.st.ListFeedbackByApplication(ctx, sched.ApplicationID)
	if err != nil {
		return domain.Schedule{}, nil, nil, err
	}
	return sched, rules, fb, nil
}

func (s *Service) decide(sched domain.Schedule, rules []domain.Rule, fb []domain.Feedback) domain.Decision {
	d := engine.Evaluate(engine.Input{
		Schedule: sched, Rules: rules, Feedback: fb, Now: s.now(),
		MinWait: s.opts.MinWait, Timeout: s.opts.Timeout,
	})
	if s.opts.DryRun && d.Mode == domain.ModeLive {
		d.Mode = domain.ModeShadow
	}
	return d
}

// noChange marks an evaluation enqueued for a due time, not for a change.
var noChange time.Time

// soonWindow is how close a due time must be for the running evaluation to
// wait for it itself rather than schedule a separate one.
const soonWindow = 5 * time.Second

// EvaluateSchedule evaluates a schedule and acts on the decision (DESIGN.md
// steps 4-5). rerun asks the caller to run the evaluation again after
// rerunIn: at once when the schedule changed while it was being evaluated,
// or when a wait falls due within seconds (clocks of the app and the
// database may differ by a little).
func (s *Service) EvaluateSchedule(ctx context.Context, scheduleID string) (rerun bool, rerunIn time.Duration, err error) {
	ev, err := s.evaluate(ctx, scheduleID, true)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			s.log.WarnContext(ctx, "schedule_not_found", "schedule_id", scheduleID)
			return false, 0, nil
		}
		return false, 0, err
	}
	after, err := s.st.GetSchedule(ctx, scheduleID)
	if err != nil {
		return false, 0, err
	}
	if after.UpdatedAt.After(ev.startedUpdatedAt) {
		return true, 0, nil
	}
	if ev.soon > 0 {
		return true, ev.soon, nil
	}
	return false, 0, nil
}

type evalResult struct {
	Evaluation
	startedUpdatedAt time.Time
	soon             time.Duration
}

// evaluate evaluates a schedule, records the decision and acts on it. inJob
// lets a wait that falls due within seconds be re-run by the caller.
func (s *Service) evaluate(ctx context.Context, scheduleID string, inJob bool) (evalResult, error) {
	sched, err := s.st.GetSchedule(ctx, scheduleID)
	if err != nil {
		return evalResult{}, err
	}
	if sched.InterviewPlanID == "" && sched.InterviewStageID != "" && !sched.Cancelled {
		if plan, perr := s.planOfStage(ctx, sched.InterviewStageID); perr == nil {
			if err := s.st.SetScheduleMeta(ctx, sched.ID, plan, ""); err != nil {
				return evalResult{}, err
			}
		} else {
			s.log.WarnContext(ctx, "advancement_fields_fetch_failed", "schedule_id", sched.ID, "error", perr.Error())
		}
	}
	sched, rules, fb, err := s.load(ctx, scheduleID)
	if err != nil {
		return evalResult{}, err
	}
	res := evalResult{startedUpdatedAt: sched.UpdatedAt}
	d := s.decide(sched, rules, fb)
	res.Evaluation = Evaluation{ScheduleID: sched.ID, ApplicationID: sched.ApplicationID, Decision: d}
	if s.opts.ObserveDecision != nil {
		s.opts.ObserveDecision(d.Outcome, d.Mode)
	}
	log := s.log.With("schedule_id", sched.ID, "application_id", sched.ApplicationID, "outcome", d.Outcome,
		"rule_id", d.RuleID, "mode", d.Mode)
	var rule domain.Rule
	for _, r := range rules {
		if r.ID == d.RuleID {
			rule = r
		}
	}
	stamp := store.EvaluationStamp{ScheduleID: sched.ID, Outcome: d.Outcome, Summary: d.Summary, DueAt: d.DueAt, At: s.now()}
	if d.Outcome == domain.OutcomeAdvance {
		// Stamped only once the advance is claimed and done: a failure
		// before the claim leaves the schedule open for the next try.
		res.ExecutionID, res.Status, err = s.advance(ctx, sched, rule, d)
		if err != nil {
			return res, err
		}
		return res, s.st.RecordEvaluation(ctx, stamp)
	}
	if d.Outcome == domain.OutcomeWait && d.DueAt != nil && inJob && d.DueAt.Sub(s.now()) < soonWindow {
		res.soon = max(d.DueAt.Sub(s.now()), 0) + 20*time.Millisecond
	}
	// The stamp, the audit row and the job that follows it commit together:
	// a crash can never leave a decision recorded with its notice unsent.
	err = s.st.InTx(ctx, func(tx store.Store) error {
		txs := *s
		txs.st = tx
		if err := tx.RecordEvaluation(ctx, stamp); err != nil {
			return err
		}
		var err error
		switch d.Outcome {
		case domain.OutcomeWait:
			log.DebugContext(ctx, "evaluation_waiting", "summary", d.Summary)
			if d.DueAt != nil && res.soon == 0 {
				err = s.queue.EnqueueEvaluate(ctx, tx.SQLTx(), sched.ID, *d.DueAt, noChange)
			}
		case domain.OutcomeReject:
			res.ExecutionID, res.Status, err = txs.reject(ctx, sched, rule, d)
		case domain.OutcomeTimeout:
			res.ExecutionID, res.Status, err = txs.timeout(ctx, sched, rule, d)
		default:
			log.DebugContext(ctx, "evaluation_skipped", "summary", d.Summary)
		}
		return err
	})
	return res, err
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

// record inserts a decision once per claim key; an existing row is returned
// with created=false.
func (s *Service) record(ctx context.Context, e domain.Execution, claimKey string) (domain.Execution, bool, error) {
	return s.st.ClaimExecution(ctx, e, claimKey)
}

func (s *Service) reject(ctx context.Context, sched domain.Schedule, rule domain.Rule, d domain.Decision) (string, string, error) {
	status := domain.ExecNotified
	if d.Mode == domain.ModeShadow {
		status = domain.ExecDryRun
	}
	key := store.ClaimKey("reject:"+d.Mode, sched.ApplicationID, sched.InterviewStageID, d.RuleID, d.RuleVersion)
	e, created, err := s.record(ctx, s.newExecution(sched, d, status), key)
	if err != nil || !created {
		return e.ID, e.Status, err
	}
	log := s.log.With("schedule_id", sched.ID, "application_id", sched.ApplicationID, "execution_id", e.ID)
	if d.Mode == domain.ModeShadow {
		log.InfoContext(ctx, "DRY_RUN_would_reject_candidate", "rule_id", d.RuleID, "summary", d.Summary)
		if rule.NotifyInShadow {
			return e.ID, e.Status, s.queue.EnqueueNotify(ctx, s.st.SQLTx(), e.ID)
		}
		return e.ID, e.Status, nil
	}
	if rule.OnReject == domain.OnRejectArchive {
		log.InfoContext(ctx, "auto_archiving_candidate", "rule_id", d.RuleID)
		return e.ID, e.Status, s.queue.EnqueueArchive(ctx, s.st.SQLTx(), ArchiveRequest{ExecutionID: e.ID, ApplicationID: sched.ApplicationID, Auto: true})
	}
	log.InfoContext(ctx, "sending_rejection_notification", "rule_id", d.RuleID)
	return e.ID, e.Status, s.queue.EnqueueNotify(ctx, s.st.SQLTx(), e.ID)
}

func (s *Service) timeout(ctx context.Context, sched domain.Schedule, _ domain.Rule, d domain.Decision) (string, string, error) {
	key := store.ClaimKey("timeout:"+d.Mode, sched.ApplicationID, sched.InterviewStageID, d.RuleID, d.RuleVersion)
	e, created, err := s.record(ctx, s.newExecution(sched, d, domain.ExecTimeout), key)
	if err != nil || !created {
		return e.ID, e.Status, err
	}
	s.log.WarnContext(ctx, "feedback_timeout", "schedule_id", sched.ID, "application_id", sched.ApplicationID,
		"execution_id", e.ID, "summary", d.Summary)
	return e.ID, e.Status, s.queue.EnqueueNotify(ctx, s.st.SQLTx(), e.ID)
}

// EvaluateNow evaluates a schedule and acts on the decision, returning it.
func (s *Service) EvaluateNow(ctx context.Context, scheduleID string) (Evaluation, error) {
	res, err := s.evaluate(ctx, scheduleID, false)
	return res.Evaluation, err
}

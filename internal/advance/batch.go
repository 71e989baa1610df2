package advance

import (
	"context"
	"fmt"
	"sync"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// batchParallelism bounds concurrent live actions (Ashby calls) of a batch.
const batchParallelism = 8

// EvaluateMany evaluates many schedules at once (the sweep, the bench): the
// schedules, their feedback and the active rules are loaded in a few bulk
// queries, target stages are resolved once per plan stage, every decision
// that needs no Ashby call (waits, rejects, timeouts, shadow advances) is
// stamped and recorded in one transaction, and only live advances run
// afterwards, each through the same claim-and-guard path as a single
// evaluation. The decisions are the engine's, exactly as EvaluateNow makes
// them.
func (s *Service) EvaluateMany(ctx context.Context, ids []string) ([]Evaluation, error) {
	scheds, err := s.st.GetSchedules(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []Evaluation
	var ready []domain.Schedule
	for _, sc := range scheds {
		if sc.InterviewPlanID == "" && sc.InterviewStageID != "" && !sc.Cancelled {
			// Metadata to resolve first: the single path calls Ashby for it.
			ev, err := s.EvaluateNow(ctx, sc.ID)
			if err != nil {
				return out, err
			}
			out = append(out, ev)
			continue
		}
		ready = append(ready, sc)
	}
	if len(ready) == 0 {
		return out, nil
	}
	rules, err := s.st.ListRules(ctx, true)
	if err != nil {
		return out, err
	}
	byStage := map[string][]domain.Rule{}
	for _, r := range rules {
		k := r.InterviewPlanID + "|" + r.InterviewStageID
		byStage[k] = append(byStage[k], r)
	}
	apps := make([]string, 0, len(ready))
	for _, sc := range ready {
		apps = append(apps, sc.ApplicationID)
	}
	feedback, err := s.st.ListFeedbackByApplications(ctx, apps)
	if err != nil {
		return out, err
	}

	// Decide everything first (pure), then resolve the target stage of each
	// advance once per plan stage and rule target, outside any transaction.
	type item struct {
		sched  domain.Schedule
		rule   domain.Rule
		d      domain.Decision
		target string
		terr   error
	}
	items := make([]item, len(ready))
	type targetKey struct{ plan, stage, rule string }
	targets := map[targetKey]item{}
	for i, sc := range ready {
		stageRules := byStage[sc.InterviewPlanID+"|"+sc.InterviewStageID]
		it := item{sched: sc, d: s.decide(sc, stageRules, feedback[sc.ApplicationID])}
		for _, r := range stageRules {
			if r.ID == it.d.RuleID {
				it.rule = r
			}
		}
		if s.opts.ObserveDecision != nil {
			s.opts.ObserveDecision(it.d.Outcome, it.d.Mode)
		}
		if it.d.Outcome == domain.OutcomeAdvance {
			k := targetKey{sc.InterviewPlanID, sc.InterviewStageID, it.rule.TargetStageID}
			t, ok := targets[k]
			if !ok {
				t.target, t.terr = s.targetStage(ctx, sc, it.rule)
				targets[k] = t
			}
			it.target, it.terr = t.target, t.terr
		}
		items[i] = it
	}

	type live struct {
		item
		at int
	}
	var lives []live
	start := len(out)
	err = s.st.InTx(ctx, func(tx store.Store) error {
		txs := *s
		txs.st = tx
		lives = lives[:0]
		out = out[:start]
		for _, it := range items {
			sc, d := it.sched, it.d
			ev := Evaluation{ScheduleID: sc.ID, ApplicationID: sc.ApplicationID, Decision: d}
			isLive := d.Outcome == domain.OutcomeAdvance && d.Mode == domain.ModeLive
			if !isLive { // a live advance is stamped once done
				if err := tx.RecordEvaluation(ctx, store.EvaluationStamp{ScheduleID: sc.ID, Outcome: d.Outcome,
					Summary: d.Summary, DueAt: d.DueAt, At: s.now()}); err != nil {
					return err
				}
			}
			var err error
			switch {
			case d.Outcome == domain.OutcomeWait && d.DueAt != nil:
				err = s.queue.EnqueueEvaluate(ctx, tx.SQLTx(), sc.ID, *d.DueAt, noChange)
			case isLive:
				lives = append(lives, live{item: it, at: len(out)})
			case d.Outcome == domain.OutcomeAdvance:
				ev.ExecutionID, ev.Status, err = txs.advanceTo(ctx, sc, d, it.target, it.terr)
			case d.Outcome == domain.OutcomeReject:
				ev.ExecutionID, ev.Status, err = txs.reject(ctx, sc, it.rule, d)
			case d.Outcome == domain.OutcomeTimeout:
				ev.ExecutionID, ev.Status, err = txs.timeout(ctx, sc, it.rule, d)
			}
			if err != nil {
				return fmt.Errorf("record decision for %s: %w", sc.ID, err)
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		return out[:start], err
	}
	// Live advances call Ashby: outside the transaction, a few at a time.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, batchParallelism)
	for _, l := range lives {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id, status, err := s.advanceTo(ctx, l.sched, l.d, l.target, l.terr)
			if err == nil {
				err = s.st.RecordEvaluation(ctx, store.EvaluationStamp{ScheduleID: l.sched.ID, Outcome: l.d.Outcome,
					Summary: l.d.Summary, At: s.now()})
			}
			mu.Lock()
			defer mu.Unlock()
			out[l.at].ExecutionID, out[l.at].Status = id, status
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	return out, firstErr
}

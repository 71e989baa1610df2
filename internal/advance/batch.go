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
// queries, every decision and its audit row are written in one
// transaction, and only live advances (which call Ashby) run afterwards,
// each through the same claim-and-guard path as a single evaluation. The
// decisions are the engine's, exactly as EvaluateNow would make them.
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
	type live struct {
		sched domain.Schedule
		rule  domain.Rule
		d     domain.Decision
		at    int
	}
	var lives []live
	start := len(out)
	err = s.st.InTx(ctx, func(tx store.Store) error {
		txs := *s
		txs.st = tx
		lives = lives[:0]
		out = out[:start]
		for _, sc := range ready {
			stageRules := byStage[sc.InterviewPlanID+"|"+sc.InterviewStageID]
			d := s.decide(sc, stageRules, feedback[sc.ApplicationID])
			if s.opts.ObserveDecision != nil {
				s.opts.ObserveDecision(d.Outcome, d.Mode)
			}
			ev := Evaluation{ScheduleID: sc.ID, ApplicationID: sc.ApplicationID, Decision: d}
			if d.Outcome != domain.OutcomeAdvance { // an advance is stamped once done
				if err := tx.RecordEvaluation(ctx, store.EvaluationStamp{ScheduleID: sc.ID, Outcome: d.Outcome,
					Summary: d.Summary, DueAt: d.DueAt, At: s.now()}); err != nil {
					return err
				}
			}
			var rule domain.Rule
			for _, r := range stageRules {
				if r.ID == d.RuleID {
					rule = r
				}
			}
			var err error
			switch {
			case d.Outcome == domain.OutcomeWait && d.DueAt != nil:
				err = s.queue.EnqueueEvaluate(ctx, tx.SQLTx(), sc.ID, *d.DueAt, noChange)
			case d.Outcome == domain.OutcomeAdvance:
				// May read the plan's stages from Ashby: after the commit.
				lives = append(lives, live{sched: sc, rule: rule, d: d, at: len(out)})
			case d.Outcome == domain.OutcomeReject:
				ev.ExecutionID, ev.Status, err = txs.reject(ctx, sc, rule, d)
			case d.Outcome == domain.OutcomeTimeout:
				ev.ExecutionID, ev.Status, err = txs.timeout(ctx, sc, rule, d)
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
	// Advances may call Ashby: outside the transaction, a few at a time.
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
			id, status, err := s.advance(ctx, l.sched, l.rule, l.d)
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

package advance

import (
	"context"
	"sync"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// batchParallelism bounds concurrent live actions (Ashby calls) of a batch.
const batchParallelism = 8

// load reads the schedules with these ids (missing ones are left out), the
// active rules of their plan stages and their applications' feedback, in a
// few queries whatever the number of schedules. With resolve, a schedule
// whose plan id is unknown gets it from Ashby first (a failure is logged and
// the engine then skips the schedule for missing metadata); Preview loads
// without it, so it never writes or calls Ashby.
func (s *Service) load(ctx context.Context, ids []string, resolve bool) ([]item, error) {
	scheds, err := s.st.GetSchedules(ctx, ids)
	if err != nil || len(scheds) == 0 {
		return nil, err
	}
	if resolve {
		if scheds, err = s.resolvePlans(ctx, scheds); err != nil {
			return nil, err
		}
	}

	type stageKey struct{ plan, stage string }
	byStage := map[stageKey][]domain.Rule{}
	for _, sc := range scheds {
		if sc.InterviewPlanID != "" && sc.InterviewStageID != "" {
			byStage[stageKey{sc.InterviewPlanID, sc.InterviewStageID}] = nil
		}
	}
	switch len(byStage) {
	case 0:
	case 1:
		// One stage (always so for one schedule): only its rules.
		for k := range byStage {
			if byStage[k], err = s.st.ListRulesForStage(ctx, k.plan, k.stage); err != nil {
				return nil, err
			}
		}
	default:
		rules, err := s.st.ListRules(ctx, true)
		if err != nil {
			return nil, err
		}
		for _, r := range rules {
			k := stageKey{r.InterviewPlanID, r.InterviewStageID}
			if _, ok := byStage[k]; ok {
				byStage[k] = append(byStage[k], r)
			}
		}
	}

	apps := make([]string, 0, len(scheds))
	seen := map[string]bool{}
	for _, sc := range scheds {
		if !seen[sc.ApplicationID] {
			seen[sc.ApplicationID] = true
			apps = append(apps, sc.ApplicationID)
		}
	}
	feedback, err := s.st.ListFeedbackByApplications(ctx, apps)
	if err != nil {
		return nil, err
	}

	items := make([]item, len(scheds))
	for i, sc := range scheds {
		items[i] = item{sched: sc, rules: byStage[stageKey{sc.InterviewPlanID, sc.InterviewStageID}],
			fb: feedback[sc.ApplicationID]}
	}
	return items, nil
}

// resolvePlans stores the plan id of schedules that have a stage but no
// plan (the webhook did not carry it), from the cache or Ashby, and returns
// the schedules as stored afterwards.
func (s *Service) resolvePlans(ctx context.Context, scheds []domain.Schedule) ([]domain.Schedule, error) {
	var fixed []string
	for _, sc := range scheds {
		if sc.InterviewPlanID != "" || sc.InterviewStageID == "" || sc.Cancelled {
			continue
		}
		plan, err := s.catalog.PlanOfStage(ctx, sc.InterviewStageID)
		if err != nil {
			s.log.WarnContext(ctx, "advancement_fields_fetch_failed", "schedule_id", sc.ID, "error", err.Error())
			continue
		}
		if err := s.st.SetScheduleMeta(ctx, sc.ID, plan, ""); err != nil {
			return nil, err
		}
		fixed = append(fixed, sc.ID)
	}
	if len(fixed) == 0 {
		return scheds, nil
	}
	reloaded, err := s.st.GetSchedules(ctx, fixed)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]domain.Schedule, len(reloaded))
	for _, sc := range reloaded {
		byID[sc.ID] = sc
	}
	for i, sc := range scheds {
		if r, ok := byID[sc.ID]; ok {
			scheds[i] = r
		}
	}
	return scheds, nil
}

// act performs the live advances, outside any transaction (they call
// Ashby), a few at a time. Each is claimed, guarded and fenced by
// advanceLive, then stamped once done. The first error is returned; the
// other advances still run.
func (s *Service) act(ctx context.Context, items []item) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, batchParallelism)
	for i := range items {
		it := &items[i]
		if !it.isLiveAdvance() {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id, status, err := s.advanceLive(ctx, it.sched, it.d, it.rule, it.target, it.terr)
			if err == nil {
				err = s.st.RecordEvaluation(ctx, store.EvaluationStamp{ScheduleID: it.sched.ID, Outcome: it.d.Outcome,
					Summary: it.d.Summary, DueAt: it.d.DueAt, At: s.now()})
			}
			// Each goroutine writes only its own item.
			it.ev.ExecutionID, it.ev.Status = id, status
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

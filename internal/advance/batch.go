package advance

import (
	"context"
	"slices"
	"sync"
	"time"

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

// waveSize is how many live advances act claims, moves and finishes at a
// time.
const waveSize = 32

// actWave claims, moves and finishes one wave of live advances (see act).
func (s *Service) actWave(ctx context.Context, live []*liveAdvance) {
	s.claimLive(ctx, live)
	for _, a := range live {
		if !a.done {
			s.take(ctx, a)
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, batchParallelism)
	for _, a := range live {
		if a.done || !a.own {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// Each goroutine writes only its own advance.
			fin, status, err := s.executeAdvance(ctx, a.c.got, a.log.With("execution_id", a.c.got.ID))
			if fin == nil {
				a.result(a.c.got.ID, status, err)
			}
			a.fin = fin
		}()
	}
	wg.Wait()
	// Moves that went through are recorded even when the pass's time ran
	// out during them.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	s.finishAll(fctx, live)
}

// act performs the live advances, outside any transaction (they call
// Ashby), in waves of waveSize, each in five steps whose writes are set
// statements:
//
//	claim   every advance of the wave in one transaction before any Ashby call
//	        (claimLive): this is what makes each exactly once;
//	take    decide, per claim found already there, whether this pass
//	        acts on it (take: a scheduled claim now due, a pending one
//	        past its lease);
//	move    each claim this pass owns, a few at a time: stale-stage
//	        guard, fence, changeStage (executeAdvance);
//	finish  every outcome in one transaction (finishAll);
//	stamp   every schedule whose advance went through without error, in
//	        one statement.
//
// The first error (in the order of items) is returned; the other advances
// still run.
func (s *Service) act(ctx context.Context, items []item) error {
	var live []*liveAdvance
	for i := range items {
		if items[i].isLiveAdvance() {
			live = append(live, &liveAdvance{it: &items[i]})
		}
	}
	if len(live) == 0 {
		return nil
	}
	// In waves: claims wait for their move a short while only, and a pass
	// that runs out of time leaves the rest unclaimed for the next one.
	for wave := range slices.Chunk(live, waveSize) {
		if err := ctx.Err(); err != nil {
			for _, a := range wave {
				a.err = err
			}
			continue
		}
		s.actWave(ctx, wave)
	}

	var stamps []store.EvaluationStamp
	for _, a := range live {
		if a.err == nil {
			it := a.it
			stamps = append(stamps, store.EvaluationStamp{ScheduleID: it.sched.ID, Outcome: it.d.Outcome,
				Summary: it.d.Summary, DueAt: it.d.DueAt, At: s.now()})
		}
	}
	// Two schedules of one application in one stage share a claim: the one
	// that did not act reports the outcome of the one that did, as it would
	// have found it evaluated after it.
	acted := map[string]*liveAdvance{}
	for _, a := range live {
		if a.own && a.err == nil {
			acted[a.id] = a
		}
	}
	var firstErr error
	for _, a := range live {
		if o := acted[a.id]; o != nil && !a.own && a.err == nil {
			a.status = o.status
		}
		a.it.ev.ExecutionID, a.it.ev.Status = a.id, a.status
		if a.err != nil && firstErr == nil {
			firstErr = a.err
		}
	}
	if len(stamps) > 0 {
		if err := s.st.RecordEvaluations(ctx, stamps); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

package advance

import (
	"context"
	"errors"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/syncer"
)

// sweepBatch is how many schedules the sweep evaluates per bulk pass.
const sweepBatch = 500

// Sweep evaluates every schedule that may still need a decision, in bulk
// (EvaluateMany), and recovers actions whose worker stopped mid-way. It
// catches whatever the event-driven evaluations missed and applies
// timeouts; the claims make it safe beside them.
func (s *Service) Sweep(ctx context.Context) error {
	s.log.InfoContext(ctx, "advancement_evaluations_started")
	return s.track.Run(ctx, syncer.SyncSweep, func(*store.SyncState) (int, error) {
		ids, err := s.st.ListOpenSchedules(ctx, 0)
		if err != nil {
			return 0, err
		}
		stuck, err := s.st.ListExecutions(ctx, store.ExecutionFilter{Status: domain.ExecPending, Limit: 1000})
		if err != nil {
			return 0, err
		}
		for _, e := range stuck {
			if s.now().Sub(e.UpdatedAt) >= s.opts.ClaimLease {
				ids = append(ids, e.ScheduleID)
			}
		}
		s.log.InfoContext(ctx, "schedules_ready_for_evaluation", "count", len(ids))
		var errs []error
		for start := 0; start < len(ids); start += sweepBatch {
			if _, err := s.EvaluateMany(ctx, ids[start:min(start+sweepBatch, len(ids))]); err != nil {
				s.log.WarnContext(ctx, "schedule_evaluation_error", "error", err.Error())
				errs = append(errs, err)
			}
		}
		s.log.InfoContext(ctx, "advancement_evaluations_completed", "total_schedules", len(ids), "errors", len(errs))
		return len(ids), errors.Join(errs...)
	})
}

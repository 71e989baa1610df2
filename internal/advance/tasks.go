package advance

import (
	"context"
	"errors"
	"fmt"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Periodic task names (as in the seed's scheduler).
const (
	TaskFeedbackSync    = "sync_feedback"
	TaskEvaluationSweep = "advancement_evaluations"
	TaskMetadataSync    = "sync_metadata"
	TaskInterviewSync   = "sync_interviews"
	TaskSlackUserSync   = "sync_slack_users"
	// TaskReminders sends due feedback reminders and escalations.
	TaskReminders = "send_due_reminders"
)

// RunTask runs one periodic task by name.
func (s *Service) RunTask(ctx context.Context, task string) error {
	if s.ats == nil && task != TaskEvaluationSweep && task != TaskSlackUserSync && task != TaskReminders {
		s.log.DebugContext(ctx, "task_skipped_ashby_not_configured", "task", task)
		return nil
	}
	switch task {
	case TaskFeedbackSync:
		return s.SyncFeedback(ctx)
	case TaskEvaluationSweep:
		return s.Sweep(ctx)
	case TaskMetadataSync:
		return s.SyncMetadata(ctx)
	case TaskInterviewSync:
		return s.SyncInterviews(ctx)
	case TaskSlackUserSync:
		return s.SyncSlackUsers(ctx)
	case TaskReminders:
		return s.SendDueReminders(ctx)
	}
	return fmt.Errorf("unknown task %q", task)
}

// sweepBatch is how many schedules the sweep evaluates per bulk pass.
const sweepBatch = 500

// Sweep evaluates every schedule that may still need a decision, in bulk
// (EvaluateMany), and recovers actions whose worker stopped mid-way. It
// catches whatever the event-driven evaluations missed and applies
// timeouts; the claims make it safe beside them.
func (s *Service) Sweep(ctx context.Context) error {
	s.log.InfoContext(ctx, "advancement_evaluations_started")
	return s.tracked(ctx, SyncSweep, func(*store.SyncState) (int, error) {
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

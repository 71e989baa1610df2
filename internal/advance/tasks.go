package advance

import (
	"context"
	"fmt"
	"time"

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

// Sweep enqueues an evaluation of every schedule that may still need a
// decision, and recovers actions whose worker stopped mid-way. Evaluation
// jobs are unique per schedule, so a sweep never doubles work in flight.
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
		run := s.now()
		for _, id := range ids {
			if err := s.queue.EnqueueEvaluate(ctx, nil, id, time.Time{}, run); err != nil {
				return 0, err
			}
		}
		s.log.InfoContext(ctx, "schedules_ready_for_evaluation", "count", len(ids))
		return len(ids), nil
	})
}

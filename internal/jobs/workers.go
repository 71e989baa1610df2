package jobs

import (
	"context"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"

	"github.com/riverqueue/river"
)

// UseCases is what the workers call (implemented by advance.Service).
type UseCases interface {
	// IngestDelivery processes a stored webhook delivery. final is true on
	// the last attempt, when a failure must be recorded for good.
	IngestDelivery(ctx context.Context, deliveryID string, final bool) error
	// EvaluateSchedule evaluates a schedule; rerun asks for another run
	// because the schedule changed while it was being evaluated.
	EvaluateSchedule(ctx context.Context, scheduleID string) (rerun bool, rerunIn time.Duration, err error)
	// ArchiveFromSlack archives after a recruiter's click.
	ArchiveFromSlack(ctx context.Context, r advance.ArchiveRequest, final bool) error
	// NotifyDecision sends the Slack notice of a decision.
	NotifyDecision(ctx context.Context, executionID string, final bool) error
	// RunTask runs a periodic task.
	RunTask(ctx context.Context, task string) error
}

func (q *Queue) workers() *river.Workers {
	w := river.NewWorkers()
	h := handlerFunc(func() UseCases { return q.opts.Handler })
	final := func(attempt, max int) bool { return attempt >= max }
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[IngestArgs]) error {
		return h.IngestDelivery(ctx, j.Args.DeliveryID, final(j.Attempt, j.MaxAttempts))
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[EvaluateArgs]) error {
		rerun, in, err := h.EvaluateSchedule(ctx, j.Args.ScheduleID)
		if err != nil {
			return err
		}
		if rerun {
			return river.JobSnooze(in)
		}
		return nil
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[ArchiveArgs]) error {
		return h.ArchiveFromSlack(ctx, advance.ArchiveRequest(j.Args), final(j.Attempt, j.MaxAttempts))
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[NotifyArgs]) error {
		return h.NotifyDecision(ctx, j.Args.ExecutionID, final(j.Attempt, j.MaxAttempts))
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[PeriodicArgs]) error {
		return h.RunTask(ctx, j.Args.Task)
	}))
	return w
}

// handlerFunc resolves the handler at work time, so the queue can be built
// before the service that uses it (see SetHandler).
type handlerFunc func() UseCases

func (f handlerFunc) IngestDelivery(ctx context.Context, id string, final bool) error {
	return f().IngestDelivery(ctx, id, final)
}

func (f handlerFunc) EvaluateSchedule(ctx context.Context, id string) (bool, time.Duration, error) {
	return f().EvaluateSchedule(ctx, id)
}

func (f handlerFunc) ArchiveFromSlack(ctx context.Context, r advance.ArchiveRequest, final bool) error {
	return f().ArchiveFromSlack(ctx, r, final)
}

func (f handlerFunc) NotifyDecision(ctx context.Context, id string, final bool) error {
	return f().NotifyDecision(ctx, id, final)
}

func (f handlerFunc) RunTask(ctx context.Context, task string) error { return f().RunTask(ctx, task) }

// SetHandler sets the use cases the workers call; call it before Start.
func (q *Queue) SetHandler(h UseCases) { q.opts.Handler = h }

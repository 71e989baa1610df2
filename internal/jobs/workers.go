package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/domain"

	"github.com/riverqueue/river"
)

// Handlers are the use cases the workers call, one per kind of job. The
// queue receives them when it starts (Start).
type Handlers struct {
	// Intake processes a stored webhook delivery (final is true on the
	// last attempt, when a failure must be recorded for good), and
	// deliveries stored together (IngestBatch hands what it cannot process
	// to single-delivery jobs itself).
	Intake interface {
		IngestDelivery(ctx context.Context, deliveryID string, final bool) error
		IngestBatch(ctx context.Context, deliveryIDs []string) error
	}
	// Evaluator evaluates a schedule (rerun asks for another run in rerunIn
	// because the schedule changed while it was evaluated) and archives
	// after a recruiter's click.
	Evaluator interface {
		EvaluateSchedule(ctx context.Context, scheduleID string) (rerun bool, rerunIn time.Duration, err error)
		EvaluateMany(ctx context.Context, scheduleIDs []string) ([]advance.Evaluation, error)
		ArchiveFromSlack(ctx context.Context, r advance.ArchiveRequest, final bool) error
		ActOnClick(ctx context.Context, c advance.DecisionClick, final bool) error
	}
	// Notices sends the Slack notice of a decision and re-renders it when
	// its status changes.
	Notices interface {
		NotifyDecision(ctx context.Context, executionID string, final bool) error
		RefreshNotice(ctx context.Context, executionID string, final bool) error
	}
	// Tasks runs each periodic task by name (Options.Periodic).
	Tasks map[string]func(ctx context.Context) error
}

// check reports what is missing for the periodic tasks and jobs configured.
func (h Handlers) check(periodic []Interval) error {
	var errs []error
	if h.Intake == nil || h.Evaluator == nil || h.Notices == nil {
		errs = append(errs, errors.New("jobs: Intake, Evaluator and Notices handlers are required"))
	}
	for _, p := range periodic {
		if h.Tasks[p.Task] == nil {
			errs = append(errs, fmt.Errorf("jobs: no handler for periodic task %q", p.Task))
		}
	}
	return errors.Join(errs...)
}

// workers registers one worker per job kind; each calls q.handlers, which
// Start sets before any job is worked.
func (q *Queue) workers() *river.Workers {
	w := river.NewWorkers()
	final := func(attempt, max int) bool { return attempt >= max }
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[IngestArgs]) error {
		err := q.handlers.Intake.IngestDelivery(ctx, j.Args.DeliveryID, final(j.Attempt, j.MaxAttempts))
		if errors.Is(err, domain.ErrUnavailable) {
			// A snooze is not an attempt: a long Ashby outage never uses
			// the job up, and the delivery is processed once Ashby answers.
			return river.JobSnooze(q.backoff.delay(snoozes(j.Metadata)))
		}
		return err
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[IngestBatchArgs]) (err error) {
		// Never given up: a batch fails only when it cannot even hand its
		// deliveries on (the database is away), and they are acknowledged.
		// Like a transient ingest, it waits with capped backoff without
		// using attempts up; a panic too (and it is logged).
		defer func() {
			if p := recover(); p != nil {
				q.logger.ErrorContext(ctx, "webhook_batch_panic", "panic", fmt.Sprint(p))
				err = errors.New("ingest batch panicked")
			}
			if err != nil {
				err = river.JobSnooze(q.backoff.delay(snoozes(j.Metadata)))
			}
		}()
		return q.handlers.Intake.IngestBatch(ctx, j.Args.DeliveryIDs)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[EvaluateArgs]) error {
		rerun, in, err := q.handlers.Evaluator.EvaluateSchedule(ctx, j.Args.ScheduleID)
		if err != nil {
			return err
		}
		if rerun {
			return river.JobSnooze(in)
		}
		return nil
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[EvaluateBatchArgs]) error {
		_, err := q.handlers.Evaluator.EvaluateMany(ctx, j.Args.ScheduleIDs)
		if err == nil || len(j.Args.ScheduleIDs) == 1 {
			return err
		}
		// Evaluated together, failed together: each schedule goes on in a
		// job of its own, so one cannot hold up the others.
		q.logger.WarnContext(ctx, "evaluation_batch_split", "schedules", len(j.Args.ScheduleIDs), "error", err.Error())
		reqs := make([]domain.EvaluationRequest, len(j.Args.ScheduleIDs))
		now := time.Now()
		for i, id := range j.Args.ScheduleIDs {
			reqs[i] = domain.EvaluationRequest{ScheduleID: id, ChangedAt: now}
		}
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		return q.EnqueueEvaluations(hctx, nil, reqs...)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[ArchiveArgs]) error {
		return q.handlers.Evaluator.ArchiveFromSlack(ctx, advance.ArchiveRequest(j.Args), final(j.Attempt, j.MaxAttempts))
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[DecisionArgs]) error {
		return q.handlers.Evaluator.ActOnClick(ctx, advance.DecisionClick(j.Args), final(j.Attempt, j.MaxAttempts))
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[RefreshArgs]) error {
		return q.handlers.Notices.RefreshNotice(ctx, j.Args.ExecutionID, final(j.Attempt, j.MaxAttempts))
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[NotifyArgs]) error {
		return q.handlers.Notices.NotifyDecision(ctx, j.Args.ExecutionID, final(j.Attempt, j.MaxAttempts))
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[PeriodicArgs]) error {
		run := q.handlers.Tasks[j.Args.Task]
		if run == nil {
			// A task another instance (or version) scheduled: nothing to do here.
			q.logger.WarnContext(ctx, "unknown_periodic_task", "task", j.Args.Task)
			return nil
		}
		return run(ctx)
	}))
	return w
}

// snoozes reads how often River snoozed a job (its metadata's "snoozes").
func snoozes(metadata []byte) int {
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	_ = json.Unmarshal(metadata, &m)
	return m.Snoozes
}

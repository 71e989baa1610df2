package jobs_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestWorkersCallTheirUseCase: each kind of job reaches its use case with
// its arguments, on real River over each backend.
func TestWorkersCallTheirUseCase(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		d := testkit.OpenDatabase(t, b)
		q := d.Queue(t, fast(jobs.Options{}))
		u := &useCases{}
		start(t, q, u.handlers())
		testkit.Must(t, q.EnqueueIngest(ctx, nil, "d1", "d2", "d3"))
		testkit.Must(t, q.EnqueueEvaluate(ctx, nil, "s1", time.Time{}, time.Time{}))
		testkit.Must(t, q.EnqueueArchive(ctx, nil, advance.ArchiveRequest{ExecutionID: "e1", ApplicationID: "a1"}, time.Time{}))
		testkit.Must(t, q.EnqueueNotify(ctx, nil, "e2"))
		testkit.Must(t, q.EnqueueEvaluateBatch(ctx, nil, []string{"s2", "s3"}))
		testkit.Must(t, d.DB.InTx(ctx, func(tx store.Store) error {
			return q.EnqueueIngestBatch(ctx, store.JobTx{SQL: tx.SQLTx()}, []string{"d4", "d5"})
		}))
		want := map[string][]string{"ingest": {"d1", "d2", "d3"}, "evaluate": {"s1"}, "archive": {"e1"}, "notify": {"e2"},
			"evaluate_many": {"s2,s3"}, "ingest_batch": {"d4,d5"}}
		testkit.Eventually(t, 10*time.Second, "every use case called", func() bool {
			for method, ids := range want {
				var got []string
				for _, c := range u.made(method) {
					got = append(got, c.ID)
				}
				slices.Sort(got)
				if !slices.Equal(got, ids) {
					return false
				}
			}
			return true
		}, u.String, func() string { return describe(jobsOf(t, q)) })
	})
}

// TestFailedJobsRetryUntilFinal: a failing use case is called again, and
// told on the last allowed attempt that this one is final (so it records
// the failure for good).
func TestFailedJobsRetryUntilFinal(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		d := testkit.OpenDatabase(t, b)
		q := d.Queue(t, fast(jobs.Options{MaxAttempts: 3}))
		// d-ok fails once then succeeds; d-bad always fails.
		u := &useCases{fail: func(_, id string, n int) bool { return id == "d-bad" || n == 1 }}
		start(t, q, u.handlers())
		testkit.Must(t, q.EnqueueIngest(ctx, nil, "d-ok", "d-bad"))
		finals := func(id string) []bool {
			var out []bool
			for _, c := range u.made("ingest") {
				if c.ID == id {
					out = append(out, c.Final)
				}
			}
			return out
		}
		testkit.Eventually(t, 10*time.Second, "three attempts of the failing job, one retry of the other", func() bool {
			return len(finals("d-bad")) == 3 && len(finals("d-ok")) == 2
		}, u.String)
		if got, want := finals("d-bad"), []bool{false, false, true}; !slices.Equal(got, want) {
			t.Errorf("final flags of the failing job = %v, want %v", got, want)
		}
		if got, want := finals("d-ok"), []bool{false, false}; !slices.Equal(got, want) {
			t.Errorf("final flags of the job that recovers = %v, want %v", got, want)
		}
		testkit.Eventually(t, 5*time.Second, "the failing job discarded", func() bool {
			for _, j := range jobsOf(t, q) {
				if string(j.State) == "discarded" {
					return true
				}
			}
			return false
		}, func() string { return describe(jobsOf(t, q)) })
	})
}

// TestEvaluateRerunSnoozes: an evaluation that asks for another run (the
// schedule changed while it ran) is run again without using up an attempt.
func TestEvaluateRerunSnoozes(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		d := testkit.OpenDatabase(t, b)
		q := d.Queue(t, fast(jobs.Options{MaxAttempts: 1}))
		u := &useCases{rerun: func(_ string, n int) bool { return n < 3 }}
		start(t, q, u.handlers())
		testkit.Must(t, q.EnqueueEvaluate(context.Background(), nil, "s1", time.Time{}, time.Time{}))
		testkit.Eventually(t, 10*time.Second, "three runs, the job completed", func() bool {
			list := jobsOf(t, q)
			return len(u.made("evaluate")) == 3 && len(list) == 1 && string(list[0].State) == "completed"
		}, u.String, func() string { return describe(jobsOf(t, q)) })
	})
}

// TestPeriodicTasks: each configured task runs on start (on the elected
// leader); a task enqueued by hand runs through the same handler; a task
// nobody handles is dropped, not retried.
func TestPeriodicTasks(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		d := testkit.OpenDatabase(t, b)
		q := d.Queue(t, fast(jobs.Options{Periodic: []jobs.Interval{
			{Task: jobs.TaskFeedbackSync, Every: time.Hour}, {Task: jobs.TaskEvaluationSweep, Every: time.Hour}}}))
		u := &useCases{}
		start(t, q, u.handlers(jobs.TaskFeedbackSync, jobs.TaskEvaluationSweep, jobs.TaskReminders))
		runs := func(task string) int {
			n := 0
			for _, c := range u.made("task") {
				if c.ID == task {
					n++
				}
			}
			return n
		}
		testkit.Eventually(t, 20*time.Second, "both periodic tasks run on start", func() bool {
			return runs(jobs.TaskFeedbackSync) == 1 && runs(jobs.TaskEvaluationSweep) == 1
		}, u.String, func() string { return describe(jobsOf(t, q)) })
		testkit.Must(t, q.EnqueueTask(ctx, jobs.TaskReminders))
		testkit.Must(t, q.EnqueueTask(ctx, "retired_task"))
		testkit.Eventually(t, 10*time.Second, "the enqueued task run and the unknown one completed", func() bool {
			done := 0
			for _, j := range jobsOf(t, q) {
				if j.Kind == "periodic" && string(j.State) == "completed" {
					done++
				}
			}
			return runs(jobs.TaskReminders) == 1 && done == 4
		}, u.String, func() string { return describe(jobsOf(t, q)) })
		if n := runs(jobs.TaskFeedbackSync); n != 1 {
			t.Errorf("feedback sync ran %d times within its first hour, want 1", n)
		}
	})
}

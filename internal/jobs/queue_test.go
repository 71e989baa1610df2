package jobs_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestEnqueueUnique checks which enqueues add a job and which are absorbed
// by an equal job still waiting, on each backend with nothing working the
// queue.
func TestEnqueueUnique(t *testing.T) {
	t.Parallel()
	changed := time.Date(2026, 3, 6, 17, 30, 0, 0, time.UTC)
	later := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	tests := []struct {
		name    string
		enqueue func(ctx context.Context, q *jobs.Queue) error
		want    []string
	}{
		{
			name: "evaluation twice for the same change is one job",
			enqueue: func(ctx context.Context, q *jobs.Queue) error {
				return firstErr(q.EnqueueEvaluate(ctx, nil, "s1", time.Time{}, changed),
					q.EnqueueEvaluate(ctx, nil, "s1", time.Time{}, changed))
			},
			want: []string{`evaluate_schedule {"change":"2026-03-06T17:30:00Z","schedule_id":"s1"}`},
		},
		{
			name: "a new change or another schedule is another job",
			enqueue: func(ctx context.Context, q *jobs.Queue) error {
				return firstErr(q.EnqueueEvaluate(ctx, nil, "s1", time.Time{}, changed),
					q.EnqueueEvaluate(ctx, nil, "s1", time.Time{}, changed.Add(time.Second)),
					q.EnqueueEvaluate(ctx, nil, "s2", time.Time{}, changed))
			},
			want: []string{
				`evaluate_schedule {"change":"2026-03-06T17:30:00Z","schedule_id":"s1"}`,
				`evaluate_schedule {"change":"2026-03-06T17:30:01Z","schedule_id":"s1"}`,
				`evaluate_schedule {"change":"2026-03-06T17:30:00Z","schedule_id":"s2"}`,
			},
		},
		{
			name: "a timed re-check does not swallow an immediate run, nor itself twice",
			enqueue: func(ctx context.Context, q *jobs.Queue) error {
				return firstErr(q.EnqueueEvaluate(ctx, nil, "s1", later, time.Time{}),
					q.EnqueueEvaluate(ctx, nil, "s1", later, time.Time{}),
					q.EnqueueEvaluate(ctx, nil, "s1", time.Time{}, time.Time{}))
			},
			want: []string{
				`evaluate_schedule {"schedule_id":"s1"}`,
				`evaluate_schedule {"at":"` + later.Format(time.RFC3339Nano) + `","schedule_id":"s1"}`,
			},
		},
		{
			name: "an archive per decision, whatever the click details",
			enqueue: func(ctx context.Context, q *jobs.Queue) error {
				return firstErr(q.EnqueueArchive(ctx, nil, advance.ArchiveRequest{ExecutionID: "e1", ApplicationID: "a1", UserID: "U1"}, time.Time{}),
					q.EnqueueArchive(ctx, nil, advance.ArchiveRequest{ExecutionID: "e1", ApplicationID: "a1", UserID: "U2"}, time.Time{}),
					q.EnqueueArchive(ctx, nil, advance.ArchiveRequest{ExecutionID: "e2", ApplicationID: "a2"}, time.Time{}))
			},
			want: []string{
				`slack_archive {"application_id":"a1","execution_id":"e1","user_id":"U1"}`,
				`slack_archive {"application_id":"a2","execution_id":"e2"}`,
			},
		},
		{
			name: "one pending run per periodic task",
			enqueue: func(ctx context.Context, q *jobs.Queue) error {
				return firstErr(q.EnqueueTask(ctx, jobs.TaskFeedbackSync), q.EnqueueTask(ctx, jobs.TaskFeedbackSync),
					q.EnqueueTask(ctx, jobs.TaskEvaluationSweep))
			},
			want: []string{`periodic {"task":"advancement_evaluations"}`, `periodic {"task":"sync_feedback"}`},
		},
		{
			name: "ingestion and notices are not unique",
			enqueue: func(ctx context.Context, q *jobs.Queue) error {
				return firstErr(q.EnqueueIngest(ctx, nil, "d1"), q.EnqueueIngest(ctx, nil, "d1", "d2"),
					q.EnqueueNotify(ctx, nil, "e1"), q.EnqueueNotify(ctx, nil, "e1"))
			},
			want: []string{
				`ingest_delivery {"delivery_id":"d1"}`, `ingest_delivery {"delivery_id":"d1"}`,
				`ingest_delivery {"delivery_id":"d2"}`,
				`slack_notify {"execution_id":"e1"}`, `slack_notify {"execution_id":"e1"}`,
			},
		},
	}
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		// One database per backend (a Postgres schema takes seconds to
		// migrate); each case starts from an empty job table.
		d := testkit.OpenDatabase(t, b)
		q := d.Queue(t, jobs.Options{InsertOnly: true})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := d.DB.Writer().Exec("DELETE FROM river_job")
				testkit.Must(t, err)
				testkit.Must(t, tt.enqueue(context.Background(), q))
				want := slices.Sorted(slices.Values(tt.want))
				if got := kinds(jobsOf(t, q)); !slices.Equal(got, want) {
					t.Errorf("jobs:\n got %q\nwant %q", got, want)
				}
			})
		}
	})
}

// TestEnqueueInTransaction: a job enqueued in a transaction exists only if
// the transaction commits, so a delivery and its job are stored together.
func TestEnqueueInTransaction(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		d := testkit.OpenDatabase(t, b)
		q := d.Queue(t, jobs.Options{InsertOnly: true})
		for _, commit := range []bool{false, true} {
			tx, err := d.DB.Writer().BeginTx(ctx, nil)
			testkit.Must(t, err)
			id := map[bool]string{false: "rolled-back", true: "committed"}[commit]
			testkit.Must(t, q.EnqueueIngest(ctx, tx, id+"-1", id+"-2"))
			testkit.Must(t, q.EnqueueEvaluate(ctx, tx, id, time.Time{}, time.Time{}))
			if commit {
				testkit.Must(t, tx.Commit())
			} else {
				testkit.Must(t, tx.Rollback())
			}
		}
		want := []string{`evaluate_schedule {"schedule_id":"committed"}`,
			`ingest_delivery {"delivery_id":"committed-1"}`, `ingest_delivery {"delivery_id":"committed-2"}`}
		if got := kinds(jobsOf(t, q)); !slices.Equal(got, want) {
			t.Errorf("jobs:\n got %q\nwant %q", got, want)
		}
		pending, err := q.PendingJobs(ctx)
		testkit.Must(t, err)
		if len(pending) != 3 {
			t.Errorf("PendingJobs lists %d jobs, want 3: %s", len(pending), describe(pending))
		}
	})
}

// TestNewRejectsRescueBeforeTimeout: a job would be rescued (run twice)
// while its first run may still be going.
func TestNewRejectsRescueBeforeTimeout(t *testing.T) {
	t.Parallel()
	d := testkit.OpenDatabase(t, testkit.SQLite())
	_, err := jobs.New(jobs.Options{DB: d.DB.Writer(), JobTimeout: time.Minute, RescueAfter: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "must exceed the job timeout") {
		t.Fatalf("New with RescueAfter == JobTimeout: err = %v, want a refusal", err)
	}
}

// TestStartRequiresHandlers: a queue that would work jobs refuses to start
// without a handler for each kind and each configured periodic task; an
// insert-only queue needs none.
func TestStartRequiresHandlers(t *testing.T) {
	t.Parallel()
	d := testkit.OpenDatabase(t, testkit.SQLite())
	ctx := context.Background()
	u := &useCases{}
	q := d.Queue(t, jobs.Options{Periodic: []jobs.Interval{{Task: jobs.TaskFeedbackSync, Every: time.Hour}}})
	err := q.Start(ctx, u.handlers())
	if err == nil || !strings.Contains(err.Error(), jobs.TaskFeedbackSync) {
		t.Fatalf("Start without the periodic task's handler: err = %v, want it named", err)
	}
	if err := q.Start(ctx, jobs.Handlers{Tasks: u.handlers(jobs.TaskFeedbackSync).Tasks}); err == nil {
		t.Fatal("Start without use-case handlers succeeded")
	}
	ins := d.Queue(t, jobs.Options{InsertOnly: true})
	testkit.Must(t, ins.Start(ctx, jobs.Handlers{}))
	testkit.Must(t, ins.Stop(ctx))
	if len(u.made("task")) != 0 {
		t.Fatal("a refused queue ran a task")
	}
}

// TestObserveJob reports each finished run with its kind and outcome.
func TestObserveJob(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		d := testkit.OpenDatabase(t, b)
		seen := make(chan string, 10)
		q := d.Queue(t, fast(jobs.Options{ObserveJob: func(kind, outcome string, run, wait time.Duration) {
			seen <- kind + " " + outcome
		}}))
		start(t, q, (&useCases{}).handlers())
		testkit.Must(t, q.EnqueueNotify(context.Background(), nil, "e1"))
		select {
		case got := <-seen:
			if got != "slack_notify completed" {
				t.Fatalf("observed %q, want slack_notify completed", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no job observed: %s", describe(jobsOf(t, q)))
		}
	})
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestBacklog counts waiting jobs by kind and state on both backends:
// available now, scheduled for later; none is worked (the queue is not
// started).
func TestBacklog(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		d := testkit.OpenDatabase(t, b)
		q := d.Queue(t, fast(jobs.Options{}))
		ctx := context.Background()
		got, err := q.Backlog(ctx)
		testkit.Must(t, err)
		if len(got) != 0 {
			t.Fatalf("empty queue backlog: %v", got)
		}
		testkit.Must(t, q.EnqueueNotify(ctx, nil, "e1"))
		testkit.Must(t, q.EnqueueNotify(ctx, nil, "e2"))
		testkit.Must(t, q.EnqueueEvaluate(ctx, nil, "s1", time.Now().Add(time.Hour), time.Time{}))
		got, err = q.Backlog(ctx)
		testkit.Must(t, err)
		if got["slack_notify"]["available"] != 2 || got["evaluate_schedule"]["scheduled"] != 1 || len(got) != 2 {
			t.Fatalf("backlog: %v, want 2 slack_notify available and 1 evaluate_schedule scheduled", got)
		}
	})
}

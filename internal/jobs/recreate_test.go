package jobs_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"github.com/riverqueue/river/rivertype"
)

// TestRecreate copies the pending jobs of a SQLite queue (as `aaa store
// copy` does) into a fresh queue on each backend: same kinds, args and
// scheduled times; aaa's unique kinds stay unique on the target, and a kind
// this build does not know is copied as it is.
func TestRecreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	later := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	src := testkit.OpenDatabase(t, testkit.SQLite())
	from := src.Queue(t, jobs.Options{InsertOnly: true})
	testkit.Must(t, from.EnqueueIngest(ctx, nil, "d1"))
	testkit.Must(t, from.EnqueueEvaluate(ctx, nil, "s1", later, time.Time{}))
	testkit.Must(t, from.EnqueueArchive(ctx, nil, advance.ArchiveRequest{ExecutionID: "e1", ApplicationID: "a1", UserName: "rita"}, time.Time{}))
	testkit.Must(t, from.EnqueueNotify(ctx, nil, "e2"))
	testkit.Must(t, from.EnqueueTask(ctx, jobs.TaskFeedbackSync))
	testkit.Must(t, from.EnqueueEvaluateBatch(ctx, nil, []string{"s2", "s3"}))
	testkit.Must(t, src.DB.InTx(ctx, func(tx store.Store) error {
		return from.EnqueueIngestBatch(ctx, store.JobTx{SQL: tx.SQLTx()}, []string{"d2", "d3"})
	}))
	pending, err := from.PendingJobs(ctx)
	testkit.Must(t, err)
	unknown := &rivertype.JobRow{ID: 999, Kind: "retired_kind", EncodedArgs: json.RawMessage(`{"x":1}`),
		Queue: "default", Priority: 1, MaxAttempts: 5, ScheduledAt: time.Now()}
	rows := append(pending, unknown)
	want := append(kinds(pending), `retired_kind {"x":1}`)
	slices.Sort(want)

	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		dst := testkit.OpenDatabase(t, b)
		to := dst.Queue(t, jobs.Options{InsertOnly: true})
		recreate := func() jobs.RecreateResult {
			t.Helper()
			tx, err := dst.DB.Writer().BeginTx(ctx, nil)
			testkit.Must(t, err)
			res, err := to.Recreate(ctx, tx, rows)
			if err != nil {
				_ = tx.Rollback()
				t.Fatal(err)
			}
			testkit.Must(t, tx.Commit())
			return res
		}
		if res := recreate(); res.Inserted != len(rows) || res.Duplicates != 0 {
			t.Fatalf("first copy: %+v, want %d inserted", res, len(rows))
		}
		got, err := to.PendingJobs(ctx)
		testkit.Must(t, err)
		if k := kinds(got); !slices.Equal(k, want) {
			t.Errorf("copied jobs:\n got %q\nwant %q", k, want)
		}
		for _, j := range got {
			switch j.Kind {
			case "evaluate_schedule":
				if !j.ScheduledAt.Equal(later) || j.State != rivertype.JobStateScheduled {
					t.Errorf("the timed evaluation is %s at %s, want scheduled at %s", j.State, j.ScheduledAt, later)
				}
			case "retired_kind":
				if j.MaxAttempts != 5 {
					t.Errorf("unknown kind copied with max attempts %d, want 5", j.MaxAttempts)
				}
			case "periodic":
				if j.MaxAttempts != 3 {
					t.Errorf("periodic job copied with max attempts %d, want 3", j.MaxAttempts)
				}
			}
		}
		// Copying again adds the kinds that are not unique and skips the
		// others (evaluation, archive, periodic task).
		if res := recreate(); res.Duplicates != 3 || res.Inserted != len(rows)-3 {
			t.Errorf("second copy: %+v, want 3 duplicates and %d inserted", res, len(rows)-3)
		}
	})
}

package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestRescueOrphansOnSQLite: a job a crashed process left running on a
// SQLite file runs at once after RescueOrphans, long before
// JOB_RESCUE_AFTER; on Postgres RescueOrphans leaves River's rescuer in
// charge and changes nothing.
func TestRescueOrphansOnSQLite(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		d := testkit.OpenDatabase(t, b)
		ins := d.Queue(t, jobs.Options{InsertOnly: true})
		testkit.Must(t, ins.EnqueueIngest(ctx, nil, "orphan"))
		// The crashed process had taken it.
		if _, err := d.DB.Writer().ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1`); err != nil {
			t.Fatal(err)
		}
		q := d.Queue(t, fast(jobs.Options{RescueAfter: time.Hour, JobTimeout: time.Minute}))
		n, err := q.RescueOrphans(ctx)
		testkit.Must(t, err)
		u := &useCases{}
		start(t, q, u.handlers())
		if b.Name != "sqlite" {
			if n != 0 {
				t.Fatalf("RescueOrphans on %s rescued %d jobs, want 0 (River's rescuer decides)", b.Name, n)
			}
			return
		}
		if n != 1 {
			t.Fatalf("RescueOrphans = %d, want the 1 job left running", n)
		}
		testkit.Eventually(t, 10*time.Second, "the orphan ingested", func() bool { return len(u.made("ingest")) == 1 }, u.String)
	})
}

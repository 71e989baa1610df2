package scaletest_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestThreeInstancesShareWork runs three `aaa serve` on one Postgres schema:
// webhooks for 200 ready candidates are spread across all three, each
// candidate is advanced exactly once, the work is shared, and the periodic
// syncs run once per interval (one scheduler: River's elected leader), not
// three times.
func TestThreeInstancesShareWork(t *testing.T) {
	t.Parallel()
	dbURL := testkit.NewPostgresSchema(t)
	w := newWorkspace(t, 200)
	for _, c := range w.sc.Candidates {
		w.pass(c)
	}
	env := serveEnv(dbURL, w)
	testkit.Binary(t)
	start := time.Now()

	// Started together: migrations run once, under the advisory lock.
	insts := make([]*testkit.Process, 3)
	var wg sync.WaitGroup
	for i := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			insts[i] = startInstance(t, []string{"aaa-a", "aaa-b", "aaa-c"}[i], env)
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("3 instances ready after %s", time.Since(start).Round(time.Millisecond))
	conn := pg(t, dbURL)
	createLiveRule(t, insts[1], w)
	sendWebhooks(t, w, w.sc.Candidates, insts...)

	testkit.Eventually(t, 90*time.Second, "200 candidates advanced", func() bool { return len(w.moves()) == 200 },
		func() string { return "moved so far: " + strconv.Itoa(len(w.moves())) })
	t.Logf("200 candidates advanced after %s", time.Since(start).Round(time.Millisecond))
	w.checkExactlyOnce(t, w.sc.Candidates)

	// The work was shared: ingestion and evaluation jobs ran on more than
	// one instance (River records the client that worked each job).
	workers := queryInt(t, conn, `SELECT COUNT(DISTINCT attempted_by[array_length(attempted_by, 1)]) FROM river_job
WHERE kind IN ('ingest_deliveries', 'ingest_delivery', 'evaluate_schedules', 'evaluate_schedule') AND state = 'completed'`)
	if workers < 2 {
		t.Errorf("jobs were worked by %d instance(s), want the three to share them", workers)
	}

	// Periodic syncs: one leader, so one run per interval. Three schedulers
	// would make about three times as many.
	if id := leader(t, conn); id == "" {
		t.Fatal("no River leader elected")
	} else if !isInstance(id, insts) {
		t.Fatalf("river_leader names %q, none of the instances (%s, %s, %s)", id, insts[0].ClientID(), insts[1].ClientID(), insts[2].ClientID())
	}
	from := time.Now()
	window := 4 * syncEvery
	time.Sleep(window + syncEvery/2) // let the last runs in the window land
	to := from.Add(window)
	want := int(window / syncEvery)
	for _, m := range []string{"job.list", "applicationFeedback.list"} {
		got := w.firstPages(m, from, to)
		t.Logf("%s sync runs in %s: %d", m, window, got)
		if got < want-1 || got > want+1 {
			t.Errorf("%s sync runs in %s = %d, want %d±1 (once per %s, on the leader only)", m, window, got, want, syncEvery)
		}
	}
	// Sweeps and syncs after the decisions never move anyone again.
	w.checkExactlyOnce(t, w.sc.Candidates)
}

func isInstance(clientID string, insts []*testkit.Process) bool {
	for _, i := range insts {
		if i != nil && i.ClientID() == clientID {
			return true
		}
	}
	return false
}

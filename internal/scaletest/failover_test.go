package scaletest_test

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestLeaderKilledMidRun SIGKILLs River's elected leader half-way through a
// run. The survivors elect a new leader on their own, its periodic feedback
// sync picks up the scorecards submitted after the kill (nothing else would:
// only the leader schedules syncs), and every candidate is advanced exactly
// once.
//
// The leader is killed while it holds no running job. A job running on a
// SIGKILLed process stays "running" until River's rescuer takes it back
// (RescueStuckJobsAfter, 10 minutes in aaa), and an action it had claimed
// waits out aaa's claim lease (2 minutes) before another instance re-reads
// and finishes it: both are safe (nothing runs twice) but too slow for a
// test, so this one checks the leader hand-over and the exactly-once outcome.
func TestLeaderKilledMidRun(t *testing.T) {
	t.Parallel()
	dbURL := testkit.NewPostgresSchema(t)
	const n = 120
	w := newWorkspace(t, n)
	env := serveEnv(dbURL, w)
	testkit.Binary(t)
	start := time.Now()
	insts := make([]*testkit.Process, 3)
	var wg sync.WaitGroup
	for i := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			insts[i] = startInstance(t, "aaa-"+strconv.Itoa(i), env)
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	conn := pg(t, dbURL)
	createLiveRule(t, insts[0], w)

	// First half: schedules arrive everywhere; no feedback yet, so every
	// candidate waits.
	first, second := w.sc.Candidates[:n/2], w.sc.Candidates[n/2:]
	sendWebhooks(t, w, first, insts...)
	testkit.Eventually(t, 30*time.Second, "first half ingested and evaluated", func() bool {
		return queryInt(t, conn, `SELECT COUNT(*) FROM interview_schedules WHERE last_outcome = 'wait'`) == n/2
	})

	var old string
	testkit.Eventually(t, 30*time.Second, "a River leader", func() bool { old = leader(t, conn); return old != "" })
	victim := slices.IndexFunc(insts, func(i *testkit.Process) bool { return i.ClientID() == old })
	if victim < 0 {
		t.Fatalf("river_leader names %q, none of the instances", old)
	}
	// Kill it between two of its jobs (see the test's comment).
	testkit.Eventually(t, 30*time.Second, "the leader between jobs", func() bool {
		return queryInt(t, conn, `SELECT COUNT(*) FROM river_job WHERE state = 'running'
AND attempted_by[array_length(attempted_by, 1)] = $1`, old) == 0
	})
	insts[victim].Kill(t)
	killed := time.Now()
	t.Logf("killed leader %s (%s) after %s", insts[victim].Name(), old, killed.Sub(start).Round(time.Millisecond))
	survivors := slices.Delete(slices.Clone(insts), victim, victim+1)

	// Second half: webhooks go to the survivors; then every scorecard is
	// submitted. Only a leader's feedback sync can bring them in.
	sendWebhooks(t, w, second, survivors...)
	for _, c := range w.sc.Candidates {
		w.pass(c)
	}
	var next string
	testkit.Eventually(t, 60*time.Second, "a new River leader", func() bool {
		next = leader(t, conn)
		return next != "" && next != old
	}, func() string { return "leader: " + leader(t, conn) })
	if !isInstance(next, survivors) {
		t.Fatalf("new leader %q is not a survivor", next)
	}
	t.Logf("new leader after %s", time.Since(killed).Round(time.Millisecond))

	testkit.Eventually(t, 60*time.Second, fmt.Sprintf("%d candidates advanced", n), func() bool { return len(w.moves()) == n },
		func() string { return "moved so far: " + strconv.Itoa(len(w.moves())) })
	t.Logf("all advanced %s after the kill", time.Since(killed).Round(time.Millisecond))
	w.checkExactlyOnce(t, w.sc.Candidates)

	// The new leader keeps the periodic syncs going, once per interval.
	from := time.Now()
	window := 3 * syncEvery
	time.Sleep(window + syncEvery/2)
	if got, want := w.firstPages("job.list", from, from.Add(window)), int(window/syncEvery); got < want-1 || got > want+1 {
		t.Errorf("job.list sync runs in %s after the failover = %d, want %d±1", window, got, want)
	}
	w.checkExactlyOnce(t, w.sc.Candidates)
}

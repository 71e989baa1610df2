package scaletest_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/store/sqlite"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestStoreCopyGraduatesATrial runs a trial on SQLite (one `aaa serve`:
// some candidates decided, some still waiting for feedback), stops it, runs
// `aaa store copy --from sqlite:aaa.db --to postgres://...` exactly as the
// docs say, checks every table arrived and the source file is unchanged,
// then runs `aaa serve` on the copy: the waiting candidates are decided once
// their feedback arrives, the decided ones are never moved again.
func TestStoreCopyGraduatesATrial(t *testing.T) {
	t.Parallel()
	pgURL := testkit.NewPostgresSchema(t)
	const n = 40
	w := newWorkspace(t, n)
	decided, waiting := w.sc.Candidates[:n/2], w.sc.Candidates[n/2:]
	for _, c := range decided {
		w.pass(c)
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "aaa.db")
	bin := testkit.Binary(t)
	start := time.Now()
	step := func(what string) { t.Logf("%s after %s", what, time.Since(start).Round(time.Millisecond)) }

	// The trial.
	trial := startInstance(t, "aaa-sqlite", serveEnv("sqlite:"+dbPath, w))
	createLiveRule(t, trial, w)
	sendWebhooks(t, w, w.sc.Candidates, trial)
	testkit.Eventually(t, 60*time.Second, "the first half advanced", func() bool { return len(w.moves()) == n/2 })
	testkit.Eventually(t, 30*time.Second, "the second half waiting", func() bool {
		return sqliteInt(t, dbPath, `SELECT COUNT(*) FROM interview_schedules WHERE last_outcome = 'wait'`) == n/2
	})
	trial.Stop(t)
	step("trial stopped")
	w.checkExactlyOnce(t, decided)

	// A job still queued when the trial stopped (here: an evaluation due in
	// an hour) must be re-created on the target, not lost.
	due := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	queueOnSQLite(t, dbPath, waiting[0].ScheduleID, due)
	step("job queued")
	srcCounts := sqliteCounts(t, dbPath)
	before := fileSum(t, dbPath)

	step("counted")
	// The documented command.
	out, err := exec.Command(bin, "store", "copy", "--from", "sqlite:"+dbPath, "--to", pgURL).CombinedOutput()
	if err != nil {
		t.Fatalf("aaa store copy: %v\n%s", err, out)
	}
	step("copied")
	t.Logf("aaa store copy:\n%s", out)
	if !strings.Contains(string(out), "row counts match") {
		t.Errorf("copy output does not confirm the counts:\n%s", out)
	}
	if after := fileSum(t, dbPath); after != before {
		t.Error("aaa store copy changed the source file")
	}
	conn := pg(t, pgURL)
	for table, want := range srcCounts {
		if got := queryInt(t, conn, `SELECT COUNT(*) FROM `+table); got != want {
			t.Errorf("%s: %d rows on Postgres, %d on SQLite", table, got, want)
		}
		if !strings.Contains(string(out), table) {
			t.Errorf("copy output does not list %s", table)
		}
	}
	if got := queryInt(t, conn, `SELECT COUNT(*) FROM river_job WHERE kind = 'evaluate_schedule'
AND args->>'schedule_id' = $1 AND abs(extract(epoch FROM scheduled_at - $2::timestamptz)) < 0.001 AND state = 'scheduled'`,
		waiting[0].ScheduleID, due); got != 1 {
		t.Errorf("the queued evaluation was not re-created on Postgres (found %d)", got)
	}

	// Copying again is refused: the target is not empty.
	out, err = exec.Command(bin, "store", "copy", "--from", "sqlite:"+dbPath, "--to", pgURL).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not empty") {
		t.Errorf("second copy: err %v, output:\n%s\nwant a refusal naming a non-empty target", err, out)
	}

	// Production carries on from the copy.
	startInstance(t, "aaa-postgres", serveEnv(pgURL, w))
	step("serving the copy")
	for _, c := range waiting {
		w.pass(c)
	}
	testkit.Eventually(t, 60*time.Second, "every candidate advanced", func() bool { return len(w.moves()) == n },
		func() string { return "moved so far: " + strconv.Itoa(len(w.moves())) })
	step("all advanced")
	// Several sweeps later, still exactly one move each.
	time.Sleep(2 * syncEvery)
	w.checkExactlyOnce(t, w.sc.Candidates)
}

// queueOnSQLite enqueues an evaluation due at `at` on the stopped trial's
// database, as one left waiting in its queue.
func queueOnSQLite(t *testing.T, path, scheduleID string, at time.Time) {
	t.Helper()
	db, err := sqlite.Open(path)
	testkit.Must(t, err)
	defer db.Close()
	q, err := jobs.New(jobs.Options{DB: db.Writer(), InsertOnly: true})
	testkit.Must(t, err)
	testkit.Must(t, q.EnqueueEvaluate(context.Background(), nil, scheduleID, at, time.Time{}))
}

// sqliteCounts counts the rows of every aaa table of a SQLite file.
func sqliteCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	db, err := sqlite.OpenReadOnly(path)
	testkit.Must(t, err)
	defer db.Close()
	// server_heartbeats says which servers run on the trial: not copied.
	rows, err := db.Reader().Query(`SELECT name FROM sqlite_master WHERE type = 'table'
AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'river_%' AND name <> 'schema_migrations' AND name <> 'server_heartbeats'`)
	testkit.Must(t, err)
	var names []string
	for rows.Next() {
		var s string
		testkit.Must(t, rows.Scan(&s))
		names = append(names, s)
	}
	rows.Close()
	out := map[string]int{}
	for _, name := range names {
		var c int
		testkit.Must(t, db.Reader().QueryRow(`SELECT COUNT(*) FROM `+name).Scan(&c))
		out[name] = c
	}
	for _, table := range []string{"advancement_rules", "advancement_executions", "feedback_submissions", "interview_schedules",
		"interview_events", "interview_assignments", "webhook_deliveries", "sync_state", "jobs", "interview_stages"} {
		if out[table] == 0 {
			t.Errorf("the trial left %s empty: the copy would prove little", table)
		}
	}
	return out
}

func sqliteInt(t *testing.T, path, q string) int {
	t.Helper()
	db, err := sqlite.OpenReadOnly(path)
	if err != nil {
		return -1
	}
	defer db.Close()
	var n int
	if err := db.Reader().QueryRow(q).Scan(&n); err != nil {
		return -1
	}
	return n
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	testkit.Must(t, err)
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

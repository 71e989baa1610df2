package advance_test

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/bench"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// benchSchedules is the number of ready schedules (AAA_BENCH_SCHEDULES
// overrides it; DESIGN.md's target is stated per 1,000).
var benchSchedules = func() int {
	if n, err := strconv.Atoi(os.Getenv("AAA_BENCH_SCHEDULES")); err == nil && n > 0 {
		return n
	}
	return 10000
}()

// BenchmarkEvaluate measures one evaluation pass over 10,000 ready schedules
// (complete, passing feedback, stored through the real ingest and feedback
// sync) with the simulator at zero latency, on each backend, in shadow mode
// (ends in dry_run) and live mode (stale guard + changeStage). One op is one
// pass of the sweep's bulk path (EvaluateMany, 500 at a time) over every
// schedule; each pass runs under a new rule version (and, live, with the
// candidates moved back in the simulator) so it does the full work again.
func BenchmarkEvaluate(b *testing.B) {
	for _, be := range testkit.Backends(b) {
		for _, mode := range []string{domain.ModeShadow, domain.ModeLive} {
			b.Run(be.Name+"/"+mode, func(b *testing.B) { benchmarkEvaluate(b, be, mode) })
		}
	}
}

func benchmarkEvaluate(b *testing.B, be testkit.Backend, mode string) {
	ctx := context.Background()
	st := testkit.NewStack(b, testkit.StackOptions{Backend: be, Queue: jobs.Options{InsertOnly: true},
		Ashby: ashby.Options{Timeout: 10 * time.Second}, App: app.Options{Timeout: 7 * 24 * time.Hour}})
	db, sim, svcs := st.DB, st.Sim, st.Services
	sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: benchSchedules})

	// Store every schedule as production does: accept its webhook, ingest
	// it, then sync the passing feedback.
	ids := bench.ScheduleIDs(sc)
	for _, id := range ids {
		body := sim.ScheduleUpdateBody(id)
		hook, err := ashby.ParseWebhook(body)
		testkit.Must(b, err)
		did, _, err := svcs.Intake.AcceptWebhook(ctx, hook, body)
		testkit.Must(b, err)
		testkit.Must(b, svcs.Intake.IngestDelivery(ctx, did, true))
	}
	bench.SubmitPassingFeedback(sim, sc)
	testkit.Must(b, svcs.Sync.SyncFeedback(ctx))
	rule, err := db.CreateRule(ctx, bench.PassingRule(sc, mode))
	testkit.Must(b, err)
	want := domain.ExecDryRun
	if mode == domain.ModeLive {
		want = domain.ExecSuccess
	}

	b.ReportAllocs()
	b.ResetTimer()
	var elapsed, cpu time.Duration
	for i := range b.N {
		b.StopTimer()
		if i > 0 {
			// A new rule version makes every decision new again.
			rule, err = db.UpdateRule(ctx, rule)
			testkit.Must(b, err)
			if mode == domain.ModeLive {
				for _, c := range sc.Candidates {
					testkit.Must(b, sim.MoveApplication(c.ApplicationID, sc.StageIDs[0]))
				}
			}
		}
		b.StartTimer()
		cpu0 := cpuTime()
		start := time.Now()
		var err error
		for i := 0; i < len(ids) && err == nil; i += 500 {
			var evs []advance.Evaluation
			evs, err = svcs.Advance.EvaluateMany(ctx, ids[i:min(i+500, len(ids))])
			for _, ev := range evs {
				if ev.Status != want {
					b.Errorf("schedule %s: %s/%s (%s), want %s", ev.ScheduleID, ev.Decision.Outcome, ev.Status, ev.Decision.Summary, want)
				}
			}
		}
		elapsed += time.Since(start)
		cpu += cpuTime() - cpu0
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*len(ids))/elapsed.Seconds(), "schedules/s")
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/pass")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/pass")
}

// cpuTime is the CPU time (user and system) the process has used so far:
// on a shared machine a pass's wall time varies with the other load, its
// CPU time much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

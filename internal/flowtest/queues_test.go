package flowtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestEvaluationRunsDuringIngestBurst: while a burst of new applications
// keeps every ingest worker waiting on slow Ashby lookups, an evaluation
// enqueued after the burst runs at once instead of queueing behind it. The
// check is on progress, not on time: the evaluation must be done while most
// of the burst is still unprocessed.
func TestEvaluationRunsDuringIngestBurst(t *testing.T) {
	t.Parallel()
	const burst = 40
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		s := testkit.NewStack(t, testkit.StackOptions{Backend: b, Server: server.Deps{WebhookSecret: secret}})
		sc := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: burst + 1, Interviewers: 1})
		send := func(scheduleID string) {
			t.Helper()
			if status, err := s.Sim.SendScheduleUpdate(ctx, s.URL+"/webhooks/ashby", secret, scheduleID); err != nil || status != 200 {
				t.Fatalf("webhook: status %d, err %v", status, err)
			}
		}
		first := sc.Candidates[0].ScheduleID
		send(first)
		evaluations := func() int {
			list, err := s.Queue.AllJobs(ctx)
			testkit.Must(t, err)
			n := 0
			for _, j := range list {
				if j.Kind == "evaluate_schedules" && j.State == "completed" {
					n++
				}
			}
			return n
		}
		testkit.Eventually(t, 10*time.Second, "the first schedule stored and evaluated", func() bool {
			return evaluations() == 1
		})

		// Each new application's lookup now takes a second.
		s.Sim.SetFault("application.info", ashbysim.Fault{Delay: time.Second})
		for _, c := range sc.Candidates[1:] {
			send(c.ScheduleID)
		}
		testkit.Must(t, s.Queue.EnqueueEvaluate(ctx, nil, first, time.Time{}, time.Time{}))

		// The evaluation asked for here is the only evaluate_schedule job
		// without a change (ingestion asks for evaluate_schedules).
		evaluated := func() bool {
			list, err := s.Queue.AllJobs(ctx)
			testkit.Must(t, err)
			for _, j := range list {
				if j.Kind == "evaluate_schedule" && j.State == "completed" && !strings.Contains(string(j.EncodedArgs), "change") {
					return true
				}
			}
			return false
		}
		unprocessed := func() int {
			n, err := s.DB.CountDeliveries(ctx)
			testkit.Must(t, err)
			return n[domain.DeliveryPending]
		}
		testkit.Eventually(t, 2*time.Minute, "the evaluation done, or the burst drained", func() bool {
			return evaluated() || unprocessed() == 0
		})
		left := unprocessed()
		if !evaluated() || left < burst*3/4 {
			t.Fatalf("the evaluation ran once %d of %d slow deliveries were processed; want it done while at least %d are still waiting",
				burst-left, burst, burst*3/4)
		}
		t.Logf("evaluation done with %d of %d deliveries still waiting", left, burst)
	})
}

package flowtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// outageAttempts is how many failed tries of each delivery the outage
// lasts: well past the 12 attempts after which a failing job used to give
// up, and at the production backoff cap (5 minutes) over two hours.
const outageAttempts = 30

// TestAshbyOutageDeliveriesRecover: deliveries received while Ashby fails
// every lookup ingestion needs (5xx, 429, dropped connections) keep being
// retried, are never marked failed, and are all processed once Ashby answers
// again, without a manual retry. Real River with the queue's production
// attempt limit, on each backend.
func TestAshbyOutageDeliveriesRecover(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		s := testkit.NewStack(t, testkit.StackOptions{Backend: b, Server: server.Deps{WebhookSecret: secret}})
		sc := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 3, Interviewers: 1})
		down := ashbysim.Fault{DropRate: 0.2, Rate5xx: 0.5, Rate429: 1}
		for _, m := range []string{"interviewStage.info", "application.info", "interview.info"} {
			s.Sim.SetFault(m, down)
		}
		for _, c := range sc.Candidates {
			if status, err := s.Sim.SendScheduleUpdate(ctx, s.URL+"/webhooks/ashby", secret, c.ScheduleID); err != nil || status != 200 {
				t.Fatalf("webhook during the outage: status %d, err %v", status, err)
			}
		}
		deliveries := func() []domain.Delivery {
			list, err := s.DB.ListDeliveries(ctx, "", 100)
			testkit.Must(t, err)
			return list
		}
		show := func() string {
			out := ""
			for _, d := range deliveries() {
				out += fmt.Sprintf("[%s attempts %d: %s] ", d.Status, d.Attempts, d.LastError)
			}
			return out
		}
		testkit.Eventually(t, 60*time.Second, fmt.Sprintf("every delivery tried %d times, or one given up", outageAttempts), func() bool {
			list := deliveries()
			for _, d := range list {
				if d.Status == domain.DeliveryFailed {
					return true
				}
			}
			for _, d := range list {
				if d.Attempts < outageAttempts {
					return false
				}
			}
			return len(list) == len(sc.Candidates)
		}, show)
		for _, d := range deliveries() {
			if d.Status != domain.DeliveryPending {
				t.Fatalf("during the outage a delivery is %s after %d attempts (%s), want pending", d.Status, d.Attempts, d.LastError)
			}
		}

		s.Sim.ClearFaults()
		testkit.Eventually(t, 60*time.Second, "every delivery processed once Ashby answers", func() bool {
			for _, d := range deliveries() {
				if d.Status != domain.DeliveryProcessed {
					return false
				}
			}
			return true
		}, show)
		for _, c := range sc.Candidates {
			got, err := s.DB.GetSchedule(ctx, c.ScheduleID)
			if err != nil || got.JobID != sc.JobID || got.InterviewPlanID != sc.PlanID {
				t.Errorf("schedule %s after the outage = job %q plan %q (%v), want job %q plan %q",
					c.ScheduleID, got.JobID, got.InterviewPlanID, err, sc.JobID, sc.PlanID)
			}
		}
	})
}

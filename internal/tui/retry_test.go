package tui

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// ingestJobs counts the ingest jobs River holds for a delivery, in any
// state.
func ingestJobs(t *testing.T, s *testkit.Stack, deliveryID string) int {
	t.Helper()
	list, err := s.Queue.AllJobs(context.Background())
	testkit.Must(t, err)
	n := 0
	for _, j := range list {
		var args struct {
			DeliveryID string `json:"delivery_id"`
		}
		if j.Kind == "ingest_delivery" && json.Unmarshal(j.EncodedArgs, &args) == nil && args.DeliveryID == deliveryID {
			n++
		}
	}
	return n
}

// TestRetryDeliveryFromDashboard: on both stores, a delivery that failed
// for good is re-processed exactly once by a running stack after the
// dashboard's retry: its schedule is stored, it becomes processed, and one
// ingest job ran for it. The detail summarizes the payload without it.
func TestRetryDeliveryFromDashboard(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		s := testkit.NewStack(t, testkit.StackOptions{Backend: b})
		sc := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
		c := sc.Candidates[0]
		body := s.Sim.ScheduleUpdateBody(c.ScheduleID)
		received := time.Now().Add(-time.Hour)
		failed := domain.Delivery{ID: "dl-failed", DedupeKey: "retry-test-" + b.Name, Action: "interviewScheduleUpdate",
			ScheduleID: c.ScheduleID, Payload: body, Status: domain.DeliveryFailed, ReceivedAt: received}
		ok, err := s.DB.InsertDelivery(ctx, failed)
		if err != nil || !ok {
			t.Fatalf("store the failed delivery: %v %v", ok, err)
		}
		testkit.Must(t, s.DB.MarkDelivery(ctx, failed.ID, domain.DeliveryFailed, "ashby: 500 Internal Server Error", received))
		if _, err := s.DB.GetSchedule(ctx, c.ScheduleID); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("schedule stored before the retry: %v", err)
		}

		m := newModel(Options{Store: s.DB, Intake: s.Services.Intake})

		// The detail: what the payload names, never the payload.
		detail, _ := m.data.loadDelivery(failed.ID)().(deliveryDetailMsg)
		if detail.err != nil || detail.delivery.Payload != nil || detail.delivery.Status != domain.DeliveryFailed ||
			detail.delivery.LastError != "ashby: 500 Internal Server Error" || detail.delivery.Action != "interviewScheduleUpdate" {
			t.Fatalf("detail = %+v", detail)
		}
		want := deliverySummary{ScheduleID: c.ScheduleID, ApplicationID: c.ApplicationID, CandidateID: c.CandidateID}
		if detail.summary != want {
			t.Fatalf("summary = %+v, want %+v", detail.summary, want)
		}

		msg, _ := m.data.retryDelivery(failed.ID)().(deliveryRetriedMsg)
		if msg.err != nil || msg.id != failed.ID {
			t.Fatalf("retry: %+v", msg)
		}
		if text, isErr := msg.notice(); isErr || !strings.Contains(text, "interviewScheduleUpdate delivery received") ||
			strings.Contains(text, failed.ID) {
			t.Fatalf("retry notice %q", text)
		}
		testkit.Eventually(t, 30*time.Second, "the retried delivery processed", func() bool {
			d, err := s.DB.GetDelivery(ctx, failed.ID)
			return err == nil && d.Status == domain.DeliveryProcessed
		})
		sched, err := s.DB.GetSchedule(ctx, c.ScheduleID)
		testkit.Must(t, err)
		if sched.ApplicationID != c.ApplicationID || len(sched.Events) != 1 {
			t.Fatalf("stored schedule %+v", sched)
		}
		testkit.Eventually(t, 10*time.Second, "its ingest job completed", func() bool {
			list, err := s.Queue.AllJobs(ctx)
			if err != nil {
				return false
			}
			for _, j := range list {
				if j.Kind == "ingest_delivery" && strings.Contains(string(j.EncodedArgs), failed.ID) {
					return j.State == "completed"
				}
			}
			return false
		})
		if n := ingestJobs(t, s, failed.ID); n != 1 {
			t.Fatalf("%d ingest jobs for the retried delivery, want exactly 1", n)
		}
		detail, _ = m.data.loadDelivery(failed.ID)().(deliveryDetailMsg)
		if detail.err != nil || detail.delivery.Status != domain.DeliveryProcessed || detail.delivery.LastError != "" {
			t.Fatalf("detail after the retry: %+v", detail.delivery)
		}
	})
}

// TestRetryRefusalsInWords: a retry the use case refuses is said without
// the delivery's id: an action aaa does not process, a payload emptied by
// DELIVERY_RETENTION, a delivery no longer stored, a dashboard without the
// queue.
func TestRetryRefusalsInWords(t *testing.T) {
	t.Parallel()
	s := testkit.NewStack(t, testkit.StackOptions{NoWork: true})
	ctx := context.Background()
	at := time.Now()
	for _, d := range []domain.Delivery{
		{ID: "dl-other", DedupeKey: "k-other", Action: "offerCreate", Payload: []byte(`{"action":"offerCreate"}`), Status: domain.DeliveryIgnored, ReceivedAt: at},
		{ID: "dl-pruned", DedupeKey: "k-pruned", Action: "interviewScheduleUpdate", Status: domain.DeliveryProcessed, ReceivedAt: at},
	} {
		if _, err := s.DB.InsertDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	m := newModel(Options{Store: s.DB, Intake: s.Services.Intake})
	tests := []struct {
		name, id, want string
		intake         bool
	}{
		{name: "action not processed", id: "dl-other", want: "not retried: aaa does not process offerCreate deliveries", intake: true},
		{name: "payload pruned", id: "dl-pruned", want: "not retried: its payload was emptied after DELIVERY_RETENTION", intake: true},
		{name: "gone", id: "dl-gone", want: "not retried: the delivery is no longer stored", intake: true},
		{name: "no queue", id: "dl-other", want: "not retried: this dashboard was opened without the job queue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := m.data
			if !tt.intake {
				d.intake = nil
			}
			msg, _ := d.retryDelivery(tt.id)().(deliveryRetriedMsg)
			text, isErr := msg.notice()
			if !isErr || !strings.HasPrefix(text, tt.want) || strings.Contains(text, tt.id) {
				t.Fatalf("notice %q (error %v), want %q without the id", text, isErr, tt.want)
			}
		})
	}
	if n := ingestJobs(t, s, "dl-other") + ingestJobs(t, s, "dl-pruned"); n != 0 {
		t.Fatalf("%d ingest jobs queued by refused retries", n)
	}
	detail, _ := m.data.loadDelivery("dl-pruned")().(deliveryDetailMsg)
	if detail.err != nil || !detail.summary.Pruned {
		t.Fatalf("pruned detail %+v", detail)
	}
	if detail, _ := m.data.loadDelivery("dl-gone")().(deliveryDetailMsg); !errors.Is(detail.err, domain.ErrNotFound) {
		t.Fatalf("missing delivery detail: %+v", detail)
	}
}

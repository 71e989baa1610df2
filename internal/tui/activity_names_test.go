package tui

import (
	"context"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestActivityNamesDeliveries: Activity names the candidate of each
// delivery's schedule from the caches, and leaves the schedule id where no
// name is known yet.
func TestActivityNamesDeliveries(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "app-1", CandidateName: "Ada Lovelace", UpdatedAt: now}))
		testkit.Must(t, db.UpsertSchedule(ctx, domain.Schedule{ID: "sch-1", ApplicationID: "app-1", Status: "Scheduled",
			CreatedAt: now, UpdatedAt: now}))
		for _, d := range []domain.Delivery{
			{ID: "d-1", DedupeKey: "k-1", Action: "interviewScheduleUpdate", ScheduleID: "sch-1"},
			{ID: "d-2", DedupeKey: "k-2", Action: "interviewScheduleUpdate", ScheduleID: "sch-unknown"},
		} {
			d.Payload, d.ReceivedAt, d.Status = []byte(`{}`), now, domain.DeliveryPending
			_, err := db.InsertDelivery(ctx, d)
			testkit.Must(t, err)
		}
		m := newModel(Options{Store: db})
		msg, _ := m.data.loadActivity()().(activityMsg)
		if msg.err != nil {
			t.Fatal(msg.err)
		}
		if got := msg.activity.scheduleCandidates; got["sch-1"] != "Ada Lovelace" || got["sch-unknown"] != "" {
			t.Fatalf("candidates by schedule = %v", got)
		}
	})
}

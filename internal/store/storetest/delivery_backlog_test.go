package storetest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestDeliveryBacklog counts pending and failed deliveries and dates the
// oldest pending one, whatever order they arrived in.
func TestDeliveryBacklog(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b, err := db.DeliveryBacklog(ctx)
		testkit.Must(t, err)
		if b != (store.DeliveryBacklog{}) {
			t.Fatalf("empty store backlog: %+v", b)
		}
		// Inserted newest first: the oldest is not the first row.
		for i, at := range []time.Time{t0.Add(3 * time.Minute), t0.Add(time.Minute), t0.Add(2 * time.Minute), t0} {
			_, err := db.InsertDelivery(ctx, domain.Delivery{ID: fmt.Sprintf("d%d", i), DedupeKey: fmt.Sprintf("k%d", i),
				Action: "interviewScheduleUpdate", Payload: []byte(`{}`), ReceivedAt: at})
			testkit.Must(t, err)
		}
		testkit.Must(t, db.MarkDelivery(ctx, "d3", domain.DeliveryFailed, "boom", t0)) // the oldest fails
		testkit.Must(t, db.MarkDelivery(ctx, "d0", domain.DeliveryProcessed, "", t0))  // the newest is done
		b, err = db.DeliveryBacklog(ctx)
		testkit.Must(t, err)
		if b.Pending != 2 || b.Failed != 1 || !b.OldestPending.Equal(t0.Add(time.Minute)) {
			t.Fatalf("backlog: %+v, want 2 pending since %s, 1 failed", b, t0.Add(time.Minute))
		}
	})
}

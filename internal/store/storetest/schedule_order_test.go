package storetest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestScheduleNewestByAshbyTime: UpsertSchedule keeps the state with the
// newer Ashby time (SourceUpdatedAt) whatever the arrival order; arrival
// (SourceAt) decides a tie, or when either side has no Ashby time.
func TestScheduleNewestByAshbyTime(t *testing.T) {
	t.Parallel()
	state := func(status string, ashby, arrived time.Duration) domain.Schedule {
		s := sched("s1", "a1", t0.Add(arrived))
		s.Status, s.SourceAt = status, t0.Add(arrived)
		if ashby >= 0 {
			s.SourceUpdatedAt = t0.Add(-time.Hour + ashby)
		}
		return s
	}
	tests := []struct {
		name   string
		stored domain.Schedule
		next   domain.Schedule
		stale  bool
	}{
		{"older by Ashby's time, arrived later", state("Cancelled", 2*time.Minute, 0), state("Complete", time.Minute, time.Minute), true},
		{"newer by Ashby's time, arrived later", state("Cancelled", time.Minute, 0), state("Scheduled", 2*time.Minute, time.Minute), false},
		{"newer by Ashby's time, arrival time older", state("Cancelled", time.Minute, time.Minute), state("Scheduled", 2*time.Minute, 0), false},
		{"same Ashby time, arrived later", state("Scheduled", time.Minute, 0), state("Complete", time.Minute, time.Minute), false},
		{"same Ashby time, arrival older", state("Scheduled", time.Minute, time.Minute), state("Complete", time.Minute, 0), true},
		{"no Ashby time on the new state", state("Complete", 5*time.Minute, 0), state("Scheduled", -1, time.Minute), false},
		{"no Ashby time stored", state("Complete", -1, time.Minute), state("Scheduled", 0, 0), true},
	}
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i, tt := range tests {
			id := "s" + string(rune('a'+i))
			tt.stored.ID, tt.next.ID = id, id
			tt.stored.Events, tt.next.Events = nil, nil
			testkit.Must(t, db.UpsertSchedule(ctx, tt.stored))
			err := db.UpsertSchedule(ctx, tt.next)
			if stale := errors.Is(err, store.ErrStaleUpdate); stale != tt.stale || (err != nil && !stale) {
				t.Fatalf("%s: upsert = %v, want stale %v", tt.name, err, tt.stale)
			}
			want := tt.next.Status
			if tt.stale {
				want = tt.stored.Status
			}
			if got, _ := db.GetSchedule(ctx, id); got.Status != want {
				t.Fatalf("%s: stored status %q, want %q", tt.name, got.Status, want)
			}
		}
	})
}

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

var hbT0 = time.Date(2026, 3, 7, 9, 0, 0, 0, time.UTC)

// TestHeartbeats: a beat is an upsert per instance, listed newest first
// with every field back as written, and a clean shutdown's delete removes
// only that instance (twice is fine).
func TestHeartbeats(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		list, err := db.ListHeartbeats(ctx)
		testkit.Must(t, err)
		if len(list) != 0 {
			t.Fatalf("fresh store has heartbeats: %+v", list)
		}
		a := domain.Heartbeat{InstanceID: "srv-a", Host: "web-1", PID: 4242, Version: "v1.2.3",
			StartedAt: hbT0, BeatAt: hbT0, Interval: 15 * time.Second}
		b := domain.Heartbeat{InstanceID: "srv-b", Host: "web-2", PID: 7, Version: "dev",
			StartedAt: hbT0, BeatAt: hbT0.Add(5 * time.Second), Interval: time.Second}
		testkit.Must(t, db.Beat(ctx, a))
		testkit.Must(t, db.Beat(ctx, b))
		list, err = db.ListHeartbeats(ctx)
		testkit.Must(t, err)
		if len(list) != 2 || list[0] != b || list[1] != a {
			t.Fatalf("heartbeats = %+v, want b then a", list)
		}

		// A later beat replaces the row (no second row), newest first again.
		a.BeatAt = hbT0.Add(30 * time.Second)
		a.PID = 4243
		testkit.Must(t, db.Beat(ctx, a))
		list, err = db.ListHeartbeats(ctx)
		testkit.Must(t, err)
		if len(list) != 2 || list[0] != a || list[1] != b {
			t.Fatalf("after a second beat: %+v, want a then b", list)
		}
		// A time in another zone is stored as the same instant.
		a.BeatAt = hbT0.Add(45 * time.Second).In(time.FixedZone("CET", 3600))
		testkit.Must(t, db.Beat(ctx, a))
		list, err = db.ListHeartbeats(ctx)
		testkit.Must(t, err)
		if !list[0].BeatAt.Equal(hbT0.Add(45*time.Second)) || list[0].BeatAt.Location() != time.UTC {
			t.Fatalf("beat_at = %v, want %v in UTC", list[0].BeatAt, hbT0.Add(45*time.Second))
		}

		testkit.Must(t, db.DeleteHeartbeat(ctx, "srv-a"))
		testkit.Must(t, db.DeleteHeartbeat(ctx, "srv-a"))
		list, err = db.ListHeartbeats(ctx)
		testkit.Must(t, err)
		if len(list) != 1 || list[0].InstanceID != "srv-b" {
			t.Fatalf("after deleting srv-a: %+v", list)
		}

		if err := db.Beat(ctx, domain.Heartbeat{Host: "x"}); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("beat without an instance id: %v, want ErrInvalid", err)
		}
	})
}

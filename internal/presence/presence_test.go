package presence_test

import (
	"context"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/presence"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var t0 = time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)

// TestStaleAfterTwoIntervals is the stale rule: a heartbeat is live up to
// and including two intervals after its beat, stale after.
func TestStaleAfterTwoIntervals(t *testing.T) {
	t.Parallel()
	hb := domain.Heartbeat{InstanceID: "a", BeatAt: t0, Interval: 15 * time.Second}
	tests := []struct {
		name  string
		hb    domain.Heartbeat
		after time.Duration
		live  bool
	}{
		{name: "just beat", hb: hb, after: 0, live: true},
		{name: "one interval", hb: hb, after: 15 * time.Second, live: true},
		{name: "two intervals", hb: hb, after: 30 * time.Second, live: true},
		{name: "missed two beats", hb: hb, after: 30*time.Second + time.Millisecond, live: false},
		{name: "long gone", hb: hb, after: time.Hour, live: false},
		{name: "beat from a clock ahead", hb: hb, after: -time.Minute, live: true},
		{name: "one second interval", hb: domain.Heartbeat{BeatAt: t0, Interval: time.Second}, after: 3 * time.Second, live: false},
		{name: "no beat", hb: domain.Heartbeat{Interval: time.Second}, after: 0, live: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.hb.Live(t0.Add(tt.after)); got != tt.live {
				t.Fatalf("Live(+%s) = %v, want %v", tt.after, got, tt.live)
			}
		})
	}
}

// TestBeatStatusLeave: on both stores, a server's beats make Status
// running; another server that stopped beating is counted stale after two
// of its intervals, and Leave removes the row at once.
func TestBeatStatusLeave(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := testkit.NewClock(t0)
		a := presence.New(presence.Options{Store: db, Host: "web-1", PID: 11, Version: "v1", Interval: 10 * time.Second, Now: clock.Now})
		b := presence.New(presence.Options{Store: db, Host: "web-2", PID: 22, Version: "v1", Interval: 10 * time.Second, Now: clock.Now})
		if a.InstanceID() == b.InstanceID() || a.InstanceID() == "" {
			t.Fatalf("instance ids %q and %q", a.InstanceID(), b.InstanceID())
		}
		st, err := a.Status(ctx)
		testkit.Must(t, err)
		if st.Running() || st.Stale != 0 {
			t.Fatalf("before any beat: %+v", st)
		}
		testkit.Must(t, a.Beat(ctx))
		clock.Advance(5 * time.Second)
		testkit.Must(t, b.Beat(ctx))
		st, err = a.Status(ctx)
		testkit.Must(t, err)
		if len(st.Live) != 2 || st.Latest().Host != "web-2" || st.Latest().PID != 22 || st.Latest().Interval != 10*time.Second {
			t.Fatalf("two servers beating: %+v", st)
		}

		// a keeps beating, b stopped: 21s after b's beat it is stale.
		clock.Advance(21 * time.Second)
		testkit.Must(t, a.Beat(ctx))
		st, err = a.Status(ctx)
		testkit.Must(t, err)
		if len(st.Live) != 1 || st.Latest().InstanceID != a.InstanceID() || st.Stale != 1 {
			t.Fatalf("b missed two beats: %+v", st)
		}
		if !st.Latest().BeatAt.Equal(clock.Now()) || !st.Latest().StartedAt.Equal(t0) {
			t.Fatalf("a's heartbeat: %+v", st.Latest())
		}

		testkit.Must(t, a.Leave(ctx))
		st, err = a.Status(ctx)
		testkit.Must(t, err)
		if st.Running() || st.Stale != 1 {
			t.Fatalf("after a left: %+v", st)
		}
	})
}

// TestRunBeatsUntilStopped: Run beats at its interval until its context
// ends (polled, never slept on).
func TestRunBeatsUntilStopped(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		p := presence.New(presence.Options{Store: db, Interval: time.Second})
		done := make(chan struct{})
		go func() { p.Run(ctx); close(done) }()
		var first time.Time
		testkit.Eventually(t, 10*time.Second, "two beats from Run", func() bool {
			hs, err := db.ListHeartbeats(context.Background())
			if err != nil || len(hs) != 1 {
				return false
			}
			if first.IsZero() {
				first = hs[0].BeatAt
			}
			return hs[0].BeatAt.After(first)
		})
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
		testkit.Must(t, p.Leave(context.Background()))
		hs, err := db.ListHeartbeats(context.Background())
		testkit.Must(t, err)
		if len(hs) != 0 {
			t.Fatalf("after Leave: %+v", hs)
		}
	})
}

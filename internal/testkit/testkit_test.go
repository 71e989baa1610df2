package testkit

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	if !Poll(time.Second, func() bool { return n.Add(1) == 3 }) {
		t.Fatal("Poll gave up on a condition that holds on the third check")
	}
	start := time.Now()
	if Poll(30*time.Millisecond, func() bool { return false }) {
		t.Fatal("Poll reported a condition that never holds")
	}
	if waited := time.Since(start); waited < 30*time.Millisecond || waited > time.Second {
		t.Fatalf("Poll gave up after %s, want about 30ms", waited)
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 6, 17, 30, 0, 0, time.UTC)
	c := NewClock(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("Now = %s, want %s", c.Now(), t0)
	}
	if got := c.Advance(time.Hour); !got.Equal(t0.Add(time.Hour)) || !c.Now().Equal(got) {
		t.Fatalf("Advance = %s, Now = %s", got, c.Now())
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("after Set: %s", c.Now())
	}
	if lag := time.Since(Behind(time.Minute)()); lag < time.Minute || lag > time.Minute+time.Second {
		t.Fatalf("Behind(1m) is %s behind", lag)
	}
}

func TestLoopbackAndTail(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{":8080", "127.0.0.1:8080"},
		{"[::]:8080", "127.0.0.1:8080"},
		{"0.0.0.0:80", "127.0.0.1:80"},
		{"127.0.0.1:5000", "127.0.0.1:5000"},
	}
	for _, tt := range tests {
		if got := loopback(tt.in); got != tt.want {
			t.Errorf("loopback(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Tail("a\nb\nc\n", 2); got != "b\nc" {
		t.Errorf("Tail = %q", got)
	}
}

func TestOpenSQLiteIsFreshAndMigrated(t *testing.T) {
	t.Parallel()
	a, urlA := OpenSQLite(t)
	_, urlB := OpenSQLite(t)
	if urlA == urlB {
		t.Fatalf("two stores share %s", urlA)
	}
	if _, err := a.Reader().Exec("SELECT COUNT(*) FROM advancement_rules"); err != nil {
		t.Fatalf("not migrated: %v", err)
	}
}

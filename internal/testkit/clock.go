package testkit

import (
	"sync"
	"time"
)

// Clock is a fake clock, safe for concurrent use: it stands still until the
// test sets or advances it. Pass its Now method where code takes a
// nowFunc.
type Clock struct {
	mu  sync.Mutex
	now time.Time
	// running clocks tick with the wall clock from since on.
	running bool
	since   time.Time
}

// NewClock returns a clock stopped at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// NewRunningClock returns a clock that starts at start and runs at the wall
// clock's pace; Set and Advance jump it. Code that tells changes apart by
// their time (a schedule touched again) needs time to pass.
func NewRunningClock(start time.Time) *Clock {
	return &Clock{now: start, running: true, since: time.Now()}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at()
}

func (c *Clock) at() time.Time {
	if c.running {
		return c.now.Add(time.Since(c.since))
	}
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now, c.since = t, time.Now()
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now, c.since = c.at().Add(d), time.Now()
	return c.now
}

// Behind returns a real clock running lag behind the wall clock: a
// simulator whose "now" is in the past makes recent events look older to
// the code under test without waiting.
func Behind(lag time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Add(-lag) }
}

package demo

import (
	"fmt"
	"sync/atomic"
	"time"
)

// dayStart is the simulated time the story starts at.
const dayStart = 9 * time.Hour

// clock maps simulated minutes of the hiring day to real time. It is safe
// for concurrent use; the day's start moves once, when booking is done.
type clock struct {
	startNanos atomic.Int64 // real time of simulated minute 0 (09:00)
	speed      float64      // simulated seconds per real second
	now        func() time.Time
}

func newClock(start time.Time, speed float64, now func() time.Time) *clock {
	c := &clock{speed: speed, now: now}
	c.setStart(start)
	return c
}

func (c *clock) setStart(t time.Time) { c.startNanos.Store(t.UnixNano()) }

func (c *clock) start() time.Time { return time.Unix(0, c.startNanos.Load()) }

// sim returns the real duration of m simulated minutes.
func (c *clock) sim(m float64) time.Duration {
	return time.Duration(m * float64(time.Minute) / c.speed)
}

// simOf returns the simulated duration of a real one.
func (c *clock) simOf(real time.Duration) time.Duration {
	return time.Duration(float64(real) * c.speed)
}

// at returns the real time of simulated minute m.
func (c *clock) at(m float64) time.Time { return c.start().Add(c.sim(m)) }

// label formats a real time as the simulated wall clock, e.g. "09:14".
func (c *clock) label(t time.Time) string {
	elapsed := time.Duration(float64(t.Sub(c.start())) * c.speed)
	if elapsed < 0 {
		elapsed = 0
	}
	d := dayStart + elapsed
	return fmt.Sprintf("%02d:%02d", int(d.Hours())%24, int(d.Minutes())%60)
}

// nowLabel is label(now).
func (c *clock) nowLabel() string { return c.label(c.now()) }

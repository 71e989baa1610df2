package store

import (
	"context"
	"sync"
)

// writeGate orders the transactions of a store whose writer is one
// connection (SQLite): one at a time, and a waiting acknowledgement
// (InDurableTx) before any waiting background transaction. Without it the
// writer pool serves waiters in arrival order, so an ack queued behind a
// few ingestion and evaluation transactions waited for all of them; with it
// an ack waits at most for the transaction in progress. Background work is
// not starved: the group commit keeps at most one ack transaction waiting
// (the next acks gather into it), so acks and background transactions take
// turns under sustained load.
//
// Statements outside a transaction and River's own bookkeeping do not pass
// the gate; they wait for the connection as before.
type writeGate struct {
	mu        sync.Mutex
	busy      bool
	high, low []*gateWaiter
}

type gateWaiter struct {
	ready   chan struct{}
	granted bool // set under mu when the turn is handed over
}

// enter waits for a turn (first among the waiters when high) until ctx
// ends. The caller must leave after a nil return.
func (g *writeGate) enter(ctx context.Context, high bool) error {
	g.mu.Lock()
	if !g.busy {
		g.busy = true
		g.mu.Unlock()
		return nil
	}
	w := &gateWaiter{ready: make(chan struct{})}
	if high {
		g.high = append(g.high, w)
	} else {
		g.low = append(g.low, w)
	}
	g.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		if w.granted {
			// Handed over just now: pass the turn on.
			g.mu.Unlock()
			g.leave()
			return ctx.Err()
		}
		g.high = remove(g.high, w)
		g.low = remove(g.low, w)
		g.mu.Unlock()
		return ctx.Err()
	}
}

// leave hands the turn to the next waiter, an acknowledgement first.
func (g *writeGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	var next *gateWaiter
	switch {
	case len(g.high) > 0:
		next, g.high = g.high[0], g.high[1:]
	case len(g.low) > 0:
		next, g.low = g.low[0], g.low[1:]
	default:
		g.busy = false
		return
	}
	next.granted = true
	close(next.ready)
}

func remove(ws []*gateWaiter, w *gateWaiter) []*gateWaiter {
	for i, x := range ws {
		if x == w {
			return append(ws[:i:i], ws[i+1:]...)
		}
	}
	return ws
}

package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestWriteGateLetsAcksFirst: while a transaction holds the gate, a waiting
// acknowledgement gets the next turn before background transactions that
// came earlier; the background ones then go in arrival order; a waiter
// whose context ends leaves the queue without taking a turn.
func TestWriteGateLetsAcksFirst(t *testing.T) {
	t.Parallel()
	g := &writeGate{}
	ctx := context.Background()
	if err := g.enter(ctx, false); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	wait := func(name string, high bool) {
		wg.Go(func() {
			if err := g.enter(ctx, high); err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			g.leave()
		})
	}
	queued := func(n int) {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			g.mu.Lock()
			got := len(g.high) + len(g.low)
			g.mu.Unlock()
			if got == n {
				return
			}
		}
		t.Fatalf("waiters never reached %d", n)
	}
	wait("ingest-1", false)
	queued(1)
	wait("ingest-2", false)
	queued(2)
	cctx, cancel := context.WithCancel(ctx)
	gaveUp := make(chan error, 1)
	go func() { gaveUp <- g.enter(cctx, false) }()
	queued(3)
	cancel()
	if err := <-gaveUp; err == nil {
		t.Fatal("a waiter whose context ended got a turn")
	}
	queued(2)
	wait("ack", true)
	queued(3)
	g.leave()
	wg.Wait()
	if want := []string{"ack", "ingest-1", "ingest-2"}; len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Fatalf("turns went %v, want %v", order, want)
	}
	if g.busy {
		t.Fatal("the gate is still busy after every waiter left")
	}
}

package testkit

import (
	"testing"
	"time"
)

// Poll calls cond until it holds or within passes, and reports whether it
// held. The first checks come quickly (from 5ms), later ones every 50ms.
func Poll(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	wait := 5 * time.Millisecond
	for {
		if cond() {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(min(wait, time.Until(deadline)+time.Millisecond))
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// Eventually polls cond until it holds, or fails t after within, naming
// what it waited for and the output of each diag (state worth seeing).
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool, diag ...func() string) {
	t.Helper()
	if Poll(within, cond) {
		return
	}
	for _, d := range diag {
		what += " (" + d() + ")"
	}
	t.Fatalf("timed out after %s waiting for %s", within, what)
}

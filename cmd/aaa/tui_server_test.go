package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestDashboardSeesServer: on both stores, the dashboard as `aaa tui` wires
// it says no server runs (header badge and Pending's notice) until `aaa
// serve` runs in another process on the same store; then its header shows
// the server within two heartbeats (HEARTBEAT_INTERVAL=1s). A server that
// stops cleanly is gone at once; one that is killed, after two missed
// beats.
func TestDashboardSeesServer(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		url := b.URL(t)
		db := testkit.OpenURL(t, url, true)
		host, err := os.Hostname()
		testkit.Must(t, err)

		cfg, err := config.Load(testkit.Environ("DATABASE_URL=" + url))
		testkit.Must(t, err)
		log := slog.New(slog.DiscardHandler)
		be, err := openExistingStore(ctx, url, log)
		testkit.Must(t, err)
		t.Cleanup(be.close)
		d := newDashboard(t, dashboardOptions(cfg, be, log), 120, 40)
		header := func() string { return strings.SplitN(d.screen(), "\n", 2)[0] }
		// reload runs the loads of a refresh tick.
		reload := func() { d.drive(d.m.Init()) }

		if !strings.Contains(header(), "○ no server") || !strings.Contains(d.screen(), "No aaa server is running on this store") {
			t.Fatalf("without a server:\n%s", d.screen())
		}

		serve := func() *testkit.Process {
			p := startServe(t, t.TempDir(), "DATABASE_URL="+url, "HEARTBEAT_INTERVAL=1s")
			p.WaitReady(t)
			return p
		}
		p := serve()
		testkit.Eventually(t, 2*time.Second, "the badge to show the server", func() bool {
			reload()
			return strings.Contains(header(), "● serving ("+host+")")
		}, d.screen)
		if strings.Contains(d.screen(), "No aaa server") {
			t.Fatalf("Pending still says no server runs:\n%s", d.screen())
		}

		// A clean shutdown removes the heartbeat: gone at the next load.
		stop(t, p)
		reload()
		if !strings.Contains(header(), "○ no server") {
			t.Fatalf("after the server stopped:\n%s", d.screen())
		}
		if hs, err := db.ListHeartbeats(ctx); err != nil || len(hs) != 0 {
			t.Fatalf("heartbeats after a clean shutdown: %+v %v", hs, err)
		}

		// A killed server leaves its row behind; it is stale after two
		// missed beats.
		p = serve()
		testkit.Eventually(t, 2*time.Second, "the badge to show the second server", func() bool {
			reload()
			return strings.Contains(header(), "● serving")
		}, d.screen)
		p.Kill(t)
		testkit.Eventually(t, 5*time.Second, "the killed server to be gone", func() bool {
			reload()
			return strings.Contains(header(), "○ no server")
		}, d.screen)
		if hs, err := db.ListHeartbeats(ctx); err != nil || len(hs) != 1 {
			t.Fatalf("a killed server's heartbeat: %+v %v", hs, err)
		}
	})
}

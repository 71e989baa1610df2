package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestCrashLosesNoAcknowledgedDelivery acknowledges webhooks, kills the
// server with SIGKILL at once, restarts it, and requires every delivery it
// answered 200 to be processed, each exactly once. On SQLite the jobs the
// killed process left running are taken up at once, not after
// JOB_RESCUE_AFTER.
func TestCrashLosesNoAcknowledgedDelivery(t *testing.T) {
	t.Parallel()
	targets := map[string]string{}
	for _, b := range testkit.Backends(t) {
		targets[b.Name] = b.URL(t)
	}
	for name, dbURL := range targets {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sim := ashbysim.New(ashbysim.Options{})
			// Slow Ashby: ingestion is still under way when the process dies.
			sim.SetFault("interviewStage.info", ashbysim.Fault{Delay: 200 * time.Millisecond, DelayRate: 1})
			simSrv := httptest.NewServer(sim)
			defer simSrv.Close()
			sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 40})
			// On SQLite the restarted serve makes the jobs left running
			// available at once (it alone works the file): with River's
			// rescuer an hour away, every delivery processed shows it. On
			// Postgres, where other servers may still run them, River's
			// rescuer decides, after JOB_RESCUE_AFTER.
			rescueAfter := "3s"
			if name == "sqlite" {
				rescueAfter = "1h"
			}
			env := []string{"DATABASE_URL=" + dbURL, "ASHBY_API_URL=" + simSrv.URL, "ASHBY_API_KEY=" + sim.APIKey(),
				"ASHBY_WEBHOOK_SECRET=crash-secret", "JOB_TIMEOUT=2s", "JOB_RESCUE_AFTER=" + rescueAfter}
			dir := t.TempDir()
			p := startServe(t, dir, env...)
			p.WaitHealthy(t)

			var mu sync.Mutex
			acked := map[string]bool{}
			var wg sync.WaitGroup
			for _, c := range sc.Candidates {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body := sim.ScheduleUpdateBody(c.ScheduleID)
					req, _ := http.NewRequest(http.MethodPost, p.URL()+"/webhooks/ashby", bytes.NewReader(body))
					req.Header.Set("Ashby-Signature", ashby.Sign("crash-secret", body))
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						return // the process died before answering: not acknowledged
					}
					resp.Body.Close()
					if resp.StatusCode == 200 {
						mu.Lock()
						acked[c.ScheduleID] = true
						mu.Unlock()
					}
				}()
			}
			// Kill as soon as most are acknowledged, while ingestion runs.
			testkit.Poll(10*time.Second, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(acked) >= 20
			})
			p.Kill(t)
			wg.Wait()
			mu.Lock()
			want := len(acked)
			mu.Unlock()
			if want == 0 {
				t.Fatal("no webhook was acknowledged before the kill")
			}
			db := testkit.OpenURL(t, dbURL, false)
			before := countProcessed(t, db)
			t.Logf("%d acknowledged, %d processed before the kill", want, before)

			sim.ClearFaults()
			p2 := startServe(t, dir, env...)
			p2.WaitHealthy(t)
			restarted := time.Now()
			missing := func() int {
				n := 0
				for id := range acked {
					if _, err := db.GetSchedule(context.Background(), id); err != nil {
						n++
					}
				}
				return n
			}
			// River's rescuer looks every 30s.
			testkit.Eventually(t, 90*time.Second, "every acknowledged delivery processed after restart",
				func() bool { return missing() == 0 },
				func() string { return fmt.Sprintf("%d missing\n%s", missing(), p2.Logs()) })
			t.Logf("every acknowledged delivery processed %s after the restart was healthy", time.Since(restarted).Round(100*time.Millisecond))
			all, err := db.ListDeliveries(context.Background(), "", 1000)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, d := range all {
				seen[d.ScheduleID]++
				if d.Status == domain.DeliveryFailed {
					t.Errorf("delivery %s failed: %s", d.ID, d.LastError)
				}
			}
			for id := range acked {
				if seen[id] != 1 {
					t.Errorf("schedule %s has %d deliveries, want 1", id, seen[id])
				}
			}
			stop(t, p2)
		})
	}
}

func countProcessed(t *testing.T, db *store.DB) int {
	t.Helper()
	list, err := db.ListDeliveries(context.Background(), domain.DeliveryProcessed, 1000)
	if err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	return len(list)
}

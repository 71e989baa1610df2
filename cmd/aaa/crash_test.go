package main

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/storetest"
)

// TestCrashLosesNoAcknowledgedDelivery acknowledges webhooks, kills the
// server with SIGKILL at once, restarts it, and requires every delivery it
// answered 200 to be processed, each exactly once.
func TestCrashLosesNoAcknowledgedDelivery(t *testing.T) {
	t.Parallel()
	targets := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "crash.db")}
	if storetest.PostgresURL(t) != "" {
		targets["postgres"] = storetest.NewPostgresSchema(t)
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
			env := []string{"DATABASE_URL=" + dbURL, "ASHBY_API_URL=" + simSrv.URL, "ASHBY_API_KEY=" + sim.APIKey(),
				"ASHBY_WEBHOOK_SECRET=crash-secret", "JOB_TIMEOUT=2s", "JOB_RESCUE_AFTER=3s"}
			dir := t.TempDir()
			p := startServe(t, dir, env...)
			p.waitHealthy(t)

			var mu sync.Mutex
			acked := map[string]bool{}
			var wg sync.WaitGroup
			for _, c := range sc.Candidates {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body := sim.ScheduleUpdateBody(c.ScheduleID)
					req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/webhooks/ashby", bytes.NewReader(body))
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
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= 20 {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := p.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-p.done
			wg.Wait()
			mu.Lock()
			want := len(acked)
			mu.Unlock()
			if want == 0 {
				t.Fatal("no webhook was acknowledged before the kill")
			}
			db := openForTest(t, dbURL)
			before := countProcessed(t, db)
			t.Logf("%d acknowledged, %d processed before the kill", want, before)

			sim.ClearFaults()
			p2 := startServe(t, dir, env...)
			p2.waitHealthy(t)
			deadline = time.Now().Add(90 * time.Second) // River's rescuer looks every 30s
			for {
				missing := 0
				for id := range acked {
					if _, err := db.GetSchedule(context.Background(), id); err != nil {
						missing++
					}
				}
				if missing == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d acknowledged deliveries never processed after restart\n%s", missing, p2.events())
				}
				time.Sleep(50 * time.Millisecond)
			}
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
			p2.stop(t)
		})
	}
}

func openForTest(t *testing.T, dbURL string) *store.DB {
	t.Helper()
	be, err := openStore(context.Background(), dbURL, newLogger(&bytes.Buffer{}, "ERROR", "json"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(be.close)
	return be.db
}

func countProcessed(t *testing.T, db *store.DB) int {
	t.Helper()
	list, err := db.ListDeliveries(context.Background(), domain.DeliveryProcessed, 1000)
	if err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	return len(list)
}

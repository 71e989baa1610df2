package intake_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestAcceptedWebhooksStoredWithTheirJobs: concurrent webhooks acknowledged
// with 200 (group commits in durable transactions) are each stored with
// exactly one ingest job, and the writer goes back to ordinary commits
// afterwards (SQLite: synchronous=NORMAL outside the acks).
func TestAcceptedWebhooksStoredWithTheirJobs(t *testing.T) {
	t.Parallel()
	const secret, n = "durable-secret", 40
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		st := testkit.NewStack(t, testkit.StackOptions{Backend: b, NoAshby: true, Queue: jobs.Options{InsertOnly: true},
			Server: server.Deps{WebhookSecret: secret, WebhookRatePerMin: 1 << 30}})
		sim := ashbysim.New(ashbysim.Options{})
		sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: n})
		var wg sync.WaitGroup
		for _, c := range sc.Candidates {
			wg.Go(func() {
				body := sim.ScheduleUpdateBody(c.ScheduleID)
				req, _ := http.NewRequest(http.MethodPost, st.URL+"/webhooks/ashby", bytes.NewReader(body))
				req.Header.Set("Ashby-Signature", ashby.Sign(secret, body))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Errorf("post webhook: %v", err)
					return
				}
				defer resp.Body.Close()
				if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
					t.Errorf("webhook = %d %s, want 200", resp.StatusCode, b)
				}
			})
		}
		wg.Wait()
		var deliveries, ingestJobs int
		testkit.Must(t, st.DB.Writer().QueryRowContext(ctx, `SELECT count(*) FROM webhook_deliveries`).Scan(&deliveries))
		testkit.Must(t, st.DB.Writer().QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE kind = 'ingest_delivery'`).Scan(&ingestJobs))
		if deliveries != n || ingestJobs != n {
			t.Fatalf("%d acknowledged webhooks stored %d deliveries and %d ingest jobs, want %d of each", n, deliveries, ingestJobs, n)
		}
		if b.Name != "sqlite" {
			return
		}
		testkit.Must(t, st.DB.InTx(ctx, func(tx store.Store) error {
			var sync int
			testkit.Must(t, tx.SQLTx().QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync))
			if sync != 1 {
				t.Errorf("after the acks an ordinary transaction runs synchronous=%d, want 1 (NORMAL)", sync)
			}
			return nil
		}))
	})
}

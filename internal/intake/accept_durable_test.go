package intake_test

import (
	"bytes"
	"context"
	"encoding/json"
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
// exactly one ingest job (at most one job per group commit), and the
// writer goes back to ordinary commits afterwards (SQLite:
// synchronous=NORMAL outside the acks).
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
		// Every stored delivery is in exactly one ingest job: one job per
		// group commit, listing the deliveries that commit stored.
		stored, err := st.DB.ListDeliveries(ctx, "", 1000)
		testkit.Must(t, err)
		var ids []string
		for _, d := range stored {
			ids = append(ids, d.ID)
		}
		all, err := st.Queue.AllJobs(ctx)
		testkit.Must(t, err)
		inJobs, batches := map[string]int{}, 0
		for _, j := range all {
			if j.Kind != (jobs.IngestBatchArgs{}).Kind() {
				t.Errorf("job %s after the acks, want only ingest batches", j.Kind)
				continue
			}
			batches++
			var a jobs.IngestBatchArgs
			testkit.Must(t, json.Unmarshal(j.EncodedArgs, &a))
			for _, id := range a.DeliveryIDs {
				inJobs[id]++
			}
		}
		if len(ids) != n || len(inJobs) != n {
			t.Fatalf("%d acknowledged webhooks stored %d deliveries, %d of them in ingest jobs, want %d", n, len(ids), len(inJobs), n)
		}
		for _, id := range ids {
			if inJobs[id] != 1 {
				t.Errorf("delivery %s is in %d ingest jobs, want 1", id, inJobs[id])
			}
		}
		t.Logf("%d deliveries in %d ingest jobs", n, batches)
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

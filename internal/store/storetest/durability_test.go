package storetest_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestCheckWritesCommitsAndLeavesNothing: the write probe of /health
// succeeds on a healthy store of either backend and leaves store_probe
// empty (so `aaa store copy` never finds a target "not empty" because a
// health check ran).
func TestCheckWritesCommitsAndLeavesNothing(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for range 3 {
			testkit.Must(t, db.CheckWrites(ctx))
		}
		if n := count(t, db, "store_probe"); n != 0 {
			t.Fatalf("store_probe holds %d rows after the probes, want 0", n)
		}
		// Inside a transaction it runs on that transaction.
		testkit.Must(t, db.InTx(ctx, func(tx store.Store) error { return tx.CheckWrites(ctx) }))
	})
}

// TestCheckWritesSeesAStoreThatRefusesWrites: a store that still answers
// reads but takes no writes fails the write check, with the database's
// reason: on Postgres a read-only session (as on a standby, or with
// default_transaction_read_only), on SQLite a file another process holds
// locked for writing.
func TestCheckWritesSeesAStoreThatRefusesWrites(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		db, url := b.Open(t)
		var ro *store.DB
		switch b.Name {
		case "postgres":
			ro = testkit.OpenURL(t, url+"&default_transaction_read_only=on", false)
		case "sqlite":
			// Another connection holds the write lock, as a stray
			// `sqlite3 aaa.db` in a transaction would.
			lock, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(url, "sqlite:")+"?_txlock=immediate")
			testkit.Must(t, err)
			defer lock.Close()
			tx, err := lock.BeginTx(ctx, nil)
			testkit.Must(t, err)
			defer tx.Rollback() //nolint:errcheck // test cleanup
			_, err = tx.ExecContext(ctx, `INSERT INTO store_probe (probe_id) VALUES ('held')`)
			testkit.Must(t, err)
			ro = db
		}
		testkit.Must(t, ro.Ping(ctx))
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err := ro.CheckWrites(cctx)
		if err == nil {
			t.Fatal("CheckWrites succeeded on a store that refuses writes")
		}
		if !strings.Contains(err.Error(), "does not accept writes") {
			t.Errorf("error %q does not say the database does not accept writes", err)
		}
		t.Logf("%s: %v", b.Name, err)
	})
}

// TestPruneDeliveryPayloads: retention empties the payloads of processed
// and ignored deliveries received before the cutoff, oldest first and in
// batches, and keeps every row: the dedupe key still refuses a
// redelivery, and pending and failed deliveries keep their payloads.
func TestPruneDeliveryPayloads(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cutoff := t0.Add(30 * 24 * time.Hour)
		type row struct {
			id, status string
			at         time.Time
			pruned     bool
		}
		rows := []row{
			{"old-processed-1", domain.DeliveryProcessed, t0, true},
			{"old-processed-2", domain.DeliveryProcessed, t0.Add(time.Hour), true},
			{"old-processed-3", domain.DeliveryProcessed, t0.Add(2 * time.Hour), true},
			{"old-ignored", domain.DeliveryIgnored, t0.Add(3 * time.Hour), true},
			{"old-failed", domain.DeliveryFailed, t0, false},
			{"old-pending", domain.DeliveryPending, t0, false},
			{"new-processed", domain.DeliveryProcessed, cutoff.Add(time.Second), false},
			{"at-cutoff", domain.DeliveryProcessed, cutoff, false},
		}
		for _, r := range rows {
			_, err := db.InsertDelivery(ctx, domain.Delivery{ID: r.id, DedupeKey: "action:" + r.id, WebhookActionID: r.id,
				Action: "interviewScheduleUpdate", ScheduleID: "s-" + r.id, Payload: []byte(`{"action":"interviewScheduleUpdate"}`),
				ReceivedAt: r.at})
			testkit.Must(t, err)
			if r.status != domain.DeliveryPending {
				testkit.Must(t, db.MarkDelivery(ctx, r.id, r.status, "", r.at.Add(time.Minute)))
			}
		}
		// Batches of two: oldest first, then the rest, then nothing.
		var got []int
		for range 4 {
			n, err := db.PruneDeliveryPayloads(ctx, cutoff, 2)
			testkit.Must(t, err)
			got = append(got, n)
		}
		if fmt.Sprint(got) != "[2 2 0 0]" {
			t.Fatalf("pruned per batch %v, want [2 2 0 0]", got)
		}
		for _, r := range rows {
			d, err := db.GetDelivery(ctx, r.id)
			if err != nil {
				t.Fatalf("delivery %s is gone after pruning: %v", r.id, err)
			}
			if pruned := len(d.Payload) == 0; pruned != r.pruned {
				t.Errorf("%s (%s): payload pruned = %v, want %v", r.id, r.status, pruned, r.pruned)
			}
			if d.Status != r.status || d.ScheduleID != "s-"+r.id || d.WebhookActionID != r.id || d.DedupeKey != "action:"+r.id ||
				!d.ReceivedAt.Equal(r.at) || d.ProcessedAt == nil && r.status != domain.DeliveryPending {
				t.Errorf("%s: the row changed beyond its payload: %+v", r.id, d)
			}
		}
		// A redelivery of a pruned webhook is still a duplicate.
		ins, err := db.InsertDelivery(ctx, domain.Delivery{DedupeKey: "action:old-processed-1", Action: "interviewScheduleUpdate",
			Payload: []byte(`{}`), ReceivedAt: cutoff.Add(time.Hour)})
		testkit.Must(t, err)
		if ins {
			t.Fatal("a redelivery of a pruned delivery was stored again")
		}
	})
}

package storetest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// syncLevel reads the durability setting on the connection of tx: SQLite's
// PRAGMA synchronous (1 NORMAL, 2 FULL), Postgres's synchronous_commit.
func syncLevel(t *testing.T, ctx context.Context, tx store.Store) string {
	t.Helper()
	q := "SHOW synchronous_commit"
	if tx.Dialect() == store.DialectSQLite {
		q = "PRAGMA synchronous"
	}
	var v string
	testkit.Must(t, tx.SQLTx().QueryRowContext(ctx, q).Scan(&v))
	return v
}

// TestDurableTxSyncsOnlyAcks: the transaction that acknowledges webhook
// deliveries (InDurableTx) commits with synchronous=FULL on SQLite, and
// every other transaction with NORMAL (WAL mode: a later FULL commit makes
// them durable too), also after a durable transaction failed. On Postgres
// every commit is durable (synchronous_commit=on) either way.
func TestDurableTxSyncsOnlyAcks(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		durable, ordinary := "2", "1"
		if db.Dialect() == store.DialectPostgres {
			durable, ordinary = "on", "on"
		}
		in := func(name string, run func(context.Context, func(store.Store) error) error, want string, fail bool) {
			t.Helper()
			errFail := errors.New("rolled back")
			err := run(ctx, func(tx store.Store) error {
				if got := syncLevel(t, ctx, tx); got != want {
					t.Errorf("%s: synchronous = %s, want %s", name, got, want)
				}
				if fail {
					return errFail
				}
				return nil
			})
			if fail && !errors.Is(err, errFail) || !fail && err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		in("ordinary transaction", db.InTx, ordinary, false)
		in("ack transaction", db.InDurableTx, durable, false)
		in("ordinary transaction after an ack", db.InTx, ordinary, false)
		in("ack transaction that fails", db.InDurableTx, durable, true)
		in("ordinary transaction after a failed ack", db.InTx, ordinary, false)
		// Inside a transaction, InDurableTx runs on it (the caller's
		// commit decides).
		in("ack inside an ack", func(ctx context.Context, fn func(store.Store) error) error {
			return db.InDurableTx(ctx, func(tx store.Store) error { return tx.InDurableTx(ctx, fn) })
		}, durable, false)
	})
}

// TestDurableTxCommitsDeliveryAndJobTogether: an acknowledgement stores the
// delivery and enqueues its ingest job (River, in the same transaction)
// together or not at all.
func TestDurableTxCommitsDeliveryAndJobTogether(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		d := testkit.OpenDatabase(t, b)
		q := d.Queue(t, jobs.Options{InsertOnly: true})
		ack := func(id string, fail error) error {
			return d.DB.InDurableTx(ctx, func(tx store.Store) error {
				ins, err := tx.InsertDeliveries(ctx, []domain.Delivery{{ID: id, DedupeKey: "action:" + id, WebhookActionID: id,
					Action: "interviewScheduleUpdate", ScheduleID: "s-" + id, Payload: []byte(`{}`), ReceivedAt: t0,
					Status: domain.DeliveryPending}})
				if err != nil {
					return err
				}
				if !ins[id] {
					t.Fatalf("delivery %s not inserted", id)
				}
				if err := q.EnqueueIngest(ctx, tx.SQLTx(), id); err != nil {
					return err
				}
				return fail
			})
		}
		// The database is new: its only ingest jobs are the acks'.
		ingestJobs := func() int {
			var n int
			testkit.Must(t, d.DB.Writer().QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE kind = 'ingest_delivery'`).Scan(&n))
			return n
		}
		testkit.Must(t, ack("committed", nil))
		if _, err := d.DB.GetDelivery(ctx, "committed"); err != nil {
			t.Fatalf("acknowledged delivery not stored: %v", err)
		}
		if n := ingestJobs(); n != 1 {
			t.Fatalf("acknowledged delivery has %d ingest jobs, want 1", n)
		}
		boom := errors.New("boom")
		if err := ack("rolled-back", boom); !errors.Is(err, boom) {
			t.Fatalf("failed ack returned %v, want boom", err)
		}
		if _, err := d.DB.GetDelivery(ctx, "rolled-back"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("a failed ack left its delivery (err %v)", err)
		}
		if n := ingestJobs(); n != 1 {
			t.Fatalf("after a failed ack there are %d ingest jobs, want 1 (the committed ack's)", n)
		}
	})
}

package bench

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Baseline is the minimal durable webhook receiver aaa's acks are compared
// with: it does only what an ack must do (read the body, verify the
// Ashby-Signature in constant time, decode the JSON, and store the delivery
// and one job row) and nothing more. Concurrent requests share one durable
// transaction (a group commit), as aaa's intake does, through the same
// store handle: on SQLite its one writer connection with synchronous=FULL
// for the commit, on Postgres the pgx pool behind database/sql.
//
// Its rows go to two tables of its own, BaselineDeliveries and BaselineJobs,
// created by NewBaseline and dropped by Drop, so it measures the store's
// floor rather than River's. Baseline is an http.Handler.
type Baseline struct {
	db      *store.DB
	secret  string
	maxBody int64
	now     func() time.Time

	mu      sync.Mutex
	pending []*baselineReq
	running bool
}

// The baseline's tables.
const (
	BaselineDeliveries = "bench_baseline_deliveries"
	BaselineJobs       = "bench_baseline_jobs"
)

// baselineBatch caps a group commit; baselineChunk the rows of one INSERT
// (3 parameters a row, far below both drivers' limits).
const (
	baselineBatch = 512
	baselineChunk = 100
)

// baselineReq is one delivery waiting for a group commit.
type baselineReq struct {
	id, key string
	payload []byte
	at      time.Time
	err     error
	done    chan struct{}
}

// NewBaseline creates the baseline's tables in db (failing if they exist)
// and returns the receiver, verifying signatures with secret.
func NewBaseline(ctx context.Context, db *store.DB, secret string) (*Baseline, error) {
	for _, q := range []string{
		`CREATE TABLE ` + BaselineDeliveries + ` (id TEXT PRIMARY KEY, dedupe_key TEXT UNIQUE NOT NULL,
    payload TEXT NOT NULL, received_at TIMESTAMP NOT NULL)`,
		`CREATE TABLE ` + BaselineJobs + ` (id TEXT PRIMARY KEY, delivery_id TEXT NOT NULL, state TEXT NOT NULL)`,
	} {
		if _, err := db.Writer().ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("create baseline tables: %w", err)
		}
	}
	return &Baseline{db: db, secret: secret, maxBody: 1 << 20, now: time.Now}, nil
}

// Drop drops the baseline's tables.
func (b *Baseline) Drop(ctx context.Context) error {
	for _, t := range []string{BaselineJobs, BaselineDeliveries} {
		if _, err := b.db.Writer().ExecContext(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
			return fmt.Errorf("drop baseline tables: %w", err)
		}
	}
	return nil
}

// ServeHTTP acknowledges a webhook: 200 once its delivery and job are
// committed (or it was stored before), 401 on a bad signature, 400 on a
// body that is not a webhook, 500 when the commit fails.
func (b *Baseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, b.maxBody))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if !ashby.VerifySignature(b.secret, body, r.Header.Get("Ashby-Signature")) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var wh ashby.Webhook
	if err := json.Unmarshal(body, &wh); err != nil || wh.Action == "" {
		http.Error(w, "not a webhook", http.StatusBadRequest)
		return
	}
	key := "action:" + wh.WebhookActionID
	if wh.WebhookActionID == "" {
		key = "body:" + hashHex(body)
	}
	req := &baselineReq{id: store.NewID(), key: key, payload: body, at: b.now().UTC(), done: make(chan struct{})}
	b.submit(req)
	select {
	case <-req.done:
	case <-r.Context().Done():
		return
	}
	if req.err != nil {
		http.Error(w, "not stored", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, "{}")
}

// submit queues req; when no commit is running, this caller commits the
// queue itself, and hands what queued up meanwhile to a background
// committer, so one commit runs at a time and each takes all that waits.
func (b *Baseline) submit(req *baselineReq) {
	b.mu.Lock()
	b.pending = append(b.pending, req)
	if b.running {
		b.mu.Unlock()
		return
	}
	b.running = true
	batch := b.take()
	b.mu.Unlock()
	b.commit(batch)
	b.next()
}

// take removes the next batch; b.mu must be held.
func (b *Baseline) take() []*baselineReq {
	n := min(len(b.pending), baselineBatch)
	batch := b.pending[:n:n]
	b.pending = b.pending[n:]
	return batch
}

func (b *Baseline) next() {
	b.mu.Lock()
	if len(b.pending) == 0 {
		b.running = false
		b.mu.Unlock()
		return
	}
	batch := b.take()
	b.mu.Unlock()
	go func() {
		b.commit(batch)
		b.next()
	}()
}

// commit stores a batch in one durable transaction: the deliveries (a
// known dedupe key is skipped) and one job row per delivery inserted.
func (b *Baseline) commit(batch []*baselineReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := b.db.InDurableTx(ctx, func(tx store.Store) error {
		return insertBaseline(ctx, tx.SQLTx(), batch)
	})
	for _, r := range batch {
		r.err = err
		close(r.done)
	}
}

func insertBaseline(ctx context.Context, tx *sql.Tx, batch []*baselineReq) error {
	if tx == nil {
		return errors.New("baseline: no transaction")
	}
	for start := 0; start < len(batch); start += baselineChunk {
		chunk := batch[start:min(start+baselineChunk, len(batch))]
		var q strings.Builder
		args := make([]any, 0, 4*len(chunk))
		q.WriteString(`INSERT INTO ` + BaselineDeliveries + ` (id, dedupe_key, payload, received_at) VALUES `)
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
			args = append(args, r.id, r.key, string(r.payload), r.at)
		}
		q.WriteString(` ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`)
		rows, err := tx.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return fmt.Errorf("insert baseline deliveries: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("insert baseline deliveries: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("insert baseline deliveries: %w", err)
		}
		if len(ids) == 0 {
			continue
		}
		q.Reset()
		args = args[:0]
		q.WriteString(`INSERT INTO ` + BaselineJobs + ` (id, delivery_id, state) VALUES `)
		for i, id := range ids {
			if i > 0 {
				q.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d)", n+1, n+2, n+3)
			args = append(args, store.NewID(), id, "available")
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("insert baseline jobs: %w", err)
		}
	}
	return nil
}

// Counts counts the baseline's stored deliveries, its job rows,
// and the deliveries with exactly one job.
func (b *Baseline) Counts(ctx context.Context) (deliveries, jobs, withOneJob int, err error) {
	err = b.db.Writer().QueryRowContext(ctx, `SELECT
    (SELECT COUNT(*) FROM `+BaselineDeliveries+`),
    (SELECT COUNT(*) FROM `+BaselineJobs+`),
    (SELECT COUNT(*) FROM `+BaselineDeliveries+` d
        WHERE (SELECT COUNT(*) FROM `+BaselineJobs+` j WHERE j.delivery_id = d.id) = 1)`).
		Scan(&deliveries, &jobs, &withOneJob)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("count baseline rows: %w", err)
	}
	return deliveries, jobs, withOneJob, nil
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

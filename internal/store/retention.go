package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// RetentionStore prunes what aaa no longer needs to keep.
type RetentionStore interface {
	// PruneDeliveryPayloads empties the payload of up to limit deliveries
	// received before `before` whose processing is over (processed or
	// ignored), oldest first, and returns how many it emptied. The rows
	// stay: their dedupe key still refuses a redelivery, and their id,
	// action, schedule, status and times still explain the audit trail.
	// Pending and failed deliveries keep their payload (they are still to
	// be processed, or retried).
	PruneDeliveryPayloads(ctx context.Context, before time.Time, limit int) (int, error)
}

var _ RetentionStore = (*DB)(nil)

// PruneDeliveryPayloads implements RetentionStore. The candidates are read
// through idx_webhook_deliveries_payload_kept, which holds only deliveries
// whose payload is kept, so a run does not step over every delivery it
// pruned before.
func (db *DB) PruneDeliveryPayloads(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	res, err := db.exec(ctx, `UPDATE webhook_deliveries SET payload = ''
WHERE delivery_id IN (
    SELECT delivery_id FROM webhook_deliveries
    WHERE payload <> '' AND received_at < $1 AND status IN ($2, $3)
    ORDER BY received_at LIMIT $4)`,
		before.UTC(), domain.DeliveryProcessed, domain.DeliveryIgnored, limit)
	if err != nil {
		return 0, fmt.Errorf("prune delivery payloads: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune delivery payloads: %w", err)
	}
	return int(n), nil
}

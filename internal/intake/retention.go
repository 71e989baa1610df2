package intake

import (
	"context"
	"fmt"
)

// pruneBatch is how many payloads one retention transaction empties: small
// enough that the SQLite writer is never held long from webhook
// acknowledgements.
const pruneBatch = 500

// PruneDeliveries empties the payloads of processed and ignored deliveries
// received more than Options.Retention ago (the DELIVERY_RETENTION periodic
// task). Each row stays: its dedupe key still refuses a redelivery of the
// same webhook, and its id, action, schedule, status and times still
// explain the audit trail. Pending and failed deliveries keep their payload
// until they are processed. Retention 0 keeps every payload.
func (s *Service) PruneDeliveries(ctx context.Context) error {
	if s.retention <= 0 {
		return nil
	}
	before := s.now().Add(-s.retention)
	total := 0
	for {
		n, err := s.st.PruneDeliveryPayloads(ctx, before, pruneBatch)
		total += n
		if err != nil {
			return fmt.Errorf("delivery retention (%d pruned before the error): %w", total, err)
		}
		if n < pruneBatch {
			break
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("delivery retention (%d pruned): %w", total, err)
		}
	}
	s.log.InfoContext(ctx, "delivery_payloads_pruned", "count", total, "received_before", before, "retention", s.retention.String())
	return nil
}

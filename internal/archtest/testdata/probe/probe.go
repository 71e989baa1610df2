// Package probe breaks the write rule on purpose, once per way of writing
// through the store; TestWriteRuleCatchesViolations expects each.
package probe

import (
	"context"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// saver mirrors a store write in a local interface.
type saver interface {
	SaveReview(ctx context.Context, r domain.Review) error
}

// reader mirrors a store read: not a write.
type reader interface {
	GetDelivery(ctx context.Context, id string) (domain.Delivery, error)
}

// Probe writes through the store in every way the rule knows.
func Probe(ctx context.Context, db *store.DB, st store.Store, s saver, r reader) error {
	_ = db.MarkDelivery(ctx, "d", domain.DeliveryPending, "", time.Now())
	_ = s.SaveReview(ctx, domain.Review{})
	_, _ = r.GetDelivery(ctx, "d")
	_, _ = st.ListRules(ctx, true)
	_, _ = store.Copy(ctx, db, db, store.CopyOptions{})
	return st.InTx(ctx, func(tx store.Store) error {
		_, err := tx.UpsertFeedback(ctx, domain.Feedback{})
		return err
	})
}

// Capabilities finds store capabilities at run time, which the
// compile-time-checked store.Store makes needless.
func Capabilities(st store.Store, v any) bool {
	_, isDB := st.(*store.DB)
	_, hasHistory := v.(store.HistoryStore)
	switch v.(type) {
	case store.ReviewStore:
		return true
	}
	return isDB || hasHistory
}

// source is a store capability declared outside the store.
type source interface {
	LoadBacktestSet(ctx context.Context, q store.BacktestQuery) (store.BacktestSet, error)
}

// closer is not a capability: many types close.
type closer interface{ Close() error }

// Source finds a store capability declared elsewhere at run time.
func Source(v any) bool {
	_, ok := v.(source)
	_, closes := v.(closer)
	return ok || closes
}

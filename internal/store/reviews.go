package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// ReviewStore keeps dry-run reviews.
type ReviewStore interface {
	// SaveReview stores or replaces the review of an execution.
	SaveReview(ctx context.Context, r domain.Review) error
	// ListReviews returns a rule's reviews (all rules when ruleID is empty).
	ListReviews(ctx context.Context, ruleID string) ([]domain.Review, error)
}

// SaveReview implements ReviewStore.
func (db *DB) SaveReview(ctx context.Context, r domain.Review) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	if _, err := db.exec(ctx, `
INSERT INTO shadow_reviews (review_id, execution_id, rule_id, verdict, note, reviewer, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (execution_id) DO UPDATE SET verdict = excluded.verdict, note = excluded.note,
    reviewer = excluded.reviewer, created_at = excluded.created_at`,
		r.ID, r.ExecutionID, r.RuleID, r.Verdict, r.Note, r.Reviewer, r.CreatedAt.UTC()); err != nil {
		return fmt.Errorf("save review: %w", err)
	}
	return nil
}

// ListReviews implements ReviewStore.
func (db *DB) ListReviews(ctx context.Context, ruleID string) ([]domain.Review, error) {
	q := `SELECT review_id, execution_id, rule_id, verdict, note, reviewer, created_at FROM shadow_reviews`
	var args []any
	if ruleID != "" {
		q += ` WHERE rule_id = $1`
		args = append(args, ruleID)
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY created_at DESC, review_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []domain.Review
	for rows.Next() {
		var r domain.Review
		var at sql.NullTime
		if err := rows.Scan(&r.ID, &r.ExecutionID, &r.RuleID, &r.Verdict, &r.Note, &r.Reviewer, &at); err != nil {
			return nil, fmt.Errorf("scan review: %w", db.mapErr(err))
		}
		r.CreatedAt = timeOf(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// FeedbackStore keeps submitted scorecards.
type FeedbackStore interface {
	// UpsertFeedback inserts a submission or updates a stored one whose
	// values or submission time changed. changed reports whether a row was
	// written.
	UpsertFeedback(ctx context.Context, f domain.Feedback) (changed bool, err error)
	// ListFeedbackByApplication returns an application's submissions, oldest first.
	ListFeedbackByApplication(ctx context.Context, applicationID string) ([]domain.Feedback, error)
	// ListFeedbackByApplications returns the submissions of many
	// applications, keyed by application id.
	ListFeedbackByApplications(ctx context.Context, applicationIDs []string) (map[string][]domain.Feedback, error)
	// CountFeedback counts stored submissions.
	CountFeedback(ctx context.Context) (int, error)
}

// UpsertFeedback implements FeedbackStore.
func (db *DB) UpsertFeedback(ctx context.Context, f domain.Feedback) (bool, error) {
	now := f.UpdatedAt
	if now.IsZero() {
		now = time.Now()
	}
	values := f.Values
	if len(values) == 0 {
		values = []byte("{}")
	}
	var changed bool
	err := db.inTx(ctx, func(t *DB) error {
		var old string
		var oldAt sql.NullTime
		err := t.w.QueryRowContext(ctx, `SELECT submitted_values, submitted_at FROM feedback_submissions WHERE feedback_id = $1`, f.ID).Scan(&old, &oldAt)
		switch {
		case err == sql.ErrNoRows:
			if _, err := t.exec(ctx, `
INSERT INTO feedback_submissions (feedback_id, application_id, event_id, interviewer_id, interview_id,
    form_definition_id, submitted_at, submitted_values, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
				f.ID, f.ApplicationID, f.EventID, f.InterviewerID, f.InterviewID, f.FormID,
				f.SubmittedAt.UTC(), string(values), now.UTC()); err != nil {
				return fmt.Errorf("insert feedback %s: %w", f.ID, err)
			}
			changed = true
			return nil
		case err != nil:
			return fmt.Errorf("read feedback %s: %w", f.ID, t.mapErr(err))
		}
		if bytes.Equal(compactJSON([]byte(old)), compactJSON(values)) && timeOf(oldAt).Equal(f.SubmittedAt.UTC()) {
			return nil
		}
		if _, err := t.exec(ctx, `UPDATE feedback_submissions
SET submitted_values = $2, submitted_at = $3, event_id = $4, interviewer_id = $5, interview_id = $6, updated_at = $7
WHERE feedback_id = $1`, f.ID, string(values), f.SubmittedAt.UTC(), f.EventID, f.InterviewerID, f.InterviewID, now.UTC()); err != nil {
			return fmt.Errorf("update feedback %s: %w", f.ID, err)
		}
		changed = true
		return nil
	})
	return changed, err
}

// ListFeedbackByApplication implements FeedbackStore.
func (db *DB) ListFeedbackByApplication(ctx context.Context, applicationID string) ([]domain.Feedback, error) {
	return db.queryFeedback(ctx, `
SELECT feedback_id, application_id, event_id, interviewer_id, interview_id, form_definition_id,
    submitted_at, submitted_values, created_at, updated_at
FROM feedback_submissions WHERE application_id = $1 ORDER BY submitted_at, feedback_id`, applicationID)
}

// ListFeedbackByApplications implements FeedbackStore.
func (db *DB) ListFeedbackByApplications(ctx context.Context, applicationIDs []string) (map[string][]domain.Feedback, error) {
	out := make(map[string][]domain.Feedback, len(applicationIDs))
	for start := 0; start < len(applicationIDs); start += 500 {
		chunk := applicationIDs[start:min(start+500, len(applicationIDs))]
		ph, args := placeholders(chunk, 1)
		list, err := db.queryFeedback(ctx, `
SELECT feedback_id, application_id, event_id, interviewer_id, interview_id, form_definition_id,
    submitted_at, submitted_values, created_at, updated_at
FROM feedback_submissions WHERE application_id IN (`+ph+`) ORDER BY submitted_at, feedback_id`, args...)
		if err != nil {
			return nil, err
		}
		for _, f := range list {
			out[f.ApplicationID] = append(out[f.ApplicationID], f)
		}
	}
	return out, nil
}

func (db *DB) queryFeedback(ctx context.Context, q string, args ...any) ([]domain.Feedback, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []domain.Feedback
	for rows.Next() {
		var f domain.Feedback
		var sub, created, updated sql.NullTime
		var values string
		if err := rows.Scan(&f.ID, &f.ApplicationID, &f.EventID, &f.InterviewerID, &f.InterviewID,
			&f.FormID, &sub, &values, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan feedback: %w", db.mapErr(err))
		}
		f.SubmittedAt, f.CreatedAt, f.UpdatedAt = timeOf(sub), timeOf(created), timeOf(updated)
		f.Values = []byte(values)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list feedback: %w", db.mapErr(err))
	}
	return out, nil
}

// CountFeedback implements FeedbackStore.
func (db *DB) CountFeedback(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM feedback_submissions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count feedback: %w", db.mapErr(err))
	}
	return n, nil
}

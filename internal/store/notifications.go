package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// NotificationStore keeps Slack notifications.
type NotificationStore interface {
	InsertNotification(ctx context.Context, n domain.Notification) (domain.Notification, error)
	UpdateNotification(ctx context.Context, n domain.Notification) error
	// ListNotifications returns notifications newest first, optionally of one execution.
	ListNotifications(ctx context.Context, executionID string, limit int) ([]domain.Notification, error)
}

// InsertNotification implements NotificationStore.
func (db *DB) InsertNotification(ctx context.Context, n domain.Notification) (domain.Notification, error) {
	if n.ID == "" {
		n.ID = NewID()
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now()
	}
	n.CreatedAt = n.CreatedAt.UTC()
	n.UpdatedAt = n.CreatedAt
	if _, err := db.exec(ctx, `
INSERT INTO notifications (notification_id, execution_id, kind, channel, message_ts, status, error, text, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
		n.ID, n.ExecutionID, n.Kind, n.Channel, n.MessageTS, n.Status, n.Error, n.Text, n.CreatedAt); err != nil {
		return domain.Notification{}, fmt.Errorf("insert notification: %w", err)
	}
	return n, nil
}

// UpdateNotification implements NotificationStore.
func (db *DB) UpdateNotification(ctx context.Context, n domain.Notification) error {
	if n.UpdatedAt.IsZero() {
		n.UpdatedAt = time.Now()
	}
	res, err := db.exec(ctx, `UPDATE notifications SET channel = $2, message_ts = $3, status = $4, error = $5,
    updated_at = $6 WHERE notification_id = $1`, n.ID, n.Channel, n.MessageTS, n.Status, n.Error, n.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("update notification %s: %w", n.ID, err)
	}
	return affectedOne(res, "notification "+n.ID)
}

// ListNotifications implements NotificationStore.
func (db *DB) ListNotifications(ctx context.Context, executionID string, limit int) ([]domain.Notification, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT notification_id, execution_id, kind, channel, message_ts, status, error, text, created_at, updated_at FROM notifications`
	args := []any{}
	if executionID != "" {
		q += ` WHERE execution_id = $1`
		args = append(args, executionID)
	}
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY created_at DESC, notification_id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []domain.Notification
	for rows.Next() {
		var n domain.Notification
		var created, updated sql.NullTime
		if err := rows.Scan(&n.ID, &n.ExecutionID, &n.Kind, &n.Channel, &n.MessageTS, &n.Status, &n.Error, &n.Text, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan notification: %w", db.mapErr(err))
		}
		n.CreatedAt, n.UpdatedAt = timeOf(created), timeOf(updated)
		out = append(out, n)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// SlackUserStore keeps the Slack user directory.
type SlackUserStore interface {
	UpsertSlackUser(ctx context.Context, u domain.SlackUser, at time.Time) error
	// GetSlackUserByEmail finds a member by email, case-insensitively.
	GetSlackUserByEmail(ctx context.Context, email string) (domain.SlackUser, error)
}

// UpsertSlackUser implements SlackUserStore. A new member with another's old
// email takes it over.
func (db *DB) UpsertSlackUser(ctx context.Context, u domain.SlackUser, at time.Time) error {
	return db.inTx(ctx, func(t *DB) error {
		if _, err := t.exec(ctx, `DELETE FROM slack_users WHERE email = $1 AND slack_user_id <> $2`, u.Email, u.ID); err != nil {
			return fmt.Errorf("free email of slack user: %w", err)
		}
		if _, err := t.exec(ctx, `
INSERT INTO slack_users (slack_user_id, email, real_name, display_name, is_bot, deleted, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT (slack_user_id) DO UPDATE SET email = excluded.email, real_name = excluded.real_name,
    display_name = excluded.display_name, is_bot = excluded.is_bot, deleted = excluded.deleted,
    updated_at = excluded.updated_at`, u.ID, u.Email, u.RealName, u.DisplayName, u.IsBot, u.Deleted, at.UTC()); err != nil {
			return fmt.Errorf("upsert slack user %s: %w", u.ID, err)
		}
		return nil
	})
}

// GetSlackUserByEmail implements SlackUserStore.
func (db *DB) GetSlackUserByEmail(ctx context.Context, email string) (domain.SlackUser, error) {
	var u domain.SlackUser
	err := db.r.QueryRowContext(ctx, `SELECT slack_user_id, email, real_name, display_name, is_bot, deleted
FROM slack_users WHERE LOWER(email) = LOWER($1) AND deleted = FALSE`, email).
		Scan(&u.ID, &u.Email, &u.RealName, &u.DisplayName, &u.IsBot, &u.Deleted)
	if err != nil {
		return domain.SlackUser{}, fmt.Errorf("get slack user by email: %w", db.mapErr(err))
	}
	return u, nil
}

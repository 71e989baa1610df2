package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// SyncState is the bookkeeping of one periodic sync (sync_state).
type SyncState struct {
	Name           string     `json:"name"`
	SyncToken      string     `json:"-"`
	LastStartedAt  *time.Time `json:"last_started_at"`
	LastFinishedAt *time.Time `json:"last_finished_at"`
	LastStatus     string     `json:"last_status"`
	LastError      string     `json:"last_error"`
	Items          int        `json:"items"`
}

// SyncStore keeps sync tokens and the last run of each sync.
type SyncStore interface {
	// GetSyncState returns a sync's state; an unknown sync is a zero state
	// with its name, not an error.
	GetSyncState(ctx context.Context, name string) (SyncState, error)
	SaveSyncState(ctx context.Context, s SyncState) error
	ListSyncStates(ctx context.Context) ([]SyncState, error)
}

const syncCols = `name, sync_token, last_started_at, last_finished_at, last_status, last_error, items`

func scanSync(sc interface{ Scan(...any) error }) (SyncState, error) {
	var s SyncState
	var started, finished sql.NullTime
	err := sc.Scan(&s.Name, &s.SyncToken, &started, &finished, &s.LastStatus, &s.LastError, &s.Items)
	s.LastStartedAt, s.LastFinishedAt = timePtr(started), timePtr(finished)
	return s, err
}

// GetSyncState implements SyncStore.
func (db *DB) GetSyncState(ctx context.Context, name string) (SyncState, error) {
	s, err := scanSync(db.r.QueryRowContext(ctx, `SELECT `+syncCols+` FROM sync_state WHERE name = $1`, name))
	if err != nil {
		if err := db.mapErr(err); errors.Is(err, domain.ErrNotFound) {
			return SyncState{Name: name}, nil
		}
		return SyncState{}, fmt.Errorf("get sync state %s: %w", name, db.mapErr(err))
	}
	return s, nil
}

// SaveSyncState implements SyncStore.
func (db *DB) SaveSyncState(ctx context.Context, s SyncState) error {
	if _, err := db.exec(ctx, `
INSERT INTO sync_state (name, sync_token, last_started_at, last_finished_at, last_status, last_error, items)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (name) DO UPDATE SET sync_token = excluded.sync_token, last_started_at = excluded.last_started_at,
    last_finished_at = excluded.last_finished_at, last_status = excluded.last_status,
    last_error = excluded.last_error, items = excluded.items`,
		s.Name, s.SyncToken, utcPtr(s.LastStartedAt), utcPtr(s.LastFinishedAt), s.LastStatus, s.LastError, s.Items); err != nil {
		return fmt.Errorf("save sync state %s: %w", s.Name, err)
	}
	return nil
}

// ListSyncStates implements SyncStore.
func (db *DB) ListSyncStates(ctx context.Context) ([]SyncState, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+syncCols+` FROM sync_state ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list sync states: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []SyncState
	for rows.Next() {
		s, err := scanSync(rows)
		if err != nil {
			return nil, fmt.Errorf("scan sync state: %w", db.mapErr(err))
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

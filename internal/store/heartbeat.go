package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// HeartbeatStore keeps running servers' heartbeats (server_heartbeats).
type HeartbeatStore interface {
	// Beat stores a server's heartbeat, replacing its previous one.
	Beat(ctx context.Context, h domain.Heartbeat) error
	// ListHeartbeats returns every stored heartbeat, newest beat first,
	// stale ones included (domain.Heartbeat.Live tells them apart).
	ListHeartbeats(ctx context.Context) ([]domain.Heartbeat, error)
	// DeleteHeartbeat removes a server's heartbeat (its clean shutdown);
	// deleting one that is not there is not an error.
	DeleteHeartbeat(ctx context.Context, instanceID string) error
}

// Beat implements HeartbeatStore.
func (db *DB) Beat(ctx context.Context, h domain.Heartbeat) error {
	if h.InstanceID == "" {
		return fmt.Errorf("beat: no instance id: %w", domain.ErrInvalid)
	}
	if h.BeatAt.IsZero() {
		h.BeatAt = time.Now()
	}
	if h.StartedAt.IsZero() {
		h.StartedAt = h.BeatAt
	}
	// Whole seconds, at least one (HEARTBEAT_INTERVAL's minimum).
	secs := max(1, int((h.Interval+time.Second-1)/time.Second))
	if _, err := db.exec(ctx, `
INSERT INTO server_heartbeats (instance_id, host, pid, version, started_at, beat_at, interval_seconds)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (instance_id) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
    started_at = excluded.started_at, beat_at = excluded.beat_at, interval_seconds = excluded.interval_seconds`,
		h.InstanceID, h.Host, h.PID, h.Version, h.StartedAt.UTC(), h.BeatAt.UTC(), secs); err != nil {
		return fmt.Errorf("beat: %w", err)
	}
	return nil
}

// ListHeartbeats implements HeartbeatStore.
func (db *DB) ListHeartbeats(ctx context.Context) ([]domain.Heartbeat, error) {
	rows, err := db.r.QueryContext(ctx, `
SELECT instance_id, host, pid, version, started_at, beat_at, interval_seconds
FROM server_heartbeats ORDER BY beat_at DESC, instance_id`)
	if err != nil {
		return nil, fmt.Errorf("list heartbeats: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []domain.Heartbeat
	for rows.Next() {
		var h domain.Heartbeat
		var started, beat sql.NullTime
		var secs int
		if err := rows.Scan(&h.InstanceID, &h.Host, &h.PID, &h.Version, &started, &beat, &secs); err != nil {
			return nil, fmt.Errorf("scan heartbeat: %w", db.mapErr(err))
		}
		h.StartedAt, h.BeatAt, h.Interval = timeOf(started), timeOf(beat), time.Duration(secs)*time.Second
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list heartbeats: %w", db.mapErr(err))
	}
	return out, nil
}

// DeleteHeartbeat implements HeartbeatStore.
func (db *DB) DeleteHeartbeat(ctx context.Context, instanceID string) error {
	if _, err := db.exec(ctx, `DELETE FROM server_heartbeats WHERE instance_id = $1`, instanceID); err != nil {
		return fmt.Errorf("delete heartbeat: %w", err)
	}
	return nil
}

-- +goose Up
-- Server presence (issue 19): each running `aaa serve` upserts its row
-- every HEARTBEAT_INTERVAL and deletes it on a clean shutdown, so the
-- dashboard can tell whether anything is deciding on this store. A row
-- whose beat_at is older than two intervals is stale (a crashed server).
CREATE TABLE server_heartbeats (
    instance_id      TEXT PRIMARY KEY,
    host             TEXT NOT NULL DEFAULT '',
    pid              INTEGER NOT NULL DEFAULT 0,
    version          TEXT NOT NULL DEFAULT '',
    started_at       TIMESTAMP NOT NULL,
    beat_at          TIMESTAMP NOT NULL,
    interval_seconds INTEGER NOT NULL
);

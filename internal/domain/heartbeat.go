package domain

import "time"

// Heartbeat is a running server's presence on a store (server_heartbeats):
// `aaa serve` writes it at start and every Interval, and deletes it on a
// clean shutdown.
type Heartbeat struct {
	// InstanceID names one server process (a new id per start).
	InstanceID string    `json:"instance_id"`
	Host       string    `json:"host"`
	PID        int       `json:"pid"`
	Version    string    `json:"version"`
	StartedAt  time.Time `json:"started_at"`
	// BeatAt is the last beat.
	BeatAt time.Time `json:"beat_at"`
	// Interval is how often the server beats (HEARTBEAT_INTERVAL).
	Interval time.Duration `json:"interval"`
}

// Live reports whether the heartbeat is fresh at now: a server that missed
// two beats in a row (its last beat is older than two intervals) is taken
// for gone. A beat from the future (clocks apart) counts as live.
func (h Heartbeat) Live(now time.Time) bool {
	if h.BeatAt.IsZero() {
		return false
	}
	interval := h.Interval
	if interval <= 0 {
		interval = time.Second
	}
	return now.Sub(h.BeatAt) <= 2*interval
}

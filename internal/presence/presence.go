// Package presence tells whether a server is serving a store. `aaa serve`
// records a heartbeat (server_heartbeats) when it starts and every
// interval after, from Run, and removes it with Leave on a clean
// shutdown; the dashboard reads Summarize over the stored heartbeats to say
// whether anything is deciding. A heartbeat older than two intervals is
// stale (domain.Heartbeat.Live): a server that crashed or lost its store
// stops counting within two beats, without anyone deleting its row.
//
// Limits: presence says a process beats, not that its jobs keep up; and a
// stale row stays in the table until that instance id beats again (a new
// start uses a new id), which costs one small row per crash.
package presence

import (
	"context"
	"log/slog"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Store is the part of the store presence uses (*store.DB implements it).
type Store interface {
	store.HeartbeatStore
}

// DefaultInterval is HEARTBEAT_INTERVAL's default.
const DefaultInterval = 15 * time.Second

// Options configure a Service.
type Options struct {
	Store Store
	// InstanceID names this server process (default: a new id).
	InstanceID string
	// Host, PID and Version describe the process to the dashboard.
	Host    string
	PID     int
	Version string
	// Interval is how often Run beats (default DefaultInterval).
	Interval time.Duration
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Service records one server's presence and reads everyone's.
type Service struct {
	st  Store
	hb  domain.Heartbeat
	now func() time.Time
	log *slog.Logger
}

// New returns the presence of one server process; it writes nothing until
// Beat or Run.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.InstanceID == "" {
		o.InstanceID = store.NewID()
	}
	return &Service{st: o.Store, now: o.Now, log: o.Logger.With("component", "presence"),
		hb: domain.Heartbeat{InstanceID: o.InstanceID, Host: o.Host, PID: o.PID, Version: o.Version,
			StartedAt: o.Now().UTC(), Interval: o.Interval}}
}

// InstanceID is the id this server's heartbeat is stored under.
func (s *Service) InstanceID() string { return s.hb.InstanceID }

// Interval is how often Run beats.
func (s *Service) Interval() time.Duration { return s.hb.Interval }

// Beat records that this server is running now.
func (s *Service) Beat(ctx context.Context) error {
	hb := s.hb
	hb.BeatAt = s.now().UTC()
	return s.st.Beat(ctx, hb)
}

// Run beats every interval until ctx ends. A failed beat is logged and the
// next one tried at its time: a store that is briefly away makes the
// server look gone for a moment, never stops it. Run does not remove the
// heartbeat; call Leave after it returns.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.hb.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Beat(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "heartbeat_failed", "error", err.Error())
			}
		}
	}
}

// Leave removes this server's heartbeat (a clean shutdown), so the
// dashboard says at once that it stopped.
func (s *Service) Leave(ctx context.Context) error {
	return s.st.DeleteHeartbeat(ctx, s.hb.InstanceID)
}

// Status is who serves a store at a time.
type Status struct {
	// Live are the heartbeats that are not stale, newest beat first.
	Live []domain.Heartbeat
	// Stale counts the rows of servers that missed two beats.
	Stale int
}

// Running reports whether at least one server is serving.
func (st Status) Running() bool { return len(st.Live) > 0 }

// Latest is the newest live heartbeat (the zero Heartbeat when none).
func (st Status) Latest() domain.Heartbeat {
	if len(st.Live) == 0 {
		return domain.Heartbeat{}
	}
	return st.Live[0]
}

// Summarize sorts stored heartbeats into live and stale at now; hs are
// newest first, as ListHeartbeats returns them.
func Summarize(hs []domain.Heartbeat, now time.Time) Status {
	var st Status
	for _, h := range hs {
		if h.Live(now) {
			st.Live = append(st.Live, h)
		} else {
			st.Stale++
		}
	}
	return st
}

// Status reads who serves the store now.
func (s *Service) Status(ctx context.Context) (Status, error) {
	hs, err := s.st.ListHeartbeats(ctx)
	if err != nil {
		return Status{}, err
	}
	return Summarize(hs, s.now()), nil
}

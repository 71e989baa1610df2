package intake

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/catalog"
	"github.com/ashby-auto-advance/aaa/internal/lifecycle"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Queue enqueues what intake starts (implemented by *jobs.Queue). tx is the
// transaction the jobs commit with (nil: on their own).
type Queue interface {
	EnqueueIngest(ctx context.Context, tx *sql.Tx, deliveryIDs ...string) error
	EnqueueIngestHandoff(ctx context.Context, tx *sql.Tx, deliveryIDs ...string) error
	EnqueueIngestBatch(ctx context.Context, tx store.JobTx, deliveryIDs []string) error
	EnqueueEvaluateBatch(ctx context.Context, tx *sql.Tx, scheduleIDs []string) error
}

// Options configures a Service.
type Options struct {
	Store   store.Store
	Catalog *catalog.Catalog
	Queue   Queue
	// Notices receives the alert of a delivery that failed for good.
	Notices *notify.Service
	// Logger is the base logger; the service adds component=intake.
	Logger *slog.Logger
	Now    func() time.Time
	// Retention is how long a processed delivery keeps its payload
	// (PruneDeliveries); 0 keeps payloads forever.
	Retention time.Duration
	// Lifecycle applies stage changes, hires, erasures and merges; nil
	// stores those deliveries as ignored.
	Lifecycle Lifecycle
}

// Lifecycle is the use case intake hands the candidate's lifecycle
// webhooks to (implemented by *lifecycle.Service).
type Lifecycle interface {
	ApplicationChanged(ctx context.Context, app ashby.Application, at time.Time) (lifecycle.Moved, error)
	Erase(ctx context.Context, candidateID, via string) (store.Erasure, error)
	Merge(ctx context.Context, deletedID, mergedID string) (int, error)
}

// Service accepts webhook deliveries and ingests them.
type Service struct {
	st      store.Store
	catalog *catalog.Catalog
	queue   Queue
	notices *notify.Service
	log     *slog.Logger
	now     func() time.Time
	accept  *groupCommit
	// retention: see Options.Retention.
	retention time.Duration
	lifecycle Lifecycle
	// inFlight holds the deliveries ingestion batches of this process are
	// writing now, so a batch takes along only pending deliveries no other
	// batch holds (see ingestSome).
	inFlight inFlight
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{st: opts.Store, catalog: opts.Catalog, queue: opts.Queue, notices: opts.Notices,
		log: opts.Logger.With("component", "intake"), now: opts.Now, accept: &groupCommit{limit: 1},
		retention: opts.Retention, lifecycle: opts.Lifecycle}
	if opts.Store != nil && opts.Store.Dialect() == store.DialectPostgres {
		// Postgres commits in parallel: a few committers at once, as many
		// as the store keeps connections for acknowledgements (postgres.AckConns).
		s.accept.limit = 4
	}
	return s
}

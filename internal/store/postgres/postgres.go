// Package postgres opens aaa's store on PostgreSQL through a pgx pool,
// exposed to the shared SQL implementation via pgx's database/sql adapter.
// The pgx pool itself is returned too: River's pgx driver runs over it.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// AckConns is the size of the pool webhook acknowledgements commit through.
const AckConns = 4

// Open connects to the database at url. It returns the store and the pgx
// pool River's pgx driver runs over (the one under the store's
// database/sql handle). Webhook acknowledgements get a small pool of their
// own (AckConns of the pool_max_conns connections, AcceptDeliveries), so an
// ack never waits for a connection a job holds.
func Open(ctx context.Context, url string) (*store.DB, *pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, nil, fmt.Errorf("parse postgres url: %w", err)
	}
	// At least 10 unless the URL asks for a size (pool_max_conns).
	if cfg.MaxConns < 10 && !strings.Contains(url, "pool_max_conns=") {
		cfg.MaxConns = 10
	}
	// The acknowledgements' connections come out of that size: an
	// instance opens at most pool_max_conns (10) in all.
	ackCfg := cfg.Copy()
	ackCfg.MaxConns, ackCfg.MinConns = min(AckConns, cfg.MaxConns/2), 0
	cfg.MaxConns -= ackCfg.MaxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("open postgres: %w", err)
	}
	acks, err := pgxpool.NewWithConfig(ctx, ackCfg)
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("open postgres: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	db.SetMaxOpenConns(int(cfg.MaxConns))
	closeAll := func() { acks.Close(); pool.Close() }
	return store.New(store.Options{Writer: db, AckPool: acks, Dialect: store.DialectPostgres, MapError: MapError,
		Close: closeAll}), pool, nil
}

// MapError maps Postgres errors to domain sentinels.
func MapError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s", domain.ErrConflict, pe.Message)
		case "22P02": // invalid_text_representation
			return fmt.Errorf("%w: %s", domain.ErrInvalid, pe.Message)
		}
	}
	return err
}

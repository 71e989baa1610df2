// Package postgres opens aaa's store on PostgreSQL through a pgx pool,
// exposed to the shared SQL implementation via pgx's database/sql adapter.
// The pgx pool itself is returned too: River's pgx driver runs over it.
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Open connects to the database at url.
func Open(ctx context.Context, url string) (*store.DB, *pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, nil, fmt.Errorf("parse postgres url: %w", err)
	}
	if cfg.MaxConns < 10 {
		cfg.MaxConns = 10
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("open postgres: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	db.SetMaxOpenConns(int(cfg.MaxConns))
	return store.New(store.Options{Writer: db, Pool: pool, Dialect: store.DialectPostgres, MapError: MapError, Close: pool.Close}), pool, nil
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

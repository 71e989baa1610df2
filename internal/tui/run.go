package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// ErrSchemaOutdated means the database has migrations pending; run
// `aaa migrate` (or start `aaa serve`, which migrates) first.
var ErrSchemaOutdated = errors.New("database schema is out of date")

// CheckSchema refuses a store whose schema is not current.
func CheckSchema(ctx context.Context, st store.SchemaStore) error {
	pending, err := st.SchemaCurrent(ctx)
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	if pending > 0 {
		return fmt.Errorf("%w: %d migration(s) pending; run `aaa migrate` first", ErrSchemaOutdated, pending)
	}
	return nil
}

// Run checks the schema, then runs the dashboard in the alternate screen
// until the user quits or ctx ends. With Logger nil and LogPath set, logs
// go to that file; NO_COLOR in the environment turns colors off.
func Run(ctx context.Context, opts Options) error {
	if opts.Store == nil {
		return errors.New("tui: no store")
	}
	if err := CheckSchema(ctx, opts.Store); err != nil {
		return err
	}
	if opts.Logger == nil && opts.LogPath != "" {
		f, err := os.OpenFile(opts.LogPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("open log file: %w", err)
		}
		defer f.Close()
		opts.Logger = slog.New(slog.NewJSONHandler(f, nil))
	}
	if _, set := os.LookupEnv("NO_COLOR"); set {
		opts.NoColor = true
	}
	p := tea.NewProgram(New(opts), tea.WithContext(ctx))
	_, err := p.Run()
	if err != nil && errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

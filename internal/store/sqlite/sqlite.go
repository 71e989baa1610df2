// Package sqlite opens aaa's store on an embedded SQLite file (modernc, no
// cgo). Writes go through a pool of one connection with immediate
// transactions; reads use a separate pool, so the server and the dashboard
// can share one file in WAL mode without SQLITE_BUSY (busy_timeout waits for
// the other process instead of failing).
package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Pragmas are applied to every connection.
const Pragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate&_time_format=sqlite"

// DSN returns the modernc DSN for a file path.
func DSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + Pragmas
}

// Open opens (creating if needed) the SQLite database at path.
func Open(path string) (*store.DB, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	w := openDB(DSN(path))
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Create the file and switch it to WAL before readers open it.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r := openDB(DSN(path) + "&_pragma=query_only(1)")
	n := max(2, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	// Checkpoints move the WAL into the database file. Left to the writer,
	// one in every thousand commits pays for it (tens of ms on this path);
	// a background connection does it instead, without blocking writers.
	if _, err := w.Exec("PRAGMA wal_autocheckpoint = 10000"); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	stop := startCheckpointer(DSN(path))
	return store.New(store.Options{Writer: w, Reader: r, Dialect: store.DialectSQLite, MapError: MapError, Close: stop}), nil
}

// checkpointEvery is how often the background checkpointer runs.
const checkpointEvery = time.Second

// startCheckpointer runs PASSIVE checkpoints on its own connection until
// the returned stop is called.
func startCheckpointer(dsn string) (stop func()) {
	db := openDB(dsn)
	db.SetMaxOpenConns(1)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				// Errors (a busy database) only delay the next checkpoint.
				_, _ = db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-finished
			db.Close()
		})
	}
}

// MapError maps SQLite errors to domain sentinels.
func MapError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", domain.ErrConflict, se.Error())
		}
	}
	return err
}

// OpenReadOnly opens an existing SQLite database for reading only (`aaa
// store copy` reads its source this way): the file is opened with
// mode=ro and every connection is query_only, so nothing, not even the
// journal mode, is changed. A missing file is an error, never created.
func OpenReadOnly(path string) (*store.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?mode=ro&_pragma=busy_timeout(5000)&_pragma=query_only(1)&_time_format=sqlite"
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := max(2, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.Ping(); err != nil {
		r.Close()
		return nil, fmt.Errorf("open sqlite %s read-only: %w", path, err)
	}
	return store.New(store.Options{Writer: r, Reader: r, Dialect: store.DialectSQLite, MapError: MapError}), nil
}

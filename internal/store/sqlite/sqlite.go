// Package sqlite opens aaa's store on an embedded SQLite file (modernc, no
// cgo). Writes go through a pool of one connection with immediate
// transactions; reads use a separate pool, so the server and the dashboard
// can share one file in WAL mode without SQLITE_BUSY (busy_timeout waits for
// the other process instead of failing).
//
// Durability: the commits that acknowledge webhook deliveries
// (store.InDurableTx, the intake's group commit) run with synchronous=FULL,
// so an acknowledged delivery is on disk even across a power loss, and the
// group commit spreads that fsync over every webhook of a batch. Every
// other commit runs with synchronous=NORMAL: it survives a crash of aaa,
// and a power loss can undo only those made since the WAL was last synced
// (by the next FULL commit or checkpoint), never an acknowledged delivery.
// Open creates a
// missing database file 0600 (SQLite gives its -wal and -shm files the same
// mode) in an existing directory, and never creates a missing directory: a
// directory that vanished is a deleted or unmounted volume, and an empty
// database in its place would silently lose everything. While the store is
// open, every commit checks that the file it wrote is still the one at its
// path (store.Options.Check), so a deleted or replaced file fails writes
// instead of acknowledging them into an unlinked inode.
//
// Size: a background connection checkpoints the WAL every second, and
// truncates it once it outgrows Options.WALSizeLimit (journal_size_limit is
// set to the same value on the writer), so the WAL stays bounded.
package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Pragmas are applied to the writer and the readers (DESIGN.md's DSN).
const Pragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate&_time_format=sqlite"

// writerPragmas are added on the writer connection: its commits are synced
// at checkpoints (synchronous=NORMAL; the commits that acknowledge
// deliveries switch to FULL, see durableOn), and the WAL it writes is cut
// back to the size limit when it restarts.
const writerPragmas = "&_pragma=synchronous(NORMAL)&_pragma=journal_size_limit("

// durableOn and durableOff bracket store.InDurableTx on the writer
// connection (synchronous cannot change inside a transaction). In WAL mode
// a FULL commit syncs the WAL, so it also makes every NORMAL commit before
// it durable.
const (
	durableOn  = "PRAGMA synchronous = FULL"
	durableOff = "PRAGMA synchronous = NORMAL"
)

// DefaultWALSizeLimit is the WAL size past which the checkpointer truncates it.
const DefaultWALSizeLimit = 64 << 20

// DSN returns the modernc DSN for a file path. It opens an existing file
// only (mode=rw): Open creates the file itself, so a connection opened
// later, after the file was deleted, fails instead of creating an empty
// database behind the store's back.
func DSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=rw&" + Pragmas
}

// Options tune Open; the zero value takes the defaults.
type Options struct {
	// WALSizeLimit bounds the WAL file in bytes (default DefaultWALSizeLimit).
	WALSizeLimit int64
	// CheckpointEvery is how often the background checkpointer runs
	// (default 1s).
	CheckpointEvery time.Duration
	// Existing opens an existing file only: a missing one is ErrNoDatabase
	// and nothing is created (commands that read a database).
	Existing bool
}

// ErrNoDatabase is returned when a database file that must exist is missing.
var ErrNoDatabase = errors.New("does not exist")

// missing is ErrNoDatabase for path, named absolutely.
func missing(path string) error {
	return fmt.Errorf("database file %s %w", absPath(path), ErrNoDatabase)
}

// Open opens the SQLite database at path, creating a missing file (0600) in
// an existing directory.
func Open(path string) (*store.DB, error) {
	return OpenWith(path, Options{})
}

// OpenWith is Open with options.
func OpenWith(path string, o Options) (*store.DB, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	if o.WALSizeLimit <= 0 {
		o.WALSizeLimit = DefaultWALSizeLimit
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = time.Second
	}
	if o.Existing {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, missing(path)
		}
	} else if err := createFile(path); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w := openDB(DSN(path) + writerPragmas + strconv.FormatInt(o.WALSizeLimit, 10) + ")")
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Switch the file to WAL before readers open it.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	guard, err := newFileGuard(path)
	if err != nil {
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
	stop := startCheckpointer(path, o)
	return store.New(store.Options{Writer: w, Reader: r, Dialect: store.DialectSQLite, MapError: MapError,
		Check: guard.check, Close: stop, DurableOn: durableOn, DurableOff: durableOff, OneWriter: true}), nil
}

// createFile creates the database file (0600) when it is missing, so SQLite
// opens it instead of creating it with its own default mode (0644); the
// -wal and -shm files SQLite creates take the database file's mode. An
// existing file is left as it is. The directory must exist.
func createFile(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("database directory %s does not exist: aaa creates a missing database file, never a missing directory "+
			"(if it was deleted or is not mounted, restore it; for a new database, create the directory first)", absPath(dir))
	}
	if err != nil {
		return fmt.Errorf("database directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("database directory %s is not a directory", absPath(dir))
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	return f.Close()
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// fileGuard knows which file the store opened at its path. SQLite keeps
// writing to an open file after it is unlinked (its directory deleted) or
// replaced, and every commit would still succeed: check tells.
type fileGuard struct {
	path   string
	opened os.FileInfo
}

func newFileGuard(path string) (*fileGuard, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	return &fileGuard{path: absPath(path), opened: fi}, nil
}

// check fails when the database file aaa opened is no longer at its path:
// what is written now would be lost at the next start.
func (g *fileGuard) check() error {
	fi, err := os.Stat(g.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("database file %s is gone (deleted, or its directory was): nothing written now would survive a restart; restore it from a backup and restart aaa", g.path)
	case err != nil:
		return fmt.Errorf("check database file %s: %w", g.path, err)
	case !os.SameFile(fi, g.opened):
		return fmt.Errorf("database file %s was replaced since aaa opened it: writes go to the old file; restart aaa", g.path)
	}
	return nil
}

// startCheckpointer runs PASSIVE checkpoints on its own connection every
// o.CheckpointEvery until the returned stop is called, and a TRUNCATE
// checkpoint when the WAL has outgrown o.WALSizeLimit.
//
// A passive checkpoint never waits, but the WAL file keeps its size, and
// under steady load (a reader always on the old WAL) the writer never
// restarts it: it grows without bound. TRUNCATE holds the write lock while
// it checks that no reader still uses the WAL, so it runs only when the WAL
// is too large, and without a busy timeout: it never waits for a reader or
// a writer (writers are held for the checkpoint itself only), and a
// truncation that cannot be done now is tried again at the next tick.
func startCheckpointer(path string, o Options) (stop func()) {
	db := openDB("file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=rw&_pragma=busy_timeout(0)&_time_format=sqlite")
	db.SetMaxOpenConns(1)
	wal := path + "-wal"
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(o.CheckpointEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				// Errors (a busy database) only delay the next checkpoint.
				_, _ = db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
				if fi, err := os.Stat(wal); err == nil && fi.Size() > o.WALSizeLimit {
					_, _ = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
				}
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
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, missing(path)
	} else if err != nil {
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

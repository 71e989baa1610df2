package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/sqlite"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// openMigrated opens a migrated store at path, closed when t ends.
func openMigrated(t *testing.T, path string, o sqlite.Options) *store.DB {
	t.Helper()
	db, err := sqlite.OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestWriterSyncsAcks: the transaction that commits acknowledged
// deliveries (InDurableTx) runs synchronous=FULL (2), so an acknowledged
// webhook survives a power loss, and the writer bounds the WAL it restarts
// (journal_size_limit). Ordinary transactions run NORMAL (storetest).
func TestWriterSyncsAcks(t *testing.T) {
	t.Parallel()
	db := openMigrated(t, filepath.Join(t.TempDir(), "aaa.db"), sqlite.Options{})
	ctx := context.Background()
	// Inside the transaction: the very connection (the pool has one) that
	// commits deliveries.
	err := db.InDurableTx(ctx, func(tx store.Store) error {
		var sync, limit int
		var mode string
		if err := tx.SQLTx().QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
			return err
		}
		if err := tx.SQLTx().QueryRowContext(ctx, "PRAGMA journal_size_limit").Scan(&limit); err != nil {
			return err
		}
		if err := tx.SQLTx().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			return err
		}
		if sync != 2 {
			t.Errorf("writer synchronous = %d, want 2 (FULL)", sync)
		}
		if limit != sqlite.DefaultWALSizeLimit {
			t.Errorf("writer journal_size_limit = %d, want %d", limit, sqlite.DefaultWALSizeLimit)
		}
		if mode != "wal" {
			t.Errorf("journal_mode = %q, want wal", mode)
		}
		return nil
	})
	testkit.Must(t, err)
	if n := db.Writer().Stats().MaxOpenConnections; n != 1 {
		t.Fatalf("writer pool has %d connections, want 1", n)
	}
}

// TestOpenCreatesPrivateFiles: a new database and the -wal and -shm files
// SQLite makes beside it are readable by their owner only; the directory
// keeps its mode.
func TestOpenCreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testkit.Must(t, os.Chmod(dir, 0o755))
	path := filepath.Join(dir, "aaa.db")
	db := openMigrated(t, path, sqlite.Options{})
	// A write, so the WAL and its index exist.
	_, err := db.InsertDelivery(context.Background(), domain.Delivery{DedupeKey: "k", Action: "a", Payload: []byte("{}"), ReceivedAt: time.Now()})
	testkit.Must(t, err)
	for _, name := range []string{"aaa.db", "aaa.db-wal", "aaa.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s mode = %#o, want 0600", name, m)
		}
	}
	fi, err := os.Stat(dir)
	testkit.Must(t, err)
	if m := fi.Mode().Perm(); m != 0o755 {
		t.Errorf("directory mode changed to %#o", m)
	}
}

// TestOpenLeavesExistingFileMode: aaa creates files 0600, but never
// changes the mode of a file the operator made.
func TestOpenLeavesExistingFileMode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "aaa.db")
	testkit.Must(t, os.WriteFile(path, nil, 0o640))
	testkit.Must(t, os.Chmod(path, 0o640))
	openMigrated(t, path, sqlite.Options{})
	fi, err := os.Stat(path)
	testkit.Must(t, err)
	if m := fi.Mode().Perm(); m != 0o640 {
		t.Fatalf("existing file's mode changed to %#o", m)
	}
}

// TestOpenRefusesMissingDirectory: a database whose directory is missing
// (deleted, or a volume not mounted) is refused, saying why; the directory
// is not created.
func TestOpenRefusesMissingDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	_, err := sqlite.Open(filepath.Join(dir, "aaa.db"))
	if err == nil {
		t.Fatal("opened a database in a missing directory")
	}
	for _, want := range []string{dir, "does not exist", "never a missing directory"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the missing directory was created (stat: %v)", err)
	}
}

// TestWritesFailOnceTheFileIsGone: SQLite keeps writing into an unlinked
// file; the store must not. Once the file's directory is deleted (or the
// file replaced), every commit and the write check fail, naming the cause.
func TestWritesFailOnceTheFileIsGone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		breakIt func(t *testing.T, dir, path string)
		want    string
	}{
		{"directory deleted", func(t *testing.T, dir, _ string) { testkit.Must(t, os.RemoveAll(dir)) }, "is gone"},
		{"file replaced", func(t *testing.T, _, path string) {
			testkit.Must(t, os.Rename(path, path+".old"))
			testkit.Must(t, os.WriteFile(path, nil, 0o600))
		}, "was replaced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			testkit.Must(t, os.Mkdir(dir, 0o700))
			path := filepath.Join(dir, "aaa.db")
			db := openMigrated(t, path, sqlite.Options{})
			ctx := context.Background()
			testkit.Must(t, db.CheckWrites(ctx))
			tt.breakIt(t, dir, path)
			if err := db.CheckWrites(ctx); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckWrites = %v, want an error saying %q", err, tt.want)
			}
			err := db.InTx(ctx, func(tx store.Store) error {
				_, err := tx.InsertDelivery(ctx, domain.Delivery{DedupeKey: "after", Action: "a", Payload: []byte("{}"), ReceivedAt: time.Now()})
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("commit after the file went = %v, want an error saying %q", err, tt.want)
			}
			// No connection the store opens later recreates the file.
			_ = db.Ping(ctx)
			if tt.name == "directory deleted" {
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Errorf("the deleted directory is back (stat: %v)", err)
				}
			}
		})
	}
}

// TestWALIsTruncated: a WAL that grew past the size limit (a burst, a
// retention run) is cut back by the checkpointer without any further write.
func TestWALIsTruncated(t *testing.T) {
	t.Parallel()
	const limit = 256 << 10
	path := filepath.Join(t.TempDir(), "aaa.db")
	db := openMigrated(t, path, sqlite.Options{WALSizeLimit: limit, CheckpointEvery: 20 * time.Millisecond})
	ctx := context.Background()
	payload := []byte(`{"pad":"` + strings.Repeat("x", 8<<10) + `"}`)
	grew := int64(0)
	// Hold a read transaction meanwhile, as a busy dashboard or a slow
	// query would: no checkpoint can reset the WAL, so it grows.
	rconn, err := db.Reader().Conn(ctx)
	testkit.Must(t, err)
	defer rconn.Close()
	_, err = rconn.ExecContext(ctx, "BEGIN")
	testkit.Must(t, err)
	var n int
	testkit.Must(t, rconn.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries`).Scan(&n))
	for i := range 400 {
		_, err := db.InsertDelivery(ctx, domain.Delivery{DedupeKey: fmt.Sprint("k", i), Action: "a", Payload: payload, ReceivedAt: time.Now()})
		testkit.Must(t, err)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil {
		grew = fi.Size()
	}
	if grew <= limit {
		t.Fatalf("the WAL grew to %d bytes only, the test needs more than %d", grew, limit)
	}
	_, err = rconn.ExecContext(ctx, "ROLLBACK")
	testkit.Must(t, err)
	size := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return -1
		}
		return fi.Size()
	}
	testkit.Eventually(t, 10*time.Second, "the WAL truncated to its limit", func() bool { return size() <= limit },
		func() string { return fmt.Sprintf("WAL %d bytes, grew to %d", size(), grew) })
	// Nothing was lost on the way.
	counts, err := db.CountDeliveries(ctx)
	testkit.Must(t, err)
	if counts[domain.DeliveryPending] != 400 {
		t.Fatalf("deliveries after truncation: %v, want 400 pending", counts)
	}
}

package storetest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/sqlite"
)

const writerEnv = "AAA_STORETEST_WRITER_DB"

// TestHelperSQLiteWriter is the second process of TestSQLiteTwoProcessesNeverBusy.
func TestHelperSQLiteWriter(t *testing.T) {
	path := os.Getenv(writerEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	n, _ := strconv.Atoi(os.Getenv(writerEnv + "_N"))
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for i := range n {
		if err := writeOne(ctx, db, "child", i); err != nil {
			t.Fatalf("child write %d: %v", i, err)
		}
	}
}

// writeOne does what the server does per webhook: a transaction with a
// delivery, plus a decision and a read.
func writeOne(ctx context.Context, db *store.DB, who string, i int) error {
	err := db.InTx(ctx, func(tx store.Store) error {
		_, err := tx.InsertDelivery(ctx, domain.Delivery{DedupeKey: fmt.Sprintf("%s-%d", who, i), Action: "interviewScheduleUpdate",
			Payload: []byte(`{}`), ReceivedAt: time.Now()})
		return err
	})
	if err != nil {
		return err
	}
	if _, err := db.InsertExecution(ctx, domain.Execution{ScheduleID: who, ApplicationID: fmt.Sprint(i), Status: domain.ExecDryRun}, ""); err != nil {
		return err
	}
	_, err = db.ListDeliveries(ctx, "", 5)
	return err
}

// TestSQLiteTwoProcessesNeverBusy writes one SQLite file from this process
// and from a second OS process at once (as `aaa serve` and `aaa tui` do):
// no write may fail with SQLITE_BUSY and none may be lost.
func TestSQLiteTwoProcessesNeverBusy(t *testing.T) {
	t.Parallel()
	const n = 300
	path := filepath.Join(t.TempDir(), "shared.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSQLiteWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), writerEnv+"="+path, writerEnv+"_N="+strconv.Itoa(n))
	out := make(chan error, 1)
	var combined []byte
	go func() {
		var err error
		combined, err = cmd.CombinedOutput()
		out <- err
	}()
	for i := range n {
		if err := writeOne(ctx, db, "parent", i); err != nil {
			t.Fatalf("parent write %d: %v", i, err)
		}
	}
	if err := <-out; err != nil {
		t.Fatalf("writer process: %v\n%s", err, combined)
	}
	counts, err := db.CountDeliveries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[domain.DeliveryPending] != 2*n {
		t.Fatalf("deliveries = %d, want %d (a write was lost)", counts[domain.DeliveryPending], 2*n)
	}
}

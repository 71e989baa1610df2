package storetest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestListExecutionsPagesWithCursor: pages continued with the last row's
// cursor list every execution exactly once, in the order of one long
// listing (executed_at DESC, execution_id), also when several rows share a
// time, with filters kept, and rows inserted between pages (newer than
// the cursor) do not shift the pages already read.
func TestListExecutionsPagesWithCursor(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
		// 11 executions over 4 distinct times: ties broken by id.
		for i := range 11 {
			mode := domain.ModeShadow
			if i%3 == 0 {
				mode = domain.ModeLive
			}
			_, err := db.InsertExecution(ctx, domain.Execution{ID: fmt.Sprintf("x%02d", (i*7)%11), ScheduleID: "s1",
				ApplicationID: "a1", Mode: mode, Outcome: domain.OutcomeWait, Status: domain.ExecDryRun,
				ExecutedAt: base.Add(time.Duration(i%4) * time.Second)}, "")
			testkit.Must(t, err)
		}
		all, err := db.ListExecutions(ctx, store.ExecutionFilter{Limit: 100})
		testkit.Must(t, err)
		if len(all) != 11 {
			t.Fatalf("listed %d, want 11", len(all))
		}
		for i := 1; i < len(all); i++ {
			a, b := all[i-1], all[i]
			if a.ExecutedAt.Before(b.ExecutedAt) || (a.ExecutedAt.Equal(b.ExecutedAt) && a.ID >= b.ID) {
				t.Fatalf("rows %d and %d out of order: %s %s, %s %s", i-1, i, a.ExecutedAt, a.ID, b.ExecutedAt, b.ID)
			}
		}
		// page lists f page by page; after the first page it records a
		// newer row when interleave is set.
		page := func(f store.ExecutionFilter, interleave bool) []string {
			var ids []string
			for range 20 {
				got, err := db.ListExecutions(ctx, f)
				testkit.Must(t, err)
				for _, e := range got {
					ids = append(ids, e.ID)
				}
				if len(got) < f.Limit {
					return ids
				}
				f.After = store.CursorOf(got[len(got)-1])
				if f.After.IsZero() {
					t.Fatal("cursor of a row is zero")
				}
				if interleave && len(ids) == f.Limit {
					// A newer row between pages does not shift what follows.
					_, err := db.InsertExecution(ctx, domain.Execution{ID: "x99-new", ScheduleID: "s1", ApplicationID: "a1",
						Mode: domain.ModeShadow, Outcome: domain.OutcomeWait, Status: domain.ExecDryRun, ExecutedAt: base.Add(time.Hour)}, "")
					testkit.Must(t, err)
				}
			}
			t.Fatal("paging never ended")
			return nil
		}
		var want []string
		for _, e := range all {
			want = append(want, e.ID)
		}
		if got := page(store.ExecutionFilter{Limit: 2}, true); !slices.Equal(got, want) {
			t.Fatalf("pages of 2 = %v, want %v", got, want)
		}
		// Filters hold across pages.
		var live []string
		for _, e := range all {
			if e.Mode == domain.ModeLive {
				live = append(live, e.ID)
			}
		}
		if got := page(store.ExecutionFilter{Mode: domain.ModeLive, Limit: 1}, false); !slices.Equal(got, live) {
			t.Fatalf("live pages of 1 = %v, want %v", got, live)
		}
		// The row added between pages heads a fresh listing.
		fresh, err := db.ListExecutions(ctx, store.ExecutionFilter{Limit: 1})
		testkit.Must(t, err)
		if len(fresh) != 1 || fresh[0].ID != "x99-new" {
			t.Fatalf("fresh listing starts with %+v, want x99-new", fresh)
		}
		// A cursor past the oldest row is an empty page.
		last := all[len(all)-1]
		rest, err := db.ListExecutions(ctx, store.ExecutionFilter{After: store.CursorOf(last), Limit: 10})
		testkit.Must(t, err)
		if len(rest) != 0 {
			t.Fatalf("after the oldest row: %d rows", len(rest))
		}
	})
}

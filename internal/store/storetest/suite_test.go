package storetest_test

import (
	"context"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/storetest"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

func TestMigrateTwiceAndSeedQueries(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		again, err := db.Migrate(ctx)
		testkit.Must(t, err)
		if len(again) != 0 {
			t.Fatalf("second migrate applied %d migrations, want 0", len(again))
		}
		for _, q := range storetest.SeedQueries {
			rows, err := db.Reader().QueryContext(ctx, q)
			if err != nil {
				t.Fatalf("seed query %q: %v", q, err)
			}
			rows.Close()
		}
	})
}

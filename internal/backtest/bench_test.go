package backtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// seed10k stores n past schedules of one stage (two interviewers each,
// mixed scores, alternately advanced and archived) with their feedback and
// history, in one transaction.
func seed10k(b *testing.B, db *store.DB, n int) domain.Rule {
	b.Helper()
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	testkit.Must(b, db.UpsertStages(ctx, "plan", []domain.Stage{
		{ID: "s1", PlanID: "plan", Title: "Screen", Type: "Active", Order: 1},
		{ID: "s2", PlanID: "plan", Title: "Onsite", Type: "Active", Order: 2},
		{ID: "arch", PlanID: "plan", Title: "Archived", Type: "Archived", Order: 9},
	}, base))
	testkit.Must(b, db.InTx(ctx, func(tx store.Store) error {
		hs := tx.(store.HistoryStore)
		for i := range n {
			app, sid, ev := fmt.Sprintf("app-%05d", i), fmt.Sprintf("sch-%05d", i), fmt.Sprintf("ev-%05d", i)
			end := base.Add(time.Duration(i) * time.Hour)
			s := domain.Schedule{ID: sid, ApplicationID: app, InterviewStageID: "s1", InterviewPlanID: "plan", JobID: "job",
				Status: domain.StatusComplete, CreatedAt: end.Add(-48 * time.Hour), UpdatedAt: end,
				Events: []domain.Event{{ID: ev, InterviewID: "iv", StartTime: end.Add(-time.Hour), EndTime: end,
					Interviewers: []domain.Assignment{{InterviewerID: "u1", IsFeedbackRequired: true}, {InterviewerID: "u2", IsFeedbackRequired: true}}}}}
			if err := tx.UpsertSchedule(ctx, s); err != nil {
				return err
			}
			for k, u := range []string{"u1", "u2"} {
				v, _ := json.Marshal(map[string]any{"overall_score": 1 + (i+k)%4})
				if _, err := tx.UpsertFeedback(ctx, domain.Feedback{ID: fmt.Sprintf("fb-%05d-%d", i, k), ApplicationID: app,
					EventID: ev, InterviewID: "iv", InterviewerID: u, SubmittedAt: end.Add(time.Hour), Values: v}); err != nil {
					return err
				}
			}
			left := end.Add(3 * time.Hour)
			next := "s2"
			if i%2 == 1 {
				next = "arch"
			}
			if err := hs.UpsertStageHistory(ctx, []domain.StageVisit{
				{ApplicationID: app, StageID: "s1", EnteredAt: end.Add(-72 * time.Hour), LeftAt: &left},
				{ApplicationID: app, StageID: next, EnteredAt: left},
			}, base); err != nil {
				return err
			}
		}
		return nil
	}))
	return domain.Rule{ID: "r", InterviewPlanID: "plan", InterviewStageID: "s1", Mode: domain.ModeShadow, Version: 1,
		Requirements: []domain.Requirement{{ID: "q", InterviewID: "iv", FieldPath: "overall_score", Operator: domain.OpGE,
			Threshold: "3", Aggregate: domain.AggAvg, Required: true}}}
}

// BenchmarkBacktest10k runs a whole backtest (bulk load from SQLite and
// replay) over 10,000 past schedules.
func BenchmarkBacktest10k(b *testing.B) {
	db, _ := testkit.OpenSQLite(b)
	rule := seed10k(b, db, 10_000)
	opts := backtest.Options{MinWait: 30 * time.Minute, Timeout: 7 * 24 * time.Hour}
	b.ResetTimer()
	for b.Loop() {
		rep, err := backtest.Run(context.Background(), db, backtest.Query{Rule: rule}, opts)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Judged != 10_000 {
			b.Fatalf("judged %d, want 10000", rep.Judged)
		}
	}
}

// BenchmarkBacktest10kReplay is the replay alone, over a loaded set.
func BenchmarkBacktest10kReplay(b *testing.B) {
	db, _ := testkit.OpenSQLite(b)
	rule := seed10k(b, db, 10_000)
	set, err := db.LoadBacktestSet(context.Background(), store.BacktestQuery{PlanID: "plan", StageID: "s1"})
	if err != nil {
		b.Fatal(err)
	}
	opts := backtest.Options{MinWait: 30 * time.Minute, Timeout: 7 * 24 * time.Hour}
	b.ResetTimer()
	for b.Loop() {
		if rep := backtest.Evaluate(set, backtest.Query{Rule: rule}, opts); rep.Judged != 10_000 {
			b.Fatalf("judged %d", rep.Judged)
		}
	}
}

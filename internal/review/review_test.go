package review_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/review"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// seed stores a rule with one shadow and one live decision.
func seed(t *testing.T, db *store.DB) domain.Rule {
	t.Helper()
	ctx := context.Background()
	rule, err := db.CreateRule(ctx, domain.Rule{Name: "Screen", InterviewPlanID: "plan-1", InterviewStageID: "stage-1",
		Active: true, Mode: domain.ModeShadow, CreatedAt: now,
		Requirements: []domain.Requirement{{InterviewID: "iv-1", FieldPath: "score", Operator: ">=", Threshold: "3"}}})
	testkit.Must(t, err)
	for _, mode := range []string{domain.ModeShadow, domain.ModeLive} {
		_, err := db.InsertExecution(ctx, domain.Execution{ID: "exec-" + mode, ScheduleID: "s", ApplicationID: "app-" + mode,
			RuleID: rule.ID, RuleVersion: 1, Mode: mode, Outcome: domain.OutcomeAdvance, Status: domain.ExecDryRun,
			ExecutedAt: now}, "")
		testkit.Must(t, err)
	}
	return rule
}

func TestSave(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		rule := seed(t, db)
		svc := review.New(review.Options{Store: db, Now: func() time.Time { return now }})
		ctx := context.Background()
		tests := []struct {
			name    string
			in      review.Input
			wantErr error
			errText string
			// want is the stored review of exec-shadow after the step.
			want *domain.Review
		}{
			{name: "agree", in: review.Input{ExecutionID: "exec-shadow", Verdict: "agree", Reviewer: " ops "},
				want: &domain.Review{Verdict: domain.VerdictAgree, Reviewer: "ops"}},
			{name: "disagree replaces it", in: review.Input{ExecutionID: "exec-shadow", Verdict: "disagree", Note: " too harsh ", Reviewer: "ana"},
				want: &domain.Review{Verdict: domain.VerdictDisagree, Note: "too harsh", Reviewer: "ana"}},
			{name: "unknown verdict", in: review.Input{ExecutionID: "exec-shadow", Verdict: "maybe", Reviewer: "ops"},
				wantErr: domain.ErrInvalid, errText: `verdict "maybe"`},
			{name: "no reviewer", in: review.Input{ExecutionID: "exec-shadow", Verdict: "agree", Reviewer: "  "},
				wantErr: domain.ErrInvalid, errText: "reviewer"},
			{name: "note too long", in: review.Input{ExecutionID: "exec-shadow", Verdict: "agree", Reviewer: "ops", Note: strings.Repeat("x", review.MaxNote+1)},
				wantErr: domain.ErrInvalid, errText: "note"},
			{name: "no decision", in: review.Input{Verdict: "agree", Reviewer: "ops"}, wantErr: domain.ErrInvalid},
			{name: "unknown decision", in: review.Input{ExecutionID: "nope", Verdict: "agree", Reviewer: "ops"},
				wantErr: domain.ErrNotFound},
			{name: "live decision", in: review.Input{ExecutionID: "exec-live", Verdict: "agree", Reviewer: "ops"},
				wantErr: domain.ErrInvalid, errText: "only shadow"},
		}
		for _, tt := range tests {
			got, err := svc.Save(ctx, tt.in)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("%s: err = %v, want %v", tt.name, err, tt.wantErr)
			case tt.wantErr != nil && !strings.Contains(err.Error(), tt.errText):
				t.Fatalf("%s: err = %v, want it to name %q", tt.name, err, tt.errText)
			case tt.wantErr == nil && err != nil:
				t.Fatalf("%s: %v", tt.name, err)
			case tt.wantErr == nil && (got.RuleID != rule.ID || got.ID == ""):
				t.Fatalf("%s: saved %+v, want rule %s and an id", tt.name, got, rule.ID)
			}
			stored, err := db.ListReviews(ctx, "")
			testkit.Must(t, err)
			if tt.want == nil {
				continue
			}
			if len(stored) != 1 {
				t.Fatalf("%s: %d reviews stored, want 1: %+v", tt.name, len(stored), stored)
			}
			s := stored[0]
			if s.ExecutionID != "exec-shadow" || s.RuleID != rule.ID || s.Verdict != tt.want.Verdict ||
				s.Note != tt.want.Note || s.Reviewer != tt.want.Reviewer || !s.CreatedAt.Equal(now) {
				t.Fatalf("%s: stored %+v, want %+v", tt.name, s, *tt.want)
			}
		}
		// Refused input changed nothing.
		stored, _ := db.ListReviews(ctx, "")
		if len(stored) != 1 || stored[0].Verdict != domain.VerdictDisagree {
			t.Fatalf("reviews after refusals: %+v", stored)
		}
	})
}

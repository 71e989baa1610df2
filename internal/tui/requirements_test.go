package tui

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestRequirementLinesSpeakNames: the rule detail names the interview and
// the form field of each requirement from the caches, and an interview the
// caches do not know shows its id in a code span, never as the sentence's
// subject.
func TestRequirementLinesSpeakNames(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx, at := context.Background(), time.Now()
		def := `{"formDefinition":{"sections":[{"fields":[{"field":{"path":"overall_score","title":"Overall Score","type":"Score"}}]}]}}`
		testkit.Must(t, db.UpsertForm(ctx, domain.Form{ID: "form-1", Title: "Panel", Definition: json.RawMessage(def)}, at))
		testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: "iv-1", Title: "Panel Interview", FormID: "form-1"}, at))
		rows := []store.RuleOverview{{Rule: domain.Rule{ID: "r1", Requirements: []domain.Requirement{
			{InterviewID: "iv-1", FieldPath: "overall_score", Operator: ">=", Threshold: "3", Aggregate: domain.AggMin, Required: true},
			{InterviewID: "iv-unknown", FieldPath: "culture_fit", Operator: "==", Threshold: "true"},
		}}}}
		got := requirementLines(ctx, db, rows)["r1"]
		want := []string{
			"Panel Interview: Overall Score ≥ 3 (min, required)",
			"unknown interview `iv-unknown`: Culture fit = true (each, optional)",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("requirement lines:\n got %q\nwant %q", got, want)
		}
	})
}

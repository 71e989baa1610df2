package engine_test

// One test per correctness bug of the Python original (original-behaviour.md
// section 14.2) that lives in the engine. Each fails on the buggy behaviour.

import (
	"slices"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
)

// Bug 5: a partly submitted panel produced requirements_not_met and a
// rejection notice. It must wait.
func TestBugPartialPanelIsNotRejected(t *testing.T) {
	t.Parallel()
	in := base()
	// A's score already fails, but B has not submitted.
	in.Feedback = []domain.Feedback{feedback("f1", "E1", "A", 70*time.Minute, `{"overall_score":1}`)}
	d := engine.Evaluate(in)
	if d.Outcome != domain.OutcomeWait {
		t.Fatalf("outcome = %q, want wait (%s)", d.Outcome, d.Summary)
	}
	if !slices.Contains(codes(d), engine.CodeFeedbackMissing) {
		t.Errorf("reasons %v lack feedback_missing", codes(d))
	}
	// An unscheduled required interview also waits rather than rejecting.
	in = base()
	in.Rules[0].Requirements = append(in.Rules[0].Requirements, requirement("q2", "I2", "overall_score", ">=", "3"))
	if d := engine.Evaluate(in); d.Outcome != domain.OutcomeWait || !slices.Contains(codes(d), engine.CodeRequiredInterviewNotScheduled) {
		t.Errorf("unscheduled required interview: outcome %q reasons %v, want wait with required_interview_not_scheduled", d.Outcome, codes(d))
	}
}

// Bug 4: too_recent was a dead end with no time to come back. The wait must
// say when: newest submitted_at + min wait, and evaluating then advances.
func TestBugTooRecentHasDueAt(t *testing.T) {
	t.Parallel()
	in := base()
	in.Now = at(80 * time.Minute) // B submitted at +75m, min wait 30m
	d := engine.Evaluate(in)
	want := at(105 * time.Minute)
	if d.Outcome != domain.OutcomeWait || d.DueAt == nil || !d.DueAt.Equal(want) {
		t.Fatalf("decision = %q due %v, want wait due %v", d.Outcome, d.DueAt, want)
	}
	in.Now = *d.DueAt
	if d := engine.Evaluate(in); d.Outcome != domain.OutcomeAdvance {
		t.Errorf("re-evaluated at due_at: outcome %q, want advance (%s)", d.Outcome, d.Summary)
	}
}

// Bug 7: the count used submission rows, so a double submission filled the
// seat of someone who had not submitted.
func TestBugDoubleSubmissionDoesNotFillSeat(t *testing.T) {
	t.Parallel()
	in := base()
	in.Feedback = []domain.Feedback{
		feedback("f1", "E1", "A", 70*time.Minute, `{"overall_score":4}`),
		feedback("f1b", "E1", "A", 72*time.Minute, `{"overall_score":4}`),
	}
	d := engine.Evaluate(in)
	if d.Outcome != domain.OutcomeWait {
		t.Fatalf("outcome = %q, want wait (%s)", d.Outcome, d.Summary)
	}
	if !slices.Equal(d.Reasons[0].Missing, []string{"B"}) {
		t.Errorf("missing = %v, want [B]", d.Reasons[0].Missing)
	}
}

// Bug 8a: a JSON true never equalled the threshold "true".
func TestBugBooleanEqualsTrue(t *testing.T) {
	t.Parallel()
	in := base()
	in.Rules[0].Requirements = []domain.Requirement{requirement("q1", "I1", "strong_yes", "==", "true")}
	in.Feedback[0].Values = []byte(`{"strong_yes":true}`)
	in.Feedback[1].Values = []byte(`{"strong_yes":true}`)
	if d := engine.Evaluate(in); d.Outcome != domain.OutcomeAdvance {
		t.Fatalf("outcome = %q, want advance (%s)", d.Outcome, d.Summary)
	}
}

// Bug 8b: {"score": n} values failed every numeric comparison, and only
// top-level keys were read.
func TestBugScoreObjectComparesNumerically(t *testing.T) {
	t.Parallel()
	in := base()
	in.Rules[0].Requirements = []domain.Requirement{
		requirement("q1", "I1", "overall_score", ">=", "4"),
		requirement("q2", "I1", "sections.technical", ">", "2"),
	}
	in.Feedback[0].Values = []byte(`{"overall_score":{"score":4},"sections":{"technical":{"score":3}}}`)
	in.Feedback[1].Values = []byte(`{"overall_score":{"score":"4"},"sections":{"technical":{"score":3}}}`)
	if d := engine.Evaluate(in); d.Outcome != domain.OutcomeAdvance {
		t.Fatalf("outcome = %q, want advance (%s)", d.Outcome, d.Summary)
	}
}

// Bug 12a: rule ties were broken by physical row order.
func TestBugRuleTieIsDeterministic(t *testing.T) {
	t.Parallel()
	a := rule("rule-a", requirement("q1", "I1", "overall_score", ">=", "3"))
	b := rule("rule-b", requirement("q1", "I1", "overall_score", ">=", "5"))
	c := rule("rule-c", requirement("q1", "I1", "overall_score", ">=", "5"))
	c.CreatedAt = a.CreatedAt.Add(time.Second)
	orders := [][]domain.Rule{{a, b, c}, {b, a, c}, {c, b, a}, {b, c, a}}
	for i, rules := range orders {
		got, ok := engine.Match(rules, "job", "plan", "stage")
		if !ok || got.ID != "rule-a" {
			t.Errorf("order %d: Match = %q, %v; want rule-a", i, got.ID, ok)
		}
		in := base()
		in.Rules = rules
		if d := engine.Evaluate(in); d.RuleID != "rule-a" {
			t.Errorf("order %d: Evaluate used %q, want rule-a", i, d.RuleID)
		}
	}
}

// Bug 12b: a rule with zero requirements always advanced.
func TestBugZeroRequirementRuleDoesNotAdvance(t *testing.T) {
	t.Parallel()
	in := base()
	in.Rules[0].Requirements = nil
	d := engine.Evaluate(in)
	if d.Outcome == domain.OutcomeAdvance {
		t.Fatal("a rule without requirements advanced")
	}
	if d.Outcome != domain.OutcomeSkip || !slices.Contains(codes(d), engine.CodeRuleHasNoRequirements) {
		t.Errorf("decision = %q %v, want skip with rule_has_no_requirements", d.Outcome, codes(d))
	}
}

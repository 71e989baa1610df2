package engine_test

import (
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
)

// BenchmarkEvaluate decides a complete 3-interviewer panel against a rule with
// two requirements.
func BenchmarkEvaluate(b *testing.B) {
	in := base()
	in.Schedule.Events = []domain.Event{event("E1", "I1", time.Hour, person("A"), person("B"), person("C"))}
	in.Feedback = []domain.Feedback{
		feedback("f1", "E1", "A", 70*time.Minute, `{"overall_score":{"score":4},"recommendation":"hire","notes":"free text"}`),
		feedback("f2", "E1", "B", 70*time.Minute, `{"overall_score":3,"recommendation":"strong_hire"}`),
		feedback("f3", "E1", "C", 70*time.Minute, `{"overall_score":"4","recommendation":"hire"}`),
	}
	avg := requirement("q2", "I1", "overall_score", ">=", "3")
	avg.Aggregate = domain.AggAvg
	in.Rules[0].Requirements = []domain.Requirement{
		requirement("q1", "I1", "recommendation", "in", "hire,strong_hire"),
		avg,
	}
	if d := engine.Evaluate(in); d.Outcome != domain.OutcomeAdvance {
		b.Fatalf("fixture outcome = %q (%s)", d.Outcome, d.Summary)
	}
	b.ReportAllocs()
	for b.Loop() {
		engine.Evaluate(in)
	}
}

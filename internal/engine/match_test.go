package engine_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	mk := func(id, job string, prio int, created time.Duration, mods ...func(*domain.Rule)) domain.Rule {
		r := rule(id)
		r.JobID, r.Priority, r.CreatedAt = job, prio, at(created)
		for _, m := range mods {
			m(&r)
		}
		return r
	}
	inactive := func(r *domain.Rule) { r.Active = false }
	tests := []struct {
		name   string
		rules  []domain.Rule
		job    string
		plan   string
		stage  string
		want   string
		wantOK bool
	}{
		{name: "none", plan: "plan", stage: "stage"},
		{name: "global", rules: []domain.Rule{mk("g", "", 0, 0)}, job: "job", plan: "plan", stage: "stage", want: "g", wantOK: true},
		{name: "inactive skipped", rules: []domain.Rule{mk("g", "", 0, 0, inactive)}, job: "job", plan: "plan", stage: "stage"},
		{name: "inactive job rule does not shadow global", rules: []domain.Rule{mk("j", "job", 9, 0, inactive), mk("g", "", 0, 0)}, job: "job", plan: "plan", stage: "stage", want: "g", wantOK: true},
		{name: "other plan", rules: []domain.Rule{mk("g", "", 0, 0)}, job: "job", plan: "p2", stage: "stage"},
		{name: "other stage", rules: []domain.Rule{mk("g", "", 0, 0)}, job: "job", plan: "plan", stage: "s2"},
		{name: "other job", rules: []domain.Rule{mk("j", "other", 0, 0)}, job: "job", plan: "plan", stage: "stage"},
		{name: "job rule with no schedule job", rules: []domain.Rule{mk("j", "job", 0, 0)}, plan: "plan", stage: "stage"},
		{name: "empty plan never matches", rules: []domain.Rule{mk("g", "", 0, 0, func(r *domain.Rule) { r.InterviewPlanID = "" })}, job: "job", stage: "stage"},
		{name: "job beats global priority", rules: []domain.Rule{mk("g", "", 99, -time.Hour), mk("j", "job", 0, 0)}, job: "job", plan: "plan", stage: "stage", want: "j", wantOK: true},
		{name: "priority", rules: []domain.Rule{mk("a", "", 1, 0), mk("b", "", 2, time.Hour)}, job: "job", plan: "plan", stage: "stage", want: "b", wantOK: true},
		{name: "oldest", rules: []domain.Rule{mk("a", "", 1, time.Hour), mk("b", "", 1, 0)}, job: "job", plan: "plan", stage: "stage", want: "b", wantOK: true},
		{name: "smaller id", rules: []domain.Rule{mk("b", "", 1, 0), mk("a", "", 1, 0)}, job: "job", plan: "plan", stage: "stage", want: "a", wantOK: true},
		{name: "among job rules priority", rules: []domain.Rule{mk("j1", "job", 1, 0), mk("j2", "job", 5, 0), mk("g", "", 10, 0)}, job: "job", plan: "plan", stage: "stage", want: "j2", wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Every rotation of the rules gives the same answer.
			for i := 0; i < max(1, len(tt.rules)); i++ {
				rules := append(slices.Clone(tt.rules[i:]), tt.rules[:i]...)
				got, ok := engine.Match(rules, tt.job, tt.plan, tt.stage)
				if ok != tt.wantOK || got.ID != tt.want {
					t.Fatalf("rotation %d: Match = %q, %v; want %q, %v", i, got.ID, ok, tt.want, tt.wantOK)
				}
			}
		})
	}
}

package engine_test

import (
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
)

func TestExpected(t *testing.T) {
	t.Parallel()
	s := domain.Schedule{Events: []domain.Event{
		event("E2", "I2", 3*time.Hour, person("C"), shadowOf("S"), optionalOf("O")),
		event("E1", "I1", time.Hour, person("A"), person("B"), person("A")),
		event("E1b", "I1", 2*time.Hour, person("A")),
	}}
	fb := []domain.Feedback{
		feedback("f1", "E1", "A", 70*time.Minute, `{}`),
		feedback("f1b", "E1", "A", 80*time.Minute, `{}`), // newer, same person: counts once
		feedback("fz", "E1", "Z", 80*time.Minute, `{}`),  // not expected
		feedback("fs", "E2", "S", 80*time.Minute, `{}`),  // shadow
		feedback("fx", "EX", "B", 80*time.Minute, `{}`),  // another schedule's event
		feedback("fe", "E1", "", 80*time.Minute, `{}`),   // no author
	}
	got := engine.Expected(s, fb)
	type row struct {
		event, interview, who string
		submitted             bool
		id                    string
	}
	want := []row{
		{"E1", "I1", "A", true, "f1b"},
		{"E1", "I1", "B", false, ""},
		{"E2", "I2", "C", false, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("Expected returned %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.EventID != w.event || g.InterviewID != w.interview || g.Interviewer.InterviewerID != w.who || g.Submitted != w.submitted || g.FeedbackID != w.id {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
	if !got[0].SubmittedAt.Equal(at(80 * time.Minute)) {
		t.Errorf("A submitted at %v, want the newest submission", got[0].SubmittedAt)
	}
	if !got[0].EventEnd.Equal(at(time.Hour)) || !got[2].EventEnd.Equal(at(3*time.Hour)) {
		t.Errorf("event ends = %v, %v", got[0].EventEnd, got[2].EventEnd)
	}
}

func TestExpectedUnsubmittedUsesLatestEvent(t *testing.T) {
	t.Parallel()
	s := domain.Schedule{Events: []domain.Event{
		event("E1b", "I1", 2*time.Hour, person("A")),
		event("E1", "I1", time.Hour, person("A")),
	}}
	got := engine.Expected(s, nil)
	if len(got) != 1 || got[0].EventID != "E1b" || got[0].Submitted {
		t.Fatalf("Expected = %+v, want one unsubmitted seat on E1b", got)
	}
}

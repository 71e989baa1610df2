package explain_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

const (
	interviewID = "6f566c83-1d27-46db-a9fd-cb471941e52a"
	formID      = "9b0d5a7e-2c1f-4f0e-8a55-0d3c2b1a9e77"
	alanID      = "11111111-49ee-4af1-bd94-61a1b8b38ea1"
	graceID     = "22222222-49ee-4af1-bd94-61a1b8b38ea1"
	ghostID     = "80aa2f81-49ee-4af1-bd94-61a1b8b38ea1"
)

func ptr(b bool) *bool { return &b }

// names returns names read from a real SQLite store holding one interview
// with its feedback form and two Ashby users, and the kinds it was asked
// to refresh.
func names(t *testing.T) (*explain.StoreNames, func() []string) {
	t.Helper()
	d := testkit.OpenDatabase(t, testkit.SQLite())
	ctx, at := context.Background(), time.Now()
	def := `{"formDefinition":{"sections":[{"title":"Scores","fields":[{"isRequired":true,
		"field":{"id":"f1","path":"overall_score","title":"Overall score","type":"Score"}}]}]}}`
	testkit.Must(t, d.DB.UpsertForm(ctx, domain.Form{ID: formID, Title: "Panel", Definition: json.RawMessage(def)}, at))
	testkit.Must(t, d.DB.UpsertInterview(ctx, domain.Interview{ID: interviewID, Title: "Panel Interview", FormID: formID}, at))
	testkit.Must(t, d.DB.UpsertAshbyUser(ctx, domain.AshbyUser{ID: alanID, FirstName: "Alan", LastName: "Turing", IsEnabled: true}, at))
	testkit.Must(t, d.DB.UpsertAshbyUser(ctx, domain.AshbyUser{ID: graceID, FirstName: "Grace", LastName: "Hopper", IsEnabled: true}, at))
	var mu sync.Mutex
	var kinds []string
	n := explain.NewStoreNames(d.DB, func(_ context.Context, kind string) {
		mu.Lock()
		kinds = append(kinds, kind)
		mu.Unlock()
	})
	return n, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), kinds...) }
}

func each(code, who string, v float64, passed bool) domain.Reason {
	return domain.Reason{Code: code, RequirementID: "r1", InterviewID: interviewID, InterviewerID: who, Field: "overall_score",
		Operator: ">=", Threshold: "3", Aggregate: "each", Value: v, Passed: ptr(passed)}
}

func TestRendersNamesNotIDs(t *testing.T) {
	t.Parallel()
	n, refreshed := names(t)
	rr := n.Renderer(context.Background())
	d := domain.Decision{Outcome: domain.OutcomeReject, Summary: "reject: 1/3 interviewers passed overall_score >= 3 on interview " + interviewID,
		Reasons: []domain.Reason{
			{Code: "requirement_failed", RequirementID: "r1", InterviewID: interviewID, Field: "overall_score", Operator: ">=",
				Threshold: "3", Aggregate: "each", Passed: ptr(false)},
			each("interviewer_passed", alanID, 4, true),
			each("interviewer_failed", graceID, 2, false),
			each("interviewer_failed", ghostID, 1, false),
		}}
	if got, want := rr.Summary(d), "Reject: 1 of 3 interviewers gave Overall score ≥ 3 on Panel Interview"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if got, want := rr.Short(d.Reasons[1]), "Alan Turing · Overall score 4 (≥ 3) ✓"; got != want {
		t.Errorf("short %q, want %q", got, want)
	}
	// Owed feedback as the engine records it (its message names ids): the
	// short line names the interviewer and the interview.
	owed := domain.Reason{Code: "feedback_missing", InterviewID: interviewID, InterviewerID: alanID,
		Message: "interviewer " + alanID + " has not submitted feedback for interview " + interviewID}
	if got, want := rr.Short(owed), "Alan Turing · feedback owed (Panel Interview)"; got != want {
		t.Errorf("short of owed feedback %q, want %q", got, want)
	}
	if got, want := rr.Reason(d.Reasons[2], d.Reasons), "Grace Hopper gave Overall score 2 (needs ≥ 3) ✗"; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	// Unknown to the caches: "unknown interviewer" with the id in a code
	// span, and the interview cache is asked to refresh (once).
	if got, want := rr.Reason(d.Reasons[3], d.Reasons), "unknown interviewer `"+ghostID+"` gave Overall score 1 (needs ≥ 3) ✗"; got != want {
		t.Errorf("unknown %q, want %q", got, want)
	}
	_ = n.Renderer(context.Background()).Name(explain.KindInterviewer, ghostID)
	if got := refreshed(); len(got) != 1 || got[0] != explain.KindInterviewer {
		t.Errorf("refreshes queued %v, want one for interviewers", got)
	}
}

func TestRendersAggregatesTimeoutsAndOldRows(t *testing.T) {
	t.Parallel()
	n, _ := names(t)
	rr := n.Renderer(context.Background())
	avg := domain.Decision{Outcome: domain.OutcomeReject, Reasons: []domain.Reason{
		{Code: "requirement_failed", RequirementID: "r1", InterviewID: interviewID, Field: "overall_score", Operator: ">=",
			Threshold: "3", Aggregate: "avg", Value: 2.5, Passed: ptr(false)},
		{Code: "interviewer_value", RequirementID: "r1", InterviewID: interviewID, InterviewerID: alanID, Field: "overall_score", Value: 3.0},
		{Code: "interviewer_value", RequirementID: "r1", InterviewID: interviewID, InterviewerID: graceID, Field: "overall_score", Value: 2.0},
	}}
	if got, want := rr.Summary(avg), "Reject: average Overall score 2.5 (needs ≥ 3) over 2 interviewers on Panel Interview"; got != want {
		t.Errorf("avg %q, want %q", got, want)
	}
	timeout := domain.Decision{Outcome: domain.OutcomeTimeout, Reasons: []domain.Reason{
		{Code: "feedback_timeout", Missing: []string{alanID, graceID}},
		{Code: "feedback_missing", InterviewID: interviewID, InterviewerID: alanID},
	}}
	if got, want := rr.Summary(timeout), "Timed out: feedback timed out; still owed by Alan Turing and Grace Hopper"; got != want {
		t.Errorf("timeout %q, want %q", got, want)
	}
	// A row stored with only a code and a message: its ids are put in
	// code spans rather than read as words.
	old := domain.Decision{Outcome: "skip", Summary: "skip: rule " + ghostID + " misconfigured",
		Reasons: []domain.Reason{{Code: "something_old", Message: "rule " + ghostID + " is odd"}}}
	for _, got := range append(rr.Lines(old), rr.Summary(old)) {
		if strings.Contains(strings.ReplaceAll(got, "`"+ghostID+"`", ""), ghostID) {
			t.Errorf("old row shows a bare id: %q", got)
		}
	}
}

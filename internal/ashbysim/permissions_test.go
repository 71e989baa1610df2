package ashbysim_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
)

// TestDeny: a denied method answers HTTP 403 missing_endpoint_permission
// (after authentication: a wrong key still gets its own 403); Allow gives
// it back; other methods are untouched.
func TestDeny(t *testing.T) {
	t.Parallel()
	sim, sc, c, url := setup(t, ashbysim.Options{})
	ctx := context.Background()
	sim.Deny("candidate.info", "job.list")

	_, err := c.CandidateInfo(ctx, sc.Candidates[0].CandidateID)
	var ae *ashby.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden || ae.Code != ashby.CodeMissingEndpointPermission {
		t.Fatalf("denied candidate.info: %v", err)
	}
	if !ashby.IsMissingPermission(err) || !ashby.IsAuth(err) {
		t.Fatalf("IsMissingPermission/IsAuth false for %v", err)
	}
	if err := c.Probe(ctx, "job.list", map[string]any{"limit": 1}); !ashby.IsMissingPermission(err) {
		t.Fatalf("denied job.list probe: %v", err)
	}
	if _, err := c.ApplicationInfo(ctx, sc.Candidates[0].ApplicationID); err != nil {
		t.Fatalf("application.info is not denied: %v", err)
	}
	wrong := ashby.New(ashby.Options{BaseURL: url, APIKey: "wrong"})
	if err := wrong.Probe(ctx, "candidate.info", map[string]any{"id": "x"}); !errors.As(err, &ae) || ae.Code != "invalid_api_key" {
		t.Fatalf("wrong key on a denied method: %v", err)
	}

	sim.Allow("candidate.info")
	if _, err := c.CandidateInfo(ctx, sc.Candidates[0].CandidateID); err != nil {
		t.Fatalf("allowed again: %v", err)
	}
	// A probe of an object that does not exist is the method's own answer.
	if err := c.Probe(ctx, "candidate.info", map[string]any{"id": "no-such-candidate"}); !ashby.IsNotFound(err) || ashby.IsAuth(err) {
		t.Fatalf("probe of a missing candidate: %v", err)
	}
}

// TestRemoveFormField: the field leaves the form and the form comes back in
// an incremental feedbackFormDefinition.list sync.
func TestRemoveFormField(t *testing.T) {
	t.Parallel()
	sim, sc, c, _ := setup(t, ashbysim.Options{})
	ctx := context.Background()
	_, token, err := c.FeedbackFormList(ctx, ashby.ListOptions{})
	must(t, err)
	if err := sim.RemoveFormField(sc.FormID, ashbysim.FieldOverallScore); err != nil {
		t.Fatal(err)
	}
	forms, _, err := c.FeedbackFormList(ctx, ashby.ListOptions{SyncToken: token})
	must(t, err)
	if len(forms) != 1 || forms[0].ID != sc.FormID {
		t.Fatalf("incremental sync after the edit = %+v", forms)
	}
	var paths []string
	for _, f := range forms[0].Fields() {
		paths = append(paths, f.Path)
	}
	if slices.Contains(paths, ashbysim.FieldOverallScore) || !slices.Contains(paths, ashbysim.FieldRecommendation) {
		t.Fatalf("fields after the edit = %v", paths)
	}
	if err := sim.RemoveFormField(sc.FormID, ashbysim.FieldOverallScore); !errors.Is(err, ashbysim.ErrNotFound) {
		t.Fatalf("removing it twice: %v", err)
	}
	if err := sim.RemoveFormField("no-such-form", ashbysim.FieldNotes); !errors.Is(err, ashbysim.ErrNotFound) {
		t.Fatalf("unknown form: %v", err)
	}
}

package ashby_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
)

// fixtureServer answers every call with testdata/<file>, or with
// testdata/<page2> when the request carries a cursor.
func fixtureServer(t *testing.T, file, page2 string) (*ashby.Client, func() []map[string]any) {
	t.Helper()
	var (
		mu   sync.Mutex
		reqs []map[string]any
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		mu.Lock()
		reqs = append(reqs, body)
		mu.Unlock()
		name := file
		if _, ok := body["cursor"]; ok && page2 != "" {
			name = page2
		}
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	}))
	t.Cleanup(srv.Close)
	c := ashby.New(ashby.Options{BaseURL: srv.URL, APIKey: "k", RateLimit: rate.Inf, MaxAttempts: 1})
	return c, func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(reqs)
	}
}

func TestDecodeFixtures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name  string
		file  string
		page2 string
		check func(t *testing.T, c *ashby.Client)
	}{
		{
			name: "applicationFeedback.list per application", file: "api_applicationFeedback_list_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				fb, err := c.FeedbackList(ctx, "8a7b6c5d-4e3f-4a2b-9c1d-0e1f2a3b4c5d")
				must(t, err)
				if len(fb) != 2 || fb[0].InterviewEventID != "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b" || fb[1].SubmittedByUser.ID != "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f" {
					t.Fatalf("unexpected feedback %+v", fb)
				}
				if s, ok := fb[0].Score("overall_score"); !ok || s != 4 {
					t.Fatalf("overall_score = %v, %v", s, ok)
				}
				if fb[0].SubmittedAt == nil || !fb[0].SubmittedAt.Equal(time.Date(2024, 10, 20, 16, 0, 0, 0, time.UTC)) {
					t.Fatalf("submittedAt = %v", fb[0].SubmittedAt)
				}
			},
		},
		{
			name: "applicationFeedback.list pages", file: "api_applicationFeedback_list_page1.json", page2: "api_applicationFeedback_list_page2.json",
			check: func(t *testing.T, c *ashby.Client) {
				fb, err := c.FeedbackList(ctx, "a")
				must(t, err)
				if len(fb) != 2 || fb[1].ID != "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e" {
					t.Fatalf("got %+v", fb)
				}
			},
		},
		{
			name: "applicationFeedback.list upstream example", file: "api_applicationFeedback_list_upstream_example.json",
			check: func(t *testing.T, c *ashby.Client) {
				fb, _, err := c.FeedbackSync(ctx, "")
				must(t, err)
				if len(fb) != 1 || fb[0].FormDefinition == nil {
					t.Fatalf("got %+v", fb)
				}
				if s, ok := fb[0].Score("technical_skills"); !ok || s != 4 {
					t.Fatalf("technical_skills = %v, %v", s, ok)
				}
				fields := fb[0].FormDefinition.Fields()
				if len(fields) != 3 || fields[0].Type != ashby.FieldTypeValueSelect || len(fields[0].SelectableValues) != 3 || !fields[0].IsRequired {
					t.Fatalf("fields = %+v", fields)
				}
				if fb[0].SubmittedByUser.GlobalRole != "Elevated Access" || !fb[0].SubmittedByUser.IsEnabled {
					t.Fatalf("user = %+v", fb[0].SubmittedByUser)
				}
			},
		},
		{
			name: "changeStage advance", file: "api_application_changeStage_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				app, err := c.AdvanceApplication(ctx, "a", "s")
				must(t, err)
				if app.StageID() != "6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c" || app.CurrentInterviewStage.Title != "Final Interview" {
					t.Fatalf("got %+v", app)
				}
			},
		},
		{
			name: "changeStage archive", file: "api_application_changeStage_archive_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				app, err := c.ChangeStage(ctx, ashby.ChangeStageRequest{ApplicationID: "a", InterviewStageID: "s", ArchiveReasonID: "r"})
				must(t, err)
				if app.ArchivedAt == nil || app.ArchivedAt.Year() != 2024 {
					t.Fatalf("got %+v", app)
				}
			},
		},
		{
			name: "application.info", file: "api_application_info_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				app, err := c.ApplicationInfo(ctx, "a")
				must(t, err)
				if app.Job.ID != "9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f" {
					t.Fatalf("got %+v", app)
				}
			},
		},
		{
			name: "candidate.info", file: "api_candidate_info_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				cand, err := c.CandidateInfo(ctx, "c")
				must(t, err)
				if cand.Name != "Jane Smith" || cand.Email() != "jane.smith@example.com" || cand.ResumeFileHandle.Handle != "file_handle_xyz" {
					t.Fatalf("got %+v", cand)
				}
			},
		},
		{
			name: "candidate.info full", file: "api_candidate_info_response_full.json",
			check: func(t *testing.T, c *ashby.Client) {
				cand, err := c.CandidateInfo(ctx, "c")
				must(t, err)
				if cand.PrimaryPhoneNumber.Value != "+1 555-0123" || cand.Position != "Senior Engineer" || cand.Company != "Acme Corp" || cand.Email() != "john.smith@email.com" {
					t.Fatalf("got %+v", cand)
				}
			},
		},
		{
			name: "feedbackFormDefinition.info", file: "api_feedbackFormDefinition_info_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				f, err := c.FeedbackFormInfo(ctx, "f")
				must(t, err)
				fields := f.Fields()
				if len(fields) != 2 || fields[0].Path != "overall_score" || fields[0].Type != ashby.FieldTypeScore || !fields[0].IsRequired || fields[1].IsRequired {
					t.Fatalf("fields = %+v", fields)
				}
			},
		},
		{
			name: "feedbackFormDefinition.list pages", file: "api_feedbackFormDefinition_list_page1.json", page2: "api_feedbackFormDefinition_list_page2.json",
			check: func(t *testing.T, c *ashby.Client) {
				forms, _, err := c.FeedbackFormList(ctx, ashby.ListOptions{})
				must(t, err)
				if len(forms) != 2 || forms[1].Title != "Form 2" {
					t.Fatalf("got %+v", forms)
				}
			},
		},
		{
			name: "interviewPlan.list", file: "api_interviewPlan_list_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				plans, _, err := c.InterviewPlanList(ctx, ashby.ListOptions{})
				must(t, err)
				if len(plans) != 1 || plans[0].Title != "Engineering Onsite" {
					t.Fatalf("got %+v", plans)
				}
			},
		},
		{
			name: "interviewStage.info", file: "api_interviewStage_info_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				st, err := c.InterviewStageInfo(ctx, "s")
				must(t, err)
				if st.InterviewPlanID != "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d" || st.OrderInInterviewPlan != 2 {
					t.Fatalf("got %+v", st)
				}
			},
		},
		{
			name: "interviewStage.list", file: "api_interviewStage_list_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				stages, err := c.InterviewStageList(ctx, "p")
				must(t, err)
				next, ok := ashby.NextStage(stages, stages[0].ID)
				if len(stages) != 2 || !ok || next.Title != "Technical Interview" {
					t.Fatalf("got %+v", stages)
				}
			},
		},
		{
			name: "interview.info", file: "api_interview_info_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				iv, err := c.InterviewInfo(ctx, "i")
				must(t, err)
				if iv.FeedbackFormDefinitionID != "6ba7b810-9dad-41d1-80b4-00c04fd430c8" || iv.ExternalTitle != "Tech Screen" || iv.JobID == "" {
					t.Fatalf("got %+v", iv)
				}
			},
		},
		{
			name: "interview.list pages", file: "api_interview_list_page1.json", page2: "api_interview_list_page2.json",
			check: func(t *testing.T, c *ashby.Client) {
				ivs, _, err := c.InterviewList(ctx, ashby.ListOptions{})
				must(t, err)
				if len(ivs) != 2 || ivs[1].Title != "Interview 2" {
					t.Fatalf("got %+v", ivs)
				}
			},
		},
		{
			name: "job.info", file: "api_job_info_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				j, err := c.JobInfo(ctx, "j")
				must(t, err)
				if j.Title != "Senior Software Engineer" {
					t.Fatalf("got %+v", j)
				}
			},
		},
		{
			name: "job.list", file: "api_job_list_response.json",
			check: func(t *testing.T, c *ashby.Client) {
				jobs, _, err := c.JobList(ctx, ashby.JobListOptions{})
				must(t, err)
				if len(jobs) != 1 || jobs[0].Location.Name != "San Francisco" || jobs[0].DefaultInterviewPlanID != jobs[0].InterviewPlanIDs[0] {
					t.Fatalf("got %+v", jobs)
				}
			},
		},
		{
			name: "error with errors array and errorInfo", file: "api_error_response_errors_array.json",
			check: func(t *testing.T, c *ashby.Client) {
				_, err := c.ApplicationInfo(ctx, "a")
				var ae *ashby.APIError
				if !errors.As(err, &ae) || ae.Code != "application_not_found" || ae.RequestID != "01HXYZEXAMPLE" || ae.Method != "application.info" {
					t.Fatalf("err = %#v", err)
				}
				if !ashby.IsNotFound(err) || ashby.IsAuth(err) || ashby.IsResync(err) || ashby.IsUncertain(err) {
					t.Fatalf("classification wrong for %v", err)
				}
				if !strings.Contains(err.Error(), "application.info") || !strings.Contains(err.Error(), "application_not_found") {
					t.Fatalf("Error() = %q", err)
				}
			},
		},
		{
			name: "error with simple error text", file: "api_error_response_simple.json",
			check: func(t *testing.T, c *ashby.Client) {
				_, err := c.InterviewStageInfo(ctx, "s")
				var ae *ashby.APIError
				if !errors.As(err, &ae) || ae.Message != "Stage not found" || ae.Code != "" {
					t.Fatalf("err = %#v", err)
				}
			},
		},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		if tt.page2 != "" {
			covered[tt.page2] = true
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := fixtureServer(t, tt.file, tt.page2)
			tt.check(t, c)
		})
	}
	// Every API response fixture must be covered by a case above.
	files, err := filepath.Glob("testdata/api_*.json")
	must(t, err)
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("fixture %s has no decode case", f)
		}
	}
}

func TestFixturePaginationSendsCursorAndLimit(t *testing.T) {
	t.Parallel()
	c, reqs := fixtureServer(t, "api_interview_list_page1.json", "api_interview_list_page2.json")
	if _, _, err := c.InterviewList(context.Background(), ashby.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	got := reqs()
	if len(got) != 2 {
		t.Fatalf("requests = %d, want 2", len(got))
	}
	if got[0]["limit"] != float64(100) || got[1]["cursor"] != "cursor123" || got[0]["includeNonSharedInterviews"] != true {
		t.Fatalf("requests = %+v", got)
	}
}

func TestParseFormDefinition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		file  string
		paths []string
	}{
		{name: "flat sections", file: "stored_form_definition_flat_sections_TEST_ONLY.json", paths: []string{"overall_score", "notes", "rating"}},
		{name: "nested formDefinition", file: "api_feedbackFormDefinition_info_response.json", paths: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join("testdata", tt.file))
			must(t, err)
			if tt.paths == nil {
				// The info response wraps the form in results.
				var env struct{ Results json.RawMessage }
				must(t, json.Unmarshal(raw, &env))
				raw = env.Results
				tt.paths = []string{"overall_score", "notes"}
			}
			def, err := ashby.ParseFormDefinition(raw)
			must(t, err)
			var got []string
			for _, f := range def.Fields() {
				got = append(got, f.Path)
			}
			if strings.Join(got, ",") != strings.Join(tt.paths, ",") {
				t.Fatalf("paths = %v, want %v", got, tt.paths)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

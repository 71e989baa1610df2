package ashby_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
)

// newSim starts a simulator with one panel scenario and returns a fast client.
func newSim(t *testing.T, pageSize int, opts ashby.Options) (*ashbysim.Sim, ashbysim.Scenario, *ashby.Client) {
	t.Helper()
	sim := ashbysim.New(ashbysim.Options{APIKey: "key", PageSize: pageSize, Seed: 7})
	sc := sim.AddPanelScenario(ashbysim.PanelSpec{Stages: 3, Candidates: 3, Interviewers: 2, Shadows: 1, JobTitle: "Backend Engineer"})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	opts.BaseURL = srv.URL
	if opts.APIKey == "" {
		opts.APIKey = "key"
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = rate.Inf
	}
	if opts.BaseDelay == 0 {
		opts.BaseDelay = 5 * time.Millisecond
	}
	if opts.MaxDelay == 0 {
		opts.MaxDelay = 100 * time.Millisecond
	}
	return sim, sc, ashby.New(opts)
}

// metadata is what a full metadata sync collects.
type metadata struct {
	jobs      []ashby.Job
	plans     []ashby.InterviewPlan
	stages    map[string][]ashby.InterviewStage
	intervws  []ashby.Interview
	forms     []ashby.FeedbackForm
	users     []ashby.User
	reasons   []ashby.ArchiveReason
	templates []ashby.CommunicationTemplate
}

func syncMetadata(ctx context.Context, c *ashby.Client) (metadata, error) {
	var m metadata
	var err error
	if m.jobs, _, err = c.JobList(ctx, ashby.JobListOptions{}); err != nil {
		return m, err
	}
	if m.plans, _, err = c.InterviewPlanList(ctx, ashby.ListOptions{}); err != nil {
		return m, err
	}
	m.stages = map[string][]ashby.InterviewStage{}
	for _, p := range m.plans {
		if m.stages[p.ID], err = c.InterviewStageList(ctx, p.ID); err != nil {
			return m, err
		}
	}
	if m.intervws, _, err = c.InterviewList(ctx, ashby.ListOptions{}); err != nil {
		return m, err
	}
	if m.forms, _, err = c.FeedbackFormList(ctx, ashby.ListOptions{}); err != nil {
		return m, err
	}
	if m.users, _, err = c.UserList(ctx, ashby.ListOptions{}); err != nil {
		return m, err
	}
	if m.reasons, err = c.ArchiveReasonList(ctx, false); err != nil {
		return m, err
	}
	if m.templates, err = c.CommunicationTemplateList(ctx); err != nil {
		return m, err
	}
	return m, nil
}

func checkMetadata(t *testing.T, m metadata, sc ashbysim.Scenario) {
	t.Helper()
	if len(m.jobs) != 1 || m.jobs[0].ID != sc.JobID || m.jobs[0].InterviewPlanIDs[0] != sc.PlanID {
		t.Errorf("jobs = %+v", m.jobs)
	}
	if len(m.plans) != 1 || m.plans[0].ID != sc.PlanID {
		t.Errorf("plans = %+v", m.plans)
	}
	var ids []string
	for _, s := range m.stages[sc.PlanID] {
		ids = append(ids, s.ID)
	}
	want := append(slices.Clone(sc.StageIDs), sc.HiredStageID, sc.ArchivedStageID)
	if !slices.Equal(ids, want) {
		t.Errorf("stage ids = %v, want %v", ids, want)
	}
	if len(m.intervws) != 1 || m.intervws[0].ID != sc.InterviewID || m.intervws[0].FeedbackFormDefinitionID != sc.FormID {
		t.Errorf("interviews = %+v", m.intervws)
	}
	if len(m.forms) != 1 || m.forms[0].ID != sc.FormID {
		t.Errorf("forms = %+v", m.forms)
	}
	if want := 1 + len(sc.InterviewerIDs) + len(sc.ShadowIDs); len(m.users) != want {
		t.Errorf("users = %d, want %d", len(m.users), want)
	}
	if len(m.reasons) != 1 || m.reasons[0].ID != sc.ArchiveReasonID {
		t.Errorf("reasons = %+v", m.reasons)
	}
	if len(m.templates) != 1 || m.templates[0].ID != sc.TemplateID {
		t.Errorf("templates = %+v", m.templates)
	}
}

func TestListsWithPageSizeOne(t *testing.T) {
	t.Parallel()
	sim, sc, c := newSim(t, 1, ashby.Options{})
	ctx := context.Background()
	m, err := syncMetadata(ctx, c)
	must(t, err)
	checkMetadata(t, m, sc)
	// 4 users with page size 1 take 4 pages.
	if got := sim.CallCount("user.list"); got != 4 {
		t.Errorf("user.list calls = %d, want 4", got)
	}
	for _, call := range sim.Calls() {
		var body map[string]any
		must(t, json.Unmarshal(call.Body, &body))
		if strings.HasSuffix(call.Method, ".list") && call.Method != "interviewStage.list" &&
			call.Method != "archiveReason.list" && call.Method != "communicationTemplate.list" && body["limit"] != float64(100) {
			t.Errorf("%s sent limit %v", call.Method, body["limit"])
		}
	}

	a := sc.Candidates[0]
	for _, iv := range append(slices.Clone(sc.InterviewerIDs), sc.ShadowIDs...) {
		sim.SubmitFeedback(a.ApplicationID, a.EventID, iv, map[string]any{"overall_score": 3})
	}
	fb, err := c.FeedbackList(ctx, a.ApplicationID)
	must(t, err)
	if len(fb) != 3 {
		t.Fatalf("feedback = %d, want 3", len(fb))
	}
}

func TestFeedbackSyncIncremental(t *testing.T) {
	t.Parallel()
	sim, sc, c := newSim(t, 1, ashby.Options{})
	ctx := context.Background()
	a, b := sc.Candidates[0], sc.Candidates[1]
	f1 := sim.SubmitFeedback(a.ApplicationID, a.EventID, sc.InterviewerIDs[0], map[string]any{"overall_score": 4})
	f2 := sim.SubmitFeedback(a.ApplicationID, a.EventID, sc.InterviewerIDs[1], map[string]any{"overall_score": "3"})

	all, tok1, err := c.FeedbackSync(ctx, "")
	must(t, err)
	if ids := feedbackIDs(all); !slices.Equal(ids, []string{f1, f2}) || tok1 == "" {
		t.Fatalf("full sync = %v, token %q", ids, tok1)
	}

	none, tok2, err := c.FeedbackSync(ctx, tok1)
	must(t, err)
	if len(none) != 0 || tok2 == "" {
		t.Fatalf("empty incremental = %v, token %q", feedbackIDs(none), tok2)
	}

	f3 := sim.SubmitFeedback(b.ApplicationID, b.EventID, sc.InterviewerIDs[0], map[string]any{"overall_score": map[string]any{"score": 2}})
	f4 := sim.SubmitFeedback(b.ApplicationID, b.EventID, sc.InterviewerIDs[1], map[string]any{"overall_score": 1})
	must(t, sim.EditFeedback(f1, map[string]any{"overall_score": 2}))

	changed, tok3, err := c.FeedbackSync(ctx, tok2)
	must(t, err)
	if ids := feedbackIDs(changed); !slices.Equal(ids, []string{f3, f4, f1}) {
		t.Fatalf("incremental = %v, want %v", ids, []string{f3, f4, f1})
	}
	for _, f := range changed {
		s, ok := f.Score("overall_score")
		if !ok {
			t.Fatalf("feedback %s: no score in %s", f.ID, f.SubmittedValues["overall_score"])
		}
		if f.ID == f1 && s != 2 {
			t.Fatalf("edited score = %v", s)
		}
	}

	sim.ExpireSyncTokens()
	_, _, err = c.FeedbackSync(ctx, tok3)
	if !ashby.IsResync(err) {
		t.Fatalf("expired token err = %v, want IsResync", err)
	}
	var ae *ashby.APIError
	if !errors.As(err, &ae) || ae.Code != ashby.CodeSyncTokenExpired || ae.Method != "applicationFeedback.list" {
		t.Fatalf("err = %#v", err)
	}
	again, tok4, err := c.FeedbackSync(ctx, "")
	must(t, err)
	if len(again) != 4 || tok4 == "" {
		t.Fatalf("resync = %d items", len(again))
	}
}

func feedbackIDs(fb []ashby.Feedback) []string {
	var out []string
	for _, f := range fb {
		out = append(out, f.ID)
	}
	return out
}

func TestMetadataSyncUnderFaults(t *testing.T) {
	t.Parallel()
	sim, sc, c := newSim(t, 1, ashby.Options{
		MaxAttempts: 12,
		BaseDelay:   5 * time.Millisecond,
		MaxDelay:    80 * time.Millisecond,
		HTTPClient:  &http.Client{Timeout: 150 * time.Millisecond},
	})
	methods := []string{"job.list", "interviewPlan.list", "interviewStage.list", "interview.list",
		"feedbackFormDefinition.list", "user.list", "archiveReason.list", "communicationTemplate.list"}
	for _, m := range methods {
		sim.SetFault(m, ashbysim.Fault{Rate5xx: 0.12, Rate429: 0.12, Delay: time.Second, DelayRate: 0.08})
	}
	m, err := syncMetadata(context.Background(), c)
	must(t, err)
	checkMetadata(t, m, sc)

	calls := sim.Calls()
	faults := map[string]int{}
	for _, call := range calls {
		faults[call.Fault]++
	}
	t.Logf("calls %d, faults %v", len(calls), faults)
	if faults["5xx"] == 0 || faults["429"] == 0 || faults["delay"] == 0 {
		t.Fatalf("faults injected = %v; want every kind", faults)
	}
	// Retry chains: consecutive identical requests after a fault. The wait
	// before retry n (from the end of the failed attempt to the next arrival)
	// must be at least the minimum backoff for n (BaseDelay * 2^(n-1) / 2) and
	// must not shrink, so there is no hot loop.
	chains := 0
	for i := 0; i < len(calls); {
		j := i + 1
		for j < len(calls) && calls[j].Method == calls[i].Method && string(calls[j].Body) == string(calls[i].Body) && calls[j-1].Fault != "" {
			j++
		}
		var prevGap time.Duration
		for k := i + 1; k < j; k++ {
			n := k - i
			gap := calls[k].Time.Sub(calls[k-1].Done)
			minWait := min(5*time.Millisecond<<(n-1), 80*time.Millisecond) / 2
			if gap < minWait {
				t.Errorf("%s retry %d after %v, want >= %v", calls[k].Method, n, gap, minWait)
			}
			if n >= 2 && gap < prevGap/2 {
				t.Errorf("%s retry %d gap %v shrank from %v", calls[k].Method, n, gap, prevGap)
			}
			prevGap = gap
		}
		if j-i >= 3 {
			chains++
		}
		i = j
	}
	t.Logf("retry chains of 3+ calls: %d", chains)
	if chains == 0 {
		t.Fatalf("no retry chain of 3+ calls; faults too sparse to show backoff")
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	sim, sc, c := newSim(t, 100, ashby.Options{})
	sim.SetFault("job.info", ashbysim.Fault{Rate429: 1, RetryAfter: 1, Count: 1})
	j, err := c.JobInfo(context.Background(), sc.JobID)
	must(t, err)
	if j.ID != sc.JobID {
		t.Fatalf("job = %+v", j)
	}
	calls := sim.Calls()
	if len(calls) != 2 || calls[0].Status != http.StatusTooManyRequests || calls[1].Status != http.StatusOK {
		t.Fatalf("calls = %+v", calls)
	}
	if gap := calls[1].Time.Sub(calls[0].Time); gap < time.Second {
		t.Fatalf("retried after %v, want >= 1s (Retry-After)", gap)
	}
}

func TestWrongAPIKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		key      string
		wantCode string
	}{
		{name: "wrong key", key: "wrong", wantCode: "invalid_api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, _, c := newSim(t, 100, ashby.Options{APIKey: tt.key, MaxAttempts: 5})
			_, _, err := c.JobList(context.Background(), ashby.JobListOptions{})
			if !ashby.IsAuth(err) {
				t.Fatalf("err = %v, want IsAuth", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "job.list") || !strings.Contains(msg, tt.wantCode) {
				t.Fatalf("error %q does not name the method and code", msg)
			}
			if n := sim.CallCount(""); n != 1 {
				t.Fatalf("calls = %d, want 1 (no retries)", n)
			}
		})
	}
}

func TestChangeStage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name      string
		fault     *ashbysim.Fault
		req       func(sc ashbysim.Scenario) ashby.ChangeStageRequest
		wantCode  string
		uncertain bool
		wantStage func(sc ashbysim.Scenario) string
	}{
		{
			name:      "advance",
			req:       func(sc ashbysim.Scenario) ashby.ChangeStageRequest { return advanceReq(sc) },
			wantStage: func(sc ashbysim.Scenario) string { return sc.StageIDs[1] },
		},
		{
			name:      "apply then drop is uncertain and applied",
			fault:     &ashbysim.Fault{ApplyThenDropRate: 1},
			req:       func(sc ashbysim.Scenario) ashby.ChangeStageRequest { return advanceReq(sc) },
			uncertain: true,
			wantStage: func(sc ashbysim.Scenario) string { return sc.StageIDs[1] },
		},
		{
			name:      "dropped before apply is uncertain and not applied",
			fault:     &ashbysim.Fault{DropRate: 1},
			req:       func(sc ashbysim.Scenario) ashby.ChangeStageRequest { return advanceReq(sc) },
			uncertain: true,
			wantStage: func(sc ashbysim.Scenario) string { return sc.StageIDs[0] },
		},
		{
			name:      "5xx is not retried",
			fault:     &ashbysim.Fault{Rate5xx: 1},
			req:       func(sc ashbysim.Scenario) ashby.ChangeStageRequest { return advanceReq(sc) },
			wantCode:  "service_unavailable",
			uncertain: true,
			wantStage: func(sc ashbysim.Scenario) string { return sc.StageIDs[0] },
		},
		{
			name:      "429 is not retried",
			fault:     &ashbysim.Fault{Rate429: 1},
			req:       func(sc ashbysim.Scenario) ashby.ChangeStageRequest { return advanceReq(sc) },
			wantCode:  "rate_limit_exceeded",
			wantStage: func(sc ashbysim.Scenario) string { return sc.StageIDs[0] },
		},
		{
			name: "archive without reason",
			req: func(sc ashbysim.Scenario) ashby.ChangeStageRequest {
				return ashby.ChangeStageRequest{ApplicationID: sc.Candidates[0].ApplicationID, InterviewStageID: sc.ArchivedStageID}
			},
			wantCode:  "invalid_input",
			wantStage: func(sc ashbysim.Scenario) string { return sc.StageIDs[0] },
		},
		{
			name: "archive reason on a non-archive stage",
			req: func(sc ashbysim.Scenario) ashby.ChangeStageRequest {
				r := advanceReq(sc)
				r.ArchiveReasonID = sc.ArchiveReasonID
				return r
			},
			wantCode:  "invalid_input",
			wantStage: func(sc ashbysim.Scenario) string { return sc.StageIDs[0] },
		},
		{
			name: "stage of another plan",
			req: func(sc ashbysim.Scenario) ashby.ChangeStageRequest {
				return ashby.ChangeStageRequest{ApplicationID: sc.Candidates[0].ApplicationID, InterviewStageID: "other-plan-stage"}
			},
			wantCode:  "interview_stage_not_found",
			wantStage: func(sc ashbysim.Scenario) string { return sc.StageIDs[0] },
		},
		{
			name: "archive with reason",
			req: func(sc ashbysim.Scenario) ashby.ChangeStageRequest {
				return ashby.ChangeStageRequest{ApplicationID: sc.Candidates[0].ApplicationID, InterviewStageID: sc.ArchivedStageID, ArchiveReasonID: sc.ArchiveReasonID}
			},
			wantStage: func(sc ashbysim.Scenario) string { return sc.ArchivedStageID },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, sc, c := newSim(t, 100, ashby.Options{MaxAttempts: 5})
			if tt.fault != nil {
				sim.SetFault("application.changeStage", *tt.fault)
			}
			app, err := c.ChangeStage(ctx, tt.req(sc))
			wantErr := tt.wantCode != "" || tt.uncertain
			switch {
			case !wantErr && err != nil:
				t.Fatalf("err = %v", err)
			case wantErr && err == nil:
				t.Fatalf("no error")
			case !wantErr && app.StageID() != tt.wantStage(sc):
				t.Fatalf("result stage = %s", app.StageID())
			}
			if ashby.IsUncertain(err) != tt.uncertain {
				t.Fatalf("IsUncertain(%v) = %v, want %v", err, ashby.IsUncertain(err), tt.uncertain)
			}
			if tt.wantCode != "" {
				var ae *ashby.APIError
				if !errors.As(err, &ae) || ae.Code != tt.wantCode {
					t.Fatalf("err = %v, want code %s", err, tt.wantCode)
				}
			}
			if n := sim.CallCount("application.changeStage"); n != 1 {
				t.Fatalf("changeStage calls = %d, want exactly 1", n)
			}
			st, _ := sim.Application(sc.Candidates[0].ApplicationID)
			if st.StageID != tt.wantStage(sc) {
				t.Fatalf("sim stage = %s, want %s", st.StageID, tt.wantStage(sc))
			}
		})
	}
}

func advanceReq(sc ashbysim.Scenario) ashby.ChangeStageRequest {
	return ashby.ChangeStageRequest{ApplicationID: sc.Candidates[0].ApplicationID, InterviewStageID: sc.StageIDs[1]}
}

func TestArchiveApplicationWithEmail(t *testing.T) {
	t.Parallel()
	sim, sc, c := newSim(t, 100, ashby.Options{})
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	app, err := c.ArchiveApplication(context.Background(), sc.Candidates[1].ApplicationID, sc.ArchiveReasonID,
		&ashby.ArchiveEmail{CommunicationTemplateID: sc.TemplateID, SendAt: now})
	must(t, err)
	if app.Status != ashby.ApplicationStatusArchived || app.ArchiveReason == nil || app.ArchiveReason.ID != sc.ArchiveReasonID || app.ArchivedAt == nil {
		t.Fatalf("app = %+v", app)
	}
	emails := sim.ArchiveEmails()
	if len(emails) != 1 || emails[0].TemplateID != sc.TemplateID || !emails[0].SendAt.Equal(now) {
		t.Fatalf("emails = %+v", emails)
	}
}

func TestTransportErrorBeforeSendIsCertain(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := ashby.New(ashby.Options{BaseURL: url, APIKey: "k", RateLimit: rate.Inf, MaxAttempts: 2, BaseDelay: time.Millisecond})
	_, err := c.AdvanceApplication(context.Background(), "a", "s")
	var te *ashby.TransportError
	if !errors.As(err, &te) || ashby.IsUncertain(err) {
		t.Fatalf("err = %v, uncertain %v; want a certain transport error", err, ashby.IsUncertain(err))
	}
}

func TestTimeoutIsUncertain(t *testing.T) {
	t.Parallel()
	sim, sc, c := newSim(t, 100, ashby.Options{HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
	sim.SetFault("application.changeStage", ashbysim.Fault{Delay: 5 * time.Second})
	_, err := c.AdvanceApplication(context.Background(), sc.Candidates[0].ApplicationID, sc.StageIDs[1])
	if !ashby.IsUncertain(err) {
		t.Fatalf("err = %v, want uncertain", err)
	}
	if n := sim.CallCount("application.changeStage"); n != 1 {
		t.Fatalf("calls = %d", n)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	t.Parallel()
	sim, _, c := newSim(t, 100, ashby.Options{MaxAttempts: 1000, BaseDelay: 20 * time.Millisecond, MaxDelay: 20 * time.Millisecond})
	sim.SetFault("job.list", ashbysim.Fault{Rate5xx: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, _, err := c.JobList(ctx, ashby.JobListOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if n := sim.CallCount("job.list"); n > 20 {
		t.Fatalf("calls = %d: hot loop", n)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	_, _, c := newSim(t, 100, ashby.Options{})
	_, err := c.ApplicationInfo(context.Background(), "missing")
	if !ashby.IsNotFound(err) || ashby.IsAuth(err) {
		t.Fatalf("err = %v", err)
	}
}

package ashbysim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
)

var fixedNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func setup(t *testing.T, opts ashbysim.Options) (*ashbysim.Sim, ashbysim.Scenario, *ashby.Client, string) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	sim := ashbysim.New(opts)
	sc := sim.AddPanelScenario(ashbysim.PanelSpec{Stages: 4, Candidates: 2, Interviewers: 2, Shadows: 1, JobTitle: "Data Engineer"})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c := ashby.New(ashby.Options{BaseURL: srv.URL, APIKey: sim.APIKey(), RateLimit: rate.Inf, BaseDelay: time.Millisecond})
	return sim, sc, c, srv.URL
}

// TestEveryMethodDecodes checks that the simulator's answer to every method
// decodes into the client's types with the expected content.
func TestEveryMethodDecodes(t *testing.T) {
	t.Parallel()
	sim, sc, c, _ := setup(t, ashbysim.Options{PageSize: 2})
	ctx := context.Background()
	a := sc.Candidates[0]
	sim.SubmitFeedback(a.ApplicationID, a.EventID, sc.InterviewerIDs[0], map[string]any{
		ashbysim.FieldOverallScore: 4, ashbysim.FieldRecommendation: "hire", ashbysim.FieldWouldWorkWith: true, ashbysim.FieldNotes: "good",
	})
	checks := map[string]func(t *testing.T){
		"interviewStage.info": func(t *testing.T) {
			st, err := c.InterviewStageInfo(ctx, sc.StageIDs[1])
			must(t, err)
			if st.InterviewPlanID != sc.PlanID || st.Type != ashby.StageTypeActive || st.OrderInInterviewPlan <= 1000 {
				t.Fatalf("stage = %+v", st)
			}
		},
		"interviewStage.list": func(t *testing.T) {
			stages, err := c.InterviewStageList(ctx, sc.PlanID)
			must(t, err)
			var types []string
			for i, s := range stages {
				types = append(types, s.Type)
				if i > 0 && s.OrderInInterviewPlan-stages[i-1].OrderInInterviewPlan == 1 {
					t.Errorf("orders are contiguous: %+v", stages)
				}
			}
			want := []string{"PreInterviewScreen", "Active", "Active", "Offer", "Hired", "Archived"}
			if !slices.Equal(types, want) {
				t.Fatalf("types = %v, want %v", types, want)
			}
			if st, ok := ashby.ArchivedStage(stages); !ok || st.ID != sc.ArchivedStageID {
				t.Fatalf("archived stage = %+v", st)
			}
			if next, ok := ashby.NextStage(stages, sc.StageIDs[3]); ok {
				t.Fatalf("next after Offer = %+v, want none", next)
			}
		},
		"interviewPlan.list": func(t *testing.T) {
			plans, tok, err := c.InterviewPlanList(ctx, ashby.ListOptions{})
			must(t, err)
			if len(plans) != 1 || plans[0].ID != sc.PlanID || tok == "" {
				t.Fatalf("plans = %+v", plans)
			}
		},
		"job.info": func(t *testing.T) {
			j, err := c.JobInfo(ctx, sc.JobID)
			must(t, err)
			if j.Title != "Data Engineer" || j.DefaultInterviewPlanID != sc.PlanID || j.Location == nil || j.HiringTeam[0].UserID != sc.RecruiterID {
				t.Fatalf("job = %+v", j)
			}
		},
		"job.list": func(t *testing.T) {
			jobs, _, err := c.JobList(ctx, ashby.JobListOptions{})
			must(t, err)
			if len(jobs) != 1 || jobs[0].Status != "Open" {
				t.Fatalf("jobs = %+v", jobs)
			}
		},
		"application.info": func(t *testing.T) {
			app, err := c.ApplicationInfo(ctx, a.ApplicationID)
			must(t, err)
			rec, ok := app.Recruiter()
			if app.StageID() != sc.StageIDs[0] || app.PlanID() != sc.PlanID || app.Job.ID != sc.JobID ||
				app.Candidate.ID != a.CandidateID || !ok || rec.UserID != sc.RecruiterID || rec.Email == "" ||
				app.Status != ashby.ApplicationStatusActive || len(app.ApplicationHistory) != 1 {
				t.Fatalf("application = %+v", app)
			}
		},
		"application.changeStage": func(t *testing.T) {
			b := sc.Candidates[1]
			app, err := c.AdvanceApplication(ctx, b.ApplicationID, sc.StageIDs[1])
			must(t, err)
			if app.StageID() != sc.StageIDs[1] || len(app.ApplicationHistory) != 2 || app.ApplicationHistory[0].LeftStageAt == nil {
				t.Fatalf("application = %+v", app)
			}
		},
		"applicationFeedback.list": func(t *testing.T) {
			fb, err := c.FeedbackList(ctx, a.ApplicationID)
			must(t, err)
			if len(fb) != 1 {
				t.Fatalf("feedback = %+v", fb)
			}
			f := fb[0]
			score, ok := f.Score(ashbysim.FieldOverallScore)
			if !ok || score != 4 || f.InterviewEventID != a.EventID || f.InterviewID != sc.InterviewID ||
				f.FeedbackFormDefinitionID != sc.FormID || f.SubmittedByUser.ID != sc.InterviewerIDs[0] ||
				f.SubmittedAt == nil || !f.SubmittedAt.Equal(fixedNow) || f.FormDefinition == nil {
				t.Fatalf("feedback = %+v", f)
			}
		},
		"feedbackFormDefinition.list": func(t *testing.T) {
			forms, _, err := c.FeedbackFormList(ctx, ashby.ListOptions{})
			must(t, err)
			if len(forms) != 1 {
				t.Fatalf("forms = %+v", forms)
			}
			fields := forms[0].Fields()
			var got []string
			for _, f := range fields {
				got = append(got, f.Path+":"+f.Type+fmt.Sprint(f.IsRequired))
			}
			want := []string{"overall_score:Scoretrue", "recommendation:ValueSelecttrue", "would_work_with:Booleanfalse", "notes:RichTextfalse"}
			if !slices.Equal(got, want) || len(fields[1].SelectableValues) != 4 {
				t.Fatalf("fields = %v", got)
			}
		},
		"feedbackFormDefinition.info": func(t *testing.T) {
			f, err := c.FeedbackFormInfo(ctx, sc.FormID)
			must(t, err)
			if f.InterviewID != sc.InterviewID || len(f.Fields()) != 4 {
				t.Fatalf("form = %+v", f)
			}
		},
		"interview.info": func(t *testing.T) {
			iv, err := c.InterviewInfo(ctx, sc.InterviewID)
			must(t, err)
			if iv.FeedbackFormDefinitionID != sc.FormID || iv.JobID != sc.JobID || !iv.IsFeedbackRequired {
				t.Fatalf("interview = %+v", iv)
			}
		},
		"interview.list": func(t *testing.T) {
			ivs, _, err := c.InterviewList(ctx, ashby.ListOptions{})
			must(t, err)
			if len(ivs) != 1 {
				t.Fatalf("interviews = %+v", ivs)
			}
		},
		"user.list": func(t *testing.T) {
			users, _, err := c.UserList(ctx, ashby.ListOptions{})
			must(t, err)
			if len(users) != 4 || users[0].ID != sc.RecruiterID || users[0].Email == "" || !users[0].IsEnabled {
				t.Fatalf("users = %+v", users)
			}
		},
		"archiveReason.list": func(t *testing.T) {
			rs, err := c.ArchiveReasonList(ctx, false)
			must(t, err)
			if len(rs) != 1 || rs[0].ID != sc.ArchiveReasonID || rs[0].ReasonType != "RejectedByOrg" {
				t.Fatalf("reasons = %+v", rs)
			}
		},
		"candidate.info": func(t *testing.T) {
			cand, err := c.CandidateInfo(ctx, a.CandidateID)
			must(t, err)
			if cand.ProfileURL != ashbysim.ProfileURL(a.CandidateID) || cand.Email() == "" || cand.PrimaryPhoneNumber == nil ||
				!slices.Equal(cand.ApplicationIDs, []string{a.ApplicationID}) {
				t.Fatalf("candidate = %+v", cand)
			}
		},
		"application.listHistory": func(t *testing.T) {
			hs, err := c.ApplicationListHistory(ctx, a.ApplicationID)
			must(t, err)
			if len(hs) == 0 || hs[0].StageID != sc.StageIDs[0] || hs[0].EnteredStageAt.IsZero() || hs[0].Title == "" {
				t.Fatalf("history = %+v", hs)
			}
		},
		"communicationTemplate.list": func(t *testing.T) {
			ts, err := c.CommunicationTemplateList(ctx)
			must(t, err)
			if len(ts) != 1 || ts[0].ID != sc.TemplateID || !slices.Contains(ts[0].IntendedTypes, "email") {
				t.Fatalf("templates = %+v", ts)
			}
		},
	}
	for _, m := range ashbysim.Methods() {
		if checks[m] == nil {
			t.Errorf("method %s has no decode check", m)
		}
	}
	for _, m := range ashbysim.Methods() {
		if check := checks[m]; check != nil {
			t.Run(m, check)
		}
	}
}

func TestRawHTTP(t *testing.T) {
	t.Parallel()
	sim, sc, _, url := setup(t, ashbysim.Options{APIKey: "secret-key"})
	tests := []struct {
		name        string
		httpMethod  string
		path        string
		auth        string
		contentType string
		body        string
		wantStatus  int
		wantSuccess bool
		wantCode    string
	}{
		{name: "no credentials", path: "/job.list", body: `{}`, wantStatus: 401, wantCode: "unauthenticated"},
		{name: "wrong key", path: "/job.list", auth: ashbysim.BasicAuth("nope"), body: `{}`, wantStatus: 403, wantCode: "invalid_api_key"},
		{name: "right key", path: "/job.list", auth: ashbysim.BasicAuth("secret-key"), body: `{}`, wantStatus: 200, wantSuccess: true},
		{name: "empty body", path: "/user.list", auth: ashbysim.BasicAuth("secret-key"), wantStatus: 200, wantSuccess: true},
		{name: "unknown method", path: "/nope.list", auth: ashbysim.BasicAuth("secret-key"), body: `{}`, wantStatus: 404, wantCode: "not_found"},
		{name: "GET", httpMethod: http.MethodGet, path: "/job.list", auth: ashbysim.BasicAuth("secret-key"), wantStatus: 405, wantCode: "method_not_allowed"},
		{name: "form content type", path: "/job.list", auth: ashbysim.BasicAuth("secret-key"), contentType: "application/x-www-form-urlencoded", body: `{}`, wantStatus: 200, wantCode: "invalid_input"},
		{name: "malformed json", path: "/job.list", auth: ashbysim.BasicAuth("secret-key"), body: `{`, wantStatus: 200, wantCode: "invalid_input"},
		{name: "application.info wants applicationId", path: "/application.info", auth: ashbysim.BasicAuth("secret-key"), body: `{"id":"` + sc.Candidates[0].ApplicationID + `"}`, wantStatus: 200, wantCode: "invalid_input"},
		{name: "bad sync token", path: "/applicationFeedback.list", auth: ashbysim.BasicAuth("secret-key"), body: `{"syncToken":"garbage"}`, wantStatus: 200, wantCode: "sync_token_invalid"},
		{name: "bad cursor", path: "/applicationFeedback.list", auth: ashbysim.BasicAuth("secret-key"), body: `{"cursor":"garbage"}`, wantStatus: 200, wantCode: "invalid_next_cursor"},
	}
	t.Run("requests", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				method := tt.httpMethod
				if method == "" {
					method = http.MethodPost
				}
				req, err := http.NewRequest(method, url+tt.path, strings.NewReader(tt.body))
				must(t, err)
				ct := tt.contentType
				if ct == "" {
					ct = "application/json"
				}
				req.Header.Set("Content-Type", ct)
				if tt.auth != "" {
					req.Header.Set("Authorization", tt.auth)
				}
				resp, err := http.DefaultClient.Do(req)
				must(t, err)
				defer resp.Body.Close()
				var env struct {
					Success   bool     `json:"success"`
					Errors    []string `json:"errors"`
					ErrorInfo struct {
						Code      string `json:"code"`
						RequestID string `json:"requestId"`
					} `json:"errorInfo"`
				}
				must(t, json.NewDecoder(resp.Body).Decode(&env))
				if resp.StatusCode != tt.wantStatus || env.Success != tt.wantSuccess || env.ErrorInfo.Code != tt.wantCode {
					t.Fatalf("status %d success %v code %q; want %d %v %q", resp.StatusCode, env.Success, env.ErrorInfo.Code, tt.wantStatus, tt.wantSuccess, tt.wantCode)
				}
				if tt.wantCode != "" && (env.ErrorInfo.RequestID == "" || len(env.Errors) != 1 || env.Errors[0] != tt.wantCode) {
					t.Fatalf("error envelope = %+v", env)
				}
			})
		}
	})
	// Every request is logged, including the rejected ones.
	if n := sim.CallCount(""); n != len(tests) {
		t.Fatalf("logged %d calls, want %d", n, len(tests))
	}
}

func TestChangeStageValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name     string
		req      func(sc ashbysim.Scenario, other ashbysim.Scenario) ashby.ChangeStageRequest
		wantCode string
	}{
		{
			name: "stage of another plan",
			req: func(sc, other ashbysim.Scenario) ashby.ChangeStageRequest {
				return ashby.ChangeStageRequest{ApplicationID: sc.Candidates[0].ApplicationID, InterviewStageID: other.StageIDs[1]}
			},
			wantCode: "interview_stage_not_found",
		},
		{
			name: "unknown application",
			req: func(sc, other ashbysim.Scenario) ashby.ChangeStageRequest {
				return ashby.ChangeStageRequest{ApplicationID: "nope", InterviewStageID: sc.StageIDs[1]}
			},
			wantCode: "application_not_found",
		},
		{
			name: "missing stage",
			req: func(sc, other ashbysim.Scenario) ashby.ChangeStageRequest {
				return ashby.ChangeStageRequest{ApplicationID: sc.Candidates[0].ApplicationID}
			},
			wantCode: "invalid_input",
		},
		{
			name: "unknown archive reason",
			req: func(sc, other ashbysim.Scenario) ashby.ChangeStageRequest {
				return ashby.ChangeStageRequest{ApplicationID: sc.Candidates[0].ApplicationID, InterviewStageID: sc.ArchivedStageID, ArchiveReasonID: "nope"}
			},
			wantCode: "archive_reason_not_found",
		},
		{
			name: "unknown template",
			req: func(sc, other ashbysim.Scenario) ashby.ChangeStageRequest {
				return ashby.ChangeStageRequest{ApplicationID: sc.Candidates[0].ApplicationID, InterviewStageID: sc.ArchivedStageID, ArchiveReasonID: sc.ArchiveReasonID,
					ArchiveEmail: &ashby.ArchiveEmail{CommunicationTemplateID: "nope"}}
			},
			wantCode: "communication_template_not_found",
		},
		{
			name: "archive email on advance",
			req: func(sc, other ashbysim.Scenario) ashby.ChangeStageRequest {
				return ashby.ChangeStageRequest{ApplicationID: sc.Candidates[0].ApplicationID, InterviewStageID: sc.StageIDs[1],
					ArchiveEmail: &ashby.ArchiveEmail{CommunicationTemplateID: sc.TemplateID}}
			},
			wantCode: "invalid_input",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, sc, c, _ := setup(t, ashbysim.Options{})
			other := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			_, err := c.ChangeStage(ctx, tt.req(sc, other))
			var ae *ashby.APIError
			if !errors.As(err, &ae) || ae.Code != tt.wantCode || ae.StatusCode != http.StatusOK {
				t.Fatalf("err = %v, want code %s", err, tt.wantCode)
			}
			if st, _ := sim.Application(sc.Candidates[0].ApplicationID); st.StageID != sc.StageIDs[0] {
				t.Fatalf("application moved to %s", st.StageID)
			}
		})
	}
}

func TestManualMoveAndSchedules(t *testing.T) {
	t.Parallel()
	sim, sc, c, _ := setup(t, ashbysim.Options{})
	a := sc.Candidates[0]
	must(t, sim.MoveApplication(a.ApplicationID, sc.ArchivedStageID))
	st, ok := sim.Application(a.ApplicationID)
	if !ok || st.Status != "Archived" || st.StageType != "Archived" || st.ArchivedAt == nil || !slices.Equal(st.History, []string{sc.StageIDs[0], sc.ArchivedStageID}) {
		t.Fatalf("state = %+v", st)
	}
	app, err := c.ApplicationInfo(context.Background(), a.ApplicationID)
	must(t, err)
	if app.Status != "Archived" || app.ApplicationHistory[1].ActorID != sc.RecruiterID {
		t.Fatalf("application = %+v", app)
	}
	if err := sim.MoveApplication(a.ApplicationID, "nope"); err == nil {
		t.Fatal("move to unknown stage succeeded")
	}
	if _, ok := sim.Application("nope"); ok {
		t.Fatal("unknown application found")
	}
	must(t, sim.SetScheduleStatus(a.ScheduleID, ashby.ScheduleStatusComplete))
	if err := sim.SetScheduleStatus("nope", "Complete"); err == nil {
		t.Fatal("unknown schedule accepted")
	}
	if err := sim.EditFeedback("nope", nil); err == nil {
		t.Fatal("unknown feedback accepted")
	}
	w, err := ashby.ParseWebhook(sim.ScheduleUpdateBody(a.ScheduleID))
	must(t, err)
	s, err := w.Schedule()
	must(t, err)
	if s.Status != ashby.ScheduleStatusComplete {
		t.Fatalf("status = %s", s.Status)
	}
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	sim, sc, _, _ := setup(t, ashbysim.Options{})
	type delivery struct {
		body []byte
		sig  string
	}
	var (
		mu  sync.Mutex
		got []delivery
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, delivery{body: body, sig: r.Header.Get(ashby.SignatureHeader)})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)
	ctx := context.Background()
	const secret = "whsec"
	a := sc.Candidates[0]
	sim.SubmitFeedback(a.ApplicationID, a.EventID, sc.InterviewerIDs[0], map[string]any{"overall_score": 4})

	status, err := sim.SendScheduleUpdate(ctx, recv.URL, secret, a.ScheduleID)
	must(t, err)
	if status != http.StatusNoContent {
		t.Fatalf("status = %d", status)
	}
	status, err = sim.SendScheduleUpdate(ctx, recv.URL, secret, a.ScheduleID)
	must(t, err)
	if status != http.StatusNoContent {
		t.Fatalf("second send: status = %d", status)
	}
	_, err = sim.SendPing(ctx, recv.URL, secret)
	must(t, err)
	mu.Lock()
	first := got[0].body
	mu.Unlock()
	_, err = sim.Replay(ctx, recv.URL, secret, first)
	must(t, err)
	if _, err := sim.SendScheduleUpdate(ctx, recv.URL, secret, "nope"); err == nil {
		t.Fatal("unknown schedule sent")
	}

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 {
		t.Fatalf("deliveries = %d", len(got))
	}
	for i, d := range got {
		if !ashby.VerifySignature(secret, d.body, d.sig) {
			t.Fatalf("delivery %d: signature %q does not verify", i, d.sig)
		}
	}
	w1, err := ashby.ParseWebhook(got[0].body)
	must(t, err)
	w2, err := ashby.ParseWebhook(got[1].body)
	must(t, err)
	if w1.Action != ashby.ActionInterviewScheduleUpdate || w1.WebhookActionID == "" || w1.WebhookActionID == w2.WebhookActionID {
		t.Fatalf("action ids %q %q", w1.WebhookActionID, w2.WebhookActionID)
	}
	s, err := w1.Schedule()
	must(t, err)
	if s.ID != a.ScheduleID || s.ApplicationID != a.ApplicationID || s.CandidateID != a.CandidateID || s.InterviewStageID != sc.StageIDs[0] || len(s.InterviewEvents) != 1 {
		t.Fatalf("schedule = %+v", s)
	}
	ev := s.InterviewEvents[0]
	if ev.ID != a.EventID || ev.InterviewID != sc.InterviewID || !ev.HasSubmittedFeedback || !ev.EndTime.Before(fixedNow) || len(ev.Interviewers) != 3 {
		t.Fatalf("event = %+v", ev)
	}
	var required, shadows int
	for _, iv := range ev.Interviewers {
		if iv.FeedbackRequired() {
			required++
		}
		if iv.IsShadow() {
			shadows++
		}
	}
	if required != 2 || shadows != 1 {
		t.Fatalf("required %d shadows %d", required, shadows)
	}
	ping, err := ashby.ParseWebhook(got[2].body)
	must(t, err)
	if !ping.IsPing() {
		t.Fatalf("ping = %+v", ping)
	}
	if !bytes.Equal(got[3].body, got[0].body) || got[3].sig != got[0].sig {
		t.Fatal("replay changed the body or signature")
	}
}

func TestSyncTokensOnOtherLists(t *testing.T) {
	t.Parallel()
	sim, _, c, _ := setup(t, ashbysim.Options{PageSize: 1})
	ctx := context.Background()
	_, tok, err := c.JobList(ctx, ashby.JobListOptions{})
	must(t, err)
	sc2 := sim.AddPanelScenario(ashbysim.PanelSpec{JobTitle: "Designer"})
	jobs, _, err := c.JobList(ctx, ashby.JobListOptions{ListOptions: ashby.ListOptions{SyncToken: tok}})
	must(t, err)
	if len(jobs) != 1 || jobs[0].ID != sc2.JobID {
		t.Fatalf("jobs since token = %+v", jobs)
	}
	sim.ExpireSyncTokens()
	if _, _, err := c.UserList(ctx, ashby.ListOptions{SyncToken: tok}); !ashby.IsResync(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     ashbysim.Fault
		wantFault string
		wantCalls int
		wantErr   bool
	}{
		{name: "single 5xx then success", fault: ashbysim.Fault{Rate5xx: 1, Count: 1}, wantFault: "5xx", wantCalls: 2},
		{name: "single drop then success", fault: ashbysim.Fault{DropRate: 1, Count: 1}, wantFault: "drop", wantCalls: 2},
		{name: "single 429 then success", fault: ashbysim.Fault{Rate429: 1, Count: 1}, wantFault: "429", wantCalls: 2},
		{name: "slow but within timeout", fault: ashbysim.Fault{Delay: 20 * time.Millisecond}, wantFault: "delay", wantCalls: 1},
		{name: "always 5xx exhausts attempts", fault: ashbysim.Fault{Rate5xx: 1}, wantFault: "5xx", wantCalls: 3, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := ashbysim.New(ashbysim.Options{})
			sc := sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			srv := httptest.NewServer(sim)
			t.Cleanup(srv.Close)
			c := ashby.New(ashby.Options{BaseURL: srv.URL, APIKey: sim.APIKey(), RateLimit: rate.Inf, BaseDelay: time.Millisecond, MaxAttempts: 3})
			sim.SetFault("candidate.info", tt.fault)
			_, err := c.CandidateInfo(context.Background(), sc.Candidates[0].CandidateID)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			calls := sim.Calls()
			if len(calls) != tt.wantCalls || calls[0].Fault != tt.wantFault {
				t.Fatalf("calls = %+v", calls)
			}
			sim.ClearFaults()
			_, err = c.CandidateInfo(context.Background(), sc.Candidates[0].CandidateID)
			must(t, err)
		})
	}
}

func TestDeterministicIDs(t *testing.T) {
	t.Parallel()
	a := ashbysim.New(ashbysim.Options{Seed: 42}).AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
	b := ashbysim.New(ashbysim.Options{Seed: 42}).AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
	if a.JobID != b.JobID || a.Candidates[1].ApplicationID != b.Candidates[1].ApplicationID {
		t.Fatal("same seed gave different ids")
	}
	if len(a.JobID) != 36 || a.JobID[14] != '4' {
		t.Fatalf("id %q is not UUID-shaped", a.JobID)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	sim, sc, c, _ := setup(t, ashbysim.Options{PageSize: 1})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, _, err := c.FeedbackSync(ctx, ""); err != nil {
				errs <- err
			}
			if _, err := c.ApplicationInfo(ctx, sc.Candidates[i%2].ApplicationID); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			a := sc.Candidates[i%2]
			id := sim.SubmitFeedback(a.ApplicationID, a.EventID, sc.InterviewerIDs[i%2], map[string]any{"overall_score": i})
			if err := sim.EditFeedback(id, map[string]any{"overall_score": i + 1}); err != nil {
				errs <- err
			}
			_ = sim.ScheduleUpdateBody(a.ScheduleID)
			_ = sim.Calls()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	fb, _, err := c.FeedbackSync(ctx, "")
	must(t, err)
	if len(fb) != 8 {
		t.Fatalf("feedback = %d, want 8", len(fb))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

package flowtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

func TestIngestAndFeedbackSync(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, envOpts{})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1, Interviewers: 2, Shadows: 1})
			c := sc.Candidates[0]
			e.send(c.ScheduleID)
			testkit.Eventually(t, 10*time.Second, "schedule stored", func() bool {
				s, ok := e.schedule(c.ScheduleID)
				return ok && len(s.Events) == 1
			})
			s, _ := e.schedule(c.ScheduleID)
			if s.InterviewPlanID != sc.PlanID || s.JobID != sc.JobID {
				t.Fatalf("plan/job = %q/%q, want %q/%q", s.InterviewPlanID, s.JobID, sc.PlanID, sc.JobID)
			}
			if got := len(s.Events[0].Interviewers); got != 3 {
				t.Fatalf("assignments = %d, want 3 (2 interviewers + 1 shadow)", got)
			}
			fid := e.sim.SubmitFeedback(c.ApplicationID, c.EventID, sc.InterviewerIDs[0], map[string]any{ashbysim.FieldOverallScore: 3})
			if err := e.svc.Sync.SyncFeedback(context.Background()); err != nil {
				t.Fatal(err)
			}
			fb, err := e.db.ListFeedbackByApplication(context.Background(), c.ApplicationID)
			if err != nil || len(fb) != 1 || fb[0].ID != fid {
				t.Fatalf("feedback after sync = %+v, %v", fb, err)
			}
			if err := e.sim.EditFeedback(fid, map[string]any{ashbysim.FieldOverallScore: 4}); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Sync.SyncFeedback(context.Background()); err != nil {
				t.Fatal(err)
			}
			fb, _ = e.db.ListFeedbackByApplication(context.Background(), c.ApplicationID)
			if len(fb) != 1 || !strings.Contains(string(fb[0].Values), `"overall_score":4`) {
				t.Fatalf("edited feedback not updated: %s", fb[0].Values)
			}
			// A second webhook (full event replace) keeps the feedback.
			e.send(c.ScheduleID)
			testkit.Eventually(t, 10*time.Second, "second delivery processed", func() bool {
				list, _ := e.db.ListDeliveries(context.Background(), domain.DeliveryProcessed, 10)
				return len(list) == 2
			})
			if fb, _ = e.db.ListFeedbackByApplication(context.Background(), c.ApplicationID); len(fb) != 1 {
				t.Fatalf("feedback lost on event replace: %d rows", len(fb))
			}
		})
	}
}

func TestDuplicateAndOrderedDeliveries(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, envOpts{})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			c := sc.Candidates[0]
			ctx := context.Background()
			body := e.sim.ScheduleUpdateBody(c.ScheduleID)
			for range 3 {
				if st, err := e.sim.Replay(ctx, e.url+"/webhooks/ashby", secret, body); err != nil || st != 200 {
					t.Fatalf("replay: %d %v", st, err)
				}
			}
			testkit.Eventually(t, 10*time.Second, "delivery processed", func() bool {
				list, _ := e.db.ListDeliveries(ctx, domain.DeliveryProcessed, 10)
				return len(list) == 1
			})
			all, _ := e.db.ListDeliveries(ctx, "", 10)
			if len(all) != 1 {
				t.Fatalf("duplicate webhookActionId stored %d deliveries, want 1", len(all))
			}
			// Two updates: the later state wins.
			if err := e.sim.SetScheduleStatus(c.ScheduleID, "WaitingOnFeedback"); err != nil {
				t.Fatal(err)
			}
			e.send(c.ScheduleID)
			if err := e.sim.SetScheduleStatus(c.ScheduleID, "Complete"); err != nil {
				t.Fatal(err)
			}
			e.send(c.ScheduleID)
			testkit.Eventually(t, 10*time.Second, "later state stored", func() bool {
				list, _ := e.db.ListDeliveries(ctx, domain.DeliveryProcessed, 10)
				s, _ := e.schedule(c.ScheduleID)
				return len(list) == 3 && s.Status == "Complete"
			}, func() string {
				all, _ := e.db.ListDeliveries(ctx, "", 10)
				s, _ := e.schedule(c.ScheduleID)
				out := "schedule status " + s.Status + "; deliveries:"
				for _, d := range all {
					out += " " + d.Status + "/" + d.LastError
				}
				return out
			})
		})
	}
}

func TestWebhookBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testkit.SQLite(), envOpts{})
	valid := []byte(`{"action":"interviewScheduleUpdate","data":{"interviewSchedule":{"id":"s1","applicationId":"a1","status":"Scheduled","interviewEvents":[]}}}`)
	signed := func(b []byte) map[string]string { return map[string]string{"Ashby-Signature": ashby.Sign(secret, b)} }
	big := bytes.Repeat([]byte("x"), 2<<20)
	tests := []struct {
		name    string
		body    []byte
		headers map[string]string
		status  int
		code    string
	}{
		{"ping needs no signature", []byte(`{"action":"ping"}`), nil, 200, ""},
		{"unsigned", valid, nil, 401, "HTTP_401"},
		{"wrong signature", valid, map[string]string{"Ashby-Signature": "sha256=00"}, 401, "HTTP_401"},
		{"signature without prefix", valid, map[string]string{"Ashby-Signature": strings.TrimPrefix(ashby.Sign(secret, valid), "sha256=")}, 401, "HTTP_401"},
		{"2 MiB body", big, nil, 413, "PAYLOAD_TOO_LARGE"},
		{"array", []byte(`[]`), signed([]byte(`[]`)), 400, "HTTP_400"},
		{"numeric action", []byte(`{"action":1}`), signed([]byte(`{"action":1}`)), 400, "HTTP_400"},
		{"missing data", []byte(`{"action":"interviewScheduleUpdate"}`), signed([]byte(`{"action":"interviewScheduleUpdate"}`)), 400, "HTTP_400"},
		{"truncated JSON", valid[:40], signed(valid[:40]), 400, "HTTP_400"},
		{"unknown action stored and ignored", []byte(`{"action":"offerCreate","data":{}}`), signed([]byte(`{"action":"offerCreate","data":{}}`)), 200, ""},
		{"valid", valid, signed(valid), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.url+"/webhooks/ashby", bytes.NewReader(tt.body))
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Status string `json:"status"`
				Error  struct {
					Code, Message string
					RequestID     string `json:"request_id"`
				} `json:"error"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d (%+v)", resp.StatusCode, tt.status, body)
			}
			if tt.code != "" && (body.Error.Code != tt.code || body.Error.RequestID == "" || body.Error.Message == "") {
				t.Fatalf("envelope = %+v, want code %s with message and request id", body.Error, tt.code)
			}
		})
	}
	// Still serving.
	resp, err := http.Get(e.url + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health after bad input: %v %v", resp, err)
	}
	resp.Body.Close()
	ign, _ := e.db.ListDeliveries(context.Background(), domain.DeliveryIgnored, 10)
	if len(ign) != 1 || ign[0].Action != "offerCreate" {
		t.Fatalf("unknown action not stored as ignored: %+v", ign)
	}
}

func TestAshbyFlakyAndDown(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, envOpts{})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 6})
			ctx := context.Background()
			// Ashby down entirely: deliveries wait, /health stays healthy and reports Ashby.
			for _, m := range []string{"interviewStage.info", "application.info", "interview.info"} {
				e.sim.SetFault(m, ashbysim.Fault{Rate5xx: 1})
			}
			for _, c := range sc.Candidates[:3] {
				e.send(c.ScheduleID)
			}
			testkit.Eventually(t, 10*time.Second, "Ashby marked degraded", func() bool {
				st, _ := e.ats.Health()
				return st == "degraded"
			})
			resp, err := http.Get(e.url + "/health")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("health with Ashby down: %v %v", resp, err)
			}
			var h struct {
				Status string
				Ashby  struct{ Status string }
			}
			_ = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if h.Status != "healthy" || h.Ashby.Status != "degraded" {
				t.Fatalf("health = %+v", h)
			}
			if n, _ := e.db.ListDeliveries(ctx, domain.DeliveryProcessed, 10); len(n) != 0 {
				t.Fatalf("processed %d deliveries with Ashby down", len(n))
			}
			// Flaky at 50%: everything is eventually processed.
			e.sim.ClearFaults()
			for _, m := range []string{"interviewStage.info", "application.info", "interview.info"} {
				e.sim.SetFault(m, ashbysim.Fault{Rate5xx: 0.5})
			}
			for _, c := range sc.Candidates[3:] {
				e.send(c.ScheduleID)
			}
			testkit.Eventually(t, 30*time.Second, "all deliveries processed", func() bool {
				n, _ := e.db.ListDeliveries(ctx, domain.DeliveryProcessed, 10)
				return len(n) == 6
			})
		})
	}
}

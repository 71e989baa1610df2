package flowtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// scheduleState is one state of a schedule as Ashby sends it: the
// simulator's webhook body with the status, Ashby's updatedAt (zero: none,
// on the schedule or its events) and the webhookActionId replaced.
func (e *env) scheduleState(scheduleID, status string, updatedAt time.Time, actionID string) []byte {
	e.t.Helper()
	var body map[string]any
	testkit.Must(e.t, json.Unmarshal(e.sim.ScheduleUpdateBody(scheduleID), &body))
	body["webhookActionId"] = actionID
	s := body["data"].(map[string]any)["interviewSchedule"].(map[string]any)
	s["status"] = status
	delete(s, "updatedAt")
	for _, ev := range s["interviewEvents"].([]any) {
		delete(ev.(map[string]any), "updatedAt")
	}
	if !updatedAt.IsZero() {
		s["updatedAt"] = updatedAt.UTC().Format(time.RFC3339Nano)
	}
	out, err := json.Marshal(body)
	testkit.Must(e.t, err)
	return out
}

// deliver posts body and waits until aaa has processed it; it returns
// whether the answer said duplicate.
func (e *env) deliver(body []byte) bool {
	e.t.Helper()
	res := postSigned(e.t, e.url, body)
	if res.status != http.StatusOK {
		e.t.Fatalf("webhook answered %d: %s", res.status, res.raw)
	}
	if res.Duplicate {
		return true
	}
	ctx := context.Background()
	testkit.Eventually(e.t, 10*time.Second, "delivery "+res.DeliveryID+" processed", func() bool {
		d, err := e.db.GetDelivery(ctx, res.DeliveryID)
		return err == nil && d.Status == domain.DeliveryProcessed
	}, func() string {
		d, _ := e.db.GetDelivery(ctx, res.DeliveryID)
		return "status " + d.Status + " " + d.LastError
	})
	return false
}

// TestNewestStateWinsByAshbyTime: which of two deliveries of a schedule is
// kept is decided by Ashby's updatedAt, not by arrival; arrival only breaks
// a tie (or decides when Ashby sent no time). Ashby retries a delivery it
// could not hand over, so an old state can arrive after a newer one.
func TestNewestStateWinsByAshbyTime(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	type step struct {
		status string
		at     time.Duration // Ashby's updatedAt, after t0; -1: none sent
	}
	tests := []struct {
		name  string
		steps []step // in arrival order
		want  string
	}{
		{"a late retry of Complete does not un-cancel", []step{{"Complete", 1 * time.Minute}, {"Cancelled", 2 * time.Minute}, {"Complete", 1 * time.Minute}}, "Cancelled"},
		{"an older state arriving second is ignored", []step{{"Cancelled", 2 * time.Minute}, {"Complete", 1 * time.Minute}}, "Cancelled"},
		{"Scheduled, Cancelled, Scheduled, each newer", []step{{"Scheduled", 1 * time.Minute}, {"Cancelled", 2 * time.Minute}, {"Scheduled", 3 * time.Minute}}, "Scheduled"},
		{"the newest Scheduled arriving before the Cancelled", []step{{"Scheduled", 1 * time.Minute}, {"Scheduled", 3 * time.Minute}, {"Cancelled", 2 * time.Minute}}, "Scheduled"},
		{"same Ashby time: the later arrival wins", []step{{"Scheduled", 1 * time.Minute}, {"WaitingOnFeedback", 1 * time.Minute}}, "WaitingOnFeedback"},
		{"no Ashby time: arrival decides", []step{{"Complete", 5 * time.Minute}, {"Scheduled", -1}}, "Scheduled"},
		{"events' updatedAt when the schedule has none", []step{{"Complete", 2 * time.Minute}, {"Scheduled", -2}}, "Complete"},
	}
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, envOpts{})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: len(tests)})
			for i, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					e.t = t
					id := sc.Candidates[i].ScheduleID
					for k, st := range tt.steps {
						var body []byte
						switch st.at {
						case -1:
							body = e.scheduleState(id, st.status, time.Time{}, id+"-"+string(rune('a'+k)))
						case -2:
							// Only the event's updatedAt (t0+1m) is sent.
							body = e.scheduleState(id, st.status, time.Time{}, id+"-"+string(rune('a'+k)))
							var m map[string]any
							testkit.Must(t, json.Unmarshal(body, &m))
							s := m["data"].(map[string]any)["interviewSchedule"].(map[string]any)
							s["interviewEvents"].([]any)[0].(map[string]any)["updatedAt"] = t0.Add(time.Minute).Format(time.RFC3339)
							body, _ = json.Marshal(m)
						default:
							body = e.scheduleState(id, st.status, t0.Add(st.at), id+"-"+string(rune('a'+k)))
						}
						if e.deliver(body) {
							t.Fatalf("step %d (%s) answered duplicate", k, st.status)
						}
					}
					s, ok := e.schedule(id)
					if !ok || s.Status != tt.want {
						t.Fatalf("stored status = %q, want %q", s.Status, tt.want)
					}
					if want := tt.want == domain.StatusCancelled; s.Cancelled != want {
						t.Fatalf("cancelled = %v, want %v", s.Cancelled, want)
					}
				})
			}
			// An identical webhookActionId is still a duplicate, whatever its
			// time: Ashby's retry of a delivery aaa already has.
			e.t = t
			id := sc.Candidates[0].ScheduleID
			body := e.scheduleState(id, "Scheduled", t0.Add(time.Hour), "dup-action")
			if e.deliver(body) {
				t.Fatal("first delivery answered duplicate")
			}
			again := e.scheduleState(id, "Complete", t0.Add(2*time.Hour), "dup-action")
			if !e.deliver(again) {
				t.Fatal("the same webhookActionId was not a duplicate")
			}
			if s, _ := e.schedule(id); s.Status != "Scheduled" {
				t.Fatalf("a duplicate changed the schedule to %q", s.Status)
			}
			// Without a webhookActionId the body's hash is the key: the same
			// body twice is a duplicate, another body is not.
			var m map[string]any
			testkit.Must(t, json.Unmarshal(e.scheduleState(id, "Complete", t0.Add(3*time.Hour), ""), &m))
			delete(m, "webhookActionId")
			noID, _ := json.Marshal(m)
			if e.deliver(noID) || !e.deliver(noID) {
				t.Fatal("a body without webhookActionId is not deduplicated by its hash")
			}
			if e.deliver(e.scheduleState(id, "Complete", t0.Add(4*time.Hour), "")) {
				t.Fatal("a different body without webhookActionId was taken for a duplicate")
			}
			if s, _ := e.schedule(id); s.Status != "Complete" {
				t.Fatalf("status after the bodies without webhookActionId = %q, want Complete", s.Status)
			}
		})
	}
}

// webhookAnswer is aaa's answer to one webhook.
type webhookAnswer struct {
	status     int
	raw        string
	DeliveryID string `json:"delivery_id"`
	Duplicate  bool   `json:"duplicate"`
}

func postSigned(t *testing.T, url string, body []byte) webhookAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/webhooks/ashby", bytes.NewReader(body))
	testkit.Must(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Ashby-Signature", ashby.Sign(secret, body))
	res, err := http.DefaultClient.Do(req)
	testkit.Must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := webhookAnswer{status: res.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &out)
	return out
}

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

const doorSecret = "door-secret"

// doorSchedule is a valid interviewScheduleUpdate body whose schedule is
// sched (a JSON object's inside, without braces).
func doorBody(sched string) []byte {
	return []byte(`{"action":"interviewScheduleUpdate","webhookActionId":"wa-1","data":{"interviewSchedule":{` + sched + `}}}`)
}

const (
	doorEvent = `{"id":"ev1","interviewId":"iv1","startTime":"2026-01-05T10:00:00Z","endTime":"2026-01-05T11:00:00Z",` +
		`"interviewers":[{"id":"u1","firstName":"Jo","lastName":"Doe","email":"jo@example.com","isEnabled":true}]}`
	doorFields = `"status":"Scheduled","applicationId":"app1","interviewStageId":"st1","updatedAt":"2026-01-04T09:00:00Z"`
)

// doorResponse is the answer to one webhook.
type doorResponse struct {
	status int
	raw    string
	body   struct {
		Status string `json:"status"`
		Error  struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
}

func postWebhook(t *testing.T, url string, body []byte, hdr map[string]string) doorResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/webhooks/ashby", bytes.NewReader(body))
	testkit.Must(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	testkit.Must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := doorResponse{status: res.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

func signed(body []byte) map[string]string {
	return map[string]string{"Ashby-Signature": ashby.Sign(doorSecret, body)}
}

// TestWebhookDoorRefusesWhatCannotBeStored: a signed webhook whose schedule
// has the wrong types, lacks what ingestion needs, or carries strings a
// store cannot keep (NUL, invalid UTF-8) is answered 400 with the error
// envelope naming the field, and nothing is stored: a 200 promises a
// delivery that can be stored and processed.
func TestWebhookDoorRefusesWhatCannotBeStored(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  []byte
		field string // the message names it
	}{
		{"missing schedule id", doorBody(doorFields + `,"interviewEvents":[]`), "data.interviewSchedule.id"},
		{"empty schedule id", doorBody(`"id":"",` + doorFields + `,"interviewEvents":[]`), "data.interviewSchedule.id"},
		{"null schedule id", doorBody(`"id":null,` + doorFields + `,"interviewEvents":[]`), "data.interviewSchedule.id"},
		{"schedule id a number", doorBody(`"id":7,` + doorFields + `,"interviewEvents":[]`), "data.interviewSchedule.id"},
		{"null schedule", []byte(`{"action":"interviewScheduleUpdate","data":{"interviewSchedule":null}}`), "data.interviewSchedule"},
		{"no schedule", []byte(`{"action":"interviewScheduleUpdate","data":{}}`), "data.interviewSchedule"},
		{"missing application id", doorBody(`"id":"s1","status":"Scheduled","interviewEvents":[]`), "data.interviewSchedule.applicationId"},
		{"events an object", doorBody(`"id":"s1",` + doorFields + `,"interviewEvents":{}`), "data.interviewSchedule.interviewEvents"},
		{"startTime yesterday", doorBody(`"id":"s1",` + doorFields + `,"interviewEvents":[` +
			strings.Replace(doorEvent, `"2026-01-05T10:00:00Z"`, `"yesterday"`, 1) + `]`), "data.interviewSchedule.interviewEvents.startTime"},
		{"schedule updatedAt not a time", doorBody(`"id":"s1","status":"Scheduled","applicationId":"app1","updatedAt":"soon","interviewEvents":[]`),
			"data.interviewSchedule.updatedAt"},
		{"status a number", doorBody(`"id":"s1","status":3,"applicationId":"app1","interviewEvents":[]`), "data.interviewSchedule.status"},
		{"isEnabled a string", doorBody(`"id":"s1",` + doorFields + `,"interviewEvents":[` +
			strings.Replace(doorEvent, `"isEnabled":true`, `"isEnabled":"yes"`, 1) + `]`), "interviewers.isEnabled"},
		{"NUL in schedule id", doorBody(`"id":"s\u00001",` + doorFields + `,"interviewEvents":[]`), "data.interviewSchedule.id"},
		{"NUL in interviewer name", doorBody(`"id":"s1",` + doorFields + `,"interviewEvents":[` +
			strings.Replace(doorEvent, `"Jo"`, `"J\u0000o"`, 1) + `]`), "data.interviewSchedule.interviewEvents[0].interviewers[0].firstName"},
		{"NUL in webhookActionId", []byte(`{"action":"interviewScheduleUpdate","webhookActionId":"w\u0000","data":{"interviewSchedule":{"id":"s1",` +
			doorFields + `,"interviewEvents":[]}}}`), "webhookActionId"},
		{"invalid UTF-8 in schedule id", doorBody(`"id":"s` + "\xff" + `1",` + doorFields + `,"interviewEvents":[]`), "UTF-8"},
		{"invalid UTF-8 in interviewer name", doorBody(`"id":"s1",` + doorFields + `,"interviewEvents":[` +
			strings.Replace(doorEvent, `"Jo"`, "\"J\xc3o\"", 1) + `]`), "UTF-8"},
		{"stage change without application", []byte(`{"action":"candidateStageChange","data":{}}`), "data.application"},
		{"stage change application without id", []byte(`{"action":"candidateStageChange","data":{"application":{"status":"Active"}}}`), "data.application.id"},
		{"application id a number", []byte(`{"action":"applicationUpdate","data":{"application":{"id":5}}}`), "data.application.id"},
		{"delete without candidate id", []byte(`{"action":"candidateDelete","data":{"candidate":{}}}`), "data.candidate.id"},
		{"merge without the merged candidate", []byte(`{"action":"candidateMerge","data":{"deletedCandidate":{"id":"c1"}}}`), "data.mergedCandidate"},
		{"NUL in a deleted candidate id", []byte(`{"action":"candidateDelete","data":{"candidate":{"id":"c\u00001"}}}`), "data.candidate.id"},
		{"invalid UTF-8 in an unknown action", []byte("{\"action\":\"candidateHire\",\"data\":{\"name\":\"\xff\"}}"), "UTF-8"},
	}
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := testkit.NewStack(t, testkit.StackOptions{Backend: b, NoAshby: true, Queue: jobs.Options{InsertOnly: true},
				Server: server.Deps{WebhookSecret: doorSecret}})
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					res := postWebhook(t, s.URL, tt.body, signed(tt.body))
					if res.status != http.StatusBadRequest {
						t.Fatalf("status = %d, want 400: %s", res.status, res.raw)
					}
					e := res.body.Error
					if e.Code != "HTTP_400" || e.RequestID == "" || !strings.Contains(e.Message, tt.field) {
						t.Fatalf("envelope = %s, want code HTTP_400, a request id and a message naming %s", res.raw, tt.field)
					}
				})
			}
			list, err := s.DB.ListDeliveries(context.Background(), "", 100)
			testkit.Must(t, err)
			if len(list) != 0 {
				t.Fatalf("%d deliveries stored from refused webhooks, want 0 (first: %s %q)", len(list), list[0].Action, list[0].Payload)
			}
			// The valid form of the same body is accepted.
			ok := doorBody(`"id":"s1",` + doorFields + `,"interviewEvents":[` + doorEvent + `]`)
			if res := postWebhook(t, s.URL, ok, signed(ok)); res.status != http.StatusOK {
				t.Fatalf("valid body: %d %s", res.status, res.raw)
			}
		})
	}
}

package ashby_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
)

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/signature_test_vector.json")
	must(t, err)
	var vec struct {
		Secret      string `json:"secret"`
		RawBody     string `json:"raw_body"`
		HeaderValue string `json:"header_value"`
	}
	must(t, json.Unmarshal(raw, &vec))
	body := []byte(vec.RawBody)
	flipped := []byte(vec.RawBody)
	flipped[10] ^= 0x01
	tests := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   bool
	}{
		{name: "vector verifies", secret: vec.Secret, body: body, header: vec.HeaderValue, want: true},
		{name: "one byte of body changed", secret: vec.Secret, body: flipped, header: vec.HeaderValue},
		{name: "missing sha256= prefix", secret: vec.Secret, body: body, header: vec.HeaderValue[len("sha256="):]},
		{name: "empty secret", secret: "", body: body, header: vec.HeaderValue},
		{name: "empty secret with matching empty-key hmac", secret: "", body: body, header: ashby.Sign("", body)},
		{name: "wrong secret", secret: "other", body: body, header: vec.HeaderValue},
		{name: "uppercase hex", secret: vec.Secret, body: body, header: "sha256=B0B2AA61FFEEE0B12C3A838CD73C7792BFD7E6F2332706B6E4591F0476B94154"},
		{name: "other algorithm prefix", secret: vec.Secret, body: body, header: "sha1=" + vec.HeaderValue[len("sha256="):]},
		{name: "empty header", secret: vec.Secret, body: body, header: ""},
		{name: "one hex digit changed", secret: vec.Secret, body: body, header: vec.HeaderValue[:len(vec.HeaderValue)-1] + "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ashby.VerifySignature(tt.secret, tt.body, tt.header); got != tt.want {
				t.Fatalf("VerifySignature = %v, want %v", got, tt.want)
			}
		})
	}
	if got := ashby.Sign(vec.Secret, body); got != vec.HeaderValue {
		t.Fatalf("Sign = %s, want %s", got, vec.HeaderValue)
	}
}

func TestParseWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		body    string
		wantErr bool
		ping    bool
		check   func(t *testing.T, w ashby.Webhook)
	}{
		{
			name: "schedule update fixture", file: "webhook_interview_schedule_update_fixture.json",
			check: func(t *testing.T, w ashby.Webhook) {
				s, err := w.Schedule()
				must(t, err)
				if w.Action != ashby.ActionInterviewScheduleUpdate || s.ID != "schedule_123" || s.CandidateID != "candidate_789" || s.InterviewStageID != "stage_abc" {
					t.Fatalf("schedule = %+v", s)
				}
				ev := s.InterviewEvents[0]
				iv := ev.Interviewers[0]
				if ev.InterviewID != "interview_xyz" || iv.TrainingRole != "Trained" || !iv.FeedbackRequired() || iv.IsShadow() || iv.InterviewerPool.Title != "Engineering Interviewers" {
					t.Fatalf("event = %+v", ev)
				}
				if ev.EndTime.Hour() != 15 {
					t.Fatalf("endTime = %v", ev.EndTime)
				}
			},
		},
		{
			name: "signature vector body", body: mustVectorBody(t),
			check: func(t *testing.T, w ashby.Webhook) {
				s, err := w.Schedule()
				must(t, err)
				if len(s.InterviewEvents) != 1 || s.InterviewEvents[0].Interviewers[0].Email != "test@example.com" {
					t.Fatalf("schedule = %+v", s)
				}
			},
		},
		{
			name: "nested interview object, explicit feedback flags, unknown fields",
			body: `{"action":"interviewScheduleUpdate","webhookActionId":"w1","future":1,"data":{"interviewSchedule":{"id":"s1","status":"WaitingOnFeedback","applicationId":"a1","interviewStageId":"st1","newField":{"x":1},
				"interviewEvents":[{"id":"e1","interview":{"id":"iv9","title":"Onsite"},"startTime":"2024-10-20T14:00:00Z","endTime":"2024-10-20T15:00:00Z",
				"interviewers":[{"id":"u1","trainingRole":"Shadow","isFeedbackRequired":false},{"id":"u2","trainingRole":null,"isFeedbackRequired":true},{"id":"u3"}]}]}}}`,
			check: func(t *testing.T, w ashby.Webhook) {
				s, err := w.Schedule()
				must(t, err)
				ev := s.InterviewEvents[0]
				if w.WebhookActionID != "w1" || ev.InterviewID != "iv9" {
					t.Fatalf("event = %+v", ev)
				}
				got := []bool{ev.Interviewers[0].FeedbackRequired(), ev.Interviewers[1].FeedbackRequired(), ev.Interviewers[2].FeedbackRequired()}
				if got[0] || !got[1] || !got[2] || !ev.Interviewers[0].IsShadow() {
					t.Fatalf("feedback required = %v", got)
				}
			},
		},
		{name: "ping fixture", file: "webhook_ping.json", ping: true},
		{name: "documented ping", body: `{"action":"ping","data":{"webhookActionType":"ping"}}`, ping: true},
		{
			name: "unknown action accepted", file: "webhook_unknown_action.json",
			check: func(t *testing.T, w ashby.Webhook) {
				if w.Action != "unknownAction" {
					t.Fatalf("action = %q", w.Action)
				}
			},
		},
		{name: "missing data", file: "webhook_invalid_missing_data.json", wantErr: true},
		{name: "docs variant not accepted", file: "webhook_docs_variant_NOT_ACCEPTED.json", wantErr: true},
		{name: "no action", body: `{"data":{}}`, wantErr: true},
		{name: "not json", body: `nope`, wantErr: true},
		{name: "data not an object", body: `{"action":"interviewScheduleUpdate","data":[1]}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := []byte(tt.body)
			if tt.file != "" {
				var err error
				body, err = os.ReadFile(filepath.Join("testdata", tt.file))
				must(t, err)
			}
			w, err := ashby.ParseWebhook(body)
			if tt.wantErr {
				if !errors.Is(err, ashby.ErrInvalidPayload) {
					t.Fatalf("err = %v, want ErrInvalidPayload", err)
				}
				return
			}
			must(t, err)
			if w.IsPing() != tt.ping {
				t.Fatalf("IsPing = %v, want %v", w.IsPing(), tt.ping)
			}
			if tt.check != nil {
				tt.check(t, w)
			}
		})
	}
}

func TestScheduleMissing(t *testing.T) {
	t.Parallel()
	w, err := ashby.ParseWebhook([]byte(`{"action":"interviewScheduleUpdate","data":{"other":{}}}`))
	must(t, err)
	if _, err := w.Schedule(); !errors.Is(err, ashby.ErrInvalidPayload) {
		t.Fatalf("err = %v", err)
	}
}

func mustVectorBody(t *testing.T) string {
	raw, err := os.ReadFile("testdata/signature_test_vector.json")
	must(t, err)
	var vec struct {
		RawBody string `json:"raw_body"`
	}
	must(t, json.Unmarshal(raw, &vec))
	return vec.RawBody
}

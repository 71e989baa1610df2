package slackapp_test

import (
	"errors"
	"net/url"
	"os"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
)

// formEncode wraps a JSON payload the way Slack posts it.
func formEncode(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(url.Values{"payload": {string(b)}}.Encode())
}

func TestParseInteractionSendRejection(t *testing.T) {
	t.Parallel()
	in, err := slackapp.ParseInteraction(formEncode(t, "interaction_send_rejection.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := slackapp.Interaction{
		Type:        slackapp.InteractionBlockActions,
		User:        slackapp.InteractionUser{ID: "U123ABC456", Name: "jane.doe"},
		ChannelID:   "C123456",
		MessageTS:   "1234567890.123456",
		ResponseURL: "https://hooks.slack.com/actions/T000/1/xyz",
		TriggerID:   "trigger_abc123",
	}
	if in.Type != want.Type || in.User != want.User || in.ChannelID != want.ChannelID ||
		in.MessageTS != want.MessageTS || in.ResponseURL != want.ResponseURL || in.TriggerID != want.TriggerID {
		t.Fatalf("ParseInteraction() = %+v, want %+v", in, want)
	}
	a, ok := in.Action(slackapp.ActionSendRejection)
	if !ok || len(in.Actions) != 1 {
		t.Fatalf("actions = %+v, want one send_rejection", in.Actions)
	}
	if a.BlockID != "actions" || a.ActionTS != "1729432800.000000" {
		t.Fatalf("action = %+v", a)
	}

	rv, err := slackapp.ParseRejectionValue(a.Value)
	if err != nil {
		t.Fatal(err)
	}
	wantRV := slackapp.RejectionValue{ApplicationID: "8a7b6c5d-4e3f-4a2b-9c1d-0e1f2a3b4c5d", Action: slackapp.ActionSendRejection}
	if rv != wantRV {
		t.Fatalf("ParseRejectionValue() = %+v, want %+v", rv, wantRV)
	}
}

func TestParseInteractionSignedVectorBody(t *testing.T) {
	t.Parallel()
	v, _ := loadVector(t)
	in, err := slackapp.ParseInteraction([]byte(v.RawBody))
	if err != nil {
		t.Fatal(err)
	}
	if in.User.ID != "U123ABC456" || in.ChannelID != "C123456" || len(in.Actions) != 1 {
		t.Fatalf("ParseInteraction() = %+v", in)
	}
}

func TestParseInteractionContainerAndTeam(t *testing.T) {
	t.Parallel()
	payload := `{"type":"block_actions","team":{"id":"T1","domain":"acme"},
		"user":{"id":"U1","username":"ada","name":"ada","team_id":"T1"},
		"container":{"type":"message","message_ts":"111.222","channel_id":"C9"},
		"actions":[{"action_id":"send_rejection","block_id":"b","value":"v","action_ts":"1.2"}]}`
	in, err := slackapp.ParseInteraction([]byte(url.Values{"payload": {payload}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if in.TeamID != "T1" || in.ChannelID != "C9" || in.MessageTS != "111.222" || in.User.Username != "ada" {
		t.Fatalf("ParseInteraction() = %+v", in)
	}
}

func TestParseInteractionViewSubmission(t *testing.T) {
	t.Parallel()
	in, err := slackapp.ParseInteraction(formEncode(t, "interaction_legacy_view_submission.json"))
	if err != nil {
		t.Fatal(err)
	}
	if in.Type != slackapp.InteractionViewSubmission || len(in.Actions) != 0 {
		t.Fatalf("ParseInteraction() = %+v", in)
	}
}

func TestParseInteractionMalformed(t *testing.T) {
	t.Parallel()
	enc := func(p string) []byte { return []byte(url.Values{"payload": {p}}.Encode()) }
	tests := []struct {
		name string
		body []byte
	}{
		{name: "empty body", body: nil},
		{name: "no payload field", body: []byte("foo=bar")},
		{name: "empty payload", body: []byte("payload=")},
		{name: "bad form encoding", body: []byte("payload=%zz")},
		{name: "payload not json", body: enc("{not json")},
		{name: "payload json array", body: enc(`[1,2]`)},
		{name: "no type", body: enc(`{"user":{"id":"U1"},"actions":[{"action_id":"a"}]}`)},
		{name: "block_actions without actions", body: enc(`{"type":"block_actions","user":{"id":"U1"},"actions":[]}`)},
		{name: "action without action_id", body: enc(`{"type":"block_actions","actions":[{"value":"x"}]}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := slackapp.ParseInteraction(tt.body)
			if !errors.Is(err, slackapp.ErrMalformed) {
				t.Fatalf("ParseInteraction() error = %v, want ErrMalformed", err)
			}
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error %v does not match domain.ErrInvalid", err)
			}
		})
	}
}

func TestParseRejectionValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   string
		want    slackapp.RejectionValue
		wantErr bool
	}{
		{
			name:  "aaa value",
			value: `{"execution_id":"e1","application_id":"a1","action":"send_rejection"}`,
			want:  slackapp.RejectionValue{ExecutionID: "e1", ApplicationID: "a1", Action: "send_rejection"},
		},
		{
			name:  "legacy value",
			value: `{"application_id": "a1", "action": "send_rejection"}`,
			want:  slackapp.RejectionValue{ApplicationID: "a1", Action: "send_rejection"},
		},
		{
			name:  "legacy value without action",
			value: `{"application_id": "a1"}`,
			want:  slackapp.RejectionValue{ApplicationID: "a1", Action: "send_rejection"},
		},
		{name: "not json", value: "a1", wantErr: true},
		{name: "empty", value: "", wantErr: true},
		{name: "no application", value: `{"execution_id":"e1","action":"send_rejection"}`, wantErr: true},
		{name: "other action", value: `{"application_id":"a1","action":"advance"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := slackapp.ParseRejectionValue(tt.value)
			if tt.wantErr {
				if !errors.Is(err, slackapp.ErrMalformed) {
					t.Fatalf("ParseRejectionValue() error = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRejectionValue() = %+v, %v, want %+v", got, err, tt.want)
			}
		})
	}
}

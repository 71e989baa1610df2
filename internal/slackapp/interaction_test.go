package slackapp_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/slack-go/slack"

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

func TestParseDecisionValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		actionID string
		value    string
		want     slackapp.DecisionValue
		wantErr  bool
	}{
		{
			name:     "keep in process",
			actionID: slackapp.ActionKeepInProcess,
			value:    `{"execution_id":"e1","application_id":"a1","action":"keep_in_process"}`,
			want:     slackapp.DecisionValue{ExecutionID: "e1", ApplicationID: "a1", Action: "keep_in_process"},
		},
		{
			name:     "cancel archive",
			actionID: slackapp.ActionCancelArchive,
			value:    `{"execution_id":"e1","application_id":"a1","action":"cancel_archive"}`,
			want:     slackapp.DecisionValue{ExecutionID: "e1", ApplicationID: "a1", Action: "cancel_archive"},
		},
		{
			name:     "undo without application",
			actionID: slackapp.ActionUndo,
			value:    `{"execution_id":"e1","action":"undo_decision"}`,
			want:     slackapp.DecisionValue{ExecutionID: "e1", Action: "undo_decision"},
		},
		{name: "value of another button", actionID: slackapp.ActionUndo, value: `{"execution_id":"e1","action":"keep_in_process"}`, wantErr: true},
		{name: "no action", actionID: slackapp.ActionUndo, value: `{"execution_id":"e1"}`, wantErr: true},
		{name: "no execution", actionID: slackapp.ActionUndo, value: `{"application_id":"a1","action":"undo_decision"}`, wantErr: true},
		{name: "empty execution", actionID: slackapp.ActionCancelArchive, value: `{"execution_id":"","action":"cancel_archive"}`, wantErr: true},
		{name: "not json", actionID: slackapp.ActionKeepInProcess, value: "e1", wantErr: true},
		{name: "empty", actionID: slackapp.ActionKeepInProcess, value: "", wantErr: true},
		{name: "json null", actionID: slackapp.ActionKeepInProcess, value: "null", wantErr: true},
		{name: "json array", actionID: slackapp.ActionKeepInProcess, value: `["e1"]`, wantErr: true},
		{
			name: "send_rejection is not a decision button", actionID: slackapp.ActionSendRejection,
			value: `{"execution_id":"e1","application_id":"a1","action":"send_rejection"}`, wantErr: true,
		},
		{name: "unknown action id", actionID: "advance", value: `{"execution_id":"e1","action":"advance"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := slackapp.ParseDecisionValue(tt.actionID, tt.value)
			if tt.wantErr {
				if !errors.Is(err, slackapp.ErrMalformed) || !errors.Is(err, domain.ErrInvalid) {
					t.Fatalf("ParseDecisionValue() = %+v, %v, want ErrMalformed", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDecisionValue() = %+v, %v, want %+v", got, err, tt.want)
			}
		})
	}
}

// TestDecisionButtonsRoundTrip clicks each new button the way Slack posts
// the click: its action_id and value come back in a block_actions payload
// and parse to the decision the message was built for.
func TestDecisionButtonsRoundTrip(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 4, 15, 4, 5, 0, time.UTC)
	n := sampleNotice()
	messages := map[string][]slack.Block{}
	_, messages[slackapp.ActionKeepInProcess] = slackapp.RejectionMessage(n)
	_, messages[slackapp.ActionCancelArchive] = slackapp.ArchiveScheduledUpdate(n, "U1", "", t0.Add(time.Hour), t0)
	_, messages[slackapp.ActionUndo] = slackapp.ArchivedUpdate(n, "U1", "", t0, t0.Add(15*time.Minute))
	for actionID, blocks := range messages {
		var clicked *slackapp.Action
		for _, b := range blocks {
			ab, ok := b.(*slack.ActionBlock)
			if !ok {
				continue
			}
			for _, e := range ab.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == actionID {
					clicked = &slackapp.Action{ActionID: btn.ActionID, BlockID: ab.BlockID, Value: btn.Value}
				}
			}
		}
		if clicked == nil {
			t.Fatalf("no %s button", actionID)
		}
		payload, err := json.Marshal(map[string]any{
			"type":      "block_actions",
			"user":      map[string]string{"id": "U123ABC456", "name": "jane.doe"},
			"container": map[string]string{"channel_id": "C1", "message_ts": "1.2"},
			"actions":   []map[string]string{{"action_id": clicked.ActionID, "block_id": clicked.BlockID, "value": clicked.Value, "action_ts": "1.3"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		in, err := slackapp.ParseInteraction([]byte(url.Values{"payload": {string(payload)}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		a, ok := in.Action(actionID)
		if !ok || a.BlockID != slackapp.BlockRejectionActions {
			t.Fatalf("%s: actions = %+v", actionID, in.Actions)
		}
		dv, err := slackapp.ParseDecisionValue(actionID, a.Value)
		if err != nil {
			t.Fatalf("%s: %v", actionID, err)
		}
		if dv != (slackapp.DecisionValue{ExecutionID: "exec-1", ApplicationID: "app-1", Action: actionID}) {
			t.Errorf("%s: value = %+v", actionID, dv)
		}
		// The value of one button is refused on another.
		for _, other := range []string{slackapp.ActionKeepInProcess, slackapp.ActionCancelArchive, slackapp.ActionUndo} {
			if other == actionID {
				continue
			}
			if _, err := slackapp.ParseDecisionValue(other, a.Value); !errors.Is(err, slackapp.ErrMalformed) {
				t.Errorf("%s value accepted as %s: %v", actionID, other, err)
			}
		}
	}
}

package slackapp

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// ErrMalformed means an interaction request or button value could not be
// understood; the HTTP layer answers 400. It also matches domain.ErrInvalid.
var ErrMalformed = fmt.Errorf("malformed slack interaction: %w", domain.ErrInvalid)

// Interaction types aaa handles.
const (
	InteractionBlockActions   = "block_actions"
	InteractionViewSubmission = "view_submission"
)

// Button action_ids. Each is also the "action" of the button's JSON value.
const (
	// ActionSendRejection is the "Archive & send rejection" button of a
	// rejection notice; its value is a RejectionValue.
	ActionSendRejection = "send_rejection"
	// ActionKeepInProcess is the "Keep in process" button of a rejection
	// notice: the recruiter disagrees with the rule. Value: DecisionValue.
	ActionKeepInProcess = "keep_in_process"
	// ActionCancelArchive is the "Cancel archive" button of a scheduled
	// (delayed) archive. Value: DecisionValue.
	ActionCancelArchive = "cancel_archive"
	// ActionUndo is the "Undo" button of an archive or advance aaa made,
	// shown while the undo window is open. Value: DecisionValue.
	ActionUndo = "undo_decision"
)

// Interaction is the part of a Slack interaction payload aaa uses.
type Interaction struct {
	// Type is the payload type, e.g. InteractionBlockActions.
	Type string
	// User is who clicked.
	User InteractionUser
	// TeamID is the workspace (team.id, else user.team_id).
	TeamID string
	// ChannelID and MessageTS identify the message the button was in
	// (channel.id / message.ts, else container.channel_id /
	// container.message_ts); chat.update takes them.
	ChannelID string
	MessageTS string
	// ResponseURL can post a reply into the conversation for 30 minutes.
	ResponseURL string
	// TriggerID can open a modal for a few seconds.
	TriggerID string
	// Actions are the elements acted on; block_actions carry at least one.
	Actions []Action
}

// InteractionUser is the Slack user behind an interaction.
type InteractionUser struct {
	ID string
	// Name is user.name (the handle in most payloads).
	Name string
	// Username is user.username, when Slack sends it.
	Username string
}

// Action is one element a user acted on.
type Action struct {
	ActionID string
	BlockID  string
	Value    string
	ActionTS string
}

// Action returns the first action with the given action_id.
func (in Interaction) Action(actionID string) (Action, bool) {
	for _, a := range in.Actions {
		if a.ActionID == actionID {
			return a, true
		}
	}
	return Action{}, false
}

// payload mirrors the JSON Slack sends; only the fields aaa reads.
type payload struct {
	Type string `json:"type"`
	User struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Username string `json:"username"`
		TeamID   string `json:"team_id"`
	} `json:"user"`
	Team *struct {
		ID string `json:"id"`
	} `json:"team"`
	Channel *struct {
		ID string `json:"id"`
	} `json:"channel"`
	Message *struct {
		TS string `json:"ts"`
	} `json:"message"`
	Container *struct {
		ChannelID string `json:"channel_id"`
		MessageTS string `json:"message_ts"`
	} `json:"container"`
	ResponseURL string `json:"response_url"`
	TriggerID   string `json:"trigger_id"`
	Actions     []struct {
		ActionID string `json:"action_id"`
		BlockID  string `json:"block_id"`
		Value    string `json:"value"`
		ActionTS string `json:"action_ts"`
	} `json:"actions"`
}

// ParseInteraction decodes a raw interaction request body: a form with one
// field, payload, holding JSON. It returns an error wrapping ErrMalformed if
// the form or JSON is invalid, payload or type is missing, or a
// block_actions payload has no action. It does not check the signature.
func ParseInteraction(body []byte) (Interaction, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return Interaction{}, fmt.Errorf("%w: decode form: %v", ErrMalformed, err)
	}
	raw := form.Get("payload")
	if raw == "" {
		return Interaction{}, fmt.Errorf("%w: missing payload", ErrMalformed)
	}
	var p payload
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return Interaction{}, fmt.Errorf("%w: decode payload: %v", ErrMalformed, err)
	}
	if p.Type == "" {
		return Interaction{}, fmt.Errorf("%w: payload has no type", ErrMalformed)
	}

	in := Interaction{
		Type: p.Type,
		User: InteractionUser{
			ID:       p.User.ID,
			Name:     p.User.Name,
			Username: p.User.Username,
		},
		TeamID:      p.User.TeamID,
		ResponseURL: p.ResponseURL,
		TriggerID:   p.TriggerID,
	}
	if p.Team != nil && p.Team.ID != "" {
		in.TeamID = p.Team.ID
	}
	if p.Container != nil {
		in.ChannelID = p.Container.ChannelID
		in.MessageTS = p.Container.MessageTS
	}
	if p.Channel != nil && p.Channel.ID != "" {
		in.ChannelID = p.Channel.ID
	}
	if p.Message != nil && p.Message.TS != "" {
		in.MessageTS = p.Message.TS
	}
	for _, a := range p.Actions {
		if a.ActionID == "" {
			return Interaction{}, fmt.Errorf("%w: action without action_id", ErrMalformed)
		}
		in.Actions = append(in.Actions, Action{
			ActionID: a.ActionID,
			BlockID:  a.BlockID,
			Value:    a.Value,
			ActionTS: a.ActionTS,
		})
	}
	if in.Type == InteractionBlockActions && len(in.Actions) == 0 {
		return Interaction{}, fmt.Errorf("%w: block_actions without actions", ErrMalformed)
	}
	return in, nil
}

// RejectionValue is the value of the "Archive & send rejection" button.
type RejectionValue struct {
	// ExecutionID is the advancement_executions row the notice is for. It is
	// empty for buttons posted by the Python original.
	ExecutionID   string `json:"execution_id,omitempty"`
	ApplicationID string `json:"application_id"`
	Action        string `json:"action"`
}

// ParseRejectionValue decodes a send_rejection button value. It accepts
// aaa's {"execution_id","application_id","action"} and the original's
// {"application_id","action"}. An error wraps ErrMalformed.
func ParseRejectionValue(v string) (RejectionValue, error) {
	var rv RejectionValue
	if err := json.Unmarshal([]byte(v), &rv); err != nil {
		return RejectionValue{}, fmt.Errorf("%w: decode button value: %v", ErrMalformed, err)
	}
	if rv.ApplicationID == "" {
		return RejectionValue{}, fmt.Errorf("%w: button value has no application_id", ErrMalformed)
	}
	switch rv.Action {
	case ActionSendRejection:
	case "":
		rv.Action = ActionSendRejection
	default:
		return RejectionValue{}, fmt.Errorf("%w: button value has action %q", ErrMalformed, rv.Action)
	}
	return rv, nil
}

// encode returns the JSON button value.
func (rv RejectionValue) encode() string {
	rv.Action = ActionSendRejection
	// Marshal of a struct of strings cannot fail.
	b, _ := json.Marshal(rv)
	return string(b)
}

// DecisionValue is the value of the Keep in process, Cancel archive and Undo
// buttons: which decision (advancement_executions row) the click is about.
type DecisionValue struct {
	ExecutionID string `json:"execution_id"`
	// ApplicationID is informational; the execution row is authoritative.
	ApplicationID string `json:"application_id,omitempty"`
	// Action repeats the button's action_id, so a value cannot be replayed
	// on another button.
	Action string `json:"action"`
}

// ParseDecisionValue decodes the value of a button whose action_id is
// actionID, one of ActionKeepInProcess, ActionCancelArchive and ActionUndo.
// The value must be a JSON object with a non-empty execution_id and an
// action equal to actionID. Any other actionID or value returns an error
// wrapping ErrMalformed.
func ParseDecisionValue(actionID, v string) (DecisionValue, error) {
	switch actionID {
	case ActionKeepInProcess, ActionCancelArchive, ActionUndo:
	default:
		return DecisionValue{}, fmt.Errorf("%w: action %q carries no decision value", ErrMalformed, actionID)
	}
	var dv DecisionValue
	if err := json.Unmarshal([]byte(v), &dv); err != nil {
		return DecisionValue{}, fmt.Errorf("%w: decode %s button value: %v", ErrMalformed, actionID, err)
	}
	if dv.ExecutionID == "" {
		return DecisionValue{}, fmt.Errorf("%w: %s button value has no execution_id", ErrMalformed, actionID)
	}
	if dv.Action != actionID {
		return DecisionValue{}, fmt.Errorf("%w: %s button value has action %q", ErrMalformed, actionID, dv.Action)
	}
	return dv, nil
}

// encode returns the JSON value of the button with the given action_id.
func (dv DecisionValue) encode(actionID string) string {
	dv.Action = actionID
	// Marshal of a struct of strings cannot fail.
	b, _ := json.Marshal(dv)
	return string(b)
}

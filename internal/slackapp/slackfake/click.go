package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/slackapp"
)

// Button is an interactive button found in a message's blocks.
type Button struct {
	ActionID string
	BlockID  string
	Value    string
	Text     string
}

// Buttons returns the buttons of Block Kit JSON, in order.
func Buttons(blocksJSON json.RawMessage) []Button {
	var blocks []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			Type     string          `json:"type"`
			ActionID string          `json:"action_id"`
			Value    string          `json:"value"`
			Text     json.RawMessage `json:"text"` // an object on buttons, a string elsewhere
		} `json:"elements"`
	}
	if json.Unmarshal(blocksJSON, &blocks) != nil {
		return nil
	}
	var out []Button
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.Type == "button" {
				var t textObj
				_ = json.Unmarshal(e.Text, &t)
				out = append(out, Button{ActionID: e.ActionID, BlockID: b.BlockID, Value: e.Value, Text: t.Text})
			}
		}
	}
	return out
}

// Click is a user pressing a button of a posted message.
type Click struct {
	UserID, UserName string
	// Channel and TS identify the message (Call.Channel, Call.TS).
	Channel, TS string
	Button      Button
}

// InteractionBody returns the form body Slack POSTs for a block_actions
// interaction: payload=<JSON>.
func (c Click) InteractionBody() []byte {
	now := time.Now()
	actionTS := strconv.FormatInt(now.Unix(), 10) + ".000100"
	p := map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": c.UserID, "name": c.UserName, "username": c.UserName, "team_id": "T0FAKE"},
		"team":         map[string]any{"id": "T0FAKE"},
		"channel":      map[string]any{"id": c.Channel},
		"message":      map[string]any{"ts": c.TS},
		"container":    map[string]any{"type": "message", "channel_id": c.Channel, "message_ts": c.TS},
		"trigger_id":   "1.fake." + actionTS,
		"response_url": "https://hooks.slack.invalid/actions/" + actionTS,
		"actions": []any{map[string]any{"type": "button", "action_id": c.Button.ActionID, "block_id": c.Button.BlockID,
			"value": c.Button.Value, "action_ts": actionTS}},
	}
	// A map of strings and slices cannot fail to encode.
	raw, _ := json.Marshal(p)
	return []byte(url.Values{"payload": {string(raw)}}.Encode())
}

// Send POSTs the click to url (aaa's /slack/interactions) signed with
// signingSecret as Slack does, and returns the response status.
func (c Click) Send(ctx context.Context, url, signingSecret string) (int, error) {
	body := c.InteractionBody()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build interaction request: %w", err)
	}
	ts, sig := slackapp.Sign(signingSecret, time.Now(), body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(slackapp.HeaderTimestamp, ts)
	req.Header.Set(slackapp.HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post interaction: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

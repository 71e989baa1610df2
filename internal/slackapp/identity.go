package slackapp

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
)

// Identity is who the bot token belongs to (auth.test) and the scopes it
// was granted (Slack's x-oauth-scopes response header).
type Identity struct {
	TeamID, Team string
	UserID       string
	BotID        string
	// Scopes are the granted scopes, in Slack's order; nil when Slack sent
	// no x-oauth-scopes header.
	Scopes []string
}

// AuthTest checks the token with auth.test. A bad token is an error whose
// ErrorCode is "invalid_auth" (or "not_authed", "account_inactive",
// "token_revoked").
func (c *Client) AuthTest(ctx context.Context) (Identity, error) {
	var r *slack.AuthTestResponse
	err := c.do(ctx, "auth.test", func(ctx context.Context) error {
		var err error
		r, err = c.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return Identity{}, fmt.Errorf("slack auth.test: %w", err)
	}
	id := Identity{TeamID: r.TeamID, Team: r.Team, UserID: r.UserID, BotID: r.BotID}
	if vals := r.Header.Values("X-OAuth-Scopes"); len(vals) > 0 {
		id.Scopes = []string{}
		for _, v := range vals {
			for sc := range strings.SplitSeq(v, ",") {
				if sc = strings.TrimSpace(sc); sc != "" {
					id.Scopes = append(id.Scopes, sc)
				}
			}
		}
	}
	return id, nil
}

// Conversation is what conversations.info says about a channel.
type Conversation struct {
	ID, Name string
	// IsMember is whether the bot is in the channel.
	IsMember bool
	// IsArchived is whether the channel is archived.
	IsArchived bool
}

// ConversationInfo reads a channel with conversations.info. An unknown
// channel (or one the bot cannot see) is an error whose ErrorCode is
// "channel_not_found".
func (c *Client) ConversationInfo(ctx context.Context, channelID string) (Conversation, error) {
	var ch *slack.Channel
	err := c.do(ctx, "conversations.info", func(ctx context.Context) error {
		var err error
		ch, err = c.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channelID})
		return err
	})
	if err != nil {
		return Conversation{}, fmt.Errorf("slack conversations.info %s: %w", channelID, err)
	}
	return Conversation{ID: ch.ID, Name: ch.Name, IsMember: ch.IsMember, IsArchived: ch.IsArchived}, nil
}

package slackfake

import (
	"net/url"
	"strings"
)

// DefaultScopes are the bot scopes a fake grants until SetScopes changes
// them: the ones slack-manifest.yml asks for.
var DefaultScopes = []string{"chat:write", "im:write", "users:read", "users:read.email"}

// Bot identity answered by auth.test.
const (
	TeamID    = "T0FAKE"
	TeamName  = "Fake Workspace"
	BotUserID = "U0BOT"
	BotID     = "B0BOT"
)

// Channel is a channel conversations.info knows. Only channels added with
// AddChannel exist for conversations.info (channel_not_found otherwise);
// posting still accepts any channel id.
type Channel struct {
	ID   string
	Name string
	// IsMember is whether the bot is in the channel.
	IsMember bool
}

// SetScopes sets the scopes the token was granted, sent in the
// x-oauth-scopes header of every answer, as Slack does. No arguments
// grants none (the header is sent empty).
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = append([]string{}, scopes...)
}

// AddChannel adds (or replaces) a channel for conversations.info.
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channels == nil {
		s.channels = map[string]Channel{}
	}
	s.channels[c.ID] = c
}

// scopeHeader is the x-oauth-scopes value; s.mu is held.
func (s *Server) scopeHeader() string {
	if s.scopes == nil {
		return strings.Join(DefaultScopes, ",")
	}
	return strings.Join(s.scopes, ",")
}

// authTest answers auth.test for the bot.
func (s *Server) authTest() (response, string) {
	return response{"url": "https://fake.slack.com/", "team": TeamName, "user": "aaa", "team_id": TeamID,
		"user_id": BotUserID, "bot_id": BotID}, ""
}

// conversationInfo answers conversations.info for an added channel.
func (s *Server) conversationInfo(p url.Values) (response, string) {
	c, ok := s.channels[p.Get("channel")]
	if !ok {
		return nil, "channel_not_found"
	}
	return response{"channel": response{"id": c.ID, "name": c.Name, "is_channel": true, "is_member": c.IsMember}}, ""
}

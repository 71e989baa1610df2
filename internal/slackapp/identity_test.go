package slackapp_test

import (
	"slices"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
)

func TestAuthTestScopes(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	c := newClient(fake, testToken)

	id, err := c.AuthTest(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if id.TeamID != slackfake.TeamID || id.UserID != slackfake.BotUserID || !slices.Equal(id.Scopes, slackfake.DefaultScopes) {
		t.Fatalf("AuthTest() = %+v", id)
	}

	fake.SetScopes("chat:write")
	if id, err = c.AuthTest(t.Context()); err != nil || !slices.Equal(id.Scopes, []string{"chat:write"}) {
		t.Fatalf("AuthTest() with fewer scopes = %+v, %v", id, err)
	}

	_, err = newClient(fake, "xoxb-wrong").AuthTest(t.Context())
	if code := slackapp.ErrorCode(err); code != "invalid_auth" {
		t.Fatalf("wrong token: code %q, err %v", code, err)
	}
}

func TestConversationInfo(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	c := newClient(fake, testToken)
	fake.AddChannel(slackfake.Channel{ID: "C1", Name: "hiring-ops", IsMember: true})
	fake.AddChannel(slackfake.Channel{ID: "C2", Name: "elsewhere"})

	tests := []struct {
		name, channel string
		want          slackapp.Conversation
		code          string
	}{
		{name: "member", channel: "C1", want: slackapp.Conversation{ID: "C1", Name: "hiring-ops", IsMember: true}},
		{name: "not a member", channel: "C2", want: slackapp.Conversation{ID: "C2", Name: "elsewhere"}},
		{name: "unknown", channel: "C3", code: "channel_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.ConversationInfo(t.Context(), tt.channel)
			if code := slackapp.ErrorCode(err); code != tt.code {
				t.Fatalf("code %q (%v), want %q", code, err, tt.code)
			}
			if got != tt.want {
				t.Fatalf("ConversationInfo() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

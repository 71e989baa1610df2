package slackapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// Defaults for Options fields left zero.
const (
	DefaultBaseURL    = "https://slack.com/api/"
	DefaultMaxRetries = 3
	DefaultBaseDelay  = 500 * time.Millisecond
	// maxDelay caps one backoff wait (not a Retry-After).
	maxDelay = 30 * time.Second
	// usersPageSize is the users.list limit Slack recommends.
	usersPageSize = 200
)

// transientCodes are ok:false error codes worth retrying.
var transientCodes = map[string]bool{
	"ratelimited":         true,
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
}

// Options configures a Client.
type Options struct {
	// Token is the bot token (xoxb-…).
	Token string
	// BaseURL is the Web API base (SLACK_API_URL); a trailing slash is
	// added if missing. Empty means DefaultBaseURL.
	BaseURL string
	// HTTPClient is used for every call; nil means a client with a 30s
	// timeout. It is copied, not modified.
	HTTPClient *http.Client
	// MaxRetries is how many times a transient failure is retried after the
	// first attempt; 0 means DefaultMaxRetries, negative means none.
	MaxRetries int
	// BaseDelay is the first backoff wait, doubled on each retry (with
	// jitter, capped at 30s); 0 means DefaultBaseDelay.
	BaseDelay time.Duration
	// Logger receives retry warnings; nil discards.
	Logger *slog.Logger
	// Observe, when set, is called after every attempt of a Web API call
	// (each retry too) with the method, its duration and its error (nil on
	// success); for metrics.
	Observe func(method string, d time.Duration, err error)
}

// User is a Slack workspace member.
type User struct {
	ID          string
	Email       string
	RealName    string
	DisplayName string
	IsBot       bool
	Deleted     bool
}

// Client calls the Slack Web API methods aaa needs, with retries. It is safe
// for concurrent use.
type Client struct {
	api        *slack.Client
	maxRetries int
	baseDelay  time.Duration
	logger     *slog.Logger
	observe    func(method string, d time.Duration, err error)
}

// New returns a Client. It does not contact Slack; a bad token shows up as
// invalid_auth on the first call.
func New(opts Options) *Client {
	base := opts.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}

	hc := &http.Client{Timeout: 30 * time.Second}
	if opts.HTTPClient != nil {
		copied := *opts.HTTPClient
		hc = &copied
	}
	// slack-go sends the token as a form field; also send it as a Bearer
	// header, Slack's preferred way, but only to the API host.
	var apiHost string
	if u, err := url.Parse(base); err == nil {
		apiHost = u.Host
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = bearerTransport{token: opts.Token, host: apiHost, next: next}

	c := &Client{
		api:        slack.New(opts.Token, slack.OptionAPIURL(base), slack.OptionHTTPClient(hc)),
		maxRetries: opts.MaxRetries,
		baseDelay:  opts.BaseDelay,
		logger:     opts.Logger,
		observe:    opts.Observe,
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.baseDelay <= 0 {
		c.baseDelay = DefaultBaseDelay
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	c.logger = c.logger.With("component", "slack")
	return c
}

// PostMessage posts text (the notification fallback) and blocks to channel
// (a channel id, or a user id for a DM from the bot) with chat.postMessage.
// It returns the channel id and ts Slack assigned, for a later
// UpdateMessage.
func (c *Client) PostMessage(ctx context.Context, channel, text string, blocks []slack.Block) (channelID, ts string, err error) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	err = c.do(ctx, "chat.postMessage", func(ctx context.Context) error {
		var err error
		channelID, ts, err = c.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	if err != nil {
		return "", "", fmt.Errorf("post slack message to %s: %w", channel, err)
	}
	c.logger.DebugContext(ctx, "slack message posted", slog.String("channel", channelID), slog.String("ts", ts))
	return channelID, ts, nil
}

// UpdateMessage replaces the text and blocks of the bot's message ts in
// channel with chat.update. Empty blocks clear the message's blocks.
func (c *Client) UpdateMessage(ctx context.Context, channel, ts, text string, blocks []slack.Block) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}
	err := c.do(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("update slack message %s in %s: %w", ts, channel, err)
	}
	return nil
}

// PostEphemeral shows text to user only, in channel, with
// chat.postEphemeral.
func (c *Client) PostEphemeral(ctx context.Context, channel, user, text string) error {
	err := c.do(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := c.api.PostEphemeralContext(ctx, channel, user, slack.MsgOptionText(text, false))
		return err
	})
	if err != nil {
		return fmt.Errorf("post ephemeral slack message to %s in %s: %w", user, channel, err)
	}
	return nil
}

// OpenDM opens (or finds) the bot's direct-message channel with userID with
// conversations.open and returns its id. Posting to the user id directly
// also works; this is for callers that need the D… id.
func (c *Client) OpenDM(ctx context.Context, userID string) (string, error) {
	var ch *slack.Channel
	err := c.do(ctx, "conversations.open", func(ctx context.Context) error {
		var err error
		ch, _, _, err = c.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("open slack dm with %s: %w", userID, err)
	}
	if ch == nil || ch.ID == "" {
		return "", fmt.Errorf("open slack dm with %s: response has no channel", userID)
	}
	return ch.ID, nil
}

// LookupUserByEmail finds the member with email (users.lookupByEmail). An
// unknown email returns an error wrapping domain.ErrNotFound. Bots and
// deactivated users are returned with their flags set.
func (c *Client) LookupUserByEmail(ctx context.Context, email string) (User, error) {
	var u *slack.User
	err := c.do(ctx, "users.lookupByEmail", func(ctx context.Context) error {
		var err error
		u, err = c.api.GetUserByEmailContext(ctx, email)
		return err
	})
	if code := ErrorCode(err); code == "users_not_found" || code == "user_not_found" {
		return User{}, fmt.Errorf("look up slack user by email: %w", domain.ErrNotFound)
	}
	if err != nil {
		// The email stays out of the error: errors end up in logs.
		return User{}, fmt.Errorf("look up slack user by email: %w", err)
	}
	return toUser(*u), nil
}

// ListUsers returns every real person in the workspace, following
// users.list's cursor: bots, deactivated members, Slackbot and members
// without an email are left out.
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	var users []User
	p := c.api.GetUsersPaginated(slack.GetUsersOptionLimit(usersPageSize))
	for page := 1; ; page++ {
		var next slack.UserPagination
		err := c.do(ctx, "users.list", func(ctx context.Context) error {
			var err error
			next, err = p.Next(ctx)
			return err
		})
		if p.Done(err) {
			return users, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list slack users (page %d): %w", page, err)
		}
		for _, m := range next.Users {
			if m.IsBot || m.Deleted || m.ID == "USLACKBOT" || m.Profile.Email == "" {
				continue
			}
			users = append(users, toUser(m))
		}
		p = next
	}
}

func toUser(u slack.User) User {
	realName := u.RealName
	if realName == "" {
		realName = u.Profile.RealName
	}
	return User{
		ID:          u.ID,
		Email:       u.Profile.Email,
		RealName:    realName,
		DisplayName: u.Profile.DisplayName,
		IsBot:       u.IsBot,
		Deleted:     u.Deleted,
	}
}

// ErrorCode returns the Slack error code of an ok:false response in err's
// chain (e.g. "channel_not_found", "invalid_auth"), or "" if there is none.
func ErrorCode(err error) string {
	if r, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return r.Err
	}
	if r, ok := errors.AsType[*slack.SlackErrorResponse](err); ok && r != nil {
		return r.Err
	}
	return ""
}

// do runs call, retrying transient failures with backoff.
func (c *Client) do(ctx context.Context, method string, call func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		start := time.Now()
		err := call(ctx)
		if c.observe != nil {
			c.observe(method, time.Since(start), err)
		}
		if err == nil {
			return nil
		}
		wait, retry := c.retryWait(ctx, err, attempt)
		if !retry || attempt >= c.maxRetries {
			return err
		}
		c.logger.WarnContext(ctx, "slack call failed, retrying",
			slog.String("method", method),
			slog.Int("attempt", attempt+1),
			slog.Duration("wait", wait),
			slog.String("error", err.Error()))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// retryWait reports whether err is transient and how long to wait before
// the next attempt.
func (c *Client) retryWait(ctx context.Context, err error, attempt int) (time.Duration, bool) {
	if ctx.Err() != nil {
		return 0, false
	}
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		if rl.RetryAfter > 0 {
			return rl.RetryAfter, true
		}
		return c.backoff(attempt), true
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok {
		return c.backoff(attempt), sc.Code >= 500 || sc.Code == http.StatusTooManyRequests
	}
	if code := ErrorCode(err); code != "" {
		return c.backoff(attempt), transientCodes[code]
	}
	// A transport error (connection refused or reset, timeout): the request
	// may not have reached Slack, so try again.
	if _, ok := errors.AsType[*url.Error](err); ok {
		return c.backoff(attempt), true
	}
	return 0, false
}

// backoff is BaseDelay·2^attempt, capped, with up to half of it as jitter.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.baseDelay << min(attempt, 20)
	if d <= 0 || d > maxDelay {
		d = maxDelay
	}
	half := d / 2
	return half + rand.N(half+1)
}

// bearerTransport adds the bot token as an Authorization header to requests
// for the API host.
type bearerTransport struct {
	token string
	host  string
	next  http.RoundTripper
}

func (t bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.token == "" || r.URL.Host != t.host || r.Header.Get("Authorization") != "" {
		return t.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}

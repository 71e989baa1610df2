package slackapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
)

const testToken = "xoxb-test-token"

func newFake(t *testing.T) *slackfake.Server {
	t.Helper()
	fake := slackfake.New(testToken)
	t.Cleanup(fake.Close)
	return fake
}

func newClient(fake *slackfake.Server, token string) *slackapp.Client {
	return slackapp.New(slackapp.Options{
		Token:      token,
		BaseURL:    strings.TrimSuffix(fake.URL(), "/"), // New adds the slash back
		MaxRetries: 3,
		BaseDelay:  time.Millisecond,
	})
}

func TestPostRejectionMessage(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	c := newClient(fake, testToken)

	text, blocks := slackapp.RejectionMessage(sampleNotice())
	channel, ts, err := c.PostMessage(t.Context(), "C123ABC456", text, blocks)
	if err != nil {
		t.Fatal(err)
	}
	if channel != "C123ABC456" || ts == "" {
		t.Fatalf("PostMessage() = %q, %q", channel, ts)
	}

	calls := fake.CallsTo("chat.postMessage")
	if len(calls) != 1 {
		t.Fatalf("%d chat.postMessage calls, want 1", len(calls))
	}
	call := calls[0]
	if call.Auth != "bearer" {
		t.Errorf("token presented as %q, want the Authorization header", call.Auth)
	}
	if call.Params.Get("channel") != "C123ABC456" || call.Params.Get("text") != text {
		t.Fatalf("params = %v", call.Params)
	}
	jb := decodeBlocks(t, call.Blocks)
	btns := buttons(t, jb)
	if len(btns) != 2 || btns[0].ActionID != slackapp.ActionSendRejection || btns[1].ActionID != slackapp.ActionKeepInProcess {
		t.Fatalf("buttons = %+v", btns)
	}
	rv, err := slackapp.ParseRejectionValue(btns[0].Value)
	if err != nil || rv.ExecutionID != "exec-1" {
		t.Fatalf("button value %q: %+v, %v", btns[0].Value, rv, err)
	}
	all := strings.Join(sectionTexts(jb), "\n")
	for _, want := range []string{"• Alice Adams: 2", "• Bob Brown: 4", "• Carol Chen: Strong Yes", "• Dan Diaz: _no feedback_"} {
		if !strings.Contains(all, want) {
			t.Errorf("posted blocks lack %q", want)
		}
	}

	// The click's chat.update replaces the message and drops the button.
	text, blocks = slackapp.ArchivedUpdate(sampleNotice(), "U1", "jane", time.Now(), time.Time{})
	if err := c.UpdateMessage(t.Context(), channel, ts, text, blocks); err != nil {
		t.Fatal(err)
	}
	msg, ok := fake.Message(channel, ts)
	if !ok || msg.Text != text {
		t.Fatalf("message after update = %+v", msg)
	}
	if len(buttons(t, decodeBlocks(t, msg.Blocks))) != 0 {
		t.Fatal("updated message still has a button")
	}

	if err := c.UpdateMessage(t.Context(), channel, "999.999", text, blocks); slackapp.ErrorCode(err) != "message_not_found" {
		t.Fatalf("update of unknown message: %v", err)
	}
}

func TestPostDryRunHasNoButton(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	c := newClient(fake, testToken)
	n := sampleNotice()
	n.DryRun = true
	text, blocks := slackapp.RejectionMessage(n)
	if _, _, err := c.PostMessage(t.Context(), "C1", text, blocks); err != nil {
		t.Fatal(err)
	}
	calls := fake.CallsTo("chat.postMessage")
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	if btns := buttons(t, decodeBlocks(t, calls[0].Blocks)); len(btns) != 0 {
		t.Fatalf("dry run posted buttons %+v", btns)
	}
	if !strings.Contains(calls[0].Params.Get("text"), "Dry run") {
		t.Fatalf("text = %q", calls[0].Params.Get("text"))
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     slackfake.Fault
		failures  int
		wantErr   string // Slack error code, "" for success
		wantCalls int
		minWait   time.Duration
	}{
		{name: "http 500 twice", fault: slackfake.HTTP500(), failures: 2, wantCalls: 3},
		{name: "ok false ratelimited", fault: slackfake.OKFalse("ratelimited"), failures: 1, wantCalls: 2},
		{name: "ok false internal_error", fault: slackfake.OKFalse("internal_error"), failures: 2, wantCalls: 3},
		{name: "429 with retry-after 1", fault: slackfake.RateLimited(1), failures: 1, wantCalls: 2, minWait: time.Second},
		{name: "invalid_auth not retried", fault: slackfake.OKFalse("invalid_auth"), failures: 1, wantErr: "invalid_auth", wantCalls: 1},
		{name: "channel_not_found not retried", fault: slackfake.OKFalse("channel_not_found"), failures: 1, wantErr: "channel_not_found", wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := newFake(t)
			c := newClient(fake, testToken)
			fake.FailNext("chat.postMessage", tt.failures, tt.fault)

			start := time.Now()
			_, ts, err := c.PostMessage(t.Context(), "C1", "hello", nil)
			elapsed := time.Since(start)

			if tt.wantErr == "" && (err != nil || ts == "") {
				t.Fatalf("PostMessage() = %q, %v, want success", ts, err)
			}
			if tt.wantErr != "" && slackapp.ErrorCode(err) != tt.wantErr {
				t.Fatalf("PostMessage() error = %v, want %s", err, tt.wantErr)
			}
			if got := len(fake.CallsTo("chat.postMessage")); got != tt.wantCalls {
				t.Fatalf("%d calls, want %d", got, tt.wantCalls)
			}
			if elapsed < tt.minWait {
				t.Fatalf("took %v, want at least %v (Retry-After)", elapsed, tt.minWait)
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	c := slackapp.New(slackapp.Options{Token: testToken, BaseURL: fake.URL(), MaxRetries: 2, BaseDelay: time.Millisecond})
	fake.FailNext("chat.update", 5, slackfake.HTTP500())
	err := c.UpdateMessage(t.Context(), "C1", "1.2", "x", nil)
	if err == nil {
		t.Fatal("want an error")
	}
	if got := len(fake.CallsTo("chat.update")); got != 3 {
		t.Fatalf("%d calls, want 3 (1 + 2 retries)", got)
	}
}

func TestRetryAfterHonoursContext(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	c := newClient(fake, testToken)
	fake.FailNext("chat.postMessage", 1, slackfake.RateLimited(30))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := c.PostMessage(ctx, "C1", "x", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("PostMessage() error = %v, want deadline exceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("waited past the context deadline")
	}
}

func TestWrongTokenRejected(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	c := newClient(fake, "xoxb-wrong")
	_, _, err := c.PostMessage(t.Context(), "C1", "x", nil)
	if slackapp.ErrorCode(err) != "invalid_auth" {
		t.Fatalf("PostMessage() error = %v, want invalid_auth", err)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Error != "invalid_auth" {
		t.Fatalf("calls = %+v, want one invalid_auth", calls)
	}
}

// seedExampleUsers loads users_list_response.json into the fake.
func seedExampleUsers(t *testing.T, fake *slackfake.Server) {
	t.Helper()
	b, err := os.ReadFile("testdata/users_list_response.json")
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Members []struct {
			ID       string `json:"id"`
			IsBot    bool   `json:"is_bot"`
			Deleted  bool   `json:"deleted"`
			RealName string `json:"real_name"`
			Profile  struct {
				Email       string `json:"email"`
				DisplayName string `json:"display_name"`
			} `json:"profile"`
		} `json:"members"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	for _, m := range resp.Members {
		fake.AddUsers(slackfake.User{ID: m.ID, IsBot: m.IsBot, Deleted: m.Deleted, RealName: m.RealName,
			Email: m.Profile.Email, DisplayName: m.Profile.DisplayName})
	}
	fake.AddUsers(
		slackfake.User{ID: "USLACKBOT", RealName: "Slackbot"},
		slackfake.User{ID: "U777777", RealName: "Second Person", DisplayName: "second", Email: "second@example.com"},
	)
}

func TestListUsersPaginated(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	seedExampleUsers(t, fake)
	fake.SetPageSize(1)
	fake.FailNext("users.list", 1, slackfake.HTTP500()) // a failed page is retried, not skipped
	c := newClient(fake, testToken)

	users, err := c.ListUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []slackapp.User{
		{ID: "U123456", Email: "test@example.com", RealName: "Test User", DisplayName: "testuser"},
		{ID: "U777777", Email: "second@example.com", RealName: "Second Person", DisplayName: "second"},
	}
	if len(users) != len(want) || users[0] != want[0] || users[1] != want[1] {
		t.Fatalf("ListUsers() = %+v, want %+v", users, want)
	}
	// 6 members, one per page, plus the retried first page.
	if got := len(fake.CallsTo("users.list")); got != 7 {
		t.Fatalf("%d users.list calls, want 7", got)
	}
}

func TestLookupUserByEmail(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	seedExampleUsers(t, fake)
	c := newClient(fake, testToken)

	u, err := c.LookupUserByEmail(t.Context(), "Test@Example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "U123456" || u.Email != "test@example.com" || u.DisplayName != "testuser" {
		t.Fatalf("LookupUserByEmail() = %+v", u)
	}
	_, err = c.LookupUserByEmail(t.Context(), "nobody@example.com")
	if !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown email: %v, want domain.ErrNotFound", err)
	}
	if strings.Contains(err.Error(), "nobody@example.com") {
		t.Fatalf("error leaks the email: %v", err)
	}
}

func TestDMAndEphemeral(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	c := newClient(fake, testToken)

	dm, err := c.OpenDM(t.Context(), "U123")
	if err != nil || dm != "DU123" {
		t.Fatalf("OpenDM() = %q, %v", dm, err)
	}
	if got := fake.CallsTo("conversations.open"); len(got) != 1 || got[0].Params.Get("users") != "U123" {
		t.Fatalf("conversations.open calls = %+v", got)
	}

	// Posting to a user id lands in the bot's DM, as on Slack.
	channel, _, err := c.PostMessage(t.Context(), "U123", "hi", nil)
	if err != nil || channel != "DU123" {
		t.Fatalf("PostMessage(user) = %q, %v", channel, err)
	}

	if err := c.PostEphemeral(t.Context(), "C1", "U123", "only you"); err != nil {
		t.Fatal(err)
	}
	got := fake.CallsTo("chat.postEphemeral")
	if len(got) != 1 || got[0].Params.Get("user") != "U123" || got[0].Params.Get("channel") != "C1" {
		t.Fatalf("chat.postEphemeral calls = %+v", got)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogsCarryNoMessageText(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	var logs syncBuffer
	c := slackapp.New(slackapp.Options{
		Token: testToken, BaseURL: fake.URL(), BaseDelay: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	fake.FailNext("chat.postMessage", 1, slackfake.HTTP500())
	text, blocks := slackapp.RejectionMessage(sampleNotice())
	if _, _, err := c.PostMessage(t.Context(), "C1", text, blocks); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "chat.postMessage") {
		t.Fatalf("no retry log:\n%s", out)
	}
	for _, secret := range []string{"John Smith", "Alice", testToken} {
		if strings.Contains(out, secret) {
			t.Fatalf("log contains %q:\n%s", secret, out)
		}
	}
}

// TestObserveEveryAttempt reports each attempt of a call, the failed ones
// with their error, for the Slack call metrics.
func TestObserveEveryAttempt(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	var mu sync.Mutex
	var got []string
	c := slackapp.New(slackapp.Options{
		Token: testToken, BaseURL: fake.URL(), MaxRetries: 3, BaseDelay: time.Millisecond,
		Observe: func(method string, _ time.Duration, err error) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, method+" "+slackapp.ErrorCode(err))
		},
	})
	fake.FailNext("chat.postMessage", 1, slackfake.OKFalse("internal_error"))
	if _, _, err := c.PostMessage(t.Context(), "C1", "hello", nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"chat.postMessage internal_error", "chat.postMessage "}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("observed %q, want %q", got, want)
	}
}

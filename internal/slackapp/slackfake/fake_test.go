package slackfake_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
)

type reply struct {
	OK       bool                  `json:"ok"`
	Error    string                `json:"error"`
	Channel  json.RawMessage       `json:"channel"`
	TS       string                `json:"ts"`
	Members  []struct{ ID string } `json:"members"`
	Metadata struct {
		NextCursor string `json:"next_cursor"`
	} `json:"response_metadata"`
}

func post(t *testing.T, fake *slackfake.Server, method, bearer string, form url.Values) (int, reply) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, fake.URL()+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r reply
	if resp.StatusCode != http.StatusInternalServerError {
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, r
}

func TestAuth(t *testing.T) {
	t.Parallel()
	fake := slackfake.New("tok")
	defer fake.Close()
	msg := url.Values{"channel": {"C1"}, "text": {"hi"}}
	withToken := func(tok string) url.Values {
		v := url.Values{"token": {tok}}
		for k, vs := range msg {
			v[k] = vs
		}
		return v
	}

	tests := []struct {
		name   string
		bearer string
		form   url.Values
		wantOK bool
		auth   string
	}{
		{name: "bearer", bearer: "tok", form: msg, wantOK: true, auth: "bearer"},
		{name: "form token", form: withToken("tok"), wantOK: true, auth: "form"},
		{name: "wrong bearer wins over right form token", bearer: "bad", form: withToken("tok"), auth: "bearer"},
		{name: "wrong form token", form: withToken("bad"), auth: "form"},
		{name: "no token", form: msg},
	}
	for _, tt := range tests {
		_, r := post(t, fake, "chat.postMessage", tt.bearer, tt.form)
		if r.OK != tt.wantOK || (!tt.wantOK && r.Error != "invalid_auth") {
			t.Errorf("%s: reply %+v", tt.name, r)
		}
		calls := fake.Calls()
		last := calls[len(calls)-1]
		if last.Auth != tt.auth || last.Params.Has("token") {
			t.Errorf("%s: recorded %+v", tt.name, last)
		}
	}
}

func TestFailNextQueues(t *testing.T) {
	t.Parallel()
	fake := slackfake.New("tok")
	defer fake.Close()
	fake.FailNext("chat.postMessage", 1, slackfake.HTTP500())
	fake.FailNext("chat.postMessage", 1, slackfake.RateLimited(7))
	form := url.Values{"channel": {"C1"}, "text": {"hi"}}

	if status, _ := post(t, fake, "chat.postMessage", "tok", form); status != http.StatusInternalServerError {
		t.Fatalf("first call status %d, want 500", status)
	}
	if status, r := post(t, fake, "chat.postMessage", "tok", form); status != http.StatusTooManyRequests || r.Error != "ratelimited" {
		t.Fatalf("second call %d %+v, want 429 ratelimited", status, r)
	}
	// Other methods are unaffected.
	if _, r := post(t, fake, "conversations.open", "tok", url.Values{"users": {"U1"}}); !r.OK {
		t.Fatalf("conversations.open: %+v", r)
	}
	if _, r := post(t, fake, "chat.postMessage", "tok", form); !r.OK || r.TS == "" {
		t.Fatalf("third call: %+v", r)
	}
	if got := len(fake.CallsTo("chat.postMessage")); got != 3 {
		t.Fatalf("%d calls recorded, want 3", got)
	}
}

func TestUsersListCursor(t *testing.T) {
	t.Parallel()
	fake := slackfake.New("tok")
	defer fake.Close()
	fake.AddUsers(slackfake.User{ID: "U1"}, slackfake.User{ID: "U2"}, slackfake.User{ID: "U3"})

	var ids []string
	cursor := ""
	for range 10 {
		_, r := post(t, fake, "users.list", "tok", url.Values{"limit": {"2"}, "cursor": {cursor}})
		if !r.OK {
			t.Fatalf("users.list: %+v", r)
		}
		for _, m := range r.Members {
			ids = append(ids, m.ID)
		}
		cursor = r.Metadata.NextCursor
		if cursor == "" {
			break
		}
	}
	if strings.Join(ids, ",") != "U1,U2,U3" {
		t.Fatalf("members = %v", ids)
	}
	if _, r := post(t, fake, "users.list", "tok", url.Values{"cursor": {"garbage"}}); r.Error != "invalid_cursor" {
		t.Fatalf("bad cursor: %+v", r)
	}
}

func TestPrinter(t *testing.T) {
	t.Parallel()
	fake := slackfake.New("tok")
	defer fake.Close()
	var out strings.Builder
	fake.OnMessage(slackfake.Printer(&out))
	blocks := `[{"type":"header","text":{"type":"plain_text","text":"Hello"}},
		{"type":"section","text":{"type":"mrkdwn","text":"*Job:* A &amp; B"}},
		{"type":"divider"},
		{"type":"actions","elements":[{"type":"button","action_id":"send_rejection","style":"danger","value":"v","text":{"type":"plain_text","text":"Archive"},"confirm":{}}]},
		{"type":"context","elements":[{"type":"mrkdwn","text":"footer"}]}]`
	if _, r := post(t, fake, "chat.postMessage", "tok", url.Values{"channel": {"C1"}, "text": {"fallback"}, "blocks": {blocks}}); !r.OK {
		t.Fatalf("post: %+v", r)
	}
	// Failed calls are not printed.
	fake.FailNext("chat.postMessage", 1, slackfake.OKFalse("channel_not_found"))
	post(t, fake, "chat.postMessage", "tok", url.Values{"channel": {"C2"}, "text": {"lost"}})

	got := out.String()
	for _, want := range []string{"chat.postMessage → C1", "== Hello ==", "*Job:* A & B", "[Archive] (send_rejection, danger, confirm)", "footer"} {
		if !strings.Contains(got, want) {
			t.Errorf("printed output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "lost") || strings.Contains(got, "C2") {
		t.Errorf("failed call printed:\n%s", got)
	}
}

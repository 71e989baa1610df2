// Package slackfake is an in-process fake of the Slack Web API methods aaa
// uses, for tests and the demo: chat.postMessage, chat.update,
// chat.postEphemeral, conversations.open, users.lookupByEmail, users.list,
// and for `aaa doctor` auth.test and conversations.info.
//
// Usage:
//
//	fake := slackfake.New("xoxb-test")
//	defer fake.Close()
//	fake.AddUsers(slackfake.User{ID: "U1", Email: "a@example.com", RealName: "Ada"})
//	client := slackapp.New(slackapp.Options{Token: "xoxb-test", BaseURL: fake.URL()})
//	...
//	calls := fake.CallsTo("chat.postMessage")
//
// The fake authenticates like Slack: the token must arrive as
// "Authorization: Bearer <token>" or, if that header is absent, as the
// `token` form field (slack-go sends both); otherwise the answer is
// ok:false invalid_auth. It accepts form-encoded and JSON bodies, answers
// HTTP 200 with JSON like Slack, records every request (including failed
// ones) and can be told to fail the next calls of a method with FailNext.
//
// It keeps posted messages so chat.update can check that the message exists
// (message_not_found otherwise). Channels are not modelled: any non-empty
// channel id is accepted; a user id (U…/W…) as channel posts to "D"+id like
// a bot DM. conversations.info knows only the channels added with
// AddChannel, with the bot a member or not. Every answer carries the granted
// scopes in the x-oauth-scopes header (DefaultScopes, or SetScopes), but
// scopes are not enforced. It is not a full Slack: no threads or per-method
// rate tiers.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Call is one recorded request.
type Call struct {
	// Method is the Web API method, e.g. "chat.postMessage".
	Method string
	// Params are the request's parameters: the form fields, or the
	// top-level fields of a JSON body (non-strings as JSON text). The token
	// field is removed.
	Params url.Values
	// Blocks is the `blocks` parameter as JSON, nil if absent.
	Blocks json.RawMessage
	// Auth is how the token was presented: "bearer" (Authorization
	// header), "form" (token field) or "" (none).
	Auth string
	// Status is the HTTP status the fake answered with.
	Status int
	// Error is the ok:false error code answered, "" for ok:true or HTTP
	// failures.
	Error string
	// Channel and TS are the message's channel and ts for successful chat.*
	// calls.
	Channel string
	TS      string
}

// OK reports whether the fake answered ok:true.
func (c Call) OK() bool { return c.Status == http.StatusOK && c.Error == "" }

// User is a seeded workspace member.
type User struct {
	ID          string
	Name        string
	RealName    string
	DisplayName string
	Email       string
	IsBot       bool
	Deleted     bool
}

// Message is a message the fake holds (posted, then maybe updated).
type Message struct {
	Channel string
	TS      string
	Text    string
	Blocks  json.RawMessage
}

// Fault is how a call is made to fail; build one with HTTP500, OKFalse or
// RateLimited.
type Fault struct {
	status     int
	code       string
	retryAfter int
}

// HTTP500 answers HTTP 500 with an HTML body, as Slack does.
func HTTP500() Fault { return Fault{status: http.StatusInternalServerError} }

// OKFalse answers HTTP 200 {"ok":false,"error":code}.
func OKFalse(code string) Fault { return Fault{status: http.StatusOK, code: code} }

// RateLimited answers HTTP 429 with Retry-After: seconds and
// {"ok":false,"error":"ratelimited"}.
func RateLimited(seconds int) Fault {
	return Fault{status: http.StatusTooManyRequests, code: "ratelimited", retryAfter: seconds}
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	srv   *httptest.Server
	token string

	mu        sync.Mutex
	calls     []Call
	faults    map[string][]Fault
	users     []User
	pageSize  int
	messages  map[string]*Message // key channel+"/"+ts
	nextTS    int64
	onMessage func(Call)
	// scopes are the granted scopes (nil: DefaultScopes); channels the
	// channels conversations.info knows.
	scopes   []string
	channels map[string]Channel
}

// New starts a fake that accepts token.
func New(token string) *Server {
	s := &Server{
		token:    token,
		faults:   map[string][]Fault{},
		messages: map[string]*Message{},
		nextTS:   1700000000000100,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the Web API base URL to configure clients with, ending in "/api/".
func (s *Server) URL() string { return s.srv.URL + "/api/" }

// Close shuts the fake down.
func (s *Server) Close() { s.srv.Close() }

// AddUsers seeds workspace members for users.list, users.lookupByEmail and
// conversations.open.
func (s *Server) AddUsers(users ...User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = append(s.users, users...)
}

// SetPageSize caps how many members one users.list page returns (the
// smaller of it and the request's limit); 0 means only the limit applies.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// FailNext makes the next n calls of method fail with f. Faults queue up:
// calling it twice fails the first calls with the first fault.
func (s *Server) FailNext(method string, n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// OnMessage sets a hook called (outside the fake's lock) after every
// successful chat.postMessage, chat.update and chat.postEphemeral, e.g.
// Printer(os.Stdout) for a demo. nil removes it.
func (s *Server) OnMessage(fn func(Call)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMessage = fn
}

// Calls returns every recorded request, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the recorded requests for method, oldest first.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Message returns the current state of a posted message.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[channel+"/"+ts]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// Reset forgets calls, faults and messages; seeded users stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
	s.faults = map[string][]Fault{}
	s.messages = map[string]*Message{}
}

// response is a JSON answer; ok is added by reply.
type response map[string]any

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	params, token, err := decodeParams(r)
	call := Call{Method: method, Params: params}
	switch {
	case r.Header.Get("Authorization") != "":
		call.Auth = "bearer"
	case token != "":
		call.Auth = "form"
	}
	if b := params.Get("blocks"); b != "" {
		call.Blocks = json.RawMessage(b)
	}

	s.mu.Lock()
	var (
		status = http.StatusOK
		body   response
		code   string
	)
	switch {
	case err != nil:
		code = "invalid_form_data"
	case !s.authorized(r, token):
		code = "invalid_auth"
	default:
		if f, faulted := s.popFault(method); faulted {
			status, code = f.status, f.code
			if f.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
			}
			break
		}
		body, code = s.handle(method, params, &call)
	}
	call.Status, call.Error = status, code
	s.calls = append(s.calls, call)
	hook := s.onMessage
	w.Header().Set("X-OAuth-Scopes", s.scopeHeader())
	s.mu.Unlock()

	if status == http.StatusInternalServerError {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "<html><body>Internal Server Error</body></html>")
		return
	}
	if code != "" {
		body = response{"ok": false, "error": code}
	} else {
		body["ok"] = true
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)

	if hook != nil && call.OK() && strings.HasPrefix(method, "chat.") {
		hook(call)
	}
}

// decodeParams reads a form or JSON body and returns its parameters without
// the token, and the token.
func decodeParams(r *http.Request) (url.Values, string, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	params := url.Values{}
	if ct == "application/json" {
		var obj map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&obj); err != nil {
			return params, "", fmt.Errorf("decode json body: %w", err)
		}
		for k, v := range obj {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params.Set(k, str)
			} else {
				params.Set(k, string(v))
			}
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return params, "", fmt.Errorf("parse form: %w", err)
		}
		params = r.Form
	}
	token := params.Get("token")
	params.Del("token")
	return params, token, nil
}

func (s *Server) authorized(r *http.Request, formToken string) bool {
	if h := r.Header.Get("Authorization"); h != "" {
		return h == "Bearer "+s.token
	}
	return formToken != "" && formToken == s.token
}

func (s *Server) popFault(method string) (Fault, bool) {
	q := s.faults[method]
	if len(q) == 0 {
		return Fault{}, false
	}
	s.faults[method] = q[1:]
	return q[0], true
}

// handle answers one authorised, unfaulted call; s.mu is held.
func (s *Server) handle(method string, p url.Values, call *Call) (response, string) {
	switch method {
	case "chat.postMessage":
		channel := dmChannel(p.Get("channel"))
		if channel == "" {
			return nil, "channel_not_found"
		}
		if p.Get("text") == "" && call.Blocks == nil {
			return nil, "no_text"
		}
		ts := s.newTS()
		s.messages[channel+"/"+ts] = &Message{Channel: channel, TS: ts, Text: p.Get("text"), Blocks: call.Blocks}
		call.Channel, call.TS = channel, ts
		return response{"channel": channel, "ts": ts, "message": response{"text": p.Get("text"), "ts": ts}}, ""

	case "chat.update":
		channel, ts := p.Get("channel"), p.Get("ts")
		m, ok := s.messages[channel+"/"+ts]
		if !ok {
			return nil, "message_not_found"
		}
		m.Text = p.Get("text")
		if _, set := p["blocks"]; set {
			m.Blocks = call.Blocks
		}
		call.Channel, call.TS = channel, ts
		return response{"channel": channel, "ts": ts, "text": m.Text}, ""

	case "chat.postEphemeral":
		channel, user := p.Get("channel"), p.Get("user")
		if channel == "" {
			return nil, "channel_not_found"
		}
		if user == "" {
			return nil, "user_not_found"
		}
		ts := s.newTS()
		call.Channel, call.TS = channel, ts
		return response{"message_ts": ts}, ""

	case "conversations.open":
		users := strings.Split(p.Get("users"), ",")
		if len(users) != 1 || users[0] == "" {
			return nil, "users_list_not_supplied"
		}
		if u, ok := s.userByID(users[0]); ok && u.Deleted {
			return nil, "user_disabled"
		}
		return response{"channel": response{"id": "D" + users[0]}}, ""

	case "users.lookupByEmail":
		email := strings.ToLower(p.Get("email"))
		for _, u := range s.users {
			if email != "" && strings.ToLower(u.Email) == email {
				return response{"user": member(u)}, ""
			}
		}
		return nil, "users_not_found"

	case "users.list":
		return s.usersList(p)

	case "auth.test":
		return s.authTest()

	case "conversations.info":
		return s.conversationInfo(p)
	}
	return nil, "unknown_method"
}

func (s *Server) usersList(p url.Values) (response, string) {
	start := 0
	if c := p.Get("cursor"); c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "cursor-"))
		if err != nil || n < 0 || n > len(s.users) {
			return nil, "invalid_cursor"
		}
		start = n
	}
	size := len(s.users)
	if l, err := strconv.Atoi(p.Get("limit")); err == nil && l > 0 {
		size = l
	}
	if s.pageSize > 0 && s.pageSize < size {
		size = s.pageSize
	}
	end := min(start+size, len(s.users))
	members := make([]response, 0, end-start)
	for _, u := range s.users[start:end] {
		members = append(members, member(u))
	}
	next := ""
	if end < len(s.users) {
		next = "cursor-" + strconv.Itoa(end)
	}
	return response{"members": members, "response_metadata": response{"next_cursor": next}}, ""
}

func (s *Server) userByID(id string) (User, bool) {
	for _, u := range s.users {
		if u.ID == id {
			return u, true
		}
	}
	return User{}, false
}

func (s *Server) newTS() string {
	s.nextTS++
	return fmt.Sprintf("%d.%06d", s.nextTS/1000000, s.nextTS%1000000)
}

// dmChannel maps a user id used as a channel to the bot's DM with them.
func dmChannel(channel string) string {
	if strings.HasPrefix(channel, "U") || strings.HasPrefix(channel, "W") {
		return "D" + channel
	}
	return channel
}

func member(u User) response {
	profile := response{"display_name": u.DisplayName, "real_name": u.RealName}
	if u.Email != "" {
		profile["email"] = u.Email
	}
	return response{
		"id":        u.ID,
		"name":      u.Name,
		"real_name": u.RealName,
		"is_bot":    u.IsBot,
		"deleted":   u.Deleted,
		"profile":   profile,
		"updated":   time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix(),
	}
}

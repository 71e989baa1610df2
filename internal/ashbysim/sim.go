package ashbysim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultAPIKey is the key a Sim accepts when Options.APIKey is empty.
const DefaultAPIKey = "sim-api-key"

// Options configures a Sim.
type Options struct {
	// APIKey is the only key accepted (Basic auth user, empty password).
	// Default DefaultAPIKey.
	APIKey string
	// PageSize caps items per page of paginated lists (default and max 100).
	PageSize int
	// Now is the workspace clock for timestamps (default time.Now).
	Now func() time.Time
	// Seed seeds the random source used for ids and fault injection
	// (default 1).
	Seed int64
}

// Call is one recorded request.
type Call struct {
	// Method is the Ashby method (the URL path without the leading slash).
	Method string
	// Body is the raw request body.
	Body []byte
	// Time is the wall-clock arrival time (not Options.Now), so retry
	// spacing can be measured.
	Time time.Time
	// Done is when the simulator finished with the request (answered,
	// dropped, or saw the client go away).
	Done time.Time
	// Status is the HTTP status written, or 0 when the connection was
	// dropped or the client went away before an answer.
	Status int
	// Code is the Ashby error code of a success=false or error answer.
	Code string
	// Fault names the injected fault, if any ("5xx", "429", "delay",
	// "drop", "apply_then_drop").
	Fault string
}

// Fault describes failures injected into one method. Rates are
// probabilities in [0,1] drawn independently per request, in the order
// drop, 5xx, 429; Delay applies to a DelayRate share of the remaining
// requests (all of them when DelayRate is 0 and Delay is set).
type Fault struct {
	// Rate5xx answers HTTP 503 with an error envelope.
	Rate5xx float64
	// Rate429 answers HTTP 429, with "Retry-After: <RetryAfter>" when
	// RetryAfter > 0 (whole seconds).
	Rate429    float64
	RetryAfter int
	// DropRate hijacks the connection and closes it without an answer,
	// before the request is applied.
	DropRate float64
	// Delay holds the request this long before handling it (aborted if the
	// client goes away, in which case nothing is applied).
	Delay     time.Duration
	DelayRate float64
	// ApplyThenDropRate applies the request, then closes the connection
	// without answering: the change happens but the client sees a network
	// error.
	ApplyThenDropRate float64
	// Count limits how many faults are injected before the fault switches
	// itself off (0 = unlimited).
	Count int
}

// Sim is an in-memory Ashby workspace. Create it with New.
type Sim struct {
	opts Options
	now  func() time.Time
	hc   *http.Client

	mu        sync.Mutex
	rng       *rand.Rand
	seq       int64
	epoch     int
	requestN  int
	calls     []Call
	faults    map[string]*faultState
	jobs      map[string]*job
	plans     map[string]*plan
	stages    map[string]*stage
	interview map[string]*interview
	forms     map[string]*form
	users     map[string]*user
	reasons   map[string]*archiveReason
	templates map[string]*template
	cands     map[string]*candidate
	apps      map[string]*application
	schedules map[string]*schedule
	events    map[string]*event
	feedback  map[string]*feedback
	emails    []SentEmail
	// denied are the methods the key lacks the permission for (Deny).
	denied map[string]bool
}

type faultState struct {
	Fault
	injected int
}

// New returns an empty workspace.
func New(opts Options) *Sim {
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.PageSize <= 0 || opts.PageSize > 100 {
		opts.PageSize = 100
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Sim{
		opts:      opts,
		now:       now,
		hc:        &http.Client{Timeout: 10 * time.Second},
		rng:       rand.New(rand.NewSource(opts.Seed)),
		faults:    map[string]*faultState{},
		jobs:      map[string]*job{},
		plans:     map[string]*plan{},
		stages:    map[string]*stage{},
		interview: map[string]*interview{},
		forms:     map[string]*form{},
		users:     map[string]*user{},
		reasons:   map[string]*archiveReason{},
		templates: map[string]*template{},
		cands:     map[string]*candidate{},
		apps:      map[string]*application{},
		schedules: map[string]*schedule{},
		events:    map[string]*event{},
		feedback:  map[string]*feedback{},
	}
}

// APIKey returns the accepted API key.
func (s *Sim) APIKey() string { return s.opts.APIKey }

// SetFault installs f for method, replacing any previous fault.
func (s *Sim) SetFault(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = &faultState{Fault: f}
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string]*faultState{}
}

// Calls returns a copy of the call log, oldest first.
func (s *Sim) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallCount returns how many requests were made to method ("" counts all).
func (s *Sim) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			n++
		}
	}
	return n
}

// ResetCalls empties the call log.
func (s *Sim) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// nextSeq returns a new change sequence number. Callers hold s.mu.
func (s *Sim) nextSeq() int64 {
	s.seq++
	return s.seq
}

// newID returns a deterministic UUID-shaped id. Callers hold s.mu.
func (s *Sim) newID() string {
	r := s.rng
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x",
		r.Uint32(), r.Intn(1<<16), r.Intn(1<<12), 0x8000|r.Intn(1<<14), r.Int63n(1<<48))
}

// pickFault decides which fault, if any, hits this request. Callers hold s.mu.
func (s *Sim) pickFault(method string) (string, Fault) {
	fs, ok := s.faults[method]
	if !ok {
		return "", Fault{}
	}
	if fs.Count > 0 && fs.injected >= fs.Count {
		return "", Fault{}
	}
	kind := ""
	switch {
	case fs.DropRate > 0 && s.rng.Float64() < fs.DropRate:
		kind = "drop"
	case fs.Rate5xx > 0 && s.rng.Float64() < fs.Rate5xx:
		kind = "5xx"
	case fs.Rate429 > 0 && s.rng.Float64() < fs.Rate429:
		kind = "429"
	case fs.Delay > 0 && (fs.DelayRate == 0 || s.rng.Float64() < fs.DelayRate):
		kind = "delay"
	case fs.ApplyThenDropRate > 0 && s.rng.Float64() < fs.ApplyThenDropRate:
		kind = "apply_then_drop"
	}
	if kind != "" {
		fs.injected++
	}
	return kind, fs.Fault
}

// apiError is a success=false answer.
type apiError struct {
	status  int
	code    string
	message string
}

func errInput(msg string) *apiError {
	return &apiError{status: http.StatusOK, code: "invalid_input", message: msg}
}

func errNotFound(code, msg string) *apiError {
	return &apiError{status: http.StatusOK, code: code, message: msg}
}

// ServeHTTP answers one Ashby API request.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	method := strings.TrimPrefix(r.URL.Path, "/")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))

	s.mu.Lock()
	kind, f := s.pickFault(method)
	idx := len(s.calls)
	s.calls = append(s.calls, Call{Method: method, Body: body, Time: arrived, Fault: kind})
	s.mu.Unlock()

	finish := func(status int, code string) {
		s.mu.Lock()
		s.calls[idx].Status = status
		s.calls[idx].Done = time.Now()
		s.calls[idx].Code = code
		s.mu.Unlock()
	}

	switch kind {
	case "drop":
		finish(0, "")
		dropConn(w)
		return
	case "5xx":
		finish(http.StatusServiceUnavailable, "service_unavailable")
		s.writeError(w, &apiError{status: http.StatusServiceUnavailable, code: "service_unavailable", message: "injected fault"})
		return
	case "429":
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		finish(http.StatusTooManyRequests, "rate_limit_exceeded")
		s.writeError(w, &apiError{status: http.StatusTooManyRequests, code: "rate_limit_exceeded", message: "Rate limit exceeded"})
		return
	case "delay":
		t := time.NewTimer(f.Delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			finish(0, "")
			return
		case <-t.C:
		}
	}

	status, out, aerr := s.handle(r, method, body)
	// The log entry is completed before answering, so a client that has its
	// answer always sees the final status in Calls.
	if kind == "apply_then_drop" {
		finish(0, "")
		dropConn(w)
		return
	}
	if aerr != nil {
		finish(aerr.status, aerr.code)
		s.writeError(w, aerr)
		return
	}
	finish(status, "")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// dropConn closes the connection without writing a response.
func dropConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("ashbysim: response writer cannot hijack; cannot drop connection")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	_ = conn.Close()
}

func (s *Sim) writeError(w http.ResponseWriter, e *apiError) {
	s.mu.Lock()
	s.requestN++
	rid := fmt.Sprintf("01SIM%021d", s.requestN)
	s.mu.Unlock()
	body, _ := json.Marshal(map[string]any{
		"success": false,
		"errors":  []string{e.code},
		"errorInfo": map[string]any{
			"code":      e.code,
			"message":   e.message,
			"requestId": rid,
		},
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// handle checks auth and dispatches. It returns the HTTP status and body of a
// successful answer, or an apiError.
func (s *Sim) handle(r *http.Request, method string, body []byte) (int, []byte, *apiError) {
	if r.Method != http.MethodPost {
		return 0, nil, &apiError{status: http.StatusMethodNotAllowed, code: "method_not_allowed", message: "use POST"}
	}
	if aerr := s.checkAuth(r); aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.checkPermission(method); aerr != nil {
		return 0, nil, aerr
	}
	h, ok := handlers[method]
	if !ok {
		return 0, nil, &apiError{status: http.StatusNotFound, code: "not_found", message: "unknown method " + method}
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return 0, nil, errInput("Content-Type must be application/json")
	}
	var req request
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return 0, nil, errInput("Request payload is malformed: " + err.Error())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res, aerr := h(s, &req)
	if aerr != nil {
		return 0, nil, aerr
	}
	env := map[string]any{"success": true, "results": res.results}
	if res.paged {
		env["moreDataAvailable"] = res.more
		if res.nextCursor != "" {
			env["nextCursor"] = res.nextCursor
		}
		if res.syncToken != "" {
			env["syncToken"] = res.syncToken
		}
	}
	out, err := json.Marshal(env)
	if err != nil {
		return 0, nil, &apiError{status: http.StatusInternalServerError, code: "internal_error", message: err.Error()}
	}
	return http.StatusOK, out, nil
}

func (s *Sim) checkAuth(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	if h == "" {
		return &apiError{status: http.StatusUnauthorized, code: "unauthenticated", message: "Missing API key"}
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.opts.APIKey || pass != "" {
		return &apiError{status: http.StatusForbidden, code: "invalid_api_key", message: "Invalid or deactivated API key"}
	}
	return nil
}

// BasicAuth returns the Authorization header value for key, for raw-HTTP
// tests.
func BasicAuth(key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"))
}

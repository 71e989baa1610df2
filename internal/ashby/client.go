package ashby

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultBaseURL is Ashby's production API root.
const DefaultBaseURL = "https://api.ashbyhq.com"

// Defaults used when the corresponding Options field is zero.
const (
	DefaultRateLimit     rate.Limit = 10
	DefaultBurst                    = 10
	DefaultMaxAttempts              = 6
	DefaultBaseDelay                = 500 * time.Millisecond
	DefaultMaxDelay                 = 30 * time.Second
	DefaultMaxRetryAfter            = 2 * time.Minute
	DefaultTimeout                  = 30 * time.Second
	DefaultPageSize                 = 100
)

// maxResponseBytes bounds how much of a response body is read.
const maxResponseBytes = 64 << 20

// Options configures a Client. Zero fields take the defaults above.
type Options struct {
	// BaseURL is the API root; default DefaultBaseURL. Tests and the demo
	// point it at an ashbysim server.
	BaseURL string
	// APIKey is sent as the Basic-auth user name with an empty password.
	APIKey string
	// HTTPClient is reused for every call. Default: a client with Timeout
	// (per attempt) and dial/TLS/header timeouts.
	HTTPClient *http.Client
	// Timeout is the per-attempt timeout of the default HTTPClient.
	Timeout time.Duration
	// RateLimit is the client-side request rate (requests/s); use rate.Inf to
	// disable. Burst is the token-bucket size.
	RateLimit rate.Limit
	Burst     int
	// MaxAttempts bounds attempts per read call, first try included
	// (1 = never retry).
	MaxAttempts int
	// BaseDelay and MaxDelay shape the exponential backoff: attempt n waits a
	// random duration in [d/2, d] with d = min(BaseDelay*2^n, MaxDelay).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter caps how long a Retry-After header can make the client wait.
	MaxRetryAfter time.Duration
	// PageSize is the limit sent on paginated lists (max 100).
	PageSize int
	// UserAgent, when set, is sent as the User-Agent header.
	UserAgent string
	// Observe, when set, is called after every HTTP exchange (each retry
	// too) with the method, its duration and its error (nil on success);
	// for metrics.
	Observe func(method string, d time.Duration, err error)
}

// Client calls the Ashby API. It is safe for concurrent use.
type Client struct {
	health    health
	baseURL   string
	apiKey    string
	hc        *http.Client
	limiter   *rate.Limiter
	attempts  int
	baseDelay time.Duration
	maxDelay  time.Duration
	maxRA     time.Duration
	pageSize  int
	userAgent string
	observe   func(method string, d time.Duration, err error)
}

// New returns a Client for opts.
func New(opts Options) *Client {
	c := &Client{
		baseURL:   strings.TrimRight(opts.BaseURL, "/"),
		apiKey:    opts.APIKey,
		hc:        opts.HTTPClient,
		attempts:  opts.MaxAttempts,
		baseDelay: opts.BaseDelay,
		maxDelay:  opts.MaxDelay,
		maxRA:     opts.MaxRetryAfter,
		pageSize:  opts.PageSize,
		userAgent: opts.UserAgent,
		observe:   opts.Observe,
	}
	if c.baseURL == "" {
		c.baseURL = DefaultBaseURL
	}
	if c.hc == nil {
		timeout := opts.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		c.hc = &http.Client{
			Timeout: timeout,
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				TLSHandshakeTimeout:   10 * time.Second,
				ResponseHeaderTimeout: timeout,
				IdleConnTimeout:       90 * time.Second,
				MaxIdleConnsPerHost:   10,
				ForceAttemptHTTP2:     true,
			},
		}
	}
	limit, burst := opts.RateLimit, opts.Burst
	if limit == 0 {
		limit = DefaultRateLimit
	}
	if burst <= 0 {
		burst = DefaultBurst
	}
	c.limiter = rate.NewLimiter(limit, burst)
	if c.attempts <= 0 {
		c.attempts = DefaultMaxAttempts
	}
	if c.baseDelay <= 0 {
		c.baseDelay = DefaultBaseDelay
	}
	if c.maxDelay <= 0 {
		c.maxDelay = DefaultMaxDelay
	}
	if c.maxRA <= 0 {
		c.maxRA = DefaultMaxRetryAfter
	}
	if c.pageSize <= 0 || c.pageSize > DefaultPageSize {
		c.pageSize = DefaultPageSize
	}
	return c
}

// envelope is Ashby's response wrapper.
type envelope struct {
	Success           *bool           `json:"success"`
	Results           json.RawMessage `json:"results"`
	MoreDataAvailable bool            `json:"moreDataAvailable"`
	NextCursor        string          `json:"nextCursor"`
	SyncToken         string          `json:"syncToken"`
	Errors            []string        `json:"errors"`
	Error             json.RawMessage `json:"error"`
	ErrorInfo         *struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"requestId"`
	} `json:"errorInfo"`
}

// apiError builds the *APIError for a failed envelope.
func (e *envelope) apiError(method string, status int) *APIError {
	ae := &APIError{Method: method, StatusCode: status, Errors: e.Errors}
	if e.ErrorInfo != nil {
		ae.Code = e.ErrorInfo.Code
		ae.Message = e.ErrorInfo.Message
		ae.RequestID = e.ErrorInfo.RequestID
	}
	if ae.Code == "" && len(e.Errors) > 0 {
		ae.Code = e.Errors[0]
	}
	if ae.Message == "" && len(e.Error) > 0 {
		var s string
		if json.Unmarshal(e.Error, &s) == nil {
			ae.Message = s
		} else {
			ae.Message = string(e.Error)
		}
	}
	if ae.Message == "" && len(e.Errors) > 1 {
		ae.Message = strings.Join(e.Errors, "; ")
	}
	return ae
}

// call performs method with retries and decodes results into out (if non-nil).
func (c *Client) call(ctx context.Context, method string, req, out any) (*envelope, error) {
	env, err := c.do(ctx, method, req, true)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := decodeResults(method, env.Results, out); err != nil {
			return nil, err
		}
	}
	return env, nil
}

func decodeResults(method string, raw json.RawMessage, out any) error {
	if len(raw) == 0 {
		return fmt.Errorf("decode ashby %s results: missing results", method)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode ashby %s results: %w", method, err)
	}
	return nil
}

// do sends method, retrying transient failures when retry is true, and
// records the outcome for Health.
func (c *Client) do(ctx context.Context, method string, req any, retry bool) (*envelope, error) {
	env, err := c.send(ctx, method, req, retry)
	c.health.record(err)
	return env, err
}

// send is do without the health bookkeeping.
func (c *Client) send(ctx context.Context, method string, req any, retry bool) (*envelope, error) {
	if req == nil {
		req = struct{}{}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode ashby %s request: %w", method, err)
	}
	for attempt := 0; ; attempt++ {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("wait for ashby rate limit: %w", err)
		}
		start := time.Now()
		env, retryAfter, err := c.once(ctx, method, body)
		if c.observe != nil {
			c.observe(method, time.Since(start), err)
		}
		if err == nil {
			return env, nil
		}
		if !retry || !retryable(err) || attempt+1 >= c.attempts || ctx.Err() != nil {
			return nil, err
		}
		wait := c.backoff(attempt)
		if retryAfter > wait {
			wait = min(retryAfter, c.maxRA)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("retry ashby %s: %w (last error: %w)", method, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// backoff is the jittered exponential delay before retry number attempt+1:
// uniformly in [d/2, d], so successive waits never shrink.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.baseDelay
	for i := 0; i < attempt && d < c.maxDelay; i++ {
		d *= 2
	}
	d = min(d, c.maxDelay)
	half := d / 2
	return half + rand.N(half+1)
}

func retryable(err error) bool {
	switch e := err.(type) {
	case *TransportError:
		return true
	case *APIError:
		return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
	}
	return false
}

// once performs one HTTP exchange. It returns the Retry-After delay when the
// server sent one.
func (c *Client) once(ctx context.Context, method string, body []byte) (*envelope, time.Duration, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/"+method, bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("build ashby %s request: %w", method, err)
	}
	hreq.SetBasicAuth(c.apiKey, "")
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json; version=1")
	if c.userAgent != "" {
		hreq.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, 0, newTransportError(method, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, 0, newTransportError(method, fmt.Errorf("read response: %w", err))
	}
	var env envelope
	decodeErr := json.Unmarshal(data, &env)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var ae *APIError
		if decodeErr == nil {
			ae = env.apiError(method, resp.StatusCode)
		} else {
			ae = &APIError{Method: method, StatusCode: resp.StatusCode}
		}
		if ae.Code == "" {
			ae.Code = statusCode(resp.StatusCode)
		}
		return nil, parseRetryAfter(resp.Header.Get("Retry-After")), ae
	}
	if decodeErr != nil {
		return nil, 0, fmt.Errorf("decode ashby %s response: %w", method, decodeErr)
	}
	if env.Success == nil {
		return nil, 0, fmt.Errorf("decode ashby %s response: missing success field", method)
	}
	if !*env.Success {
		return nil, 0, env.apiError(method, resp.StatusCode)
	}
	return &env, 0, nil
}

// statusCode names an HTTP status for APIError.Code when Ashby gave no code.
func statusCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	}
	return "http_" + strconv.Itoa(status)
}

// parseRetryAfter accepts delay-seconds or an HTTP date.
func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// health remembers the outcome of the last call for Health.
type health struct {
	mu      sync.Mutex
	lastErr string
}

func (h *health) record(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// Ashby answering "not found" is Ashby working.
	if err == nil || IsNotFound(err) {
		h.lastErr = ""
		return
	}
	h.lastErr = err.Error()
}

// Health reports the outcome of the last call: "ok" (also before any call)
// or "degraded" with that call's error text. The text may name hosts: show
// it to operators, not on public endpoints.
func (c *Client) Health() (status, lastError string) {
	c.health.mu.Lock()
	defer c.health.mu.Unlock()
	if c.health.lastErr != "" {
		return "degraded", c.health.lastErr
	}
	return "ok", ""
}

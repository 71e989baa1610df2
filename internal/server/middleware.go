package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ashby-auto-advance/aaa/internal/rules"
	"golang.org/x/time/rate"
)

type ctxKey int

const requestIDKey ctxKey = iota

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b[:4]) + "-" + hex.EncodeToString(b[4:6]) + "-" + hex.EncodeToString(b[6:8]) +
		"-" + hex.EncodeToString(b[8:10]) + "-" + hex.EncodeToString(b[10:])
}

// withRequestID honours a well-formed X-Request-ID or generates one.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// requestIDHandler adds request_id to every record logged with a request's context.
type requestIDHandler struct{ slog.Handler }

// WithRequestIDs wraps a slog handler so records logged with a request's
// context carry its request_id.
func WithRequestIDs(h slog.Handler) slog.Handler { return requestIDHandler{h} }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(a)}
}

func (h requestIDHandler) WithGroup(n string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(n)}
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// accessLog logs request_completed (debug for the hot webhook path) and
// recovers panics into the error envelope.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				s.log.ErrorContext(r.Context(), "unhandled_exception", "panic", fmt.Sprint(p), "path", r.URL.Path)
				if sw.status == 0 {
					s.writeError(sw, r, http.StatusInternalServerError, "INTERNAL_ERROR", "An unexpected error occurred")
				}
			}
			d := time.Since(start)
			s.metrics.observeRequest(r, sw.status, d)
			level := slog.LevelInfo
			if r.URL.Path == "/webhooks/ashby" || r.URL.Path == "/health" || r.URL.Path == "/metrics" {
				level = slog.LevelDebug
			}
			if sw.status >= 500 {
				level = slog.LevelWarn
			}
			s.log.Log(r.Context(), level, "request_completed", "method", r.Method, "path", r.URL.Path,
				"status_code", sw.status, "duration_ms", math.Round(float64(d.Microseconds())/10)/100, "client", s.clientIP(r))
		}()
		next.ServeHTTP(sw, r)
	})
}

// cors answers preflights and sets headers for the configured origins.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && slices.Contains(s.d.FrontendURLs, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Expose-Headers", "X-Request-ID")
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, PUT, PATCH")
				h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Request-ID")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// AdminToken is one named bearer token for /admin.
type AdminToken struct {
	Name  string
	Token string
	// ReadOnly tokens may only read (GET, HEAD): anything else is 403.
	ReadOnly bool
}

// tokenNameKey carries the name of the admin token a request used.
type tokenNameKey struct{}

// adminTokens is ADMIN_API_TOKEN (named "admin") and ADMIN_API_TOKENS.
func (s *Server) adminTokens() []AdminToken {
	var out []AdminToken
	if s.d.AdminToken != "" {
		out = append(out, AdminToken{Name: "admin", Token: s.d.AdminToken})
	}
	for _, t := range s.d.AdminTokens {
		if t.Token != "" {
			out = append(out, t)
		}
	}
	return out
}

// adminAuth requires a bearer token on /admin routes, refuses a read-only
// token anything but a read, and records the token's name for the handlers.
func (s *Server) adminAuth(next http.Handler) http.Handler {
	tokens := s.adminTokens()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(tokens) == 0 {
			s.writeError(w, r, http.StatusServiceUnavailable, "ADMIN_API_DISABLED",
				"the admin API is off: set ADMIN_API_TOKEN (or ADMIN_API_TOKENS) and send it as 'Authorization: Bearer <token>'")
			return
		}
		header := r.Header.Get("Authorization")
		if header == "" {
			s.writeError(w, r, http.StatusUnauthorized, "UNAUTHORIZED", "missing Authorization: Bearer token")
			return
		}
		got := []byte(header)
		// Compare with every token, in constant time, so neither the match
		// nor its position shows in the timing.
		var match *AdminToken
		for i := range tokens {
			if subtle.ConstantTimeCompare(got, []byte("Bearer "+tokens[i].Token)) == 1 && match == nil {
				match = &tokens[i]
			}
		}
		if match == nil {
			s.writeError(w, r, http.StatusUnauthorized, "UNAUTHORIZED", "invalid admin token")
			return
		}
		if match.ReadOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.writeError(w, r, http.StatusForbidden, "FORBIDDEN",
				"token "+strconv.Quote(match.Name)+" is read-only: it may only read (GET)")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenNameKey{}, match.Name)))
	})
}

// storableURL refuses (422) a URL whose path or query holds a NUL character
// or invalid UTF-8 once unescaped: no id or filter can contain one, and
// Postgres refuses such text outright.
func (s *Server) storableURL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc, msg := "path", ""
		check := func(v string) {
			switch {
			case msg != "":
			case strings.IndexByte(v, 0) >= 0:
				msg = "must not contain a NUL character (%00)"
			case !utf8.ValidString(v):
				msg = "must be valid UTF-8"
			}
		}
		check(r.URL.Path)
		for k, vs := range r.URL.Query() {
			if msg != "" {
				break
			}
			loc = k
			check(k)
			for _, v := range vs {
				check(v)
			}
		}
		if msg != "" {
			where := []any{"query", loc}
			if loc == "path" {
				where = []any{"path"}
			}
			s.validationFailed(w, r, []rules.Problem{{Type: rules.ProblemInvalid, Loc: where, Msg: "the URL " + msg}})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientIP is the address a request came from: the peer's, or, when the
// peer is one of Deps.TrustedProxies, the rightmost X-Forwarded-For entry
// that is not a trusted proxy (entries left of it could be written by the
// client itself). Without trusted proxies X-Forwarded-For is ignored: it
// would let any client pick its own rate-limit bucket.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(s.d.TrustedProxies) == 0 {
		return host
	}
	hop, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(hop) {
		return host
	}
	forwarded := r.Header.Values("X-Forwarded-For")
	for i := len(forwarded) - 1; i >= 0; i-- {
		entries := strings.Split(forwarded[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(entries[j]))
			if err != nil {
				// Not an address: keep the last hop that was one.
				return hop.String()
			}
			hop = a.Unmap()
			if !s.trusted(hop) {
				return hop.String()
			}
		}
	}
	// Every hop is a trusted proxy: the leftmost is the client.
	return hop.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.d.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ipLimiter is a token bucket per client address.
type ipLimiter struct {
	mu      sync.Mutex
	perMin  int
	buckets map[string]*bucket
	now     func() time.Time
	lastGC  time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(perMin int, now func() time.Time) *ipLimiter {
	return &ipLimiter{perMin: perMin, buckets: map[string]*bucket{}, now: now}
}

// allow reports whether key may proceed, and otherwise how long to wait.
func (l *ipLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastGC) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.lastGC = now
	}
	b, ok := l.buckets[key]
	if !ok {
		burst := max(l.perMin/6, 10)
		b = &bucket{lim: rate.NewLimiter(rate.Limit(float64(l.perMin)/60), burst)}
		l.buckets[key] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

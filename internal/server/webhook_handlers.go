package server

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/intake"
)

// ashbyWebhook accepts an Ashby webhook: ping answers at once; anything
// else must be signed, well-formed and storable, and is stored with its job
// in one transaction before the 200.
//
// The signature is checked first: a signed request is never rate limited,
// and only requests that are not (unsigned, a wrong signature, an unreadable
// body, ping) are charged to their client's bucket, so a flood of forged
// requests cannot crowd out Ashby's.
func (s *Server) ashbyWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, s.d.MaxBody))
	sig := r.Header.Get(ashby.SignatureHeader)
	verified := readErr == nil && sig != "" && s.d.WebhookSecret != "" && ashby.VerifySignature(s.d.WebhookSecret, body, sig)
	if !verified && !s.chargeUnverified(w, r) {
		return
	}
	if readErr != nil {
		s.bodyReadError(w, r, readErr)
		return
	}
	// One decoding pass, down to the schedule: a syntax error is invalid
	// JSON; wrong types, missing ids and unstorable strings are refused
	// only after the signature is checked.
	env, decodeErr := ashby.DecodeEnvelope(body)
	var fieldErr *ashby.FieldError
	if decodeErr != nil && !errors.As(decodeErr, &fieldErr) {
		s.log.InfoContext(ctx, "webhook_invalid_json")
		s.metrics.webhook("invalid")
		s.writeError(w, r, http.StatusBadRequest, "HTTP_400", "Invalid JSON")
		return
	}
	if env.Action == ashby.ActionPing || env.Type == ashby.ActionPing {
		s.log.InfoContext(ctx, "webhook_ping_received")
		s.metrics.webhook("ping")
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "message": "pong"})
		return
	}
	// Refusals are logged with the client's address only: never the body
	// or the header, which an attacker writes.
	if sig == "" {
		s.log.WarnContext(ctx, "webhook_signature_missing", "client", s.clientIP(r))
		s.metrics.webhook("unsigned")
		s.writeError(w, r, http.StatusUnauthorized, "HTTP_401", "Missing Ashby-Signature header")
		return
	}
	if !verified {
		s.log.WarnContext(ctx, "webhook_signature_invalid", "client", s.clientIP(r))
		s.metrics.webhook("bad_signature")
		s.writeError(w, r, http.StatusUnauthorized, "HTTP_401", "Invalid signature")
		return
	}
	if decodeErr == nil {
		decodeErr = ashby.CheckUTF8(body)
	}
	if decodeErr == nil {
		decodeErr = env.Check()
	}
	if errors.As(decodeErr, &fieldErr) {
		s.log.InfoContext(ctx, "webhook_invalid_payload", "field", fieldErr.Field)
		s.metrics.webhook("invalid")
		s.writeErrorDetails(w, r, http.StatusBadRequest, "HTTP_400", "Invalid payload: "+fieldErr.Error(),
			map[string]string{"field": fieldErr.Field})
		return
	}
	in := intake.Incoming{Action: env.Action, WebhookActionID: env.WebhookActionID}
	if env.Data.InterviewSchedule != nil && ashby.IsScheduleAction(env.Action) {
		in.ScheduleID = env.Data.InterviewSchedule.ID
	}
	id, dup, err := s.d.Intake.Accept(ctx, in, body)
	if err != nil {
		s.metrics.webhook("error")
		s.writeError(w, r, http.StatusServiceUnavailable, "HTTP_503", "could not store the delivery; retry later")
		return
	}
	outcome := "accepted"
	if dup {
		outcome = "duplicate"
	}
	s.metrics.webhook(outcome)
	s.log.DebugContext(ctx, "webhook_received", "action", in.Action, "delivery_id", id, "duplicate", dup)
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "delivery_id": id, "duplicate": dup})
}

// chargeUnverified takes one request from the client's bucket and answers
// 429 (returning false) when it is empty.
func (s *Server) chargeUnverified(w http.ResponseWriter, r *http.Request) bool {
	ok, wait := s.limiter.allow(s.clientIP(r))
	if ok {
		return true
	}
	s.metrics.webhook("rate_limited")
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	s.writeError(w, r, http.StatusTooManyRequests, "RATE_LIMITED",
		fmt.Sprintf("rate limit exceeded: %d unsigned or wrongly signed requests per minute", s.d.WebhookRatePerMin))
	return false
}

// bodyReadError answers a body that could not be read: too large (413), too
// slow for the server's read timeout (408), or cut off (400).
func (s *Server) bodyReadError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		s.metrics.webhook("too_large")
		s.writeError(w, r, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
			fmt.Sprintf("request body exceeds %d bytes", s.d.MaxBody))
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.metrics.webhook("timeout")
		w.Header().Set("Connection", "close")
		s.writeError(w, r, http.StatusRequestTimeout, "REQUEST_TIMEOUT", "the request body was not received in time")
	default:
		s.metrics.webhook("invalid")
		s.writeError(w, r, http.StatusBadRequest, "BAD_REQUEST", "could not read request body")
	}
}

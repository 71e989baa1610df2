package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
)

// ashbyWebhook accepts an Ashby webhook: ping answers at once; anything
// else must be signed, well-formed and is stored with its job in one
// transaction before the 200.
func (s *Server) ashbyWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.d.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.metrics.webhook("too_large")
			s.writeError(w, r, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "request body exceeds 1 MiB")
			return
		}
		s.writeError(w, r, http.StatusBadRequest, "BAD_REQUEST", "could not read request body")
		return
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		s.log.InfoContext(ctx, "webhook_invalid_json")
		s.metrics.webhook("invalid")
		s.writeError(w, r, http.StatusBadRequest, "HTTP_400", "Invalid JSON")
		return
	}
	if isPing(probe) {
		s.log.InfoContext(ctx, "webhook_ping_received")
		s.metrics.webhook("ping")
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "message": "pong"})
		return
	}
	sig := r.Header.Get("Ashby-Signature")
	if sig == "" {
		s.metrics.webhook("unsigned")
		s.writeError(w, r, http.StatusUnauthorized, "HTTP_401", "Missing Ashby-Signature header")
		return
	}
	if s.d.WebhookSecret == "" || !ashby.VerifySignature(s.d.WebhookSecret, body, sig) {
		s.log.WarnContext(ctx, "webhook_signature_invalid")
		s.metrics.webhook("bad_signature")
		s.writeError(w, r, http.StatusUnauthorized, "HTTP_401", "Invalid signature")
		return
	}
	hook, err := ashby.ParseWebhook(body)
	if err != nil {
		s.metrics.webhook("invalid")
		s.writeError(w, r, http.StatusBadRequest, "HTTP_400", "Invalid payload structure: action must be a string and data an object")
		return
	}
	id, dup, err := s.d.Service.AcceptWebhook(ctx, hook, body)
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
	s.log.DebugContext(ctx, "webhook_received", "action", hook.Action, "delivery_id", id, "duplicate", dup)
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "delivery_id": id, "duplicate": dup})
}

func isPing(probe map[string]json.RawMessage) bool {
	for _, k := range []string{"action", "type"} {
		var v string
		if raw, ok := probe[k]; ok && json.Unmarshal(raw, &v) == nil && v == ashby.ActionPing {
			return true
		}
	}
	return false
}

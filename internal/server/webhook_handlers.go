package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/intake"
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
	// One decoding pass: a syntax error is invalid JSON; a type error (action
	// not a string, data not an object) is an invalid structure, answered
	// only after the signature is checked.
	var env envelope
	decodeErr := json.Unmarshal(body, &env)
	var typeErr *json.UnmarshalTypeError
	if decodeErr != nil && !errors.As(decodeErr, &typeErr) {
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
	if decodeErr != nil || env.Action == "" || env.Data == nil {
		s.metrics.webhook("invalid")
		s.writeError(w, r, http.StatusBadRequest, "HTTP_400", "Invalid payload structure: action must be a string and data an object")
		return
	}
	in := intake.Incoming{Action: env.Action, WebhookActionID: env.WebhookActionID}
	if env.Data.InterviewSchedule != nil {
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

// envelope is the part of a webhook body the handler reads.
type envelope struct {
	Action          string `json:"action"`
	Type            string `json:"type"`
	WebhookActionID string `json:"webhookActionId"`
	Data            *struct {
		InterviewSchedule *struct {
			ID string `json:"id"`
		} `json:"interviewSchedule"`
	} `json:"data"`
}

package server

import (
	"encoding/json"
	"net/http"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	Details   any    `json:"details,omitempty"`
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes the error envelope; 5xx are logged here, once.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	s.writeErrorDetails(w, r, status, code, msg, nil)
}

func (s *Server) writeErrorDetails(w http.ResponseWriter, r *http.Request, status int, code, msg string, details any) {
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request_error", "status_code", status, "code", code, "error", msg)
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: msg, RequestID: requestID(r.Context()), Details: details}})
}

// codeFor names the envelope code of an HTTP status.
func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BAD_REQUEST"
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusMethodNotAllowed:
		return "METHOD_NOT_ALLOWED"
	case http.StatusConflict:
		return "CONFLICT"
	case http.StatusRequestEntityTooLarge:
		return "PAYLOAD_TOO_LARGE"
	case http.StatusUnprocessableEntity:
		return "VALIDATION_ERROR"
	case http.StatusTooManyRequests:
		return "RATE_LIMITED"
	case http.StatusServiceUnavailable:
		return "SERVICE_UNAVAILABLE"
	case http.StatusBadGateway:
		return "EXTERNAL_SERVICE_ERROR"
	}
	return "INTERNAL_ERROR"
}

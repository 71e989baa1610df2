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

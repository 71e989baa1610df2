package ashby

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Error codes Ashby documents for pagination and incremental sync.
const (
	CodeSyncTokenExpired          = "sync_token_expired"
	CodeSyncTokenInvalid          = "sync_token_invalid"
	CodeIncrementalSyncTooLarge   = "incremental_sync_too_large"
	CodeNextCursorExpired         = "next_cursor_expired"
	CodeInvalidNextCursor         = "invalid_next_cursor"
	CodeMissingEndpointPermission = "missing_endpoint_permission"
)

// APIError is an error reported by Ashby: a success=false envelope, or an HTTP
// status that is not 2xx (401/403 auth failures, 429 and 5xx after retries).
type APIError struct {
	// Method is the Ashby method called, e.g. "application.changeStage".
	Method string
	// StatusCode is the HTTP status of the response (200 for success=false).
	StatusCode int
	// Code is errorInfo.code, else the first entry of errors[]; it may be empty
	// when Ashby sent only a free-text error.
	Code string
	// Message is errorInfo.message, else the legacy "error" text.
	Message string
	// RequestID is errorInfo.requestId, to quote to Ashby support.
	RequestID string
	// Errors is the deprecated errors[] array as sent.
	Errors []string
}

// Error names the method, Ashby's code and message.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("ashby ")
	b.WriteString(e.Method)
	b.WriteString(": ")
	switch {
	case e.Code != "" && e.Message != "":
		b.WriteString(e.Code + ": " + e.Message)
	case e.Code != "":
		b.WriteString(e.Code)
	case e.Message != "":
		b.WriteString(e.Message)
	default:
		b.WriteString("request unsuccessful")
	}
	if e.StatusCode != 0 && e.StatusCode != http.StatusOK {
		fmt.Fprintf(&b, " (http %d)", e.StatusCode)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}

// TransportError is a failure to get any response from Ashby: connection
// refused, timeout, connection dropped, unreadable body.
type TransportError struct {
	// Method is the Ashby method called.
	Method string
	// Uncertain is true when the request may have reached Ashby (anything but
	// a failure to connect), so a write may or may not have been applied.
	Uncertain bool
	// Err is the underlying error (often a *url.Error).
	Err error
}

// Error describes the transport failure.
func (e *TransportError) Error() string {
	return "call ashby " + e.Method + ": " + e.Err.Error()
}

// Unwrap returns the underlying error, so errors.Is(err,
// context.DeadlineExceeded) works.
func (e *TransportError) Unwrap() error { return e.Err }

func newTransportError(method string, err error) *TransportError {
	uncertain := true
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		// Nothing was sent if we could not even connect.
		uncertain = false
	}
	return &TransportError{Method: method, Uncertain: uncertain, Err: err}
}

func apiErrorCode(err error) (*APIError, bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae, true
	}
	return nil, false
}

// IsResync reports whether err means the stored syncToken is unusable and the
// caller must drop it and run a full sync (sync_token_expired,
// sync_token_invalid, incremental_sync_too_large).
func IsResync(err error) bool {
	ae, ok := apiErrorCode(err)
	if !ok {
		return false
	}
	switch ae.Code {
	case CodeSyncTokenExpired, CodeSyncTokenInvalid, CodeIncrementalSyncTooLarge:
		return true
	}
	return false
}

// IsCursorExpired reports whether err means a pagination cursor expired or is
// invalid; the caller should restart the listing from the first page.
func IsCursorExpired(err error) bool {
	ae, ok := apiErrorCode(err)
	return ok && (ae.Code == CodeNextCursorExpired || ae.Code == CodeInvalidNextCursor)
}

// IsNotFound reports whether err is Ashby saying the object does not exist
// (any *_not_found code, or HTTP 404).
func IsNotFound(err error) bool {
	ae, ok := apiErrorCode(err)
	if !ok {
		return false
	}
	return ae.StatusCode == http.StatusNotFound || ae.Code == "not_found" ||
		strings.HasSuffix(ae.Code, "_not_found")
}

// IsAuth reports whether err is an authentication or permission failure
// (HTTP 401/403 or missing_endpoint_permission). Such errors are never retried.
func IsAuth(err error) bool {
	ae, ok := apiErrorCode(err)
	if !ok {
		return false
	}
	return ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden ||
		ae.Code == CodeMissingEndpointPermission
}

// IsUncertain reports whether the request may have reached Ashby and been
// applied even though the client saw a failure: a timeout or dropped
// connection after the request was sent, or an HTTP 5xx. After an uncertain
// application.changeStage the caller must re-read the application.
func IsUncertain(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Uncertain
	}
	ae, ok := apiErrorCode(err)
	return ok && ae.StatusCode >= 500
}

// IsRateLimited reports whether err is an HTTP 429 that outlived the retries.
func IsRateLimited(err error) bool {
	ae, ok := apiErrorCode(err)
	return ok && ae.StatusCode == http.StatusTooManyRequests
}

package domain

import "errors"

// Sentinel errors shared by every layer. Store backends map driver errors to
// them in one place; handlers map them to HTTP statuses.
var (
	// ErrNotFound means the row or remote object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a uniqueness rule would be broken (e.g. two active
	// rules with the same scope, or a claim already taken).
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input is malformed or fails validation.
	ErrInvalid = errors.New("invalid input")
	// ErrUnavailable means a dependency (Ashby) is unreachable, failing or
	// rate limiting for now: the same work is retried later, unchanged.
	ErrUnavailable = errors.New("temporarily unavailable")
)

// ErrAshbyNotConfigured means no Ashby API key is set: syncs and actions
// cannot run, and jobs that need Ashby retry until one is.
var ErrAshbyNotConfigured = errors.New("ashby API key not configured (set ASHBY_API_KEY)")

// Package ashby is aaa's client for the Ashby ATS API and its webhook payloads.
//
// The client speaks Ashby's RPC-style wire format: every method is a POST of a
// JSON body to <BaseURL>/<method> (for example /application.changeStage), with
// HTTP Basic auth (the API key as user, empty password) and
// "Accept: application/json; version=1". Every response is an envelope
// {"success": bool, "results": ...}; Ashby reports most client errors as HTTP
// 200 with success=false, which the client turns into an *APIError carrying the
// method, errorInfo.code (or the legacy errors[]/error text), message and
// request id. Helpers IsResync, IsNotFound, IsAuth, IsCursorExpired and
// IsUncertain classify errors.
//
// Reads are retried with exponential backoff and jitter on HTTP 429, 5xx and
// network errors, honouring Retry-After, and every attempt first waits on a
// client-side token-bucket rate limiter (Ashby does not publish its general
// per-key limit; the default of 10 requests/s with a burst of 10 is a
// conservative guess). List methods page with cursor/limit until
// moreDataAvailable is false and return the final syncToken.
//
// Writes (application.changeStage) are never retried by the client: a timeout
// after the request was sent may still have moved the application, so the
// caller must re-read the application before trying again. IsUncertain(err)
// reports exactly that case.
//
// The webhook half of the package decodes Ashby webhook envelopes
// (ParseWebhook, InterviewSchedule and friends, tolerant of unknown fields and
// of both the interviewId and nested interview{id} event forms) and checks the
// Ashby-Signature header (VerifySignature). DecodeEnvelope and
// Envelope.Check are the one decoding both the webhook door and ingestion
// use: a *FieldError names the field that cannot be accepted.
//
// Limits: only the methods aaa needs are implemented; cursor expiry is
// reported (IsCursorExpired) but not restarted automatically.
package ashby

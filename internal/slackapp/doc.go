// Package slackapp is aaa's Slack adapter: it verifies and parses the
// interaction requests Slack sends to /slack/interactions, builds the Block
// Kit messages aaa posts (rejection notices, their updates after a click,
// admin alerts), and wraps the Slack Web API calls aaa makes.
//
// Contract:
//
//   - Verify checks Slack's v0 request signature over the raw body with a
//     5-minute replay window. Every error it returns means "401".
//   - ParseInteraction decodes the form-encoded `payload`; an error wrapping
//     ErrMalformed means "400". It does not verify; call Verify first.
//   - The builders (RejectionMessage, ArchivedUpdate, ArchiveFailedUpdate,
//     AlertMessage) are pure functions. They render only what the caller
//     passes: callers must pass score/select values only, never free-text
//     feedback. All caller text is escaped for mrkdwn and truncated to
//     Block Kit's limits.
//   - Client wraps github.com/slack-go/slack. It retries transient failures
//     (HTTP 5xx, 429 honouring Retry-After, and the ok:false codes
//     ratelimited, internal_error, fatal_error, service_unavailable,
//     request_timeout) with exponential backoff and returns any other
//     ok:false error at once. It logs method names, channel ids and
//     timestamps only, never message text.
//
// Limits: the package knows nothing about the database or Ashby. Idempotency
// of button clicks, who may click, and what "archive" means are the caller's
// job. response_url is not used; updates go through chat.update.
//
// The sub-package slackfake is an in-process fake of the Web API methods
// Client uses, for tests and the demo.
package slackapp

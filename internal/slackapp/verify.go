package slackapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Header names Slack signs requests with.
const (
	HeaderTimestamp = "X-Slack-Request-Timestamp"
	HeaderSignature = "X-Slack-Signature"
)

// MaxClockSkew is how far a request's timestamp may be from now, in either
// direction, before Verify treats it as a replay.
const MaxClockSkew = 5 * time.Minute

// Errors returned by Verify. Each one means the request must be refused with
// 401.
var (
	// ErrNoSigningSecret means Verify was called with an empty signing
	// secret; no request can be trusted then.
	ErrNoSigningSecret = errors.New("slack signing secret not configured")
	// ErrMissingHeaders means the timestamp or signature header is absent or
	// not in Slack's format.
	ErrMissingHeaders = errors.New("missing or malformed slack signature headers")
	// ErrStaleTimestamp means the timestamp is more than MaxClockSkew away
	// from now.
	ErrStaleTimestamp = errors.New("slack request timestamp outside the allowed window")
	// ErrBadSignature means the signature does not match the body.
	ErrBadSignature = errors.New("slack signature mismatch")
)

// Verify checks that body was signed by Slack with signingSecret, following
// Slack's v0 scheme: the X-Slack-Signature header must equal
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)), and the
// X-Slack-Request-Timestamp header must be within MaxClockSkew of now. body
// must be the raw request body, before any form parsing.
//
// The signature is checked by slack-go's verifier (slack.NewSecretsVerifier,
// constant-time comparison). That verifier also holds the timestamp to five
// minutes of the wall clock; Verify checks it against now first, so an
// injected clock decides which error a stale request gets, and the wall
// clock can only refuse more.
func Verify(signingSecret string, header http.Header, body []byte, now time.Time) error {
	if signingSecret == "" {
		return ErrNoSigningSecret
	}
	tsText := header.Get(HeaderTimestamp)
	sigText := header.Get(HeaderSignature)
	if tsText == "" || sigText == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrMissingHeaders
	}
	if !strings.HasPrefix(sigText, "v0=") {
		return ErrMissingHeaders
	}
	skew := now.Sub(time.Unix(ts, 0))
	if skew > MaxClockSkew || skew < -MaxClockSkew {
		return ErrStaleTimestamp
	}
	sv, err := slack.NewSecretsVerifier(header, signingSecret)
	switch {
	case errors.Is(err, slack.ErrExpiredTimestamp):
		return ErrStaleTimestamp
	case err != nil:
		// Not hex, or not a SHA-256 long: a signature that cannot match.
		return ErrBadSignature
	}
	if _, err := sv.Write(body); err != nil {
		return ErrBadSignature
	}
	if err := sv.Ensure(); err != nil {
		return ErrBadSignature
	}
	return nil
}

// Sign returns the X-Slack-Signature value Slack would send for body at
// timestamp ts. It exists for tests and the demo, which play Slack.
func Sign(signingSecret string, ts time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	return timestamp, "v0=" + hex.EncodeToString(sign(signingSecret, timestamp, body))
}

func sign(secret, timestamp string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:"))
	mac.Write([]byte(timestamp))
	mac.Write([]byte(":"))
	mac.Write(body)
	return mac.Sum(nil)
}

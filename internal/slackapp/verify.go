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
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)), compared
// in constant time, and the X-Slack-Request-Timestamp header must be within
// MaxClockSkew of now. body must be the raw request body, before any form
// parsing.
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
	sigHex, ok := strings.CutPrefix(sigText, "v0=")
	if !ok {
		return ErrMissingHeaders
	}
	skew := now.Sub(time.Unix(ts, 0))
	if skew > MaxClockSkew || skew < -MaxClockSkew {
		return ErrStaleTimestamp
	}
	got, err := hex.DecodeString(sigHex)
	if err != nil {
		return ErrBadSignature
	}
	if !hmac.Equal(got, sign(signingSecret, tsText, body)) {
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

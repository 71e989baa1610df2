package slackapp_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/slackapp"
)

type signatureVector struct {
	Secret    string `json:"secret"`
	Timestamp string `json:"timestamp"`
	RawBody   string `json:"raw_body"`
	Signature string `json:"signature"`
}

func loadVector(t *testing.T) (signatureVector, time.Time) {
	t.Helper()
	b, err := os.ReadFile("testdata/signature_test_vector.json")
	if err != nil {
		t.Fatal(err)
	}
	var v signatureVector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v, time.Unix(ts, 0)
}

func signedHeader(ts, sig string) http.Header {
	h := http.Header{}
	if ts != "" {
		h.Set(slackapp.HeaderTimestamp, ts)
	}
	if sig != "" {
		h.Set(slackapp.HeaderSignature, sig)
	}
	return h
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v, at := loadVector(t)
	body := []byte(v.RawBody)
	forged := v.Signature[:len(v.Signature)-1] + "0"
	if forged == v.Signature {
		forged = v.Signature[:len(v.Signature)-1] + "1"
	}

	tests := []struct {
		name   string
		secret string
		header http.Header
		body   []byte
		now    time.Time
		want   error
	}{
		{name: "vector", secret: v.Secret, header: signedHeader(v.Timestamp, v.Signature), body: body, now: at},
		{name: "vector 4m59s later", secret: v.Secret, header: signedHeader(v.Timestamp, v.Signature), body: body, now: at.Add(4*time.Minute + 59*time.Second)},
		{name: "vector 4m59s earlier", secret: v.Secret, header: signedHeader(v.Timestamp, v.Signature), body: body, now: at.Add(-4*time.Minute - 59*time.Second)},
		{name: "stale by 5m01s", secret: v.Secret, header: signedHeader(v.Timestamp, v.Signature), body: body, now: at.Add(5*time.Minute + time.Second), want: slackapp.ErrStaleTimestamp},
		{name: "future by 5m01s", secret: v.Secret, header: signedHeader(v.Timestamp, v.Signature), body: body, now: at.Add(-5*time.Minute - time.Second), want: slackapp.ErrStaleTimestamp},
		{name: "forged signature", secret: v.Secret, header: signedHeader(v.Timestamp, forged), body: body, now: at, want: slackapp.ErrBadSignature},
		{name: "tampered body", secret: v.Secret, header: signedHeader(v.Timestamp, v.Signature), body: append([]byte(nil), append(body, '&', 'x')...), now: at, want: slackapp.ErrBadSignature},
		{name: "wrong secret", secret: "other_secret", header: signedHeader(v.Timestamp, v.Signature), body: body, now: at, want: slackapp.ErrBadSignature},
		{name: "signature not hex", secret: v.Secret, header: signedHeader(v.Timestamp, "v0=zz"), body: body, now: at, want: slackapp.ErrBadSignature},
		{name: "missing timestamp", secret: v.Secret, header: signedHeader("", v.Signature), body: body, now: at, want: slackapp.ErrMissingHeaders},
		{name: "missing signature", secret: v.Secret, header: signedHeader(v.Timestamp, ""), body: body, now: at, want: slackapp.ErrMissingHeaders},
		{name: "no headers", secret: v.Secret, header: http.Header{}, body: body, now: at, want: slackapp.ErrMissingHeaders},
		{name: "timestamp not a number", secret: v.Secret, header: signedHeader("yesterday", v.Signature), body: body, now: at, want: slackapp.ErrMissingHeaders},
		{name: "unknown signature version", secret: v.Secret, header: signedHeader(v.Timestamp, "v1="+v.Signature[3:]), body: body, now: at, want: slackapp.ErrMissingHeaders},
		{name: "empty secret", secret: "", header: signedHeader(v.Timestamp, v.Signature), body: body, now: at, want: slackapp.ErrNoSigningSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// slack-go's verifier holds the timestamp to the wall clock as
			// well: run in a bubble whose clock reads tt.now.
			synctest.Test(t, func(t *testing.T) {
				time.Sleep(time.Until(tt.now))
				err := slackapp.Verify(tt.secret, tt.header, tt.body, tt.now)
				if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
					t.Fatalf("Verify() = %v, want %v", err, tt.want)
				}
			})
		})
	}
}

// TestVerifyWallClock shows the signature goes through slack-go's verifier:
// a request fresh by the injected clock but years old by the wall clock is
// refused as stale, the check slack-go adds.
func TestVerifyWallClock(t *testing.T) {
	t.Parallel()
	v, at := loadVector(t)
	if err := slackapp.Verify(v.Secret, signedHeader(v.Timestamp, v.Signature), []byte(v.RawBody), at); !errors.Is(err, slackapp.ErrStaleTimestamp) {
		t.Fatalf("Verify(2024 vector, now=2024, wall clock today) = %v, want ErrStaleTimestamp", err)
	}
}

func TestSignMatchesVector(t *testing.T) {
	t.Parallel()
	v, at := loadVector(t)
	ts, sig := slackapp.Sign(v.Secret, at, []byte(v.RawBody))
	if ts != v.Timestamp || sig != v.Signature {
		t.Fatalf("Sign() = %s %s, want %s %s", ts, sig, v.Timestamp, v.Signature)
	}
	now := time.Now()
	ts, sig = slackapp.Sign("s3cret", now, []byte("payload=x"))
	if err := slackapp.Verify("s3cret", signedHeader(ts, sig), []byte("payload=x"), now); err != nil {
		t.Fatalf("Verify(Sign()) = %v", err)
	}
}

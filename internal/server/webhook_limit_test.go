package server_test

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

func signedWebhook(i int) []byte {
	return []byte(fmt.Sprintf(`{"action":"interviewScheduleUpdate","webhookActionId":"wa-%d","data":{"interviewSchedule":{"id":"s%d",%s,"interviewEvents":[%s]}}}`,
		i, i, doorFields, doorEvent))
}

// TestSignedWebhooksOutliveAnUnsignedFlood: the rate limit charges only
// requests that fail the signature check, so 2,000 unsigned requests from
// one address (the default limit of 6,000 a minute lets 1,000 through at
// once) do not make Ashby's signed webhooks from that address a 429.
func TestSignedWebhooksOutliveAnUnsignedFlood(t *testing.T) {
	t.Parallel()
	s := testkit.NewStack(t, testkit.StackOptions{NoAshby: true, Queue: jobs.Options{InsertOnly: true},
		Server: server.Deps{WebhookSecret: doorSecret}})
	unsigned := doorBody(`"id":"s1",` + doorFields + `,"interviewEvents":[]`)
	limited, signedOK := 0, 0
	for i := range 2000 {
		res := postWebhook(t, s.URL, unsigned, nil)
		switch res.status {
		case http.StatusTooManyRequests:
			limited++
		case http.StatusUnauthorized:
		default:
			t.Fatalf("unsigned request %d: %d %s", i, res.status, res.raw)
		}
		if i%100 == 99 {
			body := signedWebhook(i)
			if res := postWebhook(t, s.URL, body, signed(body)); res.status != http.StatusOK {
				t.Fatalf("signed webhook after %d unsigned requests (%d limited): %d %s", i+1, limited, res.status, res.raw)
			}
			signedOK++
		}
	}
	if limited == 0 {
		t.Fatal("2,000 unsigned requests were never limited")
	}
	t.Logf("%d of 2000 unsigned requests limited; %d signed webhooks accepted", limited, signedOK)
}

// TestTrustedProxies: behind a trusted proxy the rate limit and the access
// log use the client address the proxy forwarded (the rightmost
// X-Forwarded-For entry that is not a trusted proxy); from any other peer
// X-Forwarded-For is ignored, so a client cannot pick its own bucket.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	flood := func(t *testing.T, url string, xff func(i int) string) (limitedAt int) {
		t.Helper()
		body := []byte(`{"action":"interviewScheduleUpdate","data":{}}`)
		for i := range 30 {
			res := postWebhook(t, url, body, map[string]string{"X-Forwarded-For": xff(i)})
			if res.status == http.StatusTooManyRequests {
				return i
			}
		}
		return -1
	}
	t.Run("spoofed X-Forwarded-For from an untrusted peer is ignored", func(t *testing.T) {
		t.Parallel()
		// Loopback, the test's peer, is not trusted.
		s := testkit.NewStack(t, testkit.StackOptions{NoAshby: true, Queue: jobs.Options{InsertOnly: true},
			Server: server.Deps{WebhookSecret: doorSecret, WebhookRatePerMin: 60,
				TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}})
		if at := flood(t, s.URL, func(i int) string { return fmt.Sprintf("203.0.113.%d", i) }); at < 0 {
			t.Fatal("a new X-Forwarded-For on every request escaped the limit")
		}
	})
	t.Run("behind a trusted proxy each client has its own bucket", func(t *testing.T) {
		t.Parallel()
		logs := &testkit.Buffer{}
		s := testkit.NewStack(t, testkit.StackOptions{NoAshby: true, Queue: jobs.Options{InsertOnly: true},
			Server: server.Deps{WebhookSecret: doorSecret, WebhookRatePerMin: 60,
				TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")},
				Logger:         slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}})
		// The client prepends a forged address; the proxies (10.0.0.5 and
		// the loopback peer) append the real one.
		if at := flood(t, s.URL, func(i int) string { return fmt.Sprintf("198.51.100.%d, 203.0.113.7, 10.0.0.5", i) }); at < 0 {
			t.Fatal("the forwarded client 203.0.113.7 was never limited")
		}
		// Another client behind the same proxy is not.
		if at := flood(t, s.URL, func(int) string { return "203.0.113.8" }); at >= 0 && at < 10 {
			t.Fatalf("client 203.0.113.8 limited after %d requests: it shares a bucket", at)
		}
		if !strings.Contains(logs.String(), `"client":"203.0.113.7"`) {
			t.Fatalf("access log does not name the forwarded client:\n%s", testkit.Tail(logs.String(), 5))
		}
		if strings.Contains(logs.String(), `"client":"198.51.100.`) {
			t.Fatal("access log names the forged address")
		}
	})
}

// TestSlowBodyIsRequestTimeout: a client that stalls in the middle of its
// body past the server's read timeout is answered 408, on a real loopback
// server with a read timeout.
func TestSlowBodyIsRequestTimeout(t *testing.T) {
	t.Parallel()
	s := testkit.NewStack(t, testkit.StackOptions{NoAshby: true, Queue: jobs.Options{InsertOnly: true},
		Server: server.Deps{WebhookSecret: doorSecret}})
	srv := httptest.NewUnstartedServer(s.Handler)
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	testkit.Must(t, err)
	defer conn.Close()
	body := signedWebhook(1)
	half := body[:len(body)/2]
	_, err = fmt.Fprintf(conn, "POST /webhooks/ashby HTTP/1.1\r\nHost: aaa\r\nContent-Type: application/json\r\n"+
		"Ashby-Signature: %s\r\nContent-Length: %d\r\n\r\n%s", signed(body)["Ashby-Signature"], len(body), half)
	testkit.Must(t, err)
	// Stall: the rest of the body never comes.
	testkit.Must(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	defer res.Body.Close()
	var raw strings.Builder
	_, _ = bufio.NewReader(res.Body).WriteTo(&raw)
	if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(raw.String(), `"code":"REQUEST_TIMEOUT"`) {
		t.Fatalf("stalled body answered %d %s, want 408 REQUEST_TIMEOUT", res.StatusCode, raw.String())
	}
}

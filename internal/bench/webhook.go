package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
)

// WebhookSource turns a few real webhook bodies into an endless stream of
// signed deliveries, each with its own webhookActionId so none is
// deduplicated. Next is safe for concurrent use.
type WebhookSource struct {
	secret string
	prefix string // of every generated webhookActionId
	bodies []bodyTemplate
	n      atomic.Uint64
}

// bodyTemplate is a body split around its webhookActionId value.
type bodyTemplate struct{ head, tail []byte }

// NewWebhookSource returns a source cycling through bodies (each a webhook
// with a non-empty webhookActionId), signing with secret. runID keeps ids
// distinct between runs against one database.
func NewWebhookSource(secret, runID string, bodies [][]byte) (*WebhookSource, error) {
	if len(bodies) == 0 {
		return nil, fmt.Errorf("webhook source: no bodies")
	}
	s := &WebhookSource{secret: secret, prefix: "bench-" + runID + "-"}
	for i, b := range bodies {
		var probe struct {
			WebhookActionID string `json:"webhookActionId"`
		}
		if err := json.Unmarshal(b, &probe); err != nil || probe.WebhookActionID == "" {
			return nil, fmt.Errorf("webhook source: body %d has no webhookActionId", i)
		}
		needle := []byte(`"webhookActionId":"` + probe.WebhookActionID + `"`)
		at := bytes.Index(b, needle)
		if at < 0 {
			return nil, fmt.Errorf("webhook source: body %d: webhookActionId not in compact form", i)
		}
		cut := at + len(`"webhookActionId":"`)
		s.bodies = append(s.bodies, bodyTemplate{
			head: bytes.Clone(b[:cut]),
			tail: bytes.Clone(b[cut+len(probe.WebhookActionID):]),
		})
	}
	return s, nil
}

// Next returns a new body and its Ashby-Signature header value.
func (s *WebhookSource) Next() (body []byte, signature string) {
	n := s.n.Add(1)
	t := s.bodies[n%uint64(len(s.bodies))]
	body = make([]byte, 0, len(t.head)+len(s.prefix)+20+len(t.tail))
	body = append(body, t.head...)
	body = append(body, s.prefix...)
	body = strconv.AppendUint(body, n, 10)
	body = append(body, t.tail...)
	return body, ashby.Sign(s.secret, body)
}

// Sent is how many bodies Next has handed out.
func (s *WebhookSource) Sent() uint64 { return s.n.Load() }

// PostWebhook sends one signed delivery to url and fails on any status but
// 200.
func PostWebhook(ctx context.Context, hc *http.Client, url string, body []byte, signature string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Ashby-Signature", signature)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook answered %d", resp.StatusCode)
	}
	return nil
}

// NewClient returns an HTTP client keeping up to conns connections open to
// one host, as a fixed number of webhook senders would.
func NewClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns
	tr.MaxIdleConnsPerHost = conns
	tr.MaxConnsPerHost = conns
	tr.DisableCompression = true
	return &http.Client{Transport: tr}
}

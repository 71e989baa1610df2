package doctor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
)

// pingBody is the ping Ashby sends when a webhook is created or edited.
const pingBody = `{"action":"ping","data":{"webhookActionType":"ping"}}`

// webhookFix is how to point Ashby at aaa.
const webhookFix = "In Ashby, Admin > Integrations > Webhooks: send interviewScheduleUpdate (and the other events in docs/deployment.md) to https://YOUR-HOST/webhooks/ashby with the same secret as ASHBY_WEBHOOK_SECRET, then run aaa doctor --public-url https://YOUR-HOST."

// webhooks checks the secret, the last delivery and, with a public URL, a
// signed ping through it.
func (r *run) webhooks(ctx context.Context, dbOK bool) {
	const sec = SectionWebhooks
	if r.o.WebhookSecret == "" {
		r.add(sec, "Secret", Fail, "ASHBY_WEBHOOK_SECRET is not set: aaa refuses every webhook from Ashby.",
			"Set ASHBY_WEBHOOK_SECRET to the secret of the webhook in Ashby (Admin > Integrations > Webhooks).")
	} else {
		r.add(sec, "Secret", Pass, "ASHBY_WEBHOOK_SECRET is set.", "")
	}
	if dbOK {
		r.lastDelivery(ctx)
	}
	if r.ro.PublicURL != "" {
		r.ping(ctx)
	}
}

// lastDelivery says when the last webhook arrived and of which action.
func (r *run) lastDelivery(ctx context.Context) {
	const sec = SectionWebhooks
	ds, err := r.o.Store.ListDeliveries(ctx, "", 1)
	if err != nil {
		r.add(sec, "Last delivery", Warn, fmt.Sprintf("Cannot read the deliveries: %v", err), "")
		return
	}
	if len(ds) == 0 {
		r.add(sec, "Last delivery", Warn, "No webhook from Ashby has arrived yet.", webhookFix)
		return
	}
	d := ds[0]
	ago := r.o.Now().Sub(d.ReceivedAt)
	r.add(sec, "Last delivery", Pass, fmt.Sprintf("%s arrived %s (%s), status %s.", d.Action, agoText(ago),
		d.ReceivedAt.UTC().Format("2006-01-02 15:04 UTC"), d.Status), "")
}

// ping POSTs a signed ping to the public URL's webhook path and expects
// aaa's pong.
func (r *run) ping(ctx context.Context) {
	const sec = SectionWebhooks
	target, err := webhookURL(r.ro.PublicURL)
	if err != nil {
		r.add(sec, "Public URL", Fail, fmt.Sprintf("--public-url %s: %v", r.ro.PublicURL, err), "Give the URL Ashby calls, e.g. https://abc123.ngrok.app.")
		return
	}
	if r.o.WebhookSecret == "" {
		r.add(sec, "Public URL", Fail, "Cannot sign a ping to "+target+" without ASHBY_WEBHOOK_SECRET.", "Set ASHBY_WEBHOOK_SECRET.")
		return
	}
	cctx, cancel := r.timeout(ctx)
	defer cancel()
	body := []byte(pingBody)
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		r.add(sec, "Public URL", Fail, fmt.Sprintf("Cannot build the ping to %s: %v", target, err), "")
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Ashby-Signature", ashby.Sign(r.o.WebhookSecret, body))
	resp, err := r.o.HTTPClient.Do(req)
	if err != nil {
		r.add(sec, "Public URL", Fail, fmt.Sprintf("A signed ping to %s got no answer: %v", target, err),
			"Check that the tunnel (ngrok) or proxy is running and forwards to aaa serve's PORT.")
		return
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		r.add(sec, "Public URL", Fail,
			fmt.Sprintf("%s refused the signed ping (HTTP %d): the server there has another ASHBY_WEBHOOK_SECRET.", target, resp.StatusCode),
			"Give aaa serve and aaa doctor the same ASHBY_WEBHOOK_SECRET (the one set on the webhook in Ashby).")
	case resp.StatusCode != http.StatusOK || !strings.Contains(string(answer), "pong"):
		r.add(sec, "Public URL", Fail,
			fmt.Sprintf("A signed ping to %s was answered HTTP %d without aaa's pong: something else answers there.", target, resp.StatusCode),
			"Point the tunnel or proxy at aaa serve's PORT, and --public-url at the URL Ashby calls.")
	default:
		// aaa answers Ashby's ping before checking the signature (as the
		// seed did), so this proves the route, not that the secrets match.
		r.add(sec, "Public URL", Pass, "A signed ping to "+target+" was answered pong: Ashby's requests reach aaa there.", "")
	}
}

// webhookURL is base + /webhooks/ashby.
func webhookURL(base string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("want an http(s) URL such as https://abc123.ngrok.app")
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/webhooks/ashby") + "/webhooks/ashby"
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

// agoText says how long ago, roughly: "just now", "5 minutes ago",
// "3 hours ago", "2 days ago".
func agoText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	default:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

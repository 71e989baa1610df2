package ashbysim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// sign computes the Ashby-Signature header value.
func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ScheduleUpdateBody builds an interviewScheduleUpdate webhook body for the
// schedule's current state, with a fresh webhookActionId. It returns nil for
// an unknown schedule.
func (s *Sim) ScheduleUpdateBody(scheduleID string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.schedules[scheduleID]
	if sc == nil {
		return nil
	}
	body, err := json.Marshal(map[string]any{
		"action":          "interviewScheduleUpdate",
		"webhookActionId": s.newID(),
		"data":            map[string]any{"interviewSchedule": s.renderSchedule(sc)},
	})
	if err != nil {
		panic(fmt.Sprintf("ashbysim: encode webhook: %v", err))
	}
	return body
}

// SendScheduleUpdate POSTs a signed interviewScheduleUpdate webhook for the
// schedule to url and returns the response status.
func (s *Sim) SendScheduleUpdate(ctx context.Context, url, secret, scheduleID string) (int, error) {
	body := s.ScheduleUpdateBody(scheduleID)
	if body == nil {
		return 0, fmt.Errorf("send schedule update %s: %w", scheduleID, ErrNotFound)
	}
	return s.Replay(ctx, url, secret, body)
}

// SendPing POSTs Ashby's ping webhook, signed when secret is not empty.
func (s *Sim) SendPing(ctx context.Context, url, secret string) (int, error) {
	return s.Replay(ctx, url, secret, []byte(`{"action":"ping","data":{"webhookActionType":"ping"}}`))
}

// Replay POSTs body unchanged to url with an Ashby-Signature computed with
// secret (no signature header when secret is empty).
func (s *Sim) Replay(ctx context.Context, url, secret string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ashbysim-webhooks")
	if secret != "" {
		req.Header.Set("Ashby-Signature", sign(secret, body))
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

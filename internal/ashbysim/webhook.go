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

// webhookBody builds a webhook body for action with data and a fresh
// webhookActionId. Callers hold s.mu.
func (s *Sim) webhookBody(action string, data map[string]any) []byte {
	body, err := json.Marshal(map[string]any{"action": action, "webhookActionId": s.newID(), "data": data})
	if err != nil {
		panic(fmt.Sprintf("ashbysim: encode webhook: %v", err))
	}
	return body
}

// ApplicationBody builds a webhook body carrying the application's current
// state (data.application), as Ashby sends candidateStageChange,
// applicationUpdate and candidateHire. It returns nil for an unknown
// application.
func (s *Sim) ApplicationBody(action, applicationID string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[applicationID]
	if a == nil {
		return nil
	}
	return s.webhookBody(action, map[string]any{"application": s.renderApplication(a)})
}

// SendStageChange POSTs a signed candidateStageChange webhook for the
// application's current state (send it after MoveApplication, as Ashby
// does after a recruiter's move).
func (s *Sim) SendStageChange(ctx context.Context, url, secret, applicationID string) (int, error) {
	body := s.ApplicationBody("candidateStageChange", applicationID)
	if body == nil {
		return 0, fmt.Errorf("send stage change %s: %w", applicationID, ErrNotFound)
	}
	return s.Replay(ctx, url, secret, body)
}

// DeleteCandidate removes a candidate and their applications from the
// workspace, as an erasure in Ashby does, and returns the candidateDelete
// webhook body to send.
func (s *Sim) DeleteCandidate(candidateID string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cands[candidateID]
	if c == nil {
		return nil, fmt.Errorf("delete candidate %s: %w", candidateID, ErrNotFound)
	}
	for _, id := range c.appIDs {
		delete(s.apps, id)
	}
	delete(s.cands, candidateID)
	return s.webhookBody("candidateDelete", map[string]any{"candidate": map[string]any{"id": candidateID}}), nil
}

// MergeCandidates merges the candidate deleted into merged, as Ashby's
// duplicate merge does: merged keeps its id and takes the deleted one's
// applications. It returns the candidateMerge webhook body to send.
func (s *Sim) MergeCandidates(deletedID, mergedID string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from, to := s.cands[deletedID], s.cands[mergedID]
	if from == nil || to == nil {
		return nil, fmt.Errorf("merge candidate %s into %s: %w", deletedID, mergedID, ErrNotFound)
	}
	for _, id := range from.appIDs {
		if a := s.apps[id]; a != nil {
			a.candidateID = mergedID
			a.seq = s.nextSeq()
		}
		to.appIDs = append(to.appIDs, id)
	}
	delete(s.cands, deletedID)
	return s.webhookBody("candidateMerge", map[string]any{
		"deletedCandidate": map[string]any{"id": deletedID}, "mergedCandidate": map[string]any{"id": mergedID}}), nil
}

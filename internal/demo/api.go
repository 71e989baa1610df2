package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// admin calls aaa's admin API.
type admin struct {
	base, token string
	hc          *http.Client
}

func (a admin) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s body: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("decode %s answer: %w", path, err)
		}
	}
	return nil
}

// decision is one row of GET /admin/decisions.
type decision struct {
	ExecutionID   string  `json:"execution_id"`
	ScheduleID    string  `json:"schedule_id"`
	ApplicationID string  `json:"application_id"`
	RuleID        *string `json:"rule_id"`
	Mode          string  `json:"mode"`
	Outcome       string  `json:"outcome"`
	Status        string  `json:"status"`
	FromStageID   *string `json:"from_stage_id"`
	ToStageID     *string `json:"to_stage_id"`
	FailureReason *string `json:"failure_reason"`
	Summary       string  `json:"summary"`
	// Explanation is the decision rendered with names (no outcome word).
	Explanation string `json:"explanation"`
	ExecutedBy  string `json:"executed_by"`
	UpdatedAt   string `json:"updated_at"`
	// ActAt is when a scheduled archive runs; RevertedBy who cancelled,
	// undid or kept the decision.
	ActAt      *string `json:"act_at"`
	RevertedBy *string `json:"reverted_by"`
	Reasons    []struct {
		Code    string   `json:"code"`
		Missing []string `json:"missing"`
	} `json:"reasons"`
}

// actAt is when a scheduled action runs.
func (d decision) actAt() (time.Time, bool) {
	return parseTime(deref(d.ActAt))
}

// parseTime reads a timestamp of the admin API; false when absent.
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// decisions returns every recorded decision.
func (a admin) decisions(ctx context.Context) ([]decision, error) {
	var out struct {
		Decisions []decision `json:"decisions"`
	}
	err := a.do(ctx, http.MethodGet, "/admin/decisions?limit=1000", nil, &out)
	return out.Decisions, err
}

// waitHealthy polls GET /health until it answers 200.
func waitHealthy(ctx context.Context, hc *http.Client, base string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/health", nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s not healthy after %s", base, within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

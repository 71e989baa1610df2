package flowtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestDeliveryRetention runs the DELIVERY_RETENTION periodic task as River
// runs it (by its task name): a processed delivery older than the retention
// loses its payload and keeps its row, so Ashby's redelivery of it is still
// a duplicate and its schedule is untouched; a newer one keeps its
// payload; a retry of a pruned delivery is refused, saying why.
func TestDeliveryRetention(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		clock := testkit.NewClock(time.Now().UTC().Truncate(time.Second))
		s := testkit.NewStack(t, testkit.StackOptions{
			Backend: b,
			App:     app.Options{Now: clock.Now, DeliveryRetention: 30 * 24 * time.Hour, Timeout: 7 * 24 * time.Hour},
			Server:  server.Deps{WebhookSecret: secret, AdminToken: "admin-token"},
		})
		sc := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
		post := func(body []byte) (int, map[string]any) {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/webhooks/ashby", bytes.NewReader(body))
			req.Header.Set("Ashby-Signature", ashby.Sign(secret, body))
			resp, err := http.DefaultClient.Do(req)
			testkit.Must(t, err)
			defer resp.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		deliver := func(scheduleID string) (string, []byte) {
			body := s.Sim.ScheduleUpdateBody(scheduleID)
			code, out := post(body)
			if code != http.StatusOK {
				t.Fatalf("webhook answered %d %v", code, out)
			}
			id, _ := out["delivery_id"].(string)
			testkit.Eventually(t, 10*time.Second, "delivery "+id+" processed", func() bool {
				d, err := s.DB.GetDelivery(ctx, id)
				return err == nil && d.Status == domain.DeliveryProcessed
			})
			return id, body
		}
		oldID, oldBody := deliver(sc.Candidates[0].ScheduleID)
		clock.Advance(31 * 24 * time.Hour)
		newID, _ := deliver(sc.Candidates[1].ScheduleID)

		prune := s.Services.Handlers().Tasks[jobs.TaskDeliveryRetention]
		if prune == nil {
			t.Fatalf("no handler for the periodic task %q", jobs.TaskDeliveryRetention)
		}
		testkit.Must(t, prune(ctx))

		old, err := s.DB.GetDelivery(ctx, oldID)
		testkit.Must(t, err)
		if len(old.Payload) != 0 {
			t.Errorf("the 31-day-old processed delivery kept its payload (%d bytes)", len(old.Payload))
		}
		if old.Status != domain.DeliveryProcessed || old.ScheduleID != sc.Candidates[0].ScheduleID || old.DedupeKey == "" {
			t.Errorf("the pruned delivery's row changed: %+v", old)
		}
		if fresh, _ := s.DB.GetDelivery(ctx, newID); len(fresh.Payload) == 0 {
			t.Error("the 0-day-old delivery lost its payload")
		}
		if _, err := s.DB.GetSchedule(ctx, sc.Candidates[0].ScheduleID); err != nil {
			t.Errorf("the pruned delivery's schedule: %v", err)
		}

		// Ashby redelivers the same webhook: still a duplicate.
		if code, out := post(oldBody); code != http.StatusOK || out["duplicate"] != true {
			t.Errorf("redelivery of a pruned delivery answered %d %v, want 200 duplicate", code, out)
		}
		// A retry has nothing to re-apply.
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/admin/webhooks/"+oldID+"/retry", nil)
		req.Header.Set("Authorization", "Bearer admin-token")
		resp, err := http.DefaultClient.Do(req)
		testkit.Must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "DELIVERY_RETENTION") {
			t.Errorf("retry of a pruned delivery answered %d %s, want 422 naming DELIVERY_RETENTION", resp.StatusCode, body)
		}
		if d, _ := s.DB.GetDelivery(ctx, oldID); d.Status != domain.DeliveryProcessed {
			t.Errorf("the refused retry changed the delivery to %s", d.Status)
		}
	})
}

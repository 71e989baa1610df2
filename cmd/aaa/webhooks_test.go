package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestWebhooksRetryRefusedAsByAPI retries the same deliveries through POST
// /admin/webhooks/{id}/retry of a running `aaa serve` and through `aaa
// webhooks retry`: a delivery whose action aaa does not process is refused
// by both with the same message (the CLI exits non-zero and changes
// nothing), and a schedule delivery is queued by both.
func TestWebhooksRetryRefusedAsByAPI(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			url := b.URL(t)
			srv := testkit.Start(t, testkit.ProcessOptions{Env: testkit.Environ("DATABASE_URL="+url, "ADMIN_API_TOKEN="+testkit.AdminToken)})
			srv.WaitHealthy(t)
			ctx := context.Background()
			be, err := openStore(ctx, url, slog.New(slog.DiscardHandler))
			testkit.Must(t, err)
			t.Cleanup(be.close)
			now := time.Now().UTC().Truncate(time.Second)
			for _, d := range []domain.Delivery{
				{ID: "d-candidate", DedupeKey: "k-candidate", Action: "jobUpdate", Status: domain.DeliveryIgnored},
				{ID: "d-schedule", DedupeKey: "k-schedule", Action: "interviewScheduleUpdate", ScheduleID: "sch-1", Status: domain.DeliveryFailed},
			} {
				d.Payload, d.ReceivedAt = []byte(`{}`), now
				_, err := be.db.InsertDelivery(ctx, d)
				testkit.Must(t, err)
				if d.Status != domain.DeliveryPending {
					testkit.Must(t, be.db.MarkDelivery(ctx, d.ID, d.Status, "", now))
				}
			}

			status, body := adminPost(t, srv.URL()+"/admin/webhooks/d-candidate/retry")
			var env struct {
				Error struct{ Code, Message string }
			}
			testkit.Must(t, json.Unmarshal(body, &env))
			if status != http.StatusUnprocessableEntity || !strings.Contains(env.Error.Message, "does not process") {
				t.Fatalf("API retry of a jobUpdate delivery: %d %s, want 422 refusing the action", status, body)
			}

			out, err := retryCLI(t, url, "d-candidate")
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() == 0 {
				t.Fatalf("aaa webhooks retry of a jobUpdate delivery: %v, want a non-zero exit\n%s", err, out)
			}
			if !strings.Contains(out, env.Error.Message) {
				t.Errorf("CLI refusal does not say what the API says (%q):\n%s", env.Error.Message, out)
			}
			d, err := be.db.GetDelivery(ctx, "d-candidate")
			testkit.Must(t, err)
			if d.Status != domain.DeliveryIgnored {
				t.Errorf("refused retry left the delivery %s, want it still %s", d.Status, domain.DeliveryIgnored)
			}

			if out, err := retryCLI(t, url, "d-schedule"); err != nil || !strings.Contains(out, "queued") {
				t.Fatalf("aaa webhooks retry of a schedule delivery: %v\n%s", err, out)
			}
			if status, body := adminPost(t, srv.URL()+"/admin/webhooks/d-schedule/retry"); status != http.StatusAccepted {
				t.Fatalf("API retry of a schedule delivery: %d %s", status, body)
			}
		})
	}
}

func retryCLI(t *testing.T, url, id string) (string, error) {
	t.Helper()
	cmd := exec.Command(testkit.Binary(t), "webhooks", "retry", id, "--db", url)
	cmd.Env = testkit.Environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func adminPost(t *testing.T, url string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader("{}"))
	testkit.Must(t, err)
	req.Header.Set("Authorization", "Bearer "+testkit.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	testkit.Must(t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

// TestCandidatesErase erases a candidate with `aaa candidates erase` on the
// database a server wrote: the command says what it erased, the candidate
// is gone from every table, and a second run says there is nothing to
// erase.
func TestCandidatesErase(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			url := b.URL(t)
			ctx := context.Background()
			db := testkit.OpenURL(t, url, true)
			now := time.Now().UTC().Truncate(time.Second)
			testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "app-ada", CandidateID: "cand-ada",
				CandidateName: "Ada Lovelace", ProfileURL: "https://app.ashbyhq.com/candidates/cand-ada", UpdatedAt: now}))
			testkit.Must(t, db.UpsertSchedule(ctx, domain.Schedule{ID: "sch-ada", ApplicationID: "app-ada", CandidateID: "cand-ada",
				Status: "Scheduled", CreatedAt: now, UpdatedAt: now}))
			_, err := db.InsertDelivery(ctx, domain.Delivery{ID: "d-ada", DedupeKey: "k-ada", Action: "interviewScheduleUpdate",
				ScheduleID: "sch-ada", Payload: []byte(`{"candidateId":"cand-ada","name":"Ada Lovelace"}`), ReceivedAt: now,
				Status: domain.DeliveryPending})
			testkit.Must(t, err)

			erase := func() string {
				cmd := exec.Command(testkit.Binary(t), "candidates", "erase", "cand-ada", "--db", url, "--as", "dpo")
				cmd.Env = testkit.Environ()
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("aaa candidates erase: %v\n%s", err, out)
				}
				return string(out)
			}
			if out := erase(); !strings.Contains(out, "erased: 1 applications, 1 schedules") || strings.Contains(out, "Ada") {
				t.Fatalf("first erase said:\n%s", out)
			}
			if hits := testkit.TextHits(t, db, "cand-ada", "Ada Lovelace"); len(hits) != 0 {
				t.Fatalf("the candidate is still in:\n%s", strings.Join(hits, "\n"))
			}
			if out := erase(); !strings.Contains(out, "nothing to erase") {
				t.Fatalf("second erase said:\n%s", out)
			}
		})
	}
}

package flowtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// The candidate's lifecycle (issue 22): stage changes, erasure and merges,
// with webhooks signed as Ashby signs them and the simulator.

// delivered waits until the newest delivery of action is processed and
// returns it.
func (e *env) delivered(action string) domain.Delivery {
	e.t.Helper()
	var got domain.Delivery
	testkit.Eventually(e.t, 30*time.Second, action+" processed", func() bool {
		list, err := e.db.ListDeliveries(context.Background(), "", 100)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, d := range list {
			if d.Action == action {
				got = d
				return d.Status == domain.DeliveryProcessed
			}
		}
		return false
	}, func() string { return got.Status + " " + got.LastError + e.jobs() })
	return got
}

// replay sends a signed webhook body and checks the 200.
func (e *env) replay(body []byte) {
	e.t.Helper()
	status, err := e.sim.Replay(context.Background(), e.url+"/webhooks/ashby", secret, body)
	if err != nil || status != http.StatusOK {
		e.t.Fatalf("webhook: status %d, err %v", status, err)
	}
}

// TestStageChangeRetiresNotice: a candidateStageChange for an application
// with a rejection awaiting its click edits the Slack notice (no button
// left, where the candidate went), records the decision stale, shows the
// move in Activity, and gives backtests the visit without a history sync.
func TestStageChangeRetiresNotice(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, fake := newSlackEnv(t, b, envOpts{})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			rule := e.secondRule(sc, func(*domain.Rule) {})
			c := sc.Candidates[0]
			e.submitScores(sc, c, 1)
			x := e.decide(c)[0]
			n := e.notice(x, domain.NotificationSent)
			buttonOf(t, fake, n, slackapp.ActionSendRejection)

			if err := e.sim.MoveApplication(c.ApplicationID, sc.StageIDs[1]); err != nil {
				t.Fatal(err)
			}
			status, err := e.sim.SendStageChange(ctx, e.url+"/webhooks/ashby", secret, c.ApplicationID)
			if err != nil || status != http.StatusOK {
				t.Fatalf("stage change webhook: %d %v", status, err)
			}
			d := e.delivered("candidateStageChange")
			app, _ := e.sim.Application(c.ApplicationID)
			if !strings.Contains(d.LastError, "moved to "+app.StageTitle) {
				t.Errorf("Activity line %q, want where the candidate went", d.LastError)
			}
			s := e.waitExecution(x.ID, domain.ExecStale)
			if !strings.Contains(s.FailureReason, app.StageTitle) {
				t.Errorf("stale reason %q", s.FailureReason)
			}
			messageSays(t, fake, n, "Moved to "+app.StageTitle)

			visits, err := e.db.ListStageHistory(ctx, c.ApplicationID)
			if err != nil {
				t.Fatal(err)
			}
			if len(visits) != 2 || visits[0].StageID != sc.StageIDs[0] || visits[0].LeftAt == nil || visits[1].StageID != sc.StageIDs[1] {
				t.Fatalf("stage history %+v, want the first stage left and the second entered", visits)
			}
			rep, err := e.svc.Backtest.Backtest(ctx, backtest.Query{Rule: rule})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Judged != 1 || rep.NoHistory != 0 || rep.Rows[0].Actual != backtest.ActualAdvanced {
				t.Fatalf("backtest after the move: judged %d, no history %d, rows %+v", rep.Judged, rep.NoHistory, rep.Rows)
			}
			if got := e.changeStageCalls(); got != 0 {
				t.Fatalf("aaa called changeStage %d times", got)
			}

			// The same webhook again (Ashby retries with a new id): nothing
			// changes.
			if status, err := e.sim.SendStageChange(ctx, e.url+"/webhooks/ashby", secret, c.ApplicationID); err != nil || status != http.StatusOK {
				t.Fatalf("repeated stage change: %d %v", status, err)
			}
			testkit.Eventually(t, 30*time.Second, "deliveries processed", func() bool {
				list, _ := e.db.ListDeliveries(ctx, domain.DeliveryPending, 10)
				return len(list) == 0
			})
			if again, _ := e.db.ListStageHistory(ctx, c.ApplicationID); len(again) != 2 {
				t.Fatalf("a repeated stage change added visits: %+v", again)
			}

			// An action aaa does not follow is stored and ignored.
			e.replay([]byte(`{"action":"jobUpdate","webhookActionId":"job-1","data":{"job":{"id":"j1","title":"Chef"}}}`))
			list, _ := e.db.ListDeliveries(ctx, domain.DeliveryIgnored, 10)
			if len(list) != 1 || list[0].Action != "jobUpdate" {
				t.Fatalf("ignored deliveries %+v, want the jobUpdate", list)
			}
		})
	}
}

// TestCandidateDelete: after a candidateDelete, no table and no stored
// payload holds the candidate's id, name or email; counts and the rule's
// agreement figures are unchanged; Slack messages no longer name them; a
// second delete (webhook or admin API) changes nothing.
func TestCandidateDelete(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, fake := newSlackEnv(t, b, envOpts{})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
			rule := e.secondRule(sc, func(*domain.Rule) {})
			gone, kept := sc.Candidates[0], sc.Candidates[1]
			e.submitScores(sc, gone, 1)
			e.submitScores(sc, kept, 1)
			exs := e.decide(gone, kept)
			n := e.notice(exs[0], domain.NotificationSent)
			e.notice(exs[1], domain.NotificationSent)
			if _, err := e.svc.Advance.KeepInProcess(ctx, exs[0].ID, "jane (api)"); err != nil {
				t.Fatal(err)
			}
			messageSays(t, fake, n, "Kept in process")
			info, err := e.ats.CandidateInfo(ctx, gone.CandidateID)
			if err != nil || info.PrimaryEmailAddress == nil {
				t.Fatalf("candidate.info: %+v, %v", info, err)
			}
			cand := struct{ Name, Email string }{info.Name, info.PrimaryEmailAddress.Value}
			if cand.Name == "" || cand.Email == "" {
				t.Fatalf("candidate %+v: want a name and an email to look for", cand)
			}
			if hits := testkit.TextHits(t, e.db, cand.Name); len(hits) == 0 {
				t.Fatalf("the candidate's name is nowhere before the erasure: the scan cannot fail")
			}
			counts := func() string {
				c, err := e.db.CountExecutions(ctx, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				ov, err := e.db.ListRuleOverview(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var agree, disagree int
				for _, o := range ov {
					if o.Rule.ID == rule.ID {
						agree, disagree = o.Shadow.Agree, o.Shadow.Disagree
					}
				}
				raw, _ := json.Marshal(map[string]any{"counts": c, "agree": agree, "disagree": disagree})
				return string(raw)
			}
			before := counts()

			body, err := e.sim.DeleteCandidate(gone.CandidateID)
			if err != nil {
				t.Fatal(err)
			}
			e.replay(body)
			d := e.delivered("candidateDelete")
			if strings.Contains(d.LastError, cand.Name) {
				t.Fatalf("the delivery's note names the candidate: %q", d.LastError)
			}
			if hits := testkit.TextHits(t, e.db, gone.CandidateID, cand.Name, cand.Email); len(hits) != 0 {
				t.Fatalf("after the erasure the candidate is still in:\n%s", strings.Join(hits, "\n"))
			}
			if after := counts(); after != before {
				t.Fatalf("counts changed by the erasure:\nbefore %s\nafter  %s", before, after)
			}
			m, _ := fake.Message(n.Channel, n.MessageTS)
			if strings.Contains(m.Text+string(m.Blocks), cand.Name) || !strings.Contains(m.Text, "erased") {
				t.Fatalf("Slack message after the erasure: %q", m.Text)
			}
			// The other candidate is untouched.
			if x, err := e.db.GetExecution(ctx, exs[1].ID); err != nil || x.ApplicationID != kept.ApplicationID {
				t.Fatalf("the other candidate's decision: %+v, %v", x, err)
			}
			if hits := testkit.TextHits(t, e.db, kept.CandidateID); len(hits) == 0 {
				t.Fatalf("the other candidate was erased too")
			}

			// A second delete, by webhook and by the admin API, is a no-op.
			e.replay([]byte(`{"action":"candidateDelete","webhookActionId":"again-1","data":{"candidate":{"id":"` + gone.CandidateID + `"}}}`))
			testkit.Eventually(t, 30*time.Second, "second delete processed", func() bool {
				list, _ := e.db.ListDeliveries(ctx, domain.DeliveryPending, 10)
				return len(list) == 0
			})
			status, resp := e.adminPost("/admin/candidates/" + gone.CandidateID + "/erase")
			if status != http.StatusOK || !strings.Contains(resp, `"applications":0`) || !strings.Contains(resp, `"decisions_kept_without_identity":0`) {
				t.Fatalf("second erasure through the API: %d %s", status, resp)
			}
			if after := counts(); after != before {
				t.Fatalf("counts changed by a second erasure: %s", after)
			}
			if hits := testkit.TextHits(t, e.db, gone.CandidateID, cand.Name, cand.Email); len(hits) != 0 {
				t.Fatalf("after a second erasure:\n%s", strings.Join(hits, "\n"))
			}
		})
	}
}

// TestCandidateMerge: after a candidateMerge, the merged candidate's rows
// hold the deleted one's applications and decisions, under the merged
// candidate's name, as the dashboard's decision search shows them.
func TestCandidateMerge(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, b, envOpts{})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
			e.secondRule(sc, func(*domain.Rule) {})
			deleted, merged := sc.Candidates[0], sc.Candidates[1]
			e.submitScores(sc, deleted, 1)
			e.submitScores(sc, merged, 4)
			exs := e.decide(deleted, merged)
			mergedApp, err := e.db.GetApplication(ctx, merged.ApplicationID)
			if err != nil || mergedApp.CandidateName == "" {
				t.Fatalf("merged candidate's application: %+v, %v", mergedApp, err)
			}
			body, err := e.sim.MergeCandidates(deleted.CandidateID, merged.CandidateID)
			if err != nil {
				t.Fatal(err)
			}
			e.replay(body)
			e.delivered("candidateMerge")
			a, err := e.db.GetApplication(ctx, deleted.ApplicationID)
			if err != nil || a.CandidateID != merged.CandidateID || a.CandidateName != mergedApp.CandidateName {
				t.Fatalf("the deleted candidate's application after the merge: %+v, %v", a, err)
			}
			rows, err := e.db.ListDecisions(ctx, store.DecisionFilter{Text: mergedApp.CandidateName})
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, r := range rows {
				ids[r.Execution.ID] = true
			}
			if !ids[exs[0].ID] || !ids[exs[1].ID] {
				t.Fatalf("decisions under %s: %d rows, want both candidates' decisions", mergedApp.CandidateName, len(rows))
			}
			if hits := testkit.TextHits(t, e.db, deleted.CandidateID); len(hits) != 0 {
				// Only the stored webhook payloads may still name the
				// deleted id (they are Ashby's words, kept as received).
				for _, h := range hits {
					if !strings.HasPrefix(h, "webhook_deliveries.payload") && !strings.HasPrefix(h, "river_job") {
						t.Fatalf("the deleted candidate's id is still in %s", h)
					}
				}
			}
		})
	}
}

package e2e_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// each runs fn against a fresh `aaa serve` per backend, in parallel.
func each(t *testing.T, o options, fn func(t *testing.T, a *aaa)) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, start(t, b, o))
		})
	}
}

func TestAdvance(t *testing.T) {
	each(t, options{}, func(t *testing.T, a *aaa) {
		a.rule(domain.ModeLive, nil)
		c := a.sc.Candidates[0]
		a.webhook(c)
		a.submit(c, 4, 3)
		e := a.decided(c.ApplicationID, 20*time.Second)
		if e.Outcome != domain.OutcomeAdvance || e.Status != domain.ExecSuccess || e.Mode != domain.ModeLive {
			t.Fatalf("decision: %s", describe([]domain.Execution{e}))
		}
		if e.FromStageID != a.sc.StageIDs[0] || e.ToStageID != a.sc.StageIDs[1] {
			t.Fatalf("moved %s -> %s, want %s -> %s", e.FromStageID, e.ToStageID, a.sc.StageIDs[0], a.sc.StageIDs[1])
		}
		// A repeated webhook and later syncs and sweeps change nothing.
		a.webhook(c)
		a.quiet()
		adv, arch := a.changeStages()
		if len(adv) != 1 || adv[0].ApplicationID != c.ApplicationID || adv[0].StageID != a.sc.StageIDs[1] || len(arch) != 0 {
			t.Fatalf("simulator saw advances %+v and archives %+v, want exactly one advance to the next stage", adv, arch)
		}
		if app, _ := a.sim.Application(c.ApplicationID); app.StageID != a.sc.StageIDs[1] {
			t.Fatalf("application is in %s, want %s", app.StageID, a.sc.StageIDs[1])
		}
		if n := len(a.executions(c.ApplicationID)); n != 1 {
			t.Fatalf("%d audit rows, want 1", n)
		}
	})
}

func TestRejectThenArchiveByClick(t *testing.T) {
	each(t, options{}, func(t *testing.T, a *aaa) {
		a.rule(domain.ModeLive, map[string]any{"communication_template_id": a.sc.TemplateID})
		c := a.sc.Candidates[0]
		a.webhook(c)
		a.submit(c, 4, 2)
		e := a.decided(c.ApplicationID, 20*time.Second)
		if e.Outcome != domain.OutcomeReject || e.Status != domain.ExecNotified {
			t.Fatalf("decision: %s", describe([]domain.Execution{e}))
		}
		post := a.rejectionNotice(20 * time.Second)
		if post.Channel != "DU0RECRUITER" {
			t.Errorf("notice went to %s, want the recruiter's DM", post.Channel)
		}
		if adv, arch := a.changeStages(); len(adv)+len(arch) != 0 {
			t.Fatalf("changeStage before the click: %+v %+v", adv, arch)
		}
		click := a.clickOn(post)
		if status, err := click.Send(context.Background(), a.url+"/slack/interactions", signingSecret); err != nil || status != http.StatusOK {
			t.Fatalf("click: status %d, err %v", status, err)
		}
		testkit.Eventually(t, 20*time.Second, "archived after the click", func() bool {
			list := a.executions(c.ApplicationID)
			return len(list) == 1 && list[0].Status == domain.ExecRejected
		}, func() string { return describe(a.executions(c.ApplicationID)) })
		if by := a.executions(c.ApplicationID)[0].ExecutedBy; !strings.HasPrefix(by, "slack:U0RECRUITER") {
			t.Errorf("executed_by = %q, want the clicking Slack user", by)
		}
		// A second click (Slack retries, impatient recruiters) archives nothing more.
		if status, _ := click.Send(context.Background(), a.url+"/slack/interactions", signingSecret); status != http.StatusOK {
			t.Fatalf("second click: status %d", status)
		}
		a.quiet()
		adv, arch := a.changeStages()
		if len(adv) != 0 || len(arch) != 1 || arch[0].ApplicationID != c.ApplicationID || arch[0].StageID != a.sc.ArchivedStageID {
			t.Fatalf("simulator saw advances %+v and archives %+v, want exactly one archive", adv, arch)
		}
		if emails := a.sim.ArchiveEmails(); len(emails) != 1 || emails[0].TemplateID != a.sc.TemplateID {
			t.Errorf("archive emails = %+v, want one with the rule's template", emails)
		}
		testkit.Eventually(t, 10*time.Second, "the notice edited to say archived", func() bool {
			return len(a.fake.CallsTo("chat.update")) >= 1
		})
	})
}

func TestWaitThenAdvanceAtDueTime(t *testing.T) {
	// Feedback that Ashby stamped 45s ago and a 1 minute min wait: aaa must
	// wait about 15s, then advance without any new webhook or feedback. (At
	// 55s the 5s left were sometimes used up by a feedback sync slowed by a
	// loaded machine, and the wait was never seen.)
	const lag = 45 * time.Second
	simNow := testkit.Behind(lag)
	each(t, options{simNow: simNow, env: []string{"ADVANCEMENT_FEEDBACK_MIN_WAIT_MINUTES=1"}}, func(t *testing.T, a *aaa) {
		a.rule(domain.ModeLive, nil)
		c := a.sc.Candidates[0]
		a.webhook(c)
		submitted := simNow()
		a.submit(c, 4, 4)
		due := submitted.Add(time.Minute)
		testkit.Eventually(t, 10*time.Second, "a wait until the min wait ends", func() bool {
			s, err := a.db.GetSchedule(context.Background(), c.ScheduleID)
			return err == nil && s.LastOutcome == domain.OutcomeWait && s.DueAt != nil && s.DueAt.Sub(due).Abs() < time.Second
		})
		if time.Now().Before(due) {
			if n := len(a.executions(c.ApplicationID)); n != 0 {
				t.Fatalf("decided before the min wait ended: %s", describe(a.executions(c.ApplicationID)))
			}
		}
		e := a.decided(c.ApplicationID, 30*time.Second)
		if e.Status != domain.ExecSuccess {
			t.Fatalf("decision: %s", describe([]domain.Execution{e}))
		}
		if e.ExecutedAt.Before(due.Add(-time.Second)) || e.ExecutedAt.After(due.Add(15*time.Second)) {
			t.Fatalf("advanced at %s, want at the due time %s", e.ExecutedAt, due)
		}
		if adv, arch := a.changeStages(); len(adv) != 1 || len(arch) != 0 {
			t.Fatalf("simulator saw advances %+v and archives %+v, want exactly one advance", adv, arch)
		}
	})
}

func TestFeedbackTimeoutAlert(t *testing.T) {
	// The interview ended an hour ago; the timeout is 30 minutes.
	each(t, options{env: []string{"ADVANCEMENT_FEEDBACK_TIMEOUT=30m"}}, func(t *testing.T, a *aaa) {
		a.rule(domain.ModeLive, nil)
		c := a.sc.Candidates[0]
		a.submit(c, 4) // the second interviewer never submits
		a.webhook(c)
		e := a.decided(c.ApplicationID, 20*time.Second)
		if e.Outcome != domain.OutcomeTimeout || e.Status != domain.ExecTimeout {
			t.Fatalf("decision: %s", describe([]domain.Execution{e}))
		}
		if !strings.Contains(string(e.Reasons), a.sc.InterviewerIDs[1]) {
			t.Errorf("timeout reasons do not name the interviewer who owes feedback: %s", e.Reasons)
		}
		testkit.Eventually(t, 20*time.Second, "the timeout alert in the admin channel", func() bool {
			for _, p := range a.fake.CallsTo("chat.postMessage") {
				if p.Channel == adminChannel && strings.Contains(strings.ToLower(p.Params.Get("text")), "timeout") {
					return true
				}
			}
			return false
		})
		a.quiet()
		if n := len(a.fake.CallsTo("chat.postMessage")); n != 1 {
			t.Errorf("%d Slack posts, want one alert", n)
		}
		if adv, arch := a.changeStages(); len(adv)+len(arch) != 0 {
			t.Fatalf("changeStage on a timeout: %+v %+v", adv, arch)
		}
		if n := len(a.executions(c.ApplicationID)); n != 1 {
			t.Fatalf("%d audit rows, want 1: %s", n, describe(a.executions(c.ApplicationID)))
		}
	})
}

func TestShadowModeNeverWrites(t *testing.T) {
	each(t, options{candidates: 2}, func(t *testing.T, a *aaa) {
		a.rule(domain.ModeShadow, map[string]any{"notify_in_shadow": true})
		pass, fail := a.sc.Candidates[0], a.sc.Candidates[1]
		a.webhook(pass)
		a.webhook(fail)
		a.submit(pass, 4, 4)
		a.submit(fail, 1, 2)
		p, f := a.decided(pass.ApplicationID, 20*time.Second), a.decided(fail.ApplicationID, 20*time.Second)
		if p.Outcome != domain.OutcomeAdvance || p.Status != domain.ExecDryRun || f.Outcome != domain.OutcomeReject || f.Status != domain.ExecDryRun {
			t.Fatalf("decisions: %s", describe([]domain.Execution{p, f}))
		}
		notice := a.rejectionPost(20 * time.Second)
		if !strings.Contains(notice.Params.Get("text"), "Dry run") || len(slackfake.Buttons(notice.Blocks)) != 0 {
			t.Fatalf("shadow notice not marked dry run or has a button: %q %s", notice.Params.Get("text"), notice.Blocks)
		}
		// A forged click on the dry-run decision does nothing either.
		click := slackfake.Click{UserID: "U0RECRUITER", UserName: "rita", Channel: notice.Channel, TS: notice.TS,
			Button: slackfake.Button{ActionID: slackapp.ActionSendRejection, BlockID: slackapp.BlockRejectionActions,
				Value: `{"execution_id":"` + f.ID + `","application_id":"` + fail.ApplicationID + `","action":"send_rejection"}`}}
		if status, err := click.Send(context.Background(), a.url+"/slack/interactions", signingSecret); err != nil || status != http.StatusOK {
			t.Fatalf("click: status %d, err %v", status, err)
		}
		a.quiet()
		if n := a.sim.CallCount("application.changeStage"); n != 0 {
			t.Fatalf("shadow mode made %d changeStage calls", n)
		}
		if got := a.executions(fail.ApplicationID); len(got) != 1 || got[0].Status != domain.ExecDryRun {
			t.Fatalf("dry-run decision changed: %s", describe(got))
		}
	})
}

func TestStaleStage(t *testing.T) {
	each(t, options{}, func(t *testing.T, a *aaa) {
		a.rule(domain.ModeLive, nil)
		c := a.sc.Candidates[0]
		a.webhook(c)
		// A recruiter moves the candidate by hand before the panel is in.
		if err := a.sim.MoveApplication(c.ApplicationID, a.sc.StageIDs[2]); err != nil {
			t.Fatal(err)
		}
		a.submit(c, 4, 4)
		e := a.decided(c.ApplicationID, 20*time.Second)
		if e.Outcome != domain.OutcomeAdvance || e.Status != domain.ExecStale {
			t.Fatalf("decision: %s", describe([]domain.Execution{e}))
		}
		a.quiet()
		if n := a.sim.CallCount("application.changeStage"); n != 0 {
			t.Fatalf("%d changeStage calls for a candidate who left the stage", n)
		}
		if app, _ := a.sim.Application(c.ApplicationID); app.StageID != a.sc.StageIDs[2] {
			t.Fatalf("application moved to %s after the recruiter's move", app.StageID)
		}
	})
}

func TestBadSignaturesAreRefused(t *testing.T) {
	each(t, options{}, func(t *testing.T, a *aaa) {
		a.rule(domain.ModeLive, nil)
		c := a.sc.Candidates[0]
		body := a.sim.ScheduleUpdateBody(c.ScheduleID)
		ashbySig := func(secret string, b []byte) string {
			m := hmac.New(sha256.New, []byte(secret))
			m.Write(b)
			return "sha256=" + hex.EncodeToString(m.Sum(nil))
		}
		json := http.Header{"Content-Type": {"application/json"}}
		with := func(h http.Header, k, v string) http.Header {
			h = h.Clone()
			h.Set(k, v)
			return h
		}
		tampered := []byte(strings.Replace(string(body), c.ScheduleID, "00000000-0000-4000-8000-000000000000", 1))
		webhooks := []struct {
			name   string
			header http.Header
			body   []byte
		}{
			{"no signature", json, body},
			{"wrong secret", with(json, "Ashby-Signature", ashbySig("not-the-secret", body)), body},
			{"tampered body", with(json, "Ashby-Signature", ashbySig(webhookSecret, body)), tampered},
			{"malformed signature", with(json, "Ashby-Signature", "sha256=zz"), body},
		}
		for _, tt := range webhooks {
			if got := a.post("/webhooks/ashby", tt.header, tt.body); got != http.StatusUnauthorized {
				t.Errorf("webhook with %s: status %d, want 401", tt.name, got)
			}
		}
		var hooks struct {
			Count int `json:"count"`
		}
		a.admin(http.MethodGet, "/admin/webhooks", nil, &hooks)
		if hooks.Count != 0 {
			t.Fatalf("%d deliveries stored from badly signed webhooks", hooks.Count)
		}

		// The genuine delivery goes through; a failing panel gets a notice.
		a.webhook(c)
		a.submit(c, 1, 1)
		if e := a.decided(c.ApplicationID, 20*time.Second); e.Status != domain.ExecNotified {
			t.Fatalf("decision: %s", describe([]domain.Execution{e}))
		}
		click := a.clickOn(a.rejectionNotice(20 * time.Second))
		form := click.InteractionBody()
		slackHeader := func(secret string, at time.Time, b []byte) http.Header {
			ts, sig := slackapp.Sign(secret, at, b)
			return http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
				slackapp.HeaderTimestamp: {ts}, slackapp.HeaderSignature: {sig}}
		}
		clicks := []struct {
			name   string
			header http.Header
			body   []byte
		}{
			{"no signature", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, form},
			{"wrong secret", slackHeader("not-the-secret", time.Now(), form), form},
			{"replayed after 10 minutes", slackHeader(signingSecret, time.Now().Add(-10*time.Minute), form), form},
			{"tampered body", slackHeader(signingSecret, time.Now(), form), append(form, []byte("&x=1")...)},
			{"non-numeric timestamp", with(slackHeader(signingSecret, time.Now(), form), slackapp.HeaderTimestamp, "now"), form},
		}
		for _, tt := range clicks {
			if got := a.post("/slack/interactions", tt.header, tt.body); got != http.StatusUnauthorized {
				t.Errorf("click with %s: status %d, want 401", tt.name, got)
			}
		}
		a.quiet()
		if got := a.executions(c.ApplicationID); got[0].Status != domain.ExecNotified {
			t.Fatalf("a badly signed click acted: %s", describe(got))
		}
		if n := a.sim.CallCount("application.changeStage"); n != 0 {
			t.Fatalf("%d changeStage calls after badly signed requests", n)
		}
		// The same click, signed properly now, archives.
		if status, err := click.Send(context.Background(), a.url+"/slack/interactions", signingSecret); err != nil || status != http.StatusOK {
			t.Fatalf("signed click: status %d, err %v", status, err)
		}
		testkit.Eventually(t, 20*time.Second, "archived after the signed click", func() bool {
			got := a.executions(c.ApplicationID)
			return got[0].Status == domain.ExecRejected
		})
		if _, arch := a.changeStages(); len(arch) != 1 {
			t.Fatalf("%d archive calls, want 1", len(arch))
		}
	})
}

// rejectionPost waits for the first rejection notice posted to Slack.
func (a *aaa) rejectionPost(within time.Duration) slackfake.Call {
	a.t.Helper()
	var got slackfake.Call
	testkit.Eventually(a.t, within, "a rejection notice in Slack", func() bool {
		for _, p := range a.fake.CallsTo("chat.postMessage") {
			if strings.Contains(p.Params.Get("text"), "did not meet") {
				got = p
				return true
			}
		}
		return false
	}, func() string { return strconv.Itoa(len(a.fake.Calls())) + " Slack calls" })
	return got
}

// rejectionNotice waits for a live rejection notice with its button.
func (a *aaa) rejectionNotice(within time.Duration) slackfake.Call {
	a.t.Helper()
	p := a.rejectionPost(within)
	if len(slackfake.Buttons(p.Blocks)) == 0 {
		a.t.Fatalf("rejection notice has no button: %s", p.Blocks)
	}
	return p
}

// clickOn is the recruiter clicking the notice's Archive button.
func (a *aaa) clickOn(p slackfake.Call) slackfake.Click {
	a.t.Helper()
	for _, b := range slackfake.Buttons(p.Blocks) {
		if b.ActionID == slackapp.ActionSendRejection {
			return slackfake.Click{UserID: "U0RECRUITER", UserName: "rita", Channel: p.Channel, TS: p.TS, Button: b}
		}
	}
	a.t.Fatalf("no %s button in %s", slackapp.ActionSendRejection, p.Blocks)
	return slackfake.Click{}
}

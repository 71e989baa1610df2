package flowtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

const (
	slackToken    = "xoxb-flowtest-token"
	signingSecret = "flowtest_signing_secret"
	adminChannel  = "CADMIN0001"
	// freeText is put in every interviewer's notes; it must never reach Slack.
	freeText = "FREE-TEXT-MARKER-4f1c9 the candidate said something private"
)

// newSlackEnv is newEnv with aaa talking to a slackfake that checks the bot
// token, and the router verifying Slack signatures.
func newSlackEnv(t *testing.T, b testkit.Backend, o envOpts) (*env, *slackfake.Server) {
	t.Helper()
	o.slack = true
	if o.slackSecret == "" {
		o.slackSecret = signingSecret
	}
	if o.adminChannel == "" {
		o.adminChannel = adminChannel
	}
	e := newEnv(t, b, o)
	return e, e.stack.Slack
}

// slackRule stores a rule for sc's first stage (overall score >= 3 from
// each interviewer) that archives with the scenario's reason and email
// template.
func (e *env) slackRule(sc ashbysim.Scenario, mode string, notifyInShadow bool) domain.Rule {
	e.t.Helper()
	r, err := e.db.CreateRule(context.Background(), domain.Rule{
		Name: "panel", InterviewPlanID: sc.PlanID, InterviewStageID: sc.StageIDs[0], Mode: mode, Active: true,
		ArchiveReasonID: sc.ArchiveReasonID, CommunicationTemplateID: sc.TemplateID, NotifyInShadow: notifyInShadow,
		Requirements: []domain.Requirement{{InterviewID: sc.InterviewID, FieldPath: ashbysim.FieldOverallScore,
			Operator: ">=", Threshold: "3", Required: true}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// submitScores submits one scorecard per interviewer with the given scores
// (in interviewer order) and the free-text marker in the notes.
func (e *env) submitScores(sc ashbysim.Scenario, c ashbysim.ScenarioCandidate, scores ...int) {
	for i, id := range sc.InterviewerIDs {
		e.sim.SubmitFeedback(c.ApplicationID, c.EventID, id, map[string]any{
			ashbysim.FieldOverallScore: scores[i%len(scores)], ashbysim.FieldRecommendation: "no_hire",
			ashbysim.FieldNotes: freeText})
	}
}

// decide delivers the candidates' schedules, syncs feedback and waits until
// each candidate has its decision.
func (e *env) decide(cands ...ashbysim.ScenarioCandidate) []domain.Execution {
	e.t.Helper()
	for _, c := range cands {
		e.send(c.ScheduleID)
	}
	testkit.Eventually(e.t, 30*time.Second, "schedules stored", func() bool {
		for _, c := range cands {
			if _, ok := e.schedule(c.ScheduleID); !ok {
				return false
			}
		}
		return true
	}, e.jobs)
	if err := e.svc.Sync.SyncFeedback(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	out := make([]domain.Execution, len(cands))
	testkit.Eventually(e.t, 30*time.Second, "decisions", func() bool {
		for i, c := range cands {
			x := e.executions(c.ApplicationID)
			if len(x) != 1 {
				return false
			}
			out[i] = x[0]
		}
		return true
	}, e.jobs)
	return out
}

// notice waits for the one notification of a rejection with the wanted
// status and returns it.
func (e *env) notice(ex domain.Execution, status string) domain.Notification {
	e.t.Helper()
	var got []domain.Notification
	testkit.Eventually(e.t, 30*time.Second, "notification "+status+" for "+ex.ID, func() bool {
		got, _ = e.db.ListNotifications(context.Background(), ex.ID, 10)
		return len(got) == 1 && got[0].Status == status
	}, func() string { return fmt.Sprintf("%+v", got) }, e.jobs)
	return got[0]
}

// waitExecution waits until an execution reaches status.
func (e *env) waitExecution(id, status string) domain.Execution {
	e.t.Helper()
	var x domain.Execution
	testkit.Eventually(e.t, 30*time.Second, "execution "+status, func() bool {
		x, _ = e.db.GetExecution(context.Background(), id)
		return x.Status == status
	}, func() string { return describe([]domain.Execution{x}) }, e.jobs)
	return x
}

// archiveJobs counts archive jobs, and those not yet finished.
func (e *env) archiveJobs() (all, unfinished int) {
	e.t.Helper()
	list, err := e.q.AllJobs(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, j := range list {
		if j.Kind != "slack_archive" {
			continue
		}
		all++
		switch j.State {
		case rivertype.JobStateCompleted, rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
		default:
			unfinished++
		}
	}
	return all, unfinished
}

// recruiterEmail reads the application's recruiter from the simulator's
// API, as aaa does.
func (e *env) recruiterEmail(appID string) string {
	e.t.Helper()
	app, err := e.ats.ApplicationInfo(context.Background(), appID)
	if err != nil {
		e.t.Fatal(err)
	}
	r, ok := app.Recruiter()
	if !ok || r.Email == "" {
		e.t.Fatalf("application %s has no recruiter", appID)
	}
	return r.Email
}

// interviewerNames maps the schedule's interviewer ids to display names.
func (e *env) interviewerNames(scheduleID string) map[string]string {
	e.t.Helper()
	s, ok := e.schedule(scheduleID)
	if !ok {
		e.t.Fatalf("schedule %s not stored", scheduleID)
	}
	names := map[string]string{}
	for _, ev := range s.Events {
		for _, a := range ev.Interviewers {
			names[a.InterviewerID] = a.Name()
		}
	}
	return names
}

// button is an interactive element of a posted message.
type button struct{ ActionID, Value string }

// buttons returns every element with an action_id in a message's blocks.
func buttons(t *testing.T, blocks json.RawMessage) []button {
	t.Helper()
	var out []button
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["action_id"].(string); ok {
				v, _ := x["value"].(string)
				out = append(out, button{ActionID: id, Value: v})
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	var v any
	if len(blocks) > 0 {
		if err := json.Unmarshal(blocks, &v); err != nil {
			t.Fatalf("blocks are not JSON: %v", err)
		}
	}
	walk(v)
	return out
}

// blockText concatenates every text of a message's blocks.
func blockText(t *testing.T, blocks json.RawMessage) string {
	t.Helper()
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				b.WriteString(s + "\n")
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	var v any
	if err := json.Unmarshal(blocks, &v); err != nil {
		t.Fatalf("blocks are not JSON: %v", err)
	}
	walk(v)
	return b.String()
}

// postsFor returns the chat.postMessage calls (failed ones included) for an
// execution, recognised by its id in the blocks.
func postsFor(fake *slackfake.Server, executionID string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range fake.CallsTo("chat.postMessage") {
		if bytes.Contains(c.Blocks, []byte(executionID)) {
			out = append(out, c)
		}
	}
	return out
}

// assertNoFreeText fails if the notes marker reached Slack or the stored
// notices.
func assertNoFreeText(t *testing.T, e *env, fake *slackfake.Server) {
	t.Helper()
	for _, c := range fake.Calls() {
		if strings.Contains(c.Params.Encode(), "MARKER-4f1c9") || strings.Contains(string(c.Blocks), "MARKER-4f1c9") {
			t.Fatalf("free text reached Slack in %s: %s", c.Method, c.Params.Encode())
		}
	}
	ns, err := e.db.ListNotifications(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if strings.Contains(n.Text, "MARKER-4f1c9") {
			t.Fatalf("free text stored in notification %s", n.ID)
		}
	}
}

// clickBody builds a block_actions payload for a click on a posted
// rejection button, shaped like examples/slack/interaction_send_rejection.json,
// form-encoded as Slack sends it.
func clickBody(t *testing.T, n domain.Notification, value, userID, userName string) []byte {
	t.Helper()
	return actionBody(t, n, slackapp.ActionSendRejection, value, userID, userName)
}

// actionBody is clickBody for a click on the button actionID of a posted
// message.
func actionBody(t *testing.T, n domain.Notification, actionID, value, userID, userName string) []byte {
	t.Helper()
	p := map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": userID, "name": userName, "team_id": "T0FLOW"},
		"team":         map[string]any{"id": "T0FLOW"},
		"trigger_id":   "trigger_" + userID,
		"response_url": "https://hooks.slack.com/actions/T0FLOW/1/xyz",
		"container":    map[string]any{"type": "message", "message_ts": n.MessageTS, "channel_id": n.Channel},
		"actions": []any{map[string]any{"action_id": actionID, "block_id": slackapp.BlockRejectionActions,
			"type": "button", "value": value, "action_ts": strconv.FormatInt(time.Now().Unix(), 10) + ".000100"}},
		"message": map[string]any{"ts": n.MessageTS, "text": n.Text},
		"channel": map[string]any{"id": n.Channel},
	}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(url.Values{"payload": {string(raw)}}.Encode())
}

// signed returns Slack's headers for body, signed at `at` with secret.
func signed(secret string, at time.Time, body []byte) http.Header {
	ts, sig := slackapp.Sign(secret, at, body)
	h := http.Header{}
	h.Set(slackapp.HeaderTimestamp, ts)
	h.Set(slackapp.HeaderSignature, sig)
	return h
}

// interact POSTs body to /slack/interactions and returns the status.
func (e *env) interact(body []byte, h http.Header) int {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+"/slack/interactions", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// rejectionButton returns the send_rejection value of the one posted notice
// of an execution.
func rejectionButton(t *testing.T, fake *slackfake.Server, executionID string) string {
	t.Helper()
	var posted []slackfake.Call
	for _, c := range postsFor(fake, executionID) {
		if c.OK() {
			posted = append(posted, c)
		}
	}
	if len(posted) != 1 {
		t.Fatalf("%d notices posted for %s, want 1", len(posted), executionID)
	}
	for _, b := range buttons(t, posted[0].Blocks) {
		if b.ActionID == slackapp.ActionSendRejection {
			return b.Value
		}
	}
	t.Fatalf("notice for %s has no %s button", executionID, slackapp.ActionSendRejection)
	return ""
}

// TestSlackRejectionNotice: a rejected decision posts one notice with the
// Archive button and each interviewer's score, no free text, to the
// recruiter's DM (found in slack_users or by users.lookupByEmail) or else
// to the admin channel.
func TestSlackRejectionNotice(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e, fake := newSlackEnv(t, b, envOpts{})
			ctx := context.Background()
			// Each scenario has its own recruiter: one Slack knows by email,
			// one aaa already has in slack_users, one nobody knows.
			byLookup := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			bySynced := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			unknown := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			scenarios := []ashbysim.Scenario{byLookup, bySynced, unknown}
			var cands []ashbysim.ScenarioCandidate
			for _, sc := range scenarios {
				e.slackRule(sc, domain.ModeLive, false)
				e.submitScores(sc, sc.Candidates[0], 4, 2)
				cands = append(cands, sc.Candidates[0])
			}
			lookupEmail := e.recruiterEmail(byLookup.Candidates[0].ApplicationID)
			syncedEmail := e.recruiterEmail(bySynced.Candidates[0].ApplicationID)
			fake.AddUsers(slackfake.User{ID: "URECLOOKUP", Name: "rec.lookup", RealName: "Rec Lookup", Email: strings.ToUpper(lookupEmail)})
			if err := e.db.UpsertSlackUser(ctx, domain.SlackUser{ID: "URECSYNCED", Email: syncedEmail, RealName: "Rec Synced"}, time.Now()); err != nil {
				t.Fatal(err)
			}

			exs := e.decide(cands...)
			wantChannel := []string{"DURECLOOKUP", "DURECSYNCED", adminChannel}
			for i, ex := range exs {
				if ex.Outcome != domain.OutcomeReject || ex.Status != domain.ExecNotified {
					t.Fatalf("candidate %d: %s, want a live rejection awaiting its click", i, describe(exs[i:i+1]))
				}
				n := e.notice(ex, domain.NotificationSent)
				if n.Channel != wantChannel[i] {
					t.Errorf("candidate %d: notice went to %s, want %s", i, n.Channel, wantChannel[i])
				}
				posted := postsFor(fake, ex.ID)
				if len(posted) != 1 {
					t.Fatalf("candidate %d: %d chat.postMessage calls, want exactly 1", i, len(posted))
				}
				call := posted[0]
				if call.Auth != "bearer" || !call.OK() || call.Channel != wantChannel[i] || call.TS != n.MessageTS {
					t.Errorf("candidate %d: call auth=%q ok=%v channel=%s ts=%s, notification %+v", i, call.Auth, call.OK(), call.Channel, call.TS, n)
				}
				var rv slackapp.RejectionValue
				if err := json.Unmarshal([]byte(rejectionButton(t, fake, ex.ID)), &rv); err != nil {
					t.Fatal(err)
				}
				if rv.ExecutionID != ex.ID || rv.ApplicationID != ex.ApplicationID || rv.Action != slackapp.ActionSendRejection {
					t.Errorf("candidate %d: button value %+v", i, rv)
				}
				text := blockText(t, call.Blocks)
				names := e.interviewerNames(ex.ScheduleID)
				ids := scenarios[i].InterviewerIDs
				if names[ids[0]] == "" || names[ids[1]] == "" || names[ids[0]] == names[ids[1]] {
					t.Fatalf("interviewer names %v", names)
				}
				for j, want := range []string{"• " + names[ids[0]] + ": 4 ✅", "• " + names[ids[1]] + ": 2 ❌"} {
					if !strings.Contains(text, want) {
						t.Errorf("candidate %d: notice lacks interviewer line %d %q:\n%s", i, j, want, text)
					}
				}
				// The requirement reads with the form field's title ("Overall
				// Score" once the form is cached, "Overall score" from its path
				// before), never with the path itself.
				if !strings.Contains(strings.ToLower(text), "*panel interview*: overall score ≥ 3") || strings.Contains(text, "overall_score") {
					t.Errorf("candidate %d: notice lacks the requirement:\n%s", i, text)
				}
			}
			if n := len(fake.CallsTo("chat.postMessage")); n != 3 {
				t.Errorf("%d chat.postMessage calls in all, want 3", n)
			}
			// The lookup found the first recruiter and cached them; the
			// synced one needed no lookup.
			for _, c := range fake.CallsTo("users.lookupByEmail") {
				if strings.EqualFold(c.Params.Get("email"), syncedEmail) {
					t.Errorf("looked up a recruiter already in slack_users")
				}
			}
			if u, err := e.db.GetSlackUserByEmail(ctx, lookupEmail); err != nil || u.ID != "URECLOOKUP" {
				t.Errorf("looked-up recruiter not cached: %+v, %v", u, err)
			}
			assertNoFreeText(t, e, fake)
		})
	}
}

// TestSlackArchiveClick: a signed click archives the candidate once, however
// often Slack or people repeat it, updates the message and audits who did
// it; a click on a candidate moved by hand archives nothing and says why.
func TestSlackArchiveClick(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e, fake := newSlackEnv(t, b, envOpts{})
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 2})
			e.slackRule(sc, domain.ModeLive, false)
			fake.AddUsers(slackfake.User{ID: "URECRUITER", Email: e.recruiterEmail(sc.Candidates[0].ApplicationID)})
			archived, moved := sc.Candidates[0], sc.Candidates[1]
			e.submitScores(sc, archived, 2)
			e.submitScores(sc, moved, 1)
			exs := e.decide(archived, moved)
			n := e.notice(exs[0], domain.NotificationSent)
			value := rejectionButton(t, fake, exs[0].ID)

			first := clickBody(t, n, value, "UJANE", "jane.doe")
			firstHeader := signed(signingSecret, time.Now(), first)
			if got := e.interact(first, firstHeader); got != http.StatusOK {
				t.Fatalf("click: status %d", got)
			}
			// Slack's retry of the same request, a double click and a
			// colleague's click, all at once.
			second := clickBody(t, n, value, "UBOB", "bob")
			var wg sync.WaitGroup
			statuses := make([]int, 3)
			for i, req := range []struct {
				body []byte
				h    http.Header
			}{{first, firstHeader}, {first, signed(signingSecret, time.Now(), first)}, {second, signed(signingSecret, time.Now(), second)}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = e.interact(req.body, req.h)
				}()
			}
			wg.Wait()
			for i, s := range statuses {
				if s != http.StatusOK {
					t.Errorf("repeated click %d: status %d", i, s)
				}
			}
			x := e.waitExecution(exs[0].ID, domain.ExecRejected)
			testkit.Eventually(t, 30*time.Second, "archive jobs done", func() bool { _, u := e.archiveJobs(); return u == 0 }, e.jobs)
			if got := e.changeStageCalls(); got != 1 {
				t.Fatalf("changeStage calls = %d, want exactly 1 archive", got)
			}
			app, _ := e.sim.Application(archived.ApplicationID)
			if app.Status != "Archived" || app.StageID != sc.ArchivedStageID || app.ArchiveReasonID != sc.ArchiveReasonID {
				t.Fatalf("application after click: %+v, want Archived with reason %s", app, sc.ArchiveReasonID)
			}
			if emails := e.sim.ArchiveEmails(); len(emails) != 1 || emails[0].TemplateID != sc.TemplateID || emails[0].SendAt.IsZero() {
				t.Errorf("archive emails %+v, want one with the rule's template sent now", emails)
			}
			if !strings.Contains(x.ExecutedBy, "UJANE") || !strings.Contains(x.ExecutedBy, "jane.doe") {
				t.Errorf("executed_by = %q, want the clicker's id and name", x.ExecutedBy)
			}
			msg, ok := fake.Message(n.Channel, n.MessageTS)
			if !ok || !strings.Contains(msg.Text, "archived by jane.doe") {
				t.Fatalf("message after archive: %+v", msg)
			}
			for _, b := range buttons(t, msg.Blocks) {
				if b.ActionID == slackapp.ActionSendRejection {
					t.Errorf("archived notice still has its button")
				}
			}
			if !strings.Contains(blockText(t, msg.Blocks), "<@UJANE>") {
				t.Errorf("archived notice does not name the clicker")
			}

			// A click after the recruiter moved the candidate by hand.
			if err := e.sim.MoveApplication(moved.ApplicationID, sc.StageIDs[1]); err != nil {
				t.Fatal(err)
			}
			mn := e.notice(exs[1], domain.NotificationSent)
			click := clickBody(t, mn, rejectionButton(t, fake, exs[1].ID), "UJANE", "jane.doe")
			if got := e.interact(click, signed(signingSecret, time.Now(), click)); got != http.StatusOK {
				t.Fatalf("stale click: status %d", got)
			}
			sx := e.waitExecution(exs[1].ID, domain.ExecStale)
			if !strings.Contains(sx.FailureReason, "already moved") {
				t.Errorf("stale reason %q", sx.FailureReason)
			}
			testkit.Eventually(t, 30*time.Second, "stale notice updated", func() bool {
				m, _ := fake.Message(mn.Channel, mn.MessageTS)
				return strings.Contains(m.Text, "already moved")
			})
			if got := e.changeStageCalls(); got != 1 {
				t.Fatalf("changeStage calls = %d after a stale click, want still 1", got)
			}
			if app, _ := e.sim.Application(moved.ApplicationID); app.StageID != sc.StageIDs[1] || app.Status != "Active" {
				t.Fatalf("moved application changed: %+v", app)
			}
			if ups := fake.CallsTo("chat.update"); len(ups) != 2 {
				t.Errorf("%d chat.update calls, want 2 (one per decided click)", len(ups))
			}
			assertNoFreeText(t, e, fake)
		})
	}
}

// TestSlackInteractionRefused: requests that are not Slack's, are malformed,
// come from someone not allowed, or target a dry-run decision change
// nothing.
func TestSlackInteractionRefused(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e, fake := newSlackEnv(t, b, envOpts{allowedSlackUsers: []string{"UALLOWED"}})
			live := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			shadow := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			e.slackRule(live, domain.ModeLive, false)
			e.slackRule(shadow, domain.ModeShadow, true)
			e.submitScores(live, live.Candidates[0], 1)
			e.submitScores(shadow, shadow.Candidates[0], 1)
			exs := e.decide(live.Candidates[0], shadow.Candidates[0])
			if exs[1].Status != domain.ExecDryRun {
				t.Fatalf("shadow decision: %s", describe(exs[1:]))
			}

			// The shadow notice is marked dry run and has no button.
			sn := e.notice(exs[1], domain.NotificationSent)
			shadowPosts := postsFor(fake, exs[1].ID)
			if len(shadowPosts) != 1 {
				t.Fatalf("%d shadow notices", len(shadowPosts))
			}
			if bs := buttons(t, shadowPosts[0].Blocks); len(bs) != 0 {
				t.Errorf("dry-run notice has buttons %+v", bs)
			}
			if !strings.Contains(sn.Text, "Dry run") || !strings.Contains(blockText(t, shadowPosts[0].Blocks), "Dry run") {
				t.Errorf("dry-run notice not marked: %q", sn.Text)
			}

			n := e.notice(exs[0], domain.NotificationSent)
			value := rejectionButton(t, fake, exs[0].ID)
			click := clickBody(t, n, value, "UALLOWED", "allowed")
			other := clickBody(t, n, value, "UOTHER", "other")
			// A button forged for the dry-run decision (Slack never showed one).
			shadowValue := fmt.Sprintf(`{"execution_id":%q,"application_id":%q,"action":"send_rejection"}`, exs[1].ID, exs[1].ApplicationID)
			shadowClick := clickBody(t, sn, shadowValue, "UALLOWED", "allowed")
			malformed := []byte("payload=%7B%22type%22%3A")
			now := time.Now()
			tests := []struct {
				name      string
				body      []byte
				h         http.Header
				status    int
				ephemeral string // user told something only they see
			}{
				{name: "forged signature", body: click, h: signed("not-the-secret", now, click), status: http.StatusUnauthorized},
				{name: "stale timestamp", body: click, h: signed(signingSecret, now.Add(-6*time.Minute), click), status: http.StatusUnauthorized},
				{name: "future timestamp", body: click, h: signed(signingSecret, now.Add(6*time.Minute), click), status: http.StatusUnauthorized},
				{name: "missing headers", body: click, h: http.Header{}, status: http.StatusUnauthorized},
				{name: "body altered after signing", body: other, h: signed(signingSecret, now, click), status: http.StatusUnauthorized},
				{name: "malformed payload", body: malformed, h: signed(signingSecret, now, malformed), status: http.StatusBadRequest},
				{name: "user not allowed", body: other, h: signed(signingSecret, now, other), status: http.StatusOK, ephemeral: "UOTHER"},
				{name: "dry-run decision", body: shadowClick, h: signed(signingSecret, now, shadowClick), status: http.StatusOK, ephemeral: "UALLOWED"},
			}
			for _, tt := range tests {
				before := len(fake.CallsTo("chat.postEphemeral"))
				if got := e.interact(tt.body, tt.h); got != tt.status {
					t.Errorf("%s: status %d, want %d", tt.name, got, tt.status)
				}
				if tt.ephemeral != "" { // sent after the ack, in the background
					testkit.Eventually(t, 10*time.Second, tt.name+": ephemeral", func() bool {
						return len(fake.CallsTo("chat.postEphemeral")) > before
					})
				}
				eph := fake.CallsTo("chat.postEphemeral")[before:]
				switch {
				case tt.ephemeral == "" && len(eph) != 0:
					t.Errorf("%s: unexpected ephemeral %v", tt.name, eph[0].Params)
				case tt.ephemeral != "" && (len(eph) != 1 || eph[0].Params.Get("user") != tt.ephemeral || eph[0].Channel != n.Channel && eph[0].Channel != sn.Channel):
					t.Errorf("%s: %d ephemerals, want one to %s", tt.name, len(eph), tt.ephemeral)
				}
			}
			if all, _ := e.archiveJobs(); all != 0 {
				t.Fatalf("%d archive jobs queued by refused requests", all)
			}
			if got := e.changeStageCalls(); got != 0 {
				t.Fatalf("refused requests made %d changeStage calls", got)
			}
			for _, ex := range exs {
				if x, _ := e.db.GetExecution(context.Background(), ex.ID); x.Status != ex.Status {
					t.Fatalf("refused requests changed %s to %s", ex.ID, x.Status)
				}
			}
			if len(fake.CallsTo("chat.update")) != 0 {
				t.Fatalf("refused requests updated a message")
			}

			// The same click, properly signed by an allowed user, archives.
			if got := e.interact(click, signed(signingSecret, time.Now(), click)); got != http.StatusOK {
				t.Fatalf("allowed click: status %d", got)
			}
			e.waitExecution(exs[0].ID, domain.ExecRejected)
			if got := e.changeStageCalls(); got != 1 {
				t.Fatalf("changeStage calls = %d after the allowed click, want 1", got)
			}
		})
	}
}

// TestSlackSignatureVector: the published test vector's body and secret,
// signed now as Slack signs it, pass the real router's check; the vector as
// published (its timestamp years old) and the same request replayed after
// five minutes are refused as replays. (slackapp.TestVerify checks the
// published signature itself, at its own time: slack-go's verifier, which
// Verify uses, also holds requests to five minutes of the wall clock, so the
// router cannot be asked to accept the original request.)
func TestSlackSignatureVector(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../slackapp/testdata/signature_test_vector.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Secret    string `json:"secret"`
		Timestamp string `json:"timestamp"`
		RawBody   string `json:"raw_body"`
		Signature string `json:"signature"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	published := http.Header{}
	published.Set(slackapp.HeaderTimestamp, v.Timestamp)
	published.Set(slackapp.HeaderSignature, v.Signature)
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			offset := time.Duration(0)
			e, fake := newSlackEnv(t, b, envOpts{slackSecret: v.Secret, now: func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				return time.Now().Add(offset)
			}})
			if got := e.interact([]byte(v.RawBody), published); got != http.StatusUnauthorized {
				t.Fatalf("the published vector, years old: status %d, want 401", got)
			}
			signedAt := time.Now()
			fresh := signed(v.Secret, signedAt, []byte(v.RawBody))
			// The vector's button names an application aaa never decided:
			// accepted, and the clicker is told the button does nothing.
			if got := e.interact([]byte(v.RawBody), fresh); got != http.StatusOK {
				t.Fatalf("the vector signed now: status %d, want 200", got)
			}
			testkit.Eventually(t, 10*time.Second, "ephemeral", func() bool { return len(fake.CallsTo("chat.postEphemeral")) > 0 })
			eph := fake.CallsTo("chat.postEphemeral")
			if len(eph) != 1 || eph[0].Params.Get("user") != "U123ABC456" || eph[0].Channel != "C123456" {
				t.Fatalf("%d ephemerals, want one to U123ABC456 in C123456", len(eph))
			}
			mu.Lock()
			offset = 5*time.Minute + time.Second
			mu.Unlock()
			if got := e.interact([]byte(v.RawBody), fresh); got != http.StatusUnauthorized {
				t.Fatalf("the request replayed after 5 minutes: status %d, want 401", got)
			}
		})
	}
}

// TestSlackFailures: Slack failing is retried without holding up other
// decisions; a notice Slack refuses for good is recorded as failed at once,
// and an unreachable recruiter falls back to the admin channel.
func TestSlackFailures(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e, fake := newSlackEnv(t, b, envOpts{})
			ctx := context.Background()
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 3})
			e.slackRule(sc, domain.ModeLive, false)
			pass, fail1, fail2 := sc.Candidates[0], sc.Candidates[1], sc.Candidates[2]
			e.submitScores(sc, pass, 4)
			e.submitScores(sc, fail1, 1)
			e.submitScores(sc, fail2, 2)
			// More failures than the client retries in one job attempt, so the
			// job is retried too.
			fake.FailNext("chat.postMessage", 1, slackfake.HTTP500())
			fake.FailNext("chat.postMessage", 1, slackfake.OKFalse("ratelimited"))
			fake.FailNext("chat.postMessage", 1, slackfake.RateLimited(1))
			fake.FailNext("chat.postMessage", 2, slackfake.HTTP500())
			exs := e.decide(pass, fail1, fail2)
			if exs[0].Outcome != domain.OutcomeAdvance {
				t.Fatalf("passing candidate: %s", describe(exs[:1]))
			}
			e.waitExecution(exs[0].ID, domain.ExecSuccess)
			if app, _ := e.sim.Application(pass.ApplicationID); app.StageID != sc.StageIDs[1] {
				t.Fatalf("passing candidate in %s while Slack was failing", app.StageTitle)
			}
			for _, ex := range exs[1:] {
				e.notice(ex, domain.NotificationSent)
				if ok := countOK(postsFor(fake, ex.ID)); ok != 1 {
					t.Errorf("%d notices delivered for %s, want 1", ok, ex.ID)
				}
			}
			posts := fake.CallsTo("chat.postMessage")
			if ok := countOK(posts); ok != 2 || len(posts)-ok != 5 {
				t.Fatalf("chat.postMessage: %d ok, %d failed; want 2 and 5", ok, len(posts)-ok)
			}

			// A recruiter whose DM Slack refuses: the admin channel gets it.
			dm := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			e.slackRule(dm, domain.ModeLive, false)
			fake.AddUsers(slackfake.User{ID: "UGONE", Email: e.recruiterEmail(dm.Candidates[0].ApplicationID)})
			e.submitScores(dm, dm.Candidates[0], 1)
			fake.FailNext("chat.postMessage", 1, slackfake.OKFalse("channel_not_found"))
			dx := e.decide(dm.Candidates[0])[0]
			if n := e.notice(dx, domain.NotificationSent); n.Channel != adminChannel {
				t.Errorf("notice for an unreachable recruiter went to %s, want %s", n.Channel, adminChannel)
			}
			if p := postsFor(fake, dx.ID); len(p) != 2 || p[0].Channel != "" || p[0].Params.Get("channel") != "UGONE" || p[1].Channel != adminChannel {
				var got []string
				for _, c := range p {
					got = append(got, c.Params.Get("channel")+"->"+c.Channel+" "+c.Error)
				}
				t.Errorf("posts for the unreachable recruiter: %v, want UGONE refused then %s", got, adminChannel)
			}

			// A notice Slack refuses for good (no recruiter, admin channel
			// gone) is recorded as failed without more attempts.
			gone := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			e.slackRule(gone, domain.ModeLive, false)
			e.submitScores(gone, gone.Candidates[0], 1)
			fake.FailNext("chat.postMessage", 1, slackfake.OKFalse("channel_not_found"))
			gx := e.decide(gone.Candidates[0])[0]
			fn := e.notice(gx, domain.NotificationFailed)
			if !strings.Contains(fn.Error, "channel_not_found") || fn.Channel != adminChannel {
				t.Errorf("failed notice: %+v", fn)
			}
			if p := postsFor(fake, gx.ID); len(p) != 1 {
				t.Errorf("%d attempts for a notice Slack refused for good, want 1", len(p))
			}
			if x, _ := e.db.GetExecution(ctx, gx.ID); x.Status != domain.ExecNotified {
				t.Errorf("decision with a failed notice: %s", describe([]domain.Execution{x}))
			}
			// The failure is visible to admins.
			req, _ := http.NewRequest(http.MethodGet, e.url+"/admin/notifications?execution_id="+gx.ID, nil)
			req.Header.Set("Authorization", "Bearer admin-token")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var list struct {
				Notifications []domain.Notification `json:"notifications"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /admin/notifications: %d %v", resp.StatusCode, err)
			}
			if len(list.Notifications) != 1 || list.Notifications[0].Status != domain.NotificationFailed ||
				!strings.Contains(list.Notifications[0].Error, "channel_not_found") {
				t.Errorf("admin notifications %+v", list.Notifications)
			}
			assertNoFreeText(t, e, fake)
		})
	}
}

func countOK(calls []slackfake.Call) int {
	n := 0
	for _, c := range calls {
		if c.OK() {
			n++
		}
	}
	return n
}

// TestSlackFreeTextWithheld: even when a rule tests a free-text field, the
// interviewers' answers are not shown in Slack, however short.
func TestSlackFreeTextWithheld(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e, fake := newSlackEnv(t, b, envOpts{})
			ctx := context.Background()
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1})
			if _, err := e.db.CreateRule(ctx, domain.Rule{
				Name: "notes", InterviewPlanID: sc.PlanID, InterviewStageID: sc.StageIDs[0], Mode: domain.ModeLive, Active: true,
				ArchiveReasonID: sc.ArchiveReasonID,
				Requirements: []domain.Requirement{
					{InterviewID: sc.InterviewID, FieldPath: ashbysim.FieldOverallScore, Operator: ">=", Threshold: "3", Required: true},
					{InterviewID: sc.InterviewID, FieldPath: ashbysim.FieldNotes, Operator: "!=", Threshold: "no", Required: true},
				},
			}); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Sync.SyncInterviews(ctx); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Sync.SyncForms(ctx); err != nil {
				t.Fatal(err)
			}
			c := sc.Candidates[0]
			for _, id := range sc.InterviewerIDs {
				e.sim.SubmitFeedback(c.ApplicationID, c.EventID, id, map[string]any{
					ashbysim.FieldOverallScore: 1, ashbysim.FieldRecommendation: "no_hire", ashbysim.FieldNotes: "Shortfreetext"})
			}
			ex := e.decide(c)[0]
			if ex.Outcome != domain.OutcomeReject {
				t.Fatalf("decision: %s", describe([]domain.Execution{ex}))
			}
			e.notice(ex, domain.NotificationSent)
			posted := postsFor(fake, ex.ID)
			if len(posted) != 1 {
				t.Fatalf("%d notices", len(posted))
			}
			text := blockText(t, posted[0].Blocks)
			if !strings.Contains(text, "notes") || !strings.Contains(text, "(not shown)") {
				t.Errorf("notice does not list the notes requirement with values withheld:\n%s", text)
			}
			for _, call := range fake.Calls() {
				if strings.Contains(call.Params.Encode(), "Shortfreetext") {
					t.Fatalf("free text reached Slack in %s", call.Method)
				}
			}
		})
	}
}

// TestAdvanceRetiresStaleRejectionNotice: a rejection awaits its click, then
// an edited scorecard turns the decision into an advance. The pending
// notice is retired (stale) and its message edited, so its button cannot
// archive a candidate aaa has just advanced.
func TestAdvanceRetiresStaleRejectionNotice(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e, fake := newSlackEnv(t, b, envOpts{})
			ctx := context.Background()
			sc := e.sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1, Interviewers: 2})
			e.slackRule(sc, domain.ModeLive, false)
			c := sc.Candidates[0]
			e.sim.SubmitFeedback(c.ApplicationID, c.EventID, sc.InterviewerIDs[0], map[string]any{ashbysim.FieldOverallScore: 4})
			low := e.sim.SubmitFeedback(c.ApplicationID, c.EventID, sc.InterviewerIDs[1], map[string]any{ashbysim.FieldOverallScore: 2})
			exs := e.decide(c)
			if len(exs) != 1 || exs[0].Status != domain.ExecNotified {
				t.Fatalf("first decision: %s", describe(exs))
			}
			e.notice(exs[0], domain.NotificationSent)
			// The low scorer revises to 4: the candidate now passes.
			if err := e.sim.EditFeedback(low, map[string]any{ashbysim.FieldOverallScore: 4, ashbysim.FieldRecommendation: "hire"}); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Sync.SyncFeedback(ctx); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, 30*time.Second, "advance and retired notice", func() bool {
				rej, err := e.db.GetExecution(ctx, exs[0].ID)
				if err != nil || rej.Status != domain.ExecStale {
					return false
				}
				for _, x := range e.executions(c.ApplicationID) {
					if x.Outcome == domain.OutcomeAdvance && x.Status == domain.ExecSuccess {
						return len(fake.CallsTo("chat.update")) >= 1
					}
				}
				return false
			}, func() string { return describe(e.executions(c.ApplicationID)) })
		})
	}
}

package doctor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/doctor"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"golang.org/x/time/rate"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const (
	webhookSecret = "doctor-webhook-secret"
	signingSecret = "doctor-signing-secret"
	adminChannel  = "C0ADMIN"
	ruleName      = "Panel scores"
)

// world is a healthy setup: Ashby metadata synced, one live rule, a
// webhook processed, Slack users synced, the bot in the admin channel and
// a server's heartbeat. Tests break one thing and run the doctor.
type world struct {
	stack *testkit.Stack
	sc    ashbysim.Scenario
	rule  domain.Rule
	opts  doctor.Options
	run   doctor.RunOptions
}

func newWorld(t *testing.T, b testkit.Backend) *world {
	t.Helper()
	ctx := context.Background()
	s := testkit.NewStack(t, testkit.StackOptions{Backend: b, Slack: true,
		Server: server.Deps{WebhookSecret: webhookSecret, SlackSigningSecret: signingSecret}})
	sc := s.Sim.AddPanelScenario(ashbysim.PanelSpec{Candidates: 1, JobTitle: "Backend Engineer"})
	testkit.Must(t, s.Services.Sync.SyncMetadata(ctx))
	testkit.Must(t, s.Services.Sync.SyncInterviews(ctx))
	rule, err := s.DB.CreateRule(ctx, domain.Rule{Name: ruleName, JobID: sc.JobID, InterviewPlanID: sc.PlanID,
		InterviewStageID: sc.StageIDs[0], TargetStageID: sc.StageIDs[1], Mode: domain.ModeLive, OnReject: domain.OnRejectNotify,
		Active: true, ArchiveReasonID: sc.ArchiveReasonID, CommunicationTemplateID: sc.TemplateID,
		Requirements: []domain.Requirement{{InterviewID: sc.InterviewID, FieldPath: ashbysim.FieldOverallScore,
			Operator: ">=", Threshold: "3", Aggregate: "each", Required: true}}})
	testkit.Must(t, err)

	// The people aaa messages: every interviewer and the recruiter.
	for _, id := range append([]string{sc.RecruiterID}, sc.InterviewerIDs...) {
		p, ok := s.Sim.User(id)
		if !ok {
			t.Fatalf("no sim user %s", id)
		}
		s.Slack.AddUsers(slackfake.User{ID: "U" + id[:8], Email: p.Email, RealName: p.Name})
	}
	s.Slack.AddChannel(slackfake.Channel{ID: adminChannel, Name: "hiring-ops", IsMember: true})
	testkit.Must(t, s.Services.Sync.SyncSlackUsers(ctx))

	if code, err := s.Sim.SendScheduleUpdate(ctx, s.URL+"/webhooks/ashby", webhookSecret, sc.Candidates[0].ScheduleID); err != nil || code != http.StatusOK {
		t.Fatalf("webhook: %d %v", code, err)
	}
	testkit.Eventually(t, 10*time.Second, "the webhook's interviewers and recruiter are stored", func() bool {
		ps, err := s.DB.JobPeople(ctx, []string{sc.JobID}, nil)
		return err == nil && len(ps) == 1+len(sc.InterviewerIDs)
	})
	testkit.Must(t, s.DB.Beat(ctx, domain.Heartbeat{InstanceID: "doctor-test", Host: "test-host", PID: 42, Version: "test",
		Interval: time.Minute, BeatAt: time.Now()}))

	w := &world{stack: s, sc: sc, rule: rule, run: doctor.RunOptions{PublicURL: s.URL}}
	w.opts = doctor.Options{Store: s.DB, ATS: s.ATS, Slack: s.SlackClient, WebhookSecret: webhookSecret,
		SlackSigningSecret: signingSecret, AdminChannelID: adminChannel, DefaultArchiveReasonID: sc.ArchiveReasonID, Reminders: true}
	if b.Name == "sqlite" {
		w.opts.SQLitePath = strings.TrimPrefix(s.Database.URL, "sqlite:")
	}
	return w
}

func (w *world) report(t *testing.T) doctor.Report {
	t.Helper()
	return doctor.New(w.opts).Run(context.Background(), w.run)
}

func find(t *testing.T, r doctor.Report, section, name string) doctor.Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Section == section && c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s / %s in:\n%s", section, name, text(r))
	return doctor.Check{}
}

func text(r doctor.Report) string {
	var b strings.Builder
	_ = r.WriteText(&b)
	return b.String()
}

func TestHealthySetupPasses(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		w := newWorld(t, b)
		r := w.report(t)
		if r.ExitCode() != 0 {
			t.Fatalf("exit %d, want 0:\n%s", r.ExitCode(), text(r))
		}
		for _, want := range [][2]string{
			{doctor.SectionDatabase, "Reachable"}, {doctor.SectionDatabase, "Migrations"}, {doctor.SectionDatabase, "Writable"},
			{doctor.SectionDatabase, "Server"}, {doctor.SectionAshby, "API key"}, {doctor.SectionAshby, "Candidates: read"},
			{doctor.SectionAshby, "Jobs: read"}, {doctor.SectionAshby, "Interviews: read"},
			{doctor.SectionAshby, "Hiring Process Metadata: read"}, {doctor.SectionAshby, "Organization: read"},
			{doctor.SectionAshby, "Metadata"}, {doctor.SectionAshby, "Archive reasons"}, {doctor.SectionAshby, "Email templates"},
			{doctor.SectionWebhooks, "Secret"}, {doctor.SectionWebhooks, "Last delivery"}, {doctor.SectionWebhooks, "Public URL"},
			{doctor.SectionSlack, "Bot token"}, {doctor.SectionSlack, "Scopes"}, {doctor.SectionSlack, "Signing secret"},
			{doctor.SectionSlack, "Admin channel"}, {doctor.SectionSlack, "People"}, {doctor.SectionRules, ruleName},
		} {
			if c := find(t, r, want[0], want[1]); c.Status != doctor.Pass {
				t.Errorf("%s / %s: %s %s", want[0], want[1], c.Status, c.Detail)
			}
		}
		if b.Name == "sqlite" {
			if c := find(t, r, doctor.SectionDatabase, "File mode"); c.Status != doctor.Pass {
				t.Errorf("file mode: %s %s", c.Status, c.Detail)
			}
		}
		// The permissions were probed, application.changeStage was not.
		if n := w.stack.Sim.CallCount("application.changeStage"); n != 0 {
			t.Errorf("application.changeStage called %d times", n)
		}
		if c := find(t, r, doctor.SectionAshby, doctor.WritePermission); !strings.Contains(c.Detail, "only a real move") {
			t.Errorf("write permission detail: %q", c.Detail)
		}
		out := text(r)
		t.Log("\n" + out)
		for _, line := range strings.Split(out, "\n") {
			if n := len([]rune(line)); n > 80 {
				t.Errorf("line of %d columns: %q", n, line)
			}
		}
		for _, secret := range []string{webhookSecret, signingSecret, testkit.SlackToken, w.stack.Sim.APIKey()} {
			if strings.Contains(out, secret) {
				t.Errorf("report shows a secret %q", secret)
			}
		}
	})
}

// TestFailures breaks one thing at a time; each case names the check that
// must say so, its status and words its detail (or fix) must contain.
func TestFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// sqliteOnly cases do not involve the store.
		sqliteOnly bool
		breakIt    func(t *testing.T, w *world)
		section    string
		check      string
		status     string
		want       []string
	}{
		{name: "missing migration", section: doctor.SectionDatabase, check: "Migrations", status: doctor.Fail,
			want: []string{"1 migration(s) are not applied", "aaa migrate"},
			breakIt: func(t *testing.T, w *world) {
				_, err := w.stack.DB.Writer().Exec(`DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`)
				testkit.Must(t, err)
			}},
		{name: "no server", section: doctor.SectionDatabase, check: "Server", status: doctor.Warn,
			want: []string{"No aaa serve is running", "Start 'aaa serve'"},
			breakIt: func(t *testing.T, w *world) {
				testkit.Must(t, w.stack.DB.DeleteHeartbeat(context.Background(), "doctor-test"))
			}},
		{name: "stale server", section: doctor.SectionDatabase, check: "Server", status: doctor.Warn,
			want: []string{"No aaa serve is running"},
			breakIt: func(t *testing.T, w *world) {
				testkit.Must(t, w.stack.DB.Beat(context.Background(), domain.Heartbeat{InstanceID: "doctor-test", Host: "h", PID: 1,
					Interval: time.Second, BeatAt: time.Now().Add(-time.Minute)}))
			}},
		{name: "wrong key", sqliteOnly: true, section: doctor.SectionAshby, check: "API key", status: doctor.Fail,
			want: []string{"Ashby refused ASHBY_API_KEY (HTTP 403)", "set ASHBY_API_KEY"},
			breakIt: func(t *testing.T, w *world) {
				w.opts.ATS = ashby.New(ashby.Options{BaseURL: w.stack.SimURL, APIKey: "wrong", RateLimit: rate.Inf})
			}},
		{name: "ashby unreachable", sqliteOnly: true, section: doctor.SectionAshby, check: "API key", status: doctor.Fail,
			want: []string{"Ashby did not answer", "ASHBY_API_URL"},
			breakIt: func(t *testing.T, w *world) {
				w.opts.ATS = ashby.New(ashby.Options{BaseURL: "http://" + testkit.FreeAddr(t), APIKey: "k", RateLimit: rate.Inf, MaxAttempts: 1})
			}},
		{name: "no key", sqliteOnly: true, section: doctor.SectionAshby, check: "API key", status: doctor.Fail,
			want:    []string{"ASHBY_API_KEY is not set"},
			breakIt: func(t *testing.T, w *world) { w.opts.ATS = nil }},
		{name: "missing permission", sqliteOnly: true, section: doctor.SectionAshby, check: "Candidates: read", status: doctor.Fail,
			want:    []string{"lacks Candidates: read", "candidate.info", "enable Candidates: read"},
			breakIt: func(t *testing.T, w *world) { w.stack.Sim.Deny("candidate.info") }},
		{name: "missing permission of a list", sqliteOnly: true, section: doctor.SectionAshby, check: "Organization: read", status: doctor.Fail,
			want:    []string{"lacks Organization: read", "user.list"},
			breakIt: func(t *testing.T, w *world) { w.stack.Sim.Deny("user.list") }},
		{name: "no metadata", section: doctor.SectionAshby, check: "Metadata", status: doctor.Warn,
			want: []string{"0 jobs", "No jobs, plans, stages, interviews, feedback forms yet", "POST /admin/sync-metadata"},
			breakIt: func(t *testing.T, w *world) {
				// A fresh database next to the same Ashby: nothing synced.
				w.opts.Store = testkit.OpenDatabase(t, backendOf(w)).DB
				w.opts.SQLitePath = ""
			}},
		{name: "unknown default archive reason", section: doctor.SectionAshby, check: "Archive reasons", status: doctor.Fail,
			want:    []string{"DEFAULT_ARCHIVE_REASON_ID names an archive reason Ashby does not have", "aaa metadata archive-reasons"},
			breakIt: func(t *testing.T, w *world) { w.opts.DefaultArchiveReasonID = "no-such-reason" }},
		{name: "rule's unknown archive reason", section: doctor.SectionAshby, check: "Archive reasons", status: doctor.Fail,
			want: []string{`rule "Panel scores" names an archive reason Ashby does not have`},
			breakIt: func(t *testing.T, w *world) {
				w.rule.ArchiveReasonID = "no-such-reason"
				_, err := w.stack.DB.UpdateRule(context.Background(), w.rule)
				testkit.Must(t, err)
			}},
		{name: "rule's unknown template", section: doctor.SectionAshby, check: "Email templates", status: doctor.Fail,
			want: []string{`rule "Panel scores" names an email template Ashby does not have`},
			breakIt: func(t *testing.T, w *world) {
				w.rule.CommunicationTemplateID = "no-such-template"
				_, err := w.stack.DB.UpdateRule(context.Background(), w.rule)
				testkit.Must(t, err)
			}},
		{name: "no webhook secret", sqliteOnly: true, section: doctor.SectionWebhooks, check: "Secret", status: doctor.Fail,
			want:    []string{"ASHBY_WEBHOOK_SECRET is not set"},
			breakIt: func(t *testing.T, w *world) { w.opts.WebhookSecret = "" }},
		{name: "no delivery yet", section: doctor.SectionWebhooks, check: "Last delivery", status: doctor.Warn,
			want: []string{"No webhook from Ashby has arrived yet", "Admin > Integrations > Webhooks"},
			breakIt: func(t *testing.T, w *world) {
				w.opts.Store = testkit.OpenDatabase(t, backendOf(w)).DB
				w.opts.SQLitePath = ""
			}},
		{name: "public URL is not aaa", sqliteOnly: true, section: doctor.SectionWebhooks, check: "Public URL", status: doctor.Fail,
			want: []string{"answered HTTP 404 without aaa's pong"},
			breakIt: func(t *testing.T, w *world) {
				other := httptest.NewServer(http.NotFoundHandler())
				t.Cleanup(other.Close)
				w.run.PublicURL = other.URL
			}},
		{name: "public URL unreachable", sqliteOnly: true, section: doctor.SectionWebhooks, check: "Public URL", status: doctor.Fail,
			want: []string{"got no answer", "tunnel"},
			breakIt: func(t *testing.T, w *world) {
				w.run.PublicURL = "http://" + testkit.FreeAddr(t)
			}},
		{name: "slack off", sqliteOnly: true, section: doctor.SectionSlack, check: "Slack", status: doctor.Warn,
			want:    []string{"Slack is off (SLACK_BOT_TOKEN is not set)"},
			breakIt: func(t *testing.T, w *world) { w.opts.Slack = nil }},
		{name: "bad slack token", sqliteOnly: true, section: doctor.SectionSlack, check: "Bot token", status: doctor.Fail,
			want: []string{"Slack refused SLACK_BOT_TOKEN (invalid_auth)"},
			breakIt: func(t *testing.T, w *world) {
				w.opts.Slack = slackapp.New(slackapp.Options{Token: "xoxb-wrong", BaseURL: w.stack.Slack.URL(), MaxRetries: -1})
			}},
		{name: "missing scope", sqliteOnly: true, section: doctor.SectionSlack, check: "Scopes", status: doctor.Fail,
			want:    []string{"lacks the scopes im:write, users:read.email", "reinstall the app"},
			breakIt: func(t *testing.T, w *world) { w.stack.Slack.SetScopes("chat:write", "users:read") }},
		{name: "no signing secret", sqliteOnly: true, section: doctor.SectionSlack, check: "Signing secret", status: doctor.Fail,
			want:    []string{"SLACK_SIGNING_SECRET is not set"},
			breakIt: func(t *testing.T, w *world) { w.opts.SlackSigningSecret = "" }},
		{name: "bot not in admin channel", sqliteOnly: true, section: doctor.SectionSlack, check: "Admin channel", status: doctor.Fail,
			want: []string{"The bot is not a member of #hiring-ops", "/invite @aaa"},
			breakIt: func(t *testing.T, w *world) {
				w.stack.Slack.AddChannel(slackfake.Channel{ID: adminChannel, Name: "hiring-ops"})
			}},
		{name: "unknown admin channel", sqliteOnly: true, section: doctor.SectionSlack, check: "Admin channel", status: doctor.Fail,
			want:    []string{"ADMIN_SLACK_CHANNEL_ID is not a channel the bot can see"},
			breakIt: func(t *testing.T, w *world) { w.opts.AdminChannelID = "C0NOPE" }},
		{name: "interviewer without slack user", section: doctor.SectionSlack, check: "People", status: doctor.Warn,
			want: []string{"2 of 3 interviewers and recruiters", "no Slack user has the email"},
			breakIt: func(t *testing.T, w *world) {
				// The Slack member leaves: the next sync marks them gone.
				p, _ := w.stack.Sim.User(w.sc.InterviewerIDs[0])
				testkit.Must(t, w.stack.DB.UpsertSlackUser(context.Background(),
					domain.SlackUser{ID: "U" + w.sc.InterviewerIDs[0][:8], Email: p.Email, Deleted: true}, time.Now()))
			}},
		{name: "recruiter without slack user, reminders off", section: doctor.SectionSlack, check: "People", status: doctor.Warn,
			want: []string{"0 of 1 recruiters (interviewers get no reminders: REMINDERS_ENABLED is off)"},
			breakIt: func(t *testing.T, w *world) {
				w.opts.Reminders = false
				p, _ := w.stack.Sim.User(w.sc.RecruiterID)
				testkit.Must(t, w.stack.DB.UpsertSlackUser(context.Background(),
					domain.SlackUser{ID: "U" + w.sc.RecruiterID[:8], Email: p.Email, Deleted: true}, time.Now()))
			}},
		{name: "form dropped the scored field", section: doctor.SectionRules, check: ruleName, status: doctor.Fail,
			want: []string{`Rule "Panel scores"`, "overall_score", `"Panel Interview Scorecard" form of the interview "Panel Interview" no longer has`},
			breakIt: func(t *testing.T, w *world) {
				testkit.Must(t, w.stack.Sim.RemoveFormField(w.sc.FormID, ashbysim.FieldOverallScore))
				testkit.Must(t, w.stack.Services.Sync.SyncForms(context.Background()))
			}},
		{name: "target stage gone", section: doctor.SectionRules, check: ruleName, status: doctor.Fail,
			want: []string{"its target stage is no longer in the interview plan"},
			breakIt: func(t *testing.T, w *world) {
				w.rule.TargetStageID = "gone-stage"
				_, err := w.stack.DB.UpdateRule(context.Background(), w.rule)
				testkit.Must(t, err)
			}},
		{name: "unreviewed shadow rule", section: doctor.SectionRules, check: ruleName, status: doctor.Warn,
			want: []string{"in shadow mode for 15 days", "none of its decisions has been reviewed", "switch it to live"},
			breakIt: func(t *testing.T, w *world) {
				w.rule.Mode = domain.ModeShadow
				_, err := w.stack.DB.UpdateRule(context.Background(), w.rule)
				testkit.Must(t, err)
				w.opts.Now = func() time.Time { return time.Now().Add(15*24*time.Hour + time.Hour) }
			}},
		{name: "no active rule", section: doctor.SectionRules, check: "Rules", status: doctor.Warn,
			want: []string{"No rule is active", "aaa rules init"},
			breakIt: func(t *testing.T, w *world) {
				w.rule.Active = false
				_, err := w.stack.DB.UpdateRule(context.Background(), w.rule)
				testkit.Must(t, err)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
				if tt.sqliteOnly && b.Name != "sqlite" {
					t.Skip("does not involve the store")
				}
				w := newWorld(t, b)
				tt.breakIt(t, w)
				r := w.report(t)
				c := find(t, r, tt.section, tt.check)
				if c.Status != tt.status {
					t.Fatalf("%s / %s is %s, want %s: %s\n%s", tt.section, tt.check, c.Status, tt.status, c.Detail, text(r))
				}
				for _, s := range tt.want {
					if !strings.Contains(c.Detail+" "+c.Fix, s) {
						t.Errorf("%s / %s does not say %q: %s / %s", tt.section, tt.check, s, c.Detail, c.Fix)
					}
				}
				wantExit := map[string]int{doctor.Warn: 1, doctor.Fail: 2}[tt.status]
				if tt.status == doctor.Warn && r.ExitCode() != 1 {
					t.Errorf("exit %d, want %d:\n%s", r.ExitCode(), wantExit, text(r))
				}
				if tt.status == doctor.Fail && r.ExitCode() != 2 {
					t.Errorf("exit %d, want 2", r.ExitCode())
				}
			})
		})
	}
}

func backendOf(w *world) testkit.Backend {
	if w.opts.SQLitePath != "" {
		return testkit.SQLite()
	}
	return testkit.Postgres()
}

func TestSQLiteFile(t *testing.T) {
	t.Parallel()
	t.Run("readable by others", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, testkit.SQLite())
		testkit.Must(t, os.Chmod(w.opts.SQLitePath, 0o644))
		c := find(t, w.report(t), doctor.SectionDatabase, "File mode")
		if c.Status != doctor.Warn || !strings.Contains(c.Detail, "readable by other users (mode 0644)") || !strings.Contains(c.Fix, "chmod 600") {
			t.Fatalf("file mode: %+v", c)
		}
	})
	t.Run("deleted under the server", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, testkit.SQLite())
		testkit.Must(t, os.Remove(w.opts.SQLitePath))
		r := w.report(t)
		if c := find(t, r, doctor.SectionDatabase, "Writable"); c.Status != doctor.Fail || !strings.Contains(c.Detail, "does not accept writes") {
			t.Fatalf("writable: %+v", c)
		}
		if c := find(t, r, doctor.SectionDatabase, "File mode"); c.Status != doctor.Fail || !strings.Contains(c.Detail, "does not exist") {
			t.Fatalf("file mode: %+v", c)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		db, _ := testkit.OpenSQLite(t)
		testkit.Must(t, db.Close())
		r := doctor.New(doctor.Options{Store: db}).Run(context.Background(), doctor.RunOptions{})
		if c := find(t, r, doctor.SectionDatabase, "Reachable"); c.Status != doctor.Fail || r.ExitCode() != 2 {
			t.Fatalf("reachable: %+v", c)
		}
	})
}

// TestReportJSON: the JSON has the overall status, the counts and every
// check, and no secrets.
func TestReportJSON(t *testing.T) {
	t.Parallel()
	r := doctor.Report{Checks: []doctor.Check{{Section: "Ashby", Name: "API key", Status: doctor.Pass}, {Section: "Slack", Name: "Slack", Status: doctor.Warn, Fix: "set it"}}}
	b, err := r.MarshalJSON()
	testkit.Must(t, err)
	want := `{"status":"warn","exit_code":1,"passed":1,"warnings":1,"failures":0,"checks":[{"section":"Ashby","name":"API key","status":"pass"},{"section":"Slack","name":"Slack","status":"warn","fix":"set it"}]}`
	if string(b) != want {
		t.Fatalf("json\n got %s\nwant %s", b, want)
	}
}

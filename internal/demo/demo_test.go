package demo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/demo"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// serveSQLite runs aaa in-process over d, assembled by testkit as `aaa
// serve` assembles it (cmd/aaa cannot be imported), with the demo's
// settings.
func serveSQLite(d *testkit.Database) demo.ServeFunc {
	return func(ctx context.Context, s demo.Settings, ready func(string)) error {
		st, err := testkit.Build(d, testkit.StackOptions{
			Ashby:       ashby.Options{BaseURL: s.AshbyAPIURL, APIKey: s.AshbyAPIKey},
			SlackClient: slackapp.Options{Token: s.SlackBotToken, BaseURL: s.SlackAPIURL},
			App:         app.Options{Timeout: s.FeedbackTimeout, AdminChannel: s.AdminChannelID},
			Queue: jobs.Options{Periodic: []jobs.Interval{
				{Task: jobs.TaskFeedbackSync, Every: s.FeedbackSyncInterval},
				{Task: jobs.TaskEvaluationSweep, Every: s.EvaluationSweepInterval},
				{Task: jobs.TaskSlackUserSync, Every: time.Hour},
			}},
			Server: server.Deps{WebhookSecret: s.AshbyWebhookSecret, SlackSigningSecret: s.SlackSigningSecret,
				AdminToken: s.AdminAPIToken},
		})
		if err != nil {
			return err
		}
		ready(st.URL)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return st.Stop(sctx)
	}
}

// TestDemoSummaryMatchesSimulator plays about an hour of the demo's day at
// 150x against a temp SQLite file. The summary must show every kind of
// outcome and agree with the simulator's call log and with the audit rows
// read straight from the database.
func TestDemoSummaryMatchesSimulator(t *testing.T) {
	t.Parallel()
	d := testkit.OpenDatabase(t, testkit.SQLite())
	var out testkit.Buffer
	sum, err := demo.Run(context.Background(), demo.Options{Out: &out, Speed: 150, Duration: 26 * time.Second,
		Serve: serveSQLite(d)})
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	story := out.String()
	t.Logf("story:\n%s", story)
	if err := sum.Check(); err != nil {
		t.Fatalf("summary disagrees with the simulator: %v", err)
	}
	checks := []struct {
		name string
		got  int
	}{
		{"advanced", sum.Advanced},
		{"rejected", sum.Rejected},
		{"archived by click", sum.ArchivedByClick},
		{"awaiting click", sum.AwaitingClick},
		{"dry run", sum.DryRunAdvance + sum.DryRunReject},
		{"stale", sum.Stale},
		{"timeouts", sum.Timeouts},
		{"waiting", sum.Waiting},
		{"simulator advances", sum.SimAdvances},
		{"simulator archives", sum.SimArchives},
	}
	for _, c := range checks {
		if c.got == 0 {
			t.Errorf("summary has no %s: %+v", c.name, sum)
		}
	}
	if sum.SimShadowWrites != 0 || sum.SimFailedCalls != 0 {
		t.Errorf("shadow writes %d, failed calls %d; want none", sum.SimShadowWrites, sum.SimFailedCalls)
	}
	for _, want := range []string{"✅ aaa advanced", "❌ aaa rejected", "👆", "archived in Ashby after a click by", "⏰ feedback timeout",
		"🧪 dry run", "⏭  stale", "still waiting on", "💬 Slack posted", "══ Summary", "agree ✓"} {
		if !strings.Contains(story, want) {
			t.Errorf("story lacks %q", want)
		}
	}

	// The same counts, straight from the database the demo wrote.
	execs, err := d.DB.ListExecutions(context.Background(), store.ExecutionFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range execs {
		count[e.Mode+"/"+e.Outcome+"/"+e.Status]++
		if e.Status == domain.ExecRejected && !strings.HasPrefix(e.ExecutedBy, "slack:") {
			t.Errorf("archive not by a click: %+v", e)
		}
	}
	if got := count["live/advance/success"]; got != sum.Advanced || got != sum.SimAdvances {
		t.Errorf("database has %d live advances, summary %d, simulator %d", got, sum.Advanced, sum.SimAdvances)
	}
	if got := count["live/reject/rejected"]; got != sum.ArchivedByClick || got != sum.SimArchives {
		t.Errorf("database has %d archived rejections, summary %d, simulator %d", got, sum.ArchivedByClick, sum.SimArchives)
	}
	if got := count["shadow/advance/dry_run"] + count["shadow/reject/dry_run"]; got != sum.DryRunAdvance+sum.DryRunReject {
		t.Errorf("database has %d dry runs, summary %d", got, sum.DryRunAdvance+sum.DryRunReject)
	}
}

func TestDemoCancelledStillSummarises(t *testing.T) {
	t.Parallel()
	d := testkit.OpenDatabase(t, testkit.SQLite())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var out testkit.Buffer
	sum, err := demo.Run(ctx, demo.Options{Out: &out, Speed: 240, Serve: serveSQLite(d)})
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	if err != nil {
		t.Skipf("cancelled before the server was ready: %v", err)
	}
	if !strings.Contains(out.String(), "interrupted") || !strings.Contains(out.String(), "══ Summary") {
		t.Fatalf("no interruption and summary in:\n%s", out.String())
	}
	if err := sum.Check(); err != nil {
		t.Fatalf("summary after a cancel disagrees: %v", err)
	}
}

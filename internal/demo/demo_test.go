package demo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/demo"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"github.com/charmbracelet/x/ansi"
)

// serveOn runs aaa in-process over d, assembled by testkit as `aaa serve`
// assembles it (cmd/aaa cannot be imported), with the demo's settings.
func serveOn(d *testkit.Database) demo.ServeFunc {
	return func(ctx context.Context, s demo.Settings, ready func(string)) error {
		st, err := testkit.Build(d, testkit.StackOptions{
			Ashby:       ashby.Options{BaseURL: s.AshbyAPIURL, APIKey: s.AshbyAPIKey},
			SlackClient: slackapp.Options{Token: s.SlackBotToken, BaseURL: s.SlackAPIURL},
			App:         app.Options{Timeout: s.FeedbackTimeout, AdminChannel: s.AdminChannelID, UndoWindow: s.UndoWindow},
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

// flat joins s's words with single spaces, so a phrase the story wrapped
// across lines still matches.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestDemoSummaryMatchesSimulator plays about an hour of the demo's day at
// 150x, on each store. The summary must show every kind of outcome,
// including a delayed archive that ran, a scheduled archive cancelled and
// an archive undone, and agree with the simulator's call log, with where
// the simulator has the candidates, and with the audit rows read straight
// from the database. The story names them and fits 80 columns.
func TestDemoSummaryMatchesSimulator(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		d := testkit.OpenDatabase(t, b)
		var out testkit.Buffer
		var sim *ashbysim.Sim
		sum, err := demo.Run(context.Background(), demo.Options{Out: &out, Speed: 150, Duration: 26 * time.Second,
			Serve: serveOn(d), OnSim: func(s *ashbysim.Sim) { sim = s }})
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
			{"archived at the scheduled time", sum.DelayedArchives},
			{"cancelled archives", sum.Cancelled},
			{"undone archives", sum.UndoneArchives},
			{"awaiting click", sum.AwaitingClick},
			{"dry run", sum.DryRunAdvance + sum.DryRunReject},
			{"stale", sum.Stale},
			{"timeouts", sum.Timeouts},
			{"waiting", sum.Waiting},
			{"simulator advances", sum.SimAdvances},
			{"simulator archives", sum.SimArchives},
			{"simulator undos", sum.SimUndos},
		}
		for _, c := range checks {
			if c.got == 0 {
				t.Errorf("summary has no %s: %+v", c.name, sum)
			}
		}
		if sum.SimShadowWrites != 0 || sum.SimFailedCalls != 0 {
			t.Errorf("shadow writes %d, failed calls %d; want none", sum.SimShadowWrites, sum.SimFailedCalls)
		}
		if sum.SimCancelledInStage != sum.Cancelled || sum.SimUndoneInStage != sum.UndoneArchives {
			t.Errorf("simulator has %d of %d cancelled and %d of %d undone candidates in their stage",
				sum.SimCancelledInStage, sum.Cancelled, sum.SimUndoneInStage, sum.UndoneArchives)
		}
		flatStory := flat(story)
		for _, want := range []string{"✅ aaa advanced", "❌ aaa rejected", "👆", "the scheduled archive ran:", "⏰ feedback timeout",
			"🧪 dry run", "⏭  stale", "still waiting on", "💬 Slack posted", "💬 Slack updated", "══ Summary",
			"(in 10 min): the rule waits before archiving", `clicks "Cancel archive"`, `clicks "Undo"`,
			"archive cancelled", "archive undone", "agree ✓"} {
			if !strings.Contains(flatStory, flat(want)) {
				t.Errorf("story lacks %q", want)
			}
		}
		for i, line := range strings.Split(story, "\n") {
			if w := ansi.StringWidth(line); w > 80 {
				t.Errorf("story line %d is %d columns wide: %s", i+1, w, line)
			}
		}

		// The same counts, straight from the database the demo wrote.
		ctx := context.Background()
		execs, err := d.DB.ListExecutions(ctx, store.ExecutionFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, e := range execs {
			count[e.Mode+"/"+e.Outcome+"/"+e.Status]++
			if e.Status == domain.ExecRejected && !strings.HasPrefix(e.ExecutedBy, "slack:") {
				t.Errorf("archive not by a click: %+v", e)
			}
			if e.Status == domain.ExecRejected && (e.ActAt.IsZero() || e.ActedAt.Before(e.ActAt)) {
				t.Errorf("archive ran at %v, not at its scheduled time %v: %+v", e.ActedAt, e.ActAt, e)
			}
		}
		if got := count["live/advance/success"]; got != sum.Advanced || got != sum.SimAdvances {
			t.Errorf("database has %d live advances, summary %d, simulator %d", got, sum.Advanced, sum.SimAdvances)
		}
		if got := count["live/reject/rejected"]; got != sum.ArchivedByClick || got+count["live/reject/undone"] != sum.SimArchives {
			t.Errorf("database has %d archived rejections (%d undone), summary %d, simulator %d",
				got, count["live/reject/undone"], sum.ArchivedByClick, sum.SimArchives)
		}
		if got := count["live/reject/cancelled"]; got != sum.Cancelled {
			t.Errorf("database has %d cancelled archives, summary %d", got, sum.Cancelled)
		}
		if got := count["live/reject/undone"]; got != sum.UndoneArchives || got != sum.SimUndos {
			t.Errorf("database has %d undone archives, summary %d, simulator %d", got, sum.UndoneArchives, sum.SimUndos)
		}
		if got := count["shadow/advance/dry_run"] + count["shadow/reject/dry_run"]; got != sum.DryRunAdvance+sum.DryRunReject {
			t.Errorf("database has %d dry runs, summary %d", got, sum.DryRunAdvance+sum.DryRunReject)
		}

		// Where the simulator has the candidates: a cancelled archive never
		// reached Ashby, an undone one is back in the stage it left; the
		// story names both.
		for _, e := range execs {
			if e.Status != domain.ExecCancelled && e.Status != domain.ExecUndone {
				continue
			}
			a, ok := sim.Application(e.ApplicationID)
			if !ok {
				t.Fatalf("simulator has no application %s", e.ApplicationID)
			}
			cand, _ := sim.Candidate(a.CandidateID)
			if a.Status != ashby.ApplicationStatusActive || a.StageID != e.FromStageID {
				t.Errorf("%s (%s) is %s in %s in the simulator; want active in the stage it was in", cand.Name, e.Status, a.Status, a.StageTitle)
			}
			if !strings.HasPrefix(e.RevertedBy, "slack:U0REC1") {
				t.Errorf("%s by %q; want the recruiter's Slack click", e.Status, e.RevertedBy)
			}
			wasArchived := false
			for _, c := range sim.ChangeStages() {
				if c.ApplicationID == e.ApplicationID && c.Archive && c.OK {
					wasArchived = true
				}
			}
			switch e.Status {
			case domain.ExecCancelled:
				if wasArchived {
					t.Errorf("%s's cancelled archive reached Ashby", cand.Name)
				}
				if want := "archive cancelled by Ada L.: " + cand.Name + " stays in " + a.StageTitle; !strings.Contains(flatStory, want) {
					t.Errorf("story lacks %q", want)
				}
			case domain.ExecUndone:
				if !wasArchived {
					t.Errorf("%s's undone archive never reached Ashby", cand.Name)
				}
				if want := "archive undone by Ada L.: " + cand.Name + " moved back to " + a.StageTitle; !strings.Contains(flatStory, want) {
					t.Errorf("story lacks %q", want)
				}
			}
		}
	})
}

func TestDemoCancelledStillSummarises(t *testing.T) {
	t.Parallel()
	d := testkit.OpenDatabase(t, testkit.SQLite())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var out testkit.Buffer
	sum, err := demo.Run(ctx, demo.Options{Out: &out, Speed: 240, Serve: serveOn(d)})
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

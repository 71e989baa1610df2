package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// seedTwoJobs caches two jobs as Ashby has them: each with its own plan
// (both with a "Phone Screen" stage) and its own "Panel Interview", whose
// feedback form has an overall score.
func seedTwoJobs(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, j := range []struct{ job, plan, title string }{{"job-be", "plan-be", "Backend Engineer"}, {"job-fe", "plan-fe", "Frontend Engineer"}} {
		testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: j.plan, Title: j.title + " Plan"}, at))
		testkit.Must(t, db.UpsertStages(ctx, j.plan, []domain.Stage{
			{ID: j.plan + "-screen", Title: "Phone Screen", Type: "Active", Order: 1},
			{ID: j.plan + "-onsite", Title: "Onsite", Type: "Active", Order: 2},
		}, at))
		testkit.Must(t, db.UpsertJob(ctx, domain.Job{ID: j.job, Title: j.title, Status: "Open", PlanIDs: []string{j.plan}}, at))
		testkit.Must(t, db.UpsertInterview(ctx, domain.Interview{ID: j.job + "-panel", Title: "Panel Interview", JobID: j.job, FormID: "form-panel"}, at))
	}
	testkit.Must(t, db.UpsertForm(ctx, domain.Form{ID: "form-panel", Title: "Panel scorecard", Definition: []byte(`{"formDefinition":{"sections":[{"title":"Scores","fields":[
		{"isRequired":true,"field":{"type":"Score","path":"overall_score","title":"Overall score"}},
		{"isRequired":false,"field":{"type":"RichText","path":"notes","title":"Notes"}}]}]}}`)}, at))
	testkit.Must(t, db.UpsertArchiveReason(ctx, domain.ArchiveReason{ID: "ar-1", Text: "Not a fit", ReasonType: "RejectedByOrg"}, at))
}

// aaa runs the binary with ARGS and stdin, returning stdout, stderr and the
// exit status.
func aaa(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(testkit.Binary(t), args...)
	cmd.Env = testkit.Environ()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	}
	t.Fatalf("run aaa %v: %v", args, err)
	return "", "", -1
}

func TestMetadataCommandsListWhatARuleCanName(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		db, url := b.Open(t)
		seedTwoJobs(t, db)
		for _, c := range []struct {
			args []string
			want []string
			not  []string
		}{
			{[]string{"metadata", "jobs"}, []string{"JOB", "Backend Engineer", "Frontend Engineer", "Backend Engineer Plan", "job-fe"}, nil},
			{[]string{"metadata", "stages", "--job", "Backend Engineer"}, []string{"Phone Screen", "Onsite", "plan-be-screen"}, []string{"plan-fe"}},
			{[]string{"metadata", "interviews", "--job", "Frontend Engineer"}, []string{"Panel Interview", "Panel scorecard", "job-fe-panel"}, []string{"job-be-panel"}},
			{[]string{"metadata", "form-fields", "--interview", "Panel Interview", "--job", "Backend Engineer"}, []string{"overall_score", "Overall score", "Score"}, []string{"notes"}},
			{[]string{"metadata", "archive-reasons"}, []string{"Not a fit", "ar-1"}, nil},
			{[]string{"metadata", "templates"}, []string{"does not cache", "communicationTemplate.list"}, nil},
		} {
			out, errOut, code := aaa(t, "", append(c.args, "--db", url)...)
			if code != 0 {
				t.Fatalf("aaa %v: exit %d\n%s%s", c.args, code, out, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("aaa %v lacks %q:\n%s", c.args, w, out)
				}
			}
			for _, n := range c.not {
				if strings.Contains(out, n) {
					t.Errorf("aaa %v shows %q (another job's):\n%s", c.args, n, out)
				}
			}
		}
		// Two jobs have a "Panel Interview": without --job, the choices.
		_, errOut, code := aaa(t, "", "metadata", "form-fields", "--interview", "Panel Interview", "--db", url)
		if code == 0 || !strings.Contains(errOut, "job-be-panel") || !strings.Contains(errOut, "job-fe-panel") || !strings.Contains(errOut, "--job") {
			t.Errorf("ambiguous interview: exit %d\n%s", code, errOut)
		}
		out, _, code := aaa(t, "", "metadata", "jobs", "-o", "json", "--db", url)
		var v struct {
			Jobs []struct{ ID, Title string } `json:"jobs"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil || len(v.Jobs) != 2 || v.Jobs[0].Title != "Backend Engineer" {
			t.Errorf("metadata jobs -o json: exit %d\n%s", code, out)
		}
	})
}

// TestRulesInitApplyByTitle starts from `aaa rules init`, previews with
// --diff (exit 1: changes), applies, previews again (exit 0), and checks
// that a one-rule file leaves the other rule alone unless --prune --yes.
func TestRulesInitApplyByTitle(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		db, url := b.Open(t)
		seedTwoJobs(t, db)
		dir := t.TempDir()
		write := func(name, text string) string {
			p := filepath.Join(dir, name)
			testkit.Must(t, os.WriteFile(p, []byte(text), 0o600))
			return p
		}
		starter, errOut, code := aaa(t, "", "rules", "init", "--job", "Backend Engineer", "--stage", "Phone Screen", "--db", url)
		if code != 0 {
			t.Fatalf("rules init: exit %d\n%s", code, errOut)
		}
		for _, w := range []string{"name: backend-engineer-phone-screen", "job: Backend Engineer # id job-be", "interview_stage: Phone Screen",
			"mode: shadow", "interview: Panel Interview # id job-be-panel", "score_field_path: overall_score"} {
			if !strings.Contains(starter, w) {
				t.Errorf("starter lacks %q:\n%s", w, starter)
			}
		}
		be := write("be.yaml", starter)
		if out, errOut, code := aaa(t, "", "rules", "apply", "-f", be, "--diff", "--db", url); code != 1 || !strings.Contains(out, "+ create rule") {
			t.Fatalf("--diff with changes: exit %d, want 1\n%s%s", code, out, errOut)
		}
		if out, errOut, code := aaa(t, "", "rules", "apply", "-f", be, "--db", url); code != 0 {
			t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
		}
		if out, errOut, code := aaa(t, "", "rules", "apply", "-f", be, "--diff", "--db", url); code != 0 || !strings.Contains(out, "no changes") {
			t.Fatalf("--diff without changes: exit %d, want 0\n%s%s", code, out, errOut)
		}
		bad := write("bad.yaml", strings.Replace(starter, "interview_stage: Phone Screen", "interview_stage: Phone Scren", 1))
		if _, errOut, code := aaa(t, "", "rules", "apply", "-f", bad, "--diff", "--db", url); code != 2 || !strings.Contains(errOut, `"Phone Scren"`) {
			t.Fatalf("--diff of an invalid file: exit %d, want 2\n%s", code, errOut)
		}

		// A second rule, then the first file alone: the second stays.
		fe, _, _ := aaa(t, "", "rules", "init", "--job", "Frontend Engineer", "--stage", "Phone Screen", "--db", url)
		if out, errOut, code := aaa(t, "", "rules", "apply", "-f", write("fe.yaml", fe), "--db", url); code != 0 {
			t.Fatalf("apply fe: exit %d\n%s%s", code, out, errOut)
		}
		out, errOut, code := aaa(t, "", "rules", "apply", "-f", be, "--db", url)
		if code != 0 || !strings.Contains(out, `left as they are (--prune deactivates them): "frontend-engineer-phone-screen"`) {
			t.Fatalf("apply of one file: exit %d\n%s%s", code, out, errOut)
		}
		active := func() int {
			rs, err := db.ListRules(context.Background(), true)
			testkit.Must(t, err)
			return len(rs)
		}
		if n := active(); n != 2 {
			t.Fatalf("after applying a one-rule file without --prune: %d active rules, want 2", n)
		}
		// --prune without a terminal and without --yes: refused, nothing changed.
		_, errOut, code = aaa(t, "", "rules", "apply", "-f", be, "--prune", "--db", url)
		if code == 0 || !strings.Contains(errOut, "frontend-engineer-phone-screen") || !strings.Contains(errOut, "pass --yes") || active() != 2 {
			t.Fatalf("--prune without --yes off a terminal: exit %d, %d active\n%s", code, active(), errOut)
		}
		if out, errOut, code := aaa(t, "", "rules", "apply", "-f", be, "--prune", "--yes", "--db", url); code != 0 || active() != 1 {
			t.Fatalf("--prune --yes: exit %d, %d active\n%s%s", code, active(), out, errOut)
		}
	})
}

// TestRulesApplyPruneAsks answers the --prune question on a terminal (an
// in-process reader stands for one): "n" changes nothing, "y" deactivates.
func TestRulesApplyPruneAsks(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		db, url := b.Open(t)
		seedTwoJobs(t, db)
		dir := t.TempDir()
		var files []string
		for _, job := range []string{"Backend Engineer", "Frontend Engineer"} {
			out := runRules(t, url, "init", "--job", job, "--stage", "Phone Screen")
			p := filepath.Join(dir, strings.ReplaceAll(job, " ", "")+".yaml")
			testkit.Must(t, os.WriteFile(p, []byte(out), 0o600))
			runRules(t, url, "apply", "-f", p)
			files = append(files, p)
		}
		prune := func(answer string) (string, error) {
			cmd := newRulesCmd()
			var out, errOut bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			cmd.SetIn(strings.NewReader(answer))
			cmd.SetArgs([]string{"apply", "-f", files[0], "--prune", "--db", url, "--as", "sam"})
			err := cmd.ExecuteContext(context.Background())
			return out.String() + errOut.String(), err
		}
		active := func() int {
			rs, err := db.ListRules(context.Background(), true)
			testkit.Must(t, err)
			return len(rs)
		}
		out, err := prune("n\n")
		if err == nil || !strings.Contains(out, "Deactivate them? [y/N]") || !strings.Contains(out, "frontend-engineer-phone-screen") || active() != 2 {
			t.Fatalf("answer n: %v, %d active\n%s", err, active(), out)
		}
		if out, err := prune("y\n"); err != nil || active() != 1 || !strings.Contains(out, `- deactivate rule "frontend-engineer-phone-screen"`) {
			t.Fatalf("answer y: %v, %d active\n%s", err, active(), out)
		}
	})
}

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/demo"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var idRe = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// runDecisionsCmd runs `aaa decisions ARGS` and returns its output.
func runDecisionsCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newDecisionsCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// csvRows parses an export and checks its header.
func csvRows(t *testing.T, out string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) == 0 || !slices.Equal(recs[0], explain.ExportColumns) {
		t.Fatalf("not a decisions CSV (%v):\n%s", err, out)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, c := range explain.ExportColumns {
			m[c] = r[i]
		}
		rows = append(rows, m)
	}
	return rows
}

// TestDecisionsExportOnDemo is the done-when: after the demo (the
// real server in-process, as `aaa demo` runs it), `aaa decisions export
// --format csv --since 7d` writes one row per recorded decision, each with
// the candidate, job, stage and rule by name and its reasons in words with
// no id in them.
func TestDecisionsExportOnDemo(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "aaa-demo.db")
	serveDemo := func(ctx context.Context, s demo.Settings, ready func(string)) error {
		cfg, err := config.Load(append(s.Env(), "DATABASE_URL=sqlite:"+dbPath, "LOG_LEVEL=ERROR"))
		if err != nil {
			return err
		}
		return serve(ctx, cfg, "127.0.0.1:0", newLogger(io.Discard, cfg.LogLevel, cfg.LogFormat),
			&serveHooks{ready: func(addr string) { ready("http://" + addr) }})
	}
	if _, err := demo.Run(context.Background(), demo.Options{Out: io.Discard, Speed: 150, Duration: 20 * time.Second,
		Serve: serveDemo, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	db := testkit.OpenURL(t, "sqlite:"+dbPath, false)
	execs, err := db.ListExecutions(context.Background(), store.ExecutionFilter{Limit: 100000})
	testkit.Must(t, err)
	if len(execs) < 5 {
		t.Fatalf("the demo recorded only %d decisions", len(execs))
	}

	out, err := runDecisionsCmd(t, "export", "--format", "csv", "--since", "7d", "--db", "sqlite:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	rows := csvRows(t, out)
	if len(rows) != len(execs) {
		t.Fatalf("%d rows for %d decisions", len(rows), len(execs))
	}
	outcomes := map[string]bool{}
	for i, r := range rows {
		if r["execution_id"] != execs[i].ID {
			t.Errorf("row %d is %s, want %s (newest first)", i, r["execution_id"], execs[i].ID)
		}
		outcomes[r["outcome"]] = true
		for _, c := range []string{"candidate_name", "job_title", "from_stage_title", "rule_name", "summary_text", "executed_by"} {
			if r[c] == "" {
				t.Errorf("row %s: no %s", r["execution_id"], c)
			}
		}
		if (r["outcome"] == domain.OutcomeAdvance || r["outcome"] == domain.OutcomeReject) && r["reasons_text"] == "" {
			t.Errorf("row %s: no reasons", r["execution_id"])
		}
		for _, c := range []string{"candidate_name", "job_title", "from_stage_title", "to_stage_title", "rule_name",
			"summary_text", "explanation", "reasons_text", "failure_text"} {
			if ids := idRe.FindAllString(r[c], -1); len(ids) > 0 || strings.Contains(r[c], "unknown ") {
				t.Errorf("row %s: %s names no one: %q", r["execution_id"], c, r[c])
			}
		}
	}
	if !outcomes[domain.OutcomeAdvance] || !outcomes[domain.OutcomeReject] {
		t.Errorf("the demo's export lacks advances or rejects: %v", outcomes)
	}

	// The table fits 80 columns and names the candidates.
	table, err := runDecisionsCmd(t, "list", "--db", "sqlite:"+dbPath)
	testkit.Must(t, err)
	for _, l := range strings.Split(strings.TrimSpace(table), "\n") {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}
	if first := rows[0]["candidate_name"]; !strings.Contains(table, cell(first, 10)[:5]) {
		t.Errorf("table does not show %s:\n%s", first, table)
	}
}

// TestDecisionsCommands on both stores: filters (--rule by name,
// --outcome, --since), the table, --limit, --out FILE (0600) in JSON, JSON
// lines, and refusals before the database is opened.
func TestDecisionsCommands(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		db, url := b.Open(t)
		now := time.Now().UTC()
		testkit.Must(t, db.UpsertPlan(ctx, domain.Plan{ID: "plan", Title: "Engineering"}, now))
		testkit.Must(t, db.UpsertStages(ctx, "plan", []domain.Stage{{ID: "st1", Title: "Phone Screen", Type: "Active", Order: 1},
			{ID: "st2", Title: "Onsite", Type: "Active", Order: 2}}, now))
		testkit.Must(t, db.UpsertJob(ctx, domain.Job{ID: "job", Title: "Backend Engineer", Status: "Open", DefaultInterviewPlanID: "plan",
			PlanIDs: []string{"plan"}}, now))
		rule, err := db.CreateRule(ctx, domain.Rule{Name: "Screen bar", InterviewPlanID: "plan", InterviewStageID: "st1",
			Mode: domain.ModeLive, Active: true})
		testkit.Must(t, err)
		other, err := db.CreateRule(ctx, domain.Rule{Name: "Other bar", JobID: "job", InterviewPlanID: "plan", InterviewStageID: "st2",
			Mode: domain.ModeShadow, Active: true})
		testkit.Must(t, err)
		for i := range 6 {
			app := fmt.Sprintf("app-%d", i)
			testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: app, JobID: "job",
				CandidateName: fmt.Sprintf("Candidate %d", i), UpdatedAt: now}))
			x := domain.Execution{ScheduleID: "sched-" + app, ApplicationID: app, RuleID: rule.ID, RuleVersion: 1,
				Mode: domain.ModeLive, Outcome: domain.OutcomeAdvance, Status: domain.ExecSuccess, FromStageID: "st1", ToStageID: "st2",
				Summary: "advance", ExecutedAt: now.Add(-time.Duration(i) * 24 * time.Hour)}
			if i%2 == 1 {
				x.RuleID, x.Mode, x.Outcome, x.Status, x.FromStageID, x.ToStageID = other.ID, domain.ModeShadow, domain.OutcomeReject,
					domain.ExecDryRun, "st2", ""
			}
			_, err := db.InsertExecution(ctx, x, "")
			testkit.Must(t, err)
		}

		// The table: names, newest first, a note of what was cut.
		out, err := runDecisionsCmd(t, "list", "--db", url, "--limit", "3")
		testkit.Must(t, err)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 6 || !strings.Contains(lines[1], "Candidate 0") || !strings.Contains(lines[1], "Backend Engineer") ||
			!strings.Contains(lines[1], "Phone Screen") || !strings.Contains(lines[2], "Candidate 1") ||
			!strings.Contains(lines[4], "3 decision(s) in the last 90d") || !strings.Contains(lines[4], "--limit shows more") {
			t.Fatalf("list --limit 3:\n%s", out)
		}

		// Filters: --rule by name, --outcome, --since.
		out, err = runDecisionsCmd(t, "export", "--db", url, "--rule", "Other bar")
		testkit.Must(t, err)
		rows := csvRows(t, out)
		if len(rows) != 3 || rows[0]["candidate_name"] != "Candidate 1" || rows[0]["rule_name"] != "Other bar" ||
			rows[0]["mode"] != "shadow" || rows[0]["from_stage_title"] != "Onsite" {
			t.Fatalf("--rule \"Other bar\": %v", rows)
		}
		out, err = runDecisionsCmd(t, "export", "--db", url, "--outcome", "advance", "--since", "36h")
		testkit.Must(t, err)
		rows = csvRows(t, out)
		if len(rows) != 1 || rows[0]["candidate_name"] != "Candidate 0" || rows[0]["to_stage_title"] != "Onsite" {
			t.Fatalf("--outcome advance --since 36h: %v", rows)
		}
		out, err = runDecisionsCmd(t, "list", "--db", url, "--since", "1h", "--outcome", "reject")
		testkit.Must(t, err)
		if strings.TrimSpace(out) != "No decisions in the last 1h." {
			t.Fatalf("empty list: %q", out)
		}

		// --out FILE as a JSON array, readable by its owner only.
		file := filepath.Join(t.TempDir(), "decisions.json")
		_, err = runDecisionsCmd(t, "export", "--db", url, "--since", "all", "--format", "json", "--out", file)
		testkit.Must(t, err)
		raw, err := os.ReadFile(file)
		testkit.Must(t, err)
		var objs []map[string]any
		if err := json.Unmarshal(raw, &objs); err != nil || len(objs) != 6 {
			t.Fatalf("json export: %v\n%s", err, raw)
		}
		if objs[5]["candidate_name"] != "Candidate 5" || objs[5]["rule_version"] != 1.0 || objs[0]["to_stage_title"] != "Onsite" {
			t.Errorf("json export rows: %v / %v", objs[0], objs[5])
		}
		if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("export file mode: %v %v", fi.Mode(), err)
		}
		out, err = runDecisionsCmd(t, "list", "--db", url, "--format", "jsonl", "--limit", "2")
		testkit.Must(t, err)
		if n := strings.Count(out, "\n"); n != 2 || !strings.HasPrefix(out, `{"executed_at":`) {
			t.Errorf("jsonl --limit 2: %q", out)
		}

		// Refusals: bad values, each named, exit 2; an unknown rule.
		_, err = runDecisionsCmd(t, "export", "--db", url, "--format", "xml", "--status", "meh", "--since", "3000-01-01")
		var ee *exitError
		if err == nil || !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), `--format "xml"`) ||
			!strings.Contains(err.Error(), `--status "meh"`) || !strings.Contains(err.Error(), "in the future") {
			t.Errorf("bad flags: %v", err)
		}
		if _, err := runDecisionsCmd(t, "list", "--db", url, "--rule", "Nope"); err == nil || !strings.Contains(err.Error(), `no rule named "Nope"`) {
			t.Errorf("unknown rule: %v", err)
		}
	})
}

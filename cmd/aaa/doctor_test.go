package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/demo"
	"github.com/ashby-auto-advance/aaa/internal/doctor"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/syncer"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// doctorBinary runs `aaa doctor ARGS` with env added to a clean environment
// and returns stdout, stderr and the exit status.
func doctorBinary(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(testkit.Binary(t), append([]string{"doctor"}, args...)...)
	cmd.Env = testkit.Environ(env...)
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
	t.Fatalf("run aaa doctor: %v", err)
	return "", "", -1
}

// TestDoctorWrongAshbyKey: with a key Ashby refuses, aaa doctor exits 2 and
// names ASHBY_API_KEY, as a checklist and as JSON, without printing the key.
func TestDoctorWrongAshbyKey(t *testing.T) {
	t.Parallel()
	sim := ashbysim.New(ashbysim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	_, dbURL := testkit.OpenSQLite(t)
	env := []string{"ASHBY_API_URL=" + srv.URL, "ASHBY_API_KEY=not-the-key", "ASHBY_WEBHOOK_SECRET=s"}

	out, errOut, code := doctorBinary(t, env, "--db", dbURL)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Ashby\n", "✗ API key: Ashby refused ASHBY_API_KEY (HTTP 403)", "→ Create an API key in Ashby",
		"Slack is off", "failure"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, "not-the-key") {
		t.Errorf("the key is printed:\n%s%s", out, errOut)
	}

	out, _, code = doctorBinary(t, env, "--db", dbURL, "-o", "json")
	var rep struct {
		Status   string `json:"status"`
		ExitCode int    `json:"exit_code"`
		Checks   []doctor.Check
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 2 || rep.Status != doctor.Fail || rep.ExitCode != 2 {
		t.Fatalf("-o json: exit %d, %+v, %v\n%s", code, rep, err, out)
	}
	found := false
	for _, c := range rep.Checks {
		if c.Name == "API key" && c.Status == doctor.Fail && strings.Contains(c.Detail, "ASHBY_API_KEY") {
			found = true
		}
	}
	if !found {
		t.Errorf("no failed API key check naming ASHBY_API_KEY:\n%s", out)
	}

	if _, errOut, code := doctorBinary(t, env, "--db", dbURL, "-o", "yaml"); code != 2 || !strings.Contains(errOut, "want text or json") {
		t.Errorf("-o yaml: exit %d %s", code, errOut)
	}
}

// TestDoctorNamesRuleAndDroppedField: after the interview's form in Ashby
// drops the field a rule scores on and forms are synced again, aaa doctor
// names the rule and the field and exits 2, on both stores.
func TestDoctorNamesRuleAndDroppedField(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		s := testkit.NewStack(t, testkit.StackOptions{Backend: b, NoWork: true})
		sc := s.Sim.AddPanelScenario(ashbysim.PanelSpec{JobTitle: "Data Engineer"})
		testkit.Must(t, s.Services.Sync.SyncMetadata(ctx))
		testkit.Must(t, s.Services.Sync.SyncInterviews(ctx))
		_, err := s.DB.CreateRule(ctx, domain.Rule{Name: "Data panel", JobID: sc.JobID, InterviewPlanID: sc.PlanID,
			InterviewStageID: sc.StageIDs[0], Mode: domain.ModeShadow, OnReject: domain.OnRejectNotify, Active: true,
			ArchiveReasonID: sc.ArchiveReasonID, Requirements: []domain.Requirement{{InterviewID: sc.InterviewID,
				FieldPath: ashbysim.FieldOverallScore, Operator: ">=", Threshold: "3", Aggregate: "each", Required: true}}})
		testkit.Must(t, err)
		env := []string{"ASHBY_API_URL=" + s.SimURL, "ASHBY_API_KEY=" + s.Sim.APIKey(), "ASHBY_WEBHOOK_SECRET=s"}

		out, _, _ := doctorBinary(t, env, "--db", s.Database.URL)
		if !strings.Contains(out, "✓ Data panel: Shadow, 1 requirement") {
			t.Fatalf("before the form changed, the rule passes:\n%s", out)
		}

		testkit.Must(t, s.Sim.RemoveFormField(sc.FormID, ashbysim.FieldOverallScore))
		testkit.Must(t, s.Services.Sync.SyncForms(ctx))
		out, errOut, code := doctorBinary(t, env, "--db", s.Database.URL)
		if code != 2 {
			t.Fatalf("exit %d, want 2\n%s%s", code, out, errOut)
		}
		flat := strings.Join(strings.Fields(out), " ")
		for _, want := range []string{`✗ Data panel: Rule "Data panel": it scores the field overall_score, which the "Panel Interview Scorecard" form of the interview "Panel Interview" no longer has`,
			"→ Score a field the form has"} {
			if !strings.Contains(flat, want) {
				t.Errorf("output does not say %q:\n%s", want, out)
			}
		}
	})
}

// TestDoctorOnDemoIsGreen runs the demo with the real server (as `aaa demo`
// does) and, once its rules exist and the first webhooks arrived, aaa
// doctor with the demo's settings and its public URL: every check passes.
// (It also waits for the server's first Slack user sync, which runs on
// start.)
func TestDoctorOnDemoIsGreen(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "aaa-demo.db")
	reports := make(chan doctor.Report, 1)
	serveDemo := func(ctx context.Context, s demo.Settings, ready func(string)) error {
		cfg, err := config.Load(append(s.Env(), "DATABASE_URL=sqlite:"+dbPath, "LOG_LEVEL=ERROR"))
		if err != nil {
			return err
		}
		log := newLogger(io.Discard, cfg.LogLevel, cfg.LogFormat)
		checked := make(chan struct{})
		baseCh := make(chan string, 1)
		go func() {
			defer close(checked)
			base := <-baseCh
			if base == "" {
				return
			}
			be, err := openExistingStore(ctx, cfg.DatabaseURL, log)
			if err != nil {
				t.Errorf("open the demo's database: %v", err)
				return
			}
			defer be.close()
			ok := testkit.Poll(60*time.Second, func() bool {
				rules, err1 := be.db.ListRules(ctx, true)
				ds, err2 := be.db.ListDeliveries(ctx, "", 1)
				su, err3 := be.db.GetSyncState(ctx, syncer.SyncSlackUsers)
				return ctx.Err() != nil || (err1 == nil && err2 == nil && err3 == nil && len(rules) == 4 && len(ds) > 0 &&
					su.LastFinishedAt != nil)
			})
			if !ok || ctx.Err() != nil {
				t.Errorf("the demo's rules and first webhooks never arrived")
				return
			}
			reports <- newDoctor(cfg, cfg.DatabaseURL, be, nil).Run(ctx, doctor.RunOptions{PublicURL: base})
		}()
		err = serve(ctx, cfg, "127.0.0.1:0", log, &serveHooks{ready: func(addr string) {
			baseCh <- "http://" + addr
			ready("http://" + addr)
		}})
		baseCh <- ""
		<-checked // the simulator and Slack fake stay up until the doctor is done
		return err
	}
	_, err := demo.Run(context.Background(), demo.Options{Out: io.Discard, Speed: 60, Duration: 8 * time.Second,
		Serve: serveDemo, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case rep := <-reports:
		var b strings.Builder
		_ = rep.WriteText(&b)
		if rep.ExitCode() != 0 {
			t.Fatalf("aaa doctor on the demo: exit %d\n%s", rep.ExitCode(), b.String())
		}
		if n := len(rep.Checks); n < 25 {
			t.Errorf("only %d checks:\n%s", n, b.String())
		}
	default:
		t.Fatal("the doctor did not run during the demo")
	}
}

// TestDoctorMissingDatabase: a database aaa cannot open is a failed check
// (exit 2) and the checks that do not need it still run; the file is not
// created.
func TestDoctorMissingDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nowhere.db")
	out, errOut, code := doctorBinary(t, nil, "--db", "sqlite:"+path)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", code, out, errOut)
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"✗ Reachable: Cannot open SQLite file " + path, "✗ API key: ASHBY_API_KEY is not set",
		"✗ Secret: ASHBY_WEBHOOK_SECRET is not set", "! Slack: Slack is off"} {
		if !strings.Contains(flat, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("aaa doctor created %s", path)
	}
}

package tui

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/review"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// Environment of the writer subprocess.
const (
	writerDBEnv   = "AAA_TUI_WRITER_DB"
	writerRuleEnv = "AAA_TUI_WRITER_RULE"
	writerForEnv  = "AAA_TUI_WRITER_FOR"
)

// TestHelperWriter is the "server" of TestConcurrentWriter: run as a
// separate process, it writes webhook deliveries and shadow decisions in a
// loop, then prints how many it wrote. It does nothing in a normal run.
func TestHelperWriter(t *testing.T) {
	url := os.Getenv(writerDBEnv)
	if url == "" {
		t.Skip("helper process for TestConcurrentWriter")
	}
	ctx := context.Background()
	db := testkit.OpenURL(t, url, false)
	d, err := time.ParseDuration(os.Getenv(writerForEnv))
	if err != nil {
		t.Fatal(err)
	}
	rule := os.Getenv(writerRuleEnv)
	n := 0
	for end := time.Now().Add(d); time.Now().Before(end); {
		n++
		status := domain.DeliveryProcessed
		if n%5 == 0 {
			status = domain.DeliveryFailed
		}
		ins, err := db.InsertDelivery(ctx, domain.Delivery{DedupeKey: fmt.Sprintf("writer-%d", n), Action: "interviewScheduleUpdate",
			ScheduleID: "sched-w", Payload: []byte(`{}`), Status: status, ReceivedAt: time.Now()})
		if err != nil || !ins {
			t.Fatalf("insert delivery %d: inserted=%v err=%v", n, ins, err)
		}
		outcome := domain.OutcomeAdvance
		if n%2 == 0 {
			outcome = domain.OutcomeReject
		}
		if _, err := db.InsertExecution(ctx, domain.Execution{ID: fmt.Sprintf("wexec-%06d", n), ScheduleID: "sched-w",
			ApplicationID: fmt.Sprintf("app-w%d", n), RuleID: rule, RuleVersion: 1, Mode: domain.ModeShadow, Outcome: outcome,
			Status: domain.ExecDryRun, Summary: fmt.Sprintf("writer decision %d", n), ExecutedAt: time.Now()}, ""); err != nil {
			t.Fatalf("insert execution %d: %v", n, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	fmt.Printf("WROTE %d\n", n)
}

// TestConcurrentWriter runs the dashboard against a store another process
// writes to: the dashboard toggles rules and records reviews meanwhile.
// Nothing may fail (no SQLITE_BUSY), nothing may be lost, and the new rows
// must show.
func TestConcurrentWriter(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db, url := b.Open(t)
			concurrentWriter(t, db, url)
		})
	}
}

func concurrentWriter(t *testing.T, db *store.DB, url string) {
	ctx := context.Background()
	seedMetadata(t, db, "plan-w", "stage-w", "iv-w")
	rule, err := db.CreateRule(ctx, domain.Rule{Name: "Writer rule", InterviewPlanID: "plan-w", InterviewStageID: "stage-w",
		Active: true, Mode: domain.ModeShadow,
		Requirements: []domain.Requirement{{InterviewID: "iv-w", FieldPath: "score", Operator: ">=", Threshold: "3"}}})
	testkit.Must(t, err)

	var stdout, stderr bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), writerDBEnv+"="+url, writerRuleEnv+"="+rule.ID, writerForEnv+"=3s")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	testkit.Must(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	m := newModel(Options{Store: db, Rules: rules.New(rules.Options{Store: db}), Reviews: review.New(review.Options{Store: db}), Now: time.Now, RefreshEvery: time.Millisecond, Reviewer: "test"})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	noErrors(t, drive(t, m, m.Init()))
	toggles := 0
	reviewed := map[string]bool{}
	var werr error
loop:
	for {
		select {
		case werr = <-done:
			break loop
		default:
		}
		// Toggle the rule (deactivate, then activate) through the confirm step.
		noErrors(t, pressDrive(t, m, "3", "space", "y"))
		toggles++
		// Review the newest shadow decision not reviewed yet.
		noErrors(t, pressDrive(t, m, "2", "g"))
		d := m.views[viewDecisions].(*decisionsView)
		if r := d.selected(); r != nil && !reviewed[r.Execution.ID] {
			verdict := "a"
			if len(reviewed)%2 == 1 {
				verdict = "d"
			}
			noErrors(t, pressDrive(t, m, verdict, "n", "o", "t", "e", "enter"))
			reviewed[r.Execution.ID] = true
		}
		noErrors(t, pressDrive(t, m, "4"))
		_, c := m.Update(tickMsg(time.Now()))
		noErrors(t, drive(t, m, c))
	}
	if werr != nil {
		t.Fatalf("writer failed: %v\nstdout:\n%s\nstderr:\n%s", werr, stdout.String(), stderr.String())
	}
	wrote := 0
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "WROTE "); ok {
			wrote, _ = strconv.Atoi(n)
		}
	}
	if wrote < 10 {
		t.Fatalf("writer wrote %d rows:\n%s", wrote, stdout.String())
	}
	if toggles < 2 || len(reviewed) < 2 {
		t.Fatalf("the dashboard did too little meanwhile: %d toggles, %d reviews", toggles, len(reviewed))
	}

	// Nothing lost: every write of both processes is there.
	counts, err := db.CountDeliveries(ctx)
	testkit.Must(t, err)
	if total := counts[domain.DeliveryProcessed] + counts[domain.DeliveryFailed]; total != wrote {
		t.Errorf("deliveries = %d, writer wrote %d", total, wrote)
	}
	execs, err := db.ListExecutions(ctx, store.ExecutionFilter{RuleID: rule.ID, Limit: wrote + 100})
	testkit.Must(t, err)
	if len(execs) != wrote {
		t.Errorf("executions = %d, writer wrote %d", len(execs), wrote)
	}
	reviews, err := db.ListReviews(ctx, rule.ID)
	testkit.Must(t, err)
	if len(reviews) != len(reviewed) {
		t.Errorf("reviews = %d, dashboard saved %d", len(reviews), len(reviewed))
	}
	got, err := db.GetRule(ctx, rule.ID)
	testkit.Must(t, err)
	if got.Version != rule.Version+toggles || got.Active != (toggles%2 == 0) {
		t.Errorf("rule version %d active %v after %d toggles from version %d", got.Version, got.Active, toggles, rule.Version)
	}

	// The new rows show after one more refresh of each view.
	noErrors(t, pressDrive(t, m, "4"))
	if s := screen(m); !strings.Contains(s, fmt.Sprintf("%d received", wrote)) {
		t.Errorf("activity does not show %d deliveries:\n%s", wrote, s)
	}
	noErrors(t, pressDrive(t, m, "2"))
	// Without a cached name the candidate is shown by id, in a code span.
	if s := screen(m); !strings.Contains(s, fmt.Sprintf("`app-w%d`", wrote)) {
		t.Errorf("decisions do not show the newest decision app-w%d:\n%s", wrote, s)
	}
	noErrors(t, pressDrive(t, m, "3"))
	if s := screen(m); !strings.Contains(s, fmt.Sprintf(" %d ", wrote)) {
		t.Errorf("rules do not count %d shadow decisions:\n%s", wrote, s)
	}
}

package flowtest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/storetest"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/time/rate"
)

const secret = "test_webhook_secret"

// env is one running aaa (router, River, store) against one simulator.
type env struct {
	t      *testing.T
	db     *store.DB
	sim    *ashbysim.Sim
	simURL string
	url    string
	svc    *advance.Service
	q      *jobs.Queue
}

type envOpts struct {
	minWait time.Duration
	dryRun  bool
	noStart bool // do not work jobs (ingestion waits in the queue)
	// slack is the Slack client (nil: notices are only stored); the other
	// slack fields configure the service and router as their env vars do.
	slack                advance.Slack
	slackSecret          string
	adminChannel         string
	allowedSlackUsers    []string
	defaultArchiveReason string
	// now is the router's clock (Slack signature window); nil is time.Now.
	now func() time.Time
}

func newEnv(t *testing.T, b storetest.Backend, o envOpts) *env {
	t.Helper()
	ctx := context.Background()
	db, dbURL := b.Open(t)
	var pool *pgxpool.Pool
	if b.Name == "postgres" {
		var err error
		pool, err = pgxpool.New(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
	}
	if err := jobs.Migrate(ctx, db.Writer(), pool); err != nil {
		t.Fatal(err)
	}
	sim := ashbysim.New(ashbysim.Options{PageSize: 2})
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	ats := ashby.New(ashby.Options{BaseURL: simSrv.URL, APIKey: sim.APIKey(), RateLimit: rate.Inf,
		BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond, Timeout: 2 * time.Second})
	q, err := jobs.New(jobs.Options{DB: db.Writer(), Pool: pool, RetryBase: 20 * time.Millisecond,
		RetryMax: 200 * time.Millisecond, PollInterval: 50 * time.Millisecond, MaxAttempts: 25})
	if err != nil {
		t.Fatal(err)
	}
	svc := advance.New(advance.Options{Store: db, ATS: ats, Queue: q, MinWait: o.minWait, Timeout: 7 * 24 * time.Hour,
		DryRun: o.dryRun, AttemptDelay: 10 * time.Millisecond, DefaultArchiveReason: o.defaultArchiveReason,
		Slack: o.slack, AdminChannel: o.adminChannel, AllowedSlackUsers: o.allowedSlackUsers})
	q.SetHandler(svc)
	srv := httptest.NewServer(server.New(server.Deps{Store: db, Service: svc, WebhookSecret: secret, AdminToken: "admin-token",
		SlackSigningSecret: o.slackSecret, Now: o.now}))
	t.Cleanup(srv.Close)
	if !o.noStart {
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = q.Stop(sctx)
		})
	}
	return &env{t: t, db: db, sim: sim, simURL: simSrv.URL, url: srv.URL, svc: svc, q: q}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool, diag ...func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, d := range diag {
		what += " (" + d() + ")"
	}
	t.Fatalf("timed out after %s waiting for %s", within, what)
}

func (e *env) send(scheduleID string) {
	e.t.Helper()
	status, err := e.sim.SendScheduleUpdate(context.Background(), e.url+"/webhooks/ashby", secret, scheduleID)
	if err != nil || status != 200 {
		e.t.Fatalf("send webhook: status %d, err %v", status, err)
	}
}

func (e *env) schedule(id string) (domain.Schedule, bool) {
	s, err := e.db.GetSchedule(context.Background(), id)
	return s, err == nil
}

// liveRule stores an active rule for the scenario's first stage.
func (e *env) rule(sc ashbysim.Scenario, mode string, threshold string) domain.Rule {
	e.t.Helper()
	r, err := e.db.CreateRule(context.Background(), domain.Rule{
		Name: "tech screen", InterviewPlanID: sc.PlanID, InterviewStageID: sc.StageIDs[0], Mode: mode, Active: true,
		ArchiveReasonID: sc.ArchiveReasonID,
		Requirements: []domain.Requirement{{InterviewID: sc.InterviewID, FieldPath: ashbysim.FieldOverallScore,
			Operator: ">=", Threshold: threshold, Required: true}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) executions(appID string) []domain.Execution {
	list, err := e.db.ListExecutions(context.Background(), store.ExecutionFilter{ApplicationID: appID})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func (e *env) changeStageCalls() int { return e.sim.CallCount("application.changeStage") }

func describe(list []domain.Execution) string {
	s := ""
	for _, x := range list {
		s += fmt.Sprintf("[%s %s %s %s] ", x.Outcome, x.Mode, x.Status, x.FailureReason)
	}
	return s
}

func (e *env) jobs() string {
	list, err := e.q.AllJobs(context.Background())
	if err != nil {
		return err.Error()
	}
	out := " jobs:"
	for _, j := range list {
		out += fmt.Sprintf(" %s/%s/%s/%d/%v", j.Kind, j.State, j.EncodedArgs, j.Attempt, j.Errors)
	}
	return out
}

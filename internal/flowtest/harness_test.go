package flowtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

const secret = "test_webhook_secret"

// env is one running aaa (router, River, store) against one simulator,
// assembled by testkit.
type env struct {
	t     *testing.T
	stack *testkit.Stack
	db    *store.DB
	sim   *ashbysim.Sim
	url   string
	svc   *app.Services
	ats   *ashby.Client
	q     *jobs.Queue
}

type envOpts struct {
	minWait time.Duration
	dryRun  bool
	noStart bool // do not work jobs (ingestion waits in the queue)
	// slack starts a Slack fake (env.stack.Slack) that checks slackToken;
	// the other slack fields configure the service and router as their env
	// vars do.
	slack                bool
	slackSecret          string
	adminChannel         string
	allowedSlackUsers    []string
	defaultArchiveReason string
	// now is the router's clock (Slack signature window); nil is time.Now.
	now func() time.Time
	// clock is the use cases' clock; nil is time.Now.
	clock func() time.Time
	// undoWindow is UNDO_WINDOW (0: undo off).
	undoWindow time.Duration
}

func newEnv(t *testing.T, b testkit.Backend, o envOpts) *env {
	t.Helper()
	s := testkit.NewStack(t, testkit.StackOptions{
		Backend: b, Sim: ashbysim.Options{PageSize: 2}, NoWork: o.noStart,
		Slack: o.slack, SlackClient: slackapp.Options{Token: slackToken, BaseDelay: 2 * time.Millisecond},
		Queue: jobs.Options{MaxAttempts: 25},
		App: app.Options{MinWait: o.minWait, Timeout: 7 * 24 * time.Hour, DryRun: o.dryRun,
			AttemptDelay: 10 * time.Millisecond, DefaultArchiveReason: o.defaultArchiveReason,
			AdminChannel: o.adminChannel, AllowedSlackUsers: o.allowedSlackUsers, Now: o.clock, UndoWindow: o.undoWindow},
		Server: server.Deps{WebhookSecret: secret, AdminToken: "admin-token", SlackSigningSecret: o.slackSecret, Now: o.now},
	})
	return &env{t: t, stack: s, db: s.DB, sim: s.Sim, url: s.URL, svc: s.Services, q: s.Queue, ats: s.ATS}
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

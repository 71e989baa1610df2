package demo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
)

// Settings are what the demo's server must be configured with: the
// simulator and Slack fake it talks to, the secrets the demo signs with,
// and the compressed intervals.
type Settings struct {
	AshbyAPIURL        string
	AshbyAPIKey        string
	AshbyWebhookSecret string
	SlackAPIURL        string
	SlackBotToken      string
	SlackSigningSecret string
	AdminAPIToken      string
	AdminChannelID     string
	// FeedbackSyncInterval and EvaluationSweepInterval are the periodic
	// job intervals.
	FeedbackSyncInterval    time.Duration
	EvaluationSweepInterval time.Duration
	// FeedbackTimeout is 30 simulated minutes in real time.
	FeedbackTimeout time.Duration
	// UndoWindow is 15 simulated minutes in real time (UNDO_WINDOW): the
	// recruiter's Undo lands inside it, and it closes within the day.
	UndoWindow time.Duration
}

// Env returns the settings as the environment variables of `aaa serve`
// ("KEY=value"), with a zero min wait (the demo compresses time instead).
func (s Settings) Env() []string {
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s" }
	return []string{
		"ASHBY_API_URL=" + s.AshbyAPIURL,
		"ASHBY_API_KEY=" + s.AshbyAPIKey,
		"ASHBY_WEBHOOK_SECRET=" + s.AshbyWebhookSecret,
		"ASHBY_RATE_LIMIT=1000",
		"SLACK_API_URL=" + s.SlackAPIURL,
		"SLACK_BOT_TOKEN=" + s.SlackBotToken,
		"SLACK_SIGNING_SECRET=" + s.SlackSigningSecret,
		"ADMIN_API_TOKEN=" + s.AdminAPIToken,
		"ADMIN_SLACK_CHANNEL_ID=" + s.AdminChannelID,
		"ADVANCEMENT_FEEDBACK_MIN_WAIT_MINUTES=0",
		"ADVANCEMENT_FEEDBACK_TIMEOUT=" + secs(s.FeedbackTimeout),
		"FEEDBACK_SYNC_INTERVAL=" + secs(s.FeedbackSyncInterval),
		"EVALUATION_SWEEP_INTERVAL=" + secs(s.EvaluationSweepInterval),
		"UNDO_WINDOW=" + secs(s.UndoWindow),
		"REMINDERS_ENABLED=false",
	}
}

// ServeFunc runs aaa's server configured with s until ctx ends, calling
// ready with its base URL ("http://127.0.0.1:port") once it accepts
// requests.
type ServeFunc func(ctx context.Context, s Settings, ready func(baseURL string)) error

// Options configures Run.
type Options struct {
	// Out receives the story and the summary.
	Out io.Writer
	// Speed is how many simulated seconds pass per real second (default 60:
	// a simulated minute per second). At most 600.
	Speed float64
	// Duration ends the story early; 0 plays the whole day.
	Duration time.Duration
	// Seed fixes the random parts of the day (default 1).
	Seed int64
	// Serve runs the server; required.
	Serve ServeFunc
	// Quiet skips the Slack message bodies (the story lines stay).
	Quiet bool
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnSlack, when set, also receives every call the Slack fake answered
	// (tests read the messages people would see).
	OnSlack func(slackfake.Call)
	// OnSim, when set, receives the simulated Ashby once it is seeded
	// (tests read where the candidates ended up).
	OnSim func(*ashbysim.Sim)
}

// Demo secrets: the fakes and the server share them, nothing else does.
const (
	webhookSecret = "demo-webhook-secret"
	signingSecret = "demo-slack-signing-secret"
	botToken      = "xoxb-demo"
	adminToken    = "demo-admin-token"
	adminChannel  = "C0HIRINGOPS"
	// timeoutMinutes is the simulated feedback timeout.
	timeoutMinutes = 30
	// undoWindowMinutes is the simulated UNDO_WINDOW (aaa's default, 15m).
	undoWindowMinutes = 15
)

// Run plays the demo until the day is over, Options.Duration passes or ctx
// ends, then prints the summary and returns it. An error means the demo
// could not run (the server failed to start, a rule was refused); a run
// cut short by ctx is not an error.
func Run(ctx context.Context, opts Options) (Summary, error) {
	if opts.Serve == nil {
		return Summary{}, errors.New("demo: Options.Serve is required")
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Speed == 0 {
		opts.Speed = 60
	}
	if opts.Speed < 1 || opts.Speed > 600 {
		return Summary{}, fmt.Errorf("demo: speed %v is outside [1, 600]", opts.Speed)
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	clk := newClock(opts.Now(), opts.Speed, opts.Now)

	sim := ashbysim.New(ashbysim.Options{Seed: opts.Seed, Now: opts.Now})
	simSrv := httptest.NewServer(sim)
	defer simSrv.Close()
	fake := slackfake.New(botToken)
	defer fake.Close()
	// The bot is in the admin channel, as aaa doctor checks.
	fake.AddChannel(slackfake.Channel{ID: adminChannel, Name: "hiring-ops", IsMember: true})
	ws := seed(sim, fake, rand.New(rand.NewSource(opts.Seed)))
	if opts.OnSim != nil {
		opts.OnSim(sim)
	}

	settings := Settings{
		AshbyAPIURL: simSrv.URL, AshbyAPIKey: sim.APIKey(), AshbyWebhookSecret: webhookSecret,
		SlackAPIURL: fake.URL(), SlackBotToken: botToken, SlackSigningSecret: signingSecret,
		AdminAPIToken: adminToken, AdminChannelID: adminChannel,
		FeedbackSyncInterval: time.Second, EvaluationSweepInterval: 2 * time.Second,
		FeedbackTimeout: max(time.Second, clk.sim(timeoutMinutes)),
		UndoWindow:      max(time.Second, clk.sim(undoWindowMinutes)),
	}

	// The server outlives ctx: after a Ctrl+C the demo still settles and
	// reads the audit rows for the summary, then stops it.
	srvCtx, stopServer := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServer()
	readyCh := make(chan string, 1)
	srvDone := make(chan error, 1)
	go func() {
		srvDone <- opts.Serve(srvCtx, settings, func(u string) { readyCh <- u })
	}()
	var base string
	select {
	case base = <-readyCh:
	case err := <-srvDone:
		return Summary{}, fmt.Errorf("demo: server stopped before it was ready: %w", err)
	case <-ctx.Done():
		stopServer()
		<-srvDone
		return Summary{}, ctx.Err()
	}
	stop := func() error {
		stopServer()
		return <-srvDone
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	api := admin{base: base, token: adminToken, hc: hc}
	if err := prepare(ctx, api, hc, base, ws, clk); err != nil {
		_ = stop()
		return Summary{}, err
	}

	// The day starts now that the server is ready.
	clk.setStart(opts.Now())
	p := &play{opts: opts, clk: clk, sim: sim, fake: fake, ws: ws, api: api, base: base,
		clicked: map[string]string{}, planned: map[string]bool{}, n: newNarrator(opts.Out, clk, ws, !opts.Quiet)}
	p.n.intro(opts, base)
	fake.OnMessage(p.onSlack)

	dayCtx := ctx
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		dayCtx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}
	pollCtx, stopPoll := context.WithCancel(srvCtx)
	var pollWG sync.WaitGroup
	pollWG.Add(1)
	go func() {
		defer pollWG.Done()
		p.pollDecisions(pollCtx)
	}()

	p.runDay(dayCtx)
	p.stopped(ctx.Err() != nil)
	p.settle(srvCtx)
	stopPoll()
	pollWG.Wait()
	fake.OnMessage(nil)

	final, err := api.decisions(srvCtx)
	simAt := sim.ChangeStages()
	if err != nil {
		_ = stop()
		return Summary{}, fmt.Errorf("demo: read decisions: %w", err)
	}
	sum := summarize(ws, final, simAt, sim.Application, p.counts(), p.n.interviewOver)
	if serr := stop(); serr != nil {
		p.n.linef("server stopped with an error: %v (see the log)", serr)
	}
	if after := sim.ChangeStages(); len(after) != len(simAt) {
		sum.LateCalls = len(after) - len(simAt)
	}
	sum.Print(opts.Out)
	return sum, nil
}

// prepare syncs Ashby metadata into aaa and creates the rules: one live,
// the others shadow. A job's reject delay (simulated minutes) becomes its
// rule's reject_delay in real whole seconds (the granularity aaa accepts).
func prepare(ctx context.Context, api admin, hc *http.Client, base string, ws *workspace, clk *clock) error {
	if err := waitHealthy(ctx, hc, base, 30*time.Second); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, path := range []string{"/admin/sync-metadata", "/admin/sync-interviews"} {
		if err := api.do(ctx, http.MethodPost, path, nil, nil); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	for _, j := range ws.jobs {
		body := map[string]any{
			"name": j.title + ": panel scores", "job_id": j.sc.JobID, "interview_plan_id": j.sc.PlanID,
			"interview_stage_id": j.sc.StageIDs[0], "mode": j.mode, "on_reject": domain.OnRejectNotify,
			"archive_reason_id": j.sc.ArchiveReasonID, "notify_in_shadow": j.notify,
			"requirements": []map[string]any{{
				"interview_id": j.sc.InterviewID, "score_field_path": ashbysim.FieldOverallScore,
				"operator": ">=", "threshold_value": "3", "aggregate": j.aggregate, "is_required": true,
			}},
		}
		if j.mode == domain.ModeLive {
			body["communication_template_id"] = j.sc.TemplateID
		}
		if j.rejectDelay > 0 {
			body["reject_delay"] = wholeSeconds(clk.sim(j.rejectDelay))
		}
		if err := api.do(ctx, http.MethodPost, "/admin/create-advancement-rule", body, nil); err != nil {
			return fmt.Errorf("demo: create rule for %s: %w", j.title, err)
		}
	}
	return nil
}

// play is one run of the day.
type play struct {
	opts Options
	clk  *clock
	sim  *ashbysim.Sim
	fake *slackfake.Server
	ws   *workspace
	api  admin
	base string
	n    *narrator

	mu sync.Mutex
	// clicked is the last button clicked per execution id (an action_id);
	// planned the clicks scheduled, by execution id and action_id.
	clicked   map[string]string
	planned   map[string]bool
	clicks    int
	webhooks  int
	submitted int
	stoppedAt time.Time
	wg        sync.WaitGroup
}

// step is one thing that happens in the day at a simulated minute.
type step struct {
	at  float64
	run func(ctx context.Context)
}

// runDay books every interview (a signed webhook each), then plays the
// steps in order until they are done and every candidate is settled, or
// ctx ends.
func (p *play) runDay(ctx context.Context) {
	p.book(ctx)
	var steps []step
	for _, c := range p.ws.cands {
		steps = append(steps, step{at: c.end, run: func(ctx context.Context) { p.interviewEnded(ctx, c) }})
		for _, s := range c.subs {
			steps = append(steps, step{at: c.end + s.after, run: func(context.Context) { p.submit(c, s) }})
		}
		if c.moveAt > 0 {
			steps = append(steps, step{at: c.moveAt, run: func(context.Context) { p.moveByHand(c) }})
		}
	}
	slices.SortStableFunc(steps, func(a, b step) int { return cmp.Compare(a.at, b.at) })
	p.n.linef("📅 %d interviews booked for today; Ashby sent a signed webhook for each", len(p.ws.cands))
	for _, s := range steps {
		if !p.sleepUntil(ctx, p.clk.at(s.at)) {
			return
		}
		s.run(ctx)
	}
	// Wait for the last decisions: until every candidate is settled, or
	// the latest timeout plus a margin has passed.
	last := 0.0
	for _, c := range p.ws.cands {
		last = max(last, c.end+timeoutMinutes)
	}
	deadline := p.clk.at(last + 10)
	for p.opts.Now().Before(deadline) {
		if p.n.allSettled() {
			p.n.linef("🏁 every candidate of the day has an outcome")
			return
		}
		if !p.sleepUntil(ctx, p.opts.Now().Add(200*time.Millisecond)) {
			return
		}
	}
}

// book schedules every interview and sends Ashby's webhook for each, eight
// at a time. The day's clock starts once they are all booked, so a slow
// machine does not lose the morning; the times are then set again from
// that start (the webhook sent when each interview ends carries them).
func (p *play) book(ctx context.Context) {
	place := func() {
		for _, c := range p.ws.cands {
			end := p.clk.at(c.end)
			if err := p.sim.SetEventTimes(c.ids.EventID, end.Add(-p.clk.sim(45)), end); err != nil {
				p.n.linef("cannot schedule %s: %v", c.name, err)
			}
		}
	}
	place()
	work := make(chan *candidate)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				p.sendWebhook(ctx, c)
			}
		}()
	}
	for _, c := range p.ws.cands {
		work <- c
	}
	close(work)
	wg.Wait()
	p.clk.setStart(p.opts.Now())
	place()
}

func (p *play) sleepUntil(ctx context.Context, t time.Time) bool {
	d := t.Sub(p.opts.Now())
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

func (p *play) sendWebhook(ctx context.Context, c *candidate) {
	status, err := p.sim.SendScheduleUpdate(ctx, p.base+"/webhooks/ashby", webhookSecret, c.ids.ScheduleID)
	if err != nil || status != http.StatusOK {
		if ctx.Err() == nil {
			p.n.linef("⚠ webhook for %s not accepted (status %d, %v)", c.name, status, err)
		}
		return
	}
	p.mu.Lock()
	p.webhooks++
	p.mu.Unlock()
}

func (p *play) interviewEnded(ctx context.Context, c *candidate) {
	if err := p.sim.SetScheduleStatus(c.ids.ScheduleID, "WaitingOnFeedback"); err == nil {
		p.sendWebhook(ctx, c)
	}
	var panel []string
	for _, u := range c.job.panel {
		panel = append(panel, short(u.Name))
	}
	p.n.interviewEnded(c, panel)
}

func (p *play) submit(c *candidate, s submission) {
	who := c.job.panel[s.interviewer]
	p.sim.SubmitFeedback(c.ids.ApplicationID, c.ids.EventID, who.ID, scorecard(s.score))
	p.mu.Lock()
	p.submitted++
	p.mu.Unlock()
	p.n.scored(c, short(who.Name), s.score)
}

func (p *play) moveByHand(c *candidate) {
	to := c.job.sc.StageIDs[1]
	if err := p.sim.MoveApplication(c.ids.ApplicationID, to); err != nil {
		p.n.linef("cannot move %s: %v", c.name, err)
		return
	}
	p.n.movedByHand(c, c.job.stages[to])
}

// onSlack is the Slack fake's message hook: the narrator prints the
// message and the recruiter decides whether to click one of its buttons:
// Archive on a rejection notice, Cancel archive once the archive is
// scheduled, Undo once the candidate is archived.
func (p *play) onSlack(call slackfake.Call) {
	if p.opts.OnSlack != nil {
		p.opts.OnSlack(call)
	}
	p.n.slack(call)
	if call.Method != "chat.postMessage" && call.Method != "chat.update" {
		return
	}
	for _, b := range slackfake.Buttons(call.Blocks) {
		c := p.candidateOfButton(b)
		if c == nil {
			continue
		}
		switch {
		case b.ActionID == slackapp.ActionSendRejection && call.Method == "chat.postMessage":
			p.recruiterSees(call, b, c.clickAfter)
		case b.ActionID == slackapp.ActionCancelArchive:
			p.recruiterSees(call, b, c.cancelAfter)
		case b.ActionID == slackapp.ActionUndo:
			p.recruiterSees(call, b, c.undoAfter)
		}
	}
}

// recruiterSees schedules the recruiter's click on button b of a message,
// after simulated minutes, if the script has them click it for this
// candidate (after > 0). Each button of a decision is clicked once, however
// often its message is edited.
func (p *play) recruiterSees(call slackfake.Call, b slackfake.Button, after float64) {
	c := p.candidateOfButton(b)
	exec := executionOfButton(b)
	if c == nil || after <= 0 || exec == "" {
		return
	}
	p.mu.Lock()
	if !p.stoppedAt.IsZero() || p.planned[exec+" "+b.ActionID] {
		p.mu.Unlock()
		return
	}
	p.planned[exec+" "+b.ActionID] = true
	p.wg.Add(1)
	p.mu.Unlock()
	click := slackfake.Click{UserID: c.job.slackID, UserName: short(c.job.recruiter.Name),
		Channel: call.Channel, TS: call.TS, Button: b}
	go func() {
		defer p.wg.Done()
		at := p.opts.Now().Add(p.clk.sim(after))
		for p.opts.Now().Before(at) {
			p.mu.Lock()
			stopped := !p.stoppedAt.IsZero()
			p.mu.Unlock()
			if stopped {
				return
			}
			time.Sleep(min(50*time.Millisecond, time.Until(at)))
		}
		p.mu.Lock()
		if !p.stoppedAt.IsZero() {
			p.mu.Unlock()
			return
		}
		p.clicks++
		p.mu.Unlock()
		p.n.clicking(c, b.ActionID)
		status, err := click.Send(context.Background(), p.base+"/slack/interactions", signingSecret)
		if err != nil || status != http.StatusOK {
			p.n.linef("⚠ %s's click for %s answered %d (%v)", short(c.job.recruiter.Name), c.name, status, err)
			return
		}
		p.mu.Lock()
		p.clicked[exec] = b.ActionID
		p.mu.Unlock()
	}()
}

func (p *play) candidateOfButton(b slackfake.Button) *candidate {
	return p.ws.byApp[applicationOfButton(b)]
}

// stopped ends the recruiter's activity: no click starts after this.
func (p *play) stopped(interrupted bool) {
	p.mu.Lock()
	p.stoppedAt = p.opts.Now()
	p.mu.Unlock()
	p.wg.Wait()
	if interrupted {
		p.n.linef("⏹ interrupted: settling and summarising")
	} else {
		p.n.linef("⏹ the day is over: settling and summarising")
	}
}

// settle waits until aaa has caught up with what happened before the
// stop: a feedback sync begun after it has finished, nothing is pending,
// every click has been acted on, every archive scheduled to run soon has
// run, and the decisions did not change for a second. It gives up after
// 15s, or a little after the last such archive's time if that is later
// (at most a minute).
func (p *play) settle(ctx context.Context) {
	p.mu.Lock()
	stoppedAt := p.stoppedAt
	clicked := make(map[string]string, len(p.clicked))
	for k, v := range p.clicked {
		clicked[k] = v
	}
	p.mu.Unlock()
	start := time.Now()
	deadline := start.Add(15 * time.Second)
	var lastSig string
	stableSince := time.Now()
	for time.Now().Before(deadline) {
		synced := false
		for _, c := range p.sim.Calls() {
			if c.Method == "applicationFeedback.list" && c.Time.After(stoppedAt) && !c.Done.IsZero() {
				synced = true
			}
		}
		list, err := p.api.decisions(ctx)
		if err != nil {
			return
		}
		busy := false
		sig := ""
		for _, d := range list {
			sig += d.ExecutionID + d.Status + ";"
			if settling(d, clicked[d.ExecutionID], start.Add(time.Minute)) {
				busy = true
			}
			if at, ok := d.actAt(); ok && d.Status == domain.ExecScheduled && at.Before(start.Add(time.Minute)) {
				// The server runs it at its time (River looks for due jobs
				// every few seconds): wait for it, so the simulator and
				// the summary see the same archive.
				deadline = later(deadline, at.Add(10*time.Second))
			}
		}
		if sig != lastSig {
			lastSig, stableSince = sig, time.Now()
		}
		if synced && !busy && time.Since(stableSince) >= time.Second {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	p.n.linef("⚠ aaa did not settle in time; the summary may be short of the last actions")
}

// settling reports whether a decision is still about to change: an action
// under way, an archive due before horizon or whose Cancel was clicked, or
// a click (clicked is the last button clicked on it) aaa has not acted on
// yet.
func settling(d decision, clicked string, horizon time.Time) bool {
	switch d.Status {
	case domain.ExecPending, domain.ExecUndoing:
		return true
	case domain.ExecScheduled:
		at, ok := d.actAt()
		return clicked == slackapp.ActionCancelArchive || !ok || at.Before(horizon)
	case domain.ExecNotified:
		return clicked == slackapp.ActionSendRejection
	case domain.ExecRejected, domain.ExecSuccess:
		return clicked == slackapp.ActionUndo
	}
	return false
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (p *play) counts() activity {
	p.mu.Lock()
	defer p.mu.Unlock()
	return activity{webhooks: p.webhooks, submitted: p.submitted, clicks: p.clicks}
}

// wholeSeconds writes d as a duration in whole seconds ("10s"), at least
// one: a rule's reject_delay has a granularity of a second.
func wholeSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second))) + "s"
}

// activity is what the demo itself did.
type activity struct{ webhooks, submitted, clicks int }

package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York without the system zoneinfo

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/store/postgres"
	"github.com/ashby-auto-advance/aaa/internal/store/sqlite"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// friday1730 is when the test interviews end: Friday 6 March 2026, 17:30 UTC.
var friday1730 = time.Date(2026, 3, 6, 17, 30, 0, 0, time.UTC)

// at returns a UTC time in the week of friday1730 (day 6 = that Friday,
// 9 = the next Monday).
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 3, day, hour, minute, 0, 0, time.UTC)
}

// remEnv is a Service with a fixed clock over a store and the Slack fake.
type remEnv struct {
	t     *testing.T
	db    *store.DB
	slack *slackfake.Server
	clock *testkit.Clock
	svc   *notify.Service
}

type remOpts struct {
	policy       notify.ReminderPolicy
	adminChannel string
	dryRun       bool
	// wrap replaces the store the Service sees.
	wrap func(store.Store) store.Store
}

func newRemEnv(t *testing.T, db *store.DB, o remOpts) *remEnv {
	t.Helper()
	fake := slackfake.New("xoxb-test")
	t.Cleanup(fake.Close)
	fake.AddUsers(
		slackfake.User{ID: "U1", Email: "grace@example.com", RealName: "Grace Hopper"},
		slackfake.User{ID: "U2", Email: "alan@example.com", RealName: "Alan Turing"},
		slackfake.User{ID: "UREC", Email: "rita@example.com", RealName: "Rita Recruiter"},
	)
	e := &remEnv{t: t, db: db, slack: fake, clock: testkit.NewClock(friday1730)}
	e.svc = newReminderService(db, fake, e.clock, o)
	return e
}

func newReminderService(db store.Store, fake *slackfake.Server, c *testkit.Clock, o remOpts) *notify.Service {
	st := db
	if o.wrap != nil {
		st = o.wrap(db)
	}
	return notify.New(notify.Options{
		Store: st, Slack: slackapp.New(slackapp.Options{Token: "xoxb-test", BaseURL: fake.URL(), MaxRetries: -1}),
		Now: c.Now, Reminders: o.policy, AdminChannel: o.adminChannel, DryRun: o.dryRun,
	})
}

type seedOpts struct {
	mode      string // rule mode; "" = no rule
	candidate string
	appID     string
	schedID   string
	end       time.Time
	// interviewers overrides the default panel (Grace and Alan owe
	// feedback; a shadow and a not-required interviewer do not).
	interviewers []domain.Assignment
}

var defaultPanel = []domain.Assignment{
	{InterviewerID: "u1", FirstName: "Grace", LastName: "Hopper", Email: "grace@example.com", IsEnabled: true, IsFeedbackRequired: true, TrainingRole: domain.TrainingRoleTrained},
	{InterviewerID: "u2", FirstName: "Alan", LastName: "Turing", Email: "alan@example.com", IsEnabled: true, IsFeedbackRequired: true},
	{InterviewerID: "u3", FirstName: "Sam", LastName: "Shadow", Email: "grace@example.com", IsEnabled: true, IsFeedbackRequired: true, TrainingRole: domain.TrainingRoleShadow},
	{InterviewerID: "u4", FirstName: "Nora", LastName: "Optional", Email: "alan@example.com", IsEnabled: true, IsFeedbackRequired: false},
}

// seed stores a rule (unless mode is empty), an application and a schedule
// with one ended event.
func (e *remEnv) seed(o seedOpts) domain.Rule {
	e.t.Helper()
	ctx := context.Background()
	if o.candidate == "" {
		o.candidate = "Ada Lovelace"
	}
	if o.appID == "" {
		o.appID = "app1"
	}
	if o.schedID == "" {
		o.schedID = "s1"
	}
	if o.end.IsZero() {
		o.end = friday1730
	}
	if o.interviewers == nil {
		o.interviewers = defaultPanel
	}
	testkit.Must(e.t, e.db.UpsertInterview(ctx, domain.Interview{ID: "iv1", Title: "System Design"}, o.end))
	testkit.Must(e.t, e.db.UpsertApplication(ctx, domain.Application{ID: o.appID, CandidateName: o.candidate,
		RecruiterEmail: "rita@example.com", UpdatedAt: o.end}))
	testkit.Must(e.t, e.db.UpsertSchedule(ctx, domain.Schedule{ID: o.schedID, ApplicationID: o.appID, InterviewPlanID: "plan1",
		InterviewStageID: "st1", Status: domain.StatusWaitingOnFeedback, UpdatedAt: o.end,
		Events: []domain.Event{{ID: "ev-" + o.schedID, InterviewID: "iv1", StartTime: o.end.Add(-time.Hour), EndTime: o.end,
			FeedbackLink: "https://app.ashbyhq.com/interview-briefings/ev-" + o.schedID + "/feedback", Interviewers: o.interviewers}},
	}))
	var rule domain.Rule
	if o.mode != "" {
		if rules, err := e.db.ListRulesForStage(ctx, "plan1", "st1"); err == nil && len(rules) > 0 {
			return rules[0]
		}
		var err error
		rule, err = e.db.CreateRule(ctx, domain.Rule{Name: "panel", InterviewPlanID: "plan1", InterviewStageID: "st1",
			Mode: o.mode, Active: true, Requirements: []domain.Requirement{{InterviewID: "iv1", FieldPath: "score",
				Operator: ">=", Threshold: "3", Required: true}}})
		testkit.Must(e.t, err)
	}
	return rule
}

// run runs the reminder task at t.
func (e *remEnv) run(t time.Time) {
	e.t.Helper()
	e.clock.Set(t)
	if err := e.svc.SendDueReminders(context.Background()); err != nil {
		e.t.Fatalf("reminders at %s: %v", t.Format(time.RFC1123), err)
	}
}

func (e *remEnv) submit(appID, schedID, interviewer string, at time.Time) {
	e.t.Helper()
	_, err := e.db.UpsertFeedback(context.Background(), domain.Feedback{ID: "fb-" + schedID + "-" + interviewer,
		ApplicationID: appID, EventID: "ev-" + schedID, InterviewerID: interviewer, InterviewID: "iv1",
		SubmittedAt: at, Values: json.RawMessage(`{"score":4}`), UpdatedAt: at})
	testkit.Must(e.t, err)
}

// posts returns the chat.postMessage calls to channel ("" = all).
func (e *remEnv) posts(channel string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range e.slack.CallsTo("chat.postMessage") {
		if c.OK() && (channel == "" || c.Params.Get("channel") == channel) {
			out = append(out, c)
		}
	}
	return out
}

func (e *remEnv) reminders(schedID string) []domain.Reminder {
	e.t.Helper()
	rs, err := e.db.RemindersBySchedule(context.Background(), schedID)
	testkit.Must(e.t, err)
	return rs
}

func sqliteStore(t *testing.T) *store.DB {
	db, _ := testkit.OpenSQLite(t)
	return db
}

func TestWorkingTime(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	var p notify.ReminderPolicy // defaults: 09:00-18:00, Mon-Fri, UTC
	tests := []struct {
		name string
		in   time.Time
		loc  *time.Location
		want time.Time
	}{
		{name: "friday evening waits for monday", in: friday1730.Add(2 * time.Hour), want: at(9, 9, 0)},
		{name: "inside hours stays", in: at(10, 10, 15), want: at(10, 10, 15)},
		{name: "early morning waits for nine", in: at(10, 7, 0), want: at(10, 9, 0)},
		{name: "at the end of the day waits", in: at(10, 18, 0), want: at(11, 9, 0)},
		{name: "saturday", in: at(7, 12, 0), want: at(9, 9, 0)},
		{name: "sunday night", in: at(8, 23, 59), want: at(9, 9, 0)},
		// 14:00 UTC Friday is 09:00 in New York (EST, UTC-5).
		{name: "interviewer time zone", in: at(6, 12, 0), loc: ny, want: at(6, 14, 0)},
		// Saturday 00:00 UTC is Friday 19:00 in New York; Monday 09:00 there
		// is 13:00 UTC, daylight saving time having started on Sunday.
		{name: "after hours in new york, across dst", in: at(7, 0, 0), loc: ny, want: at(9, 13, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := p.WorkingTime(tt.in, tt.loc); !got.Equal(tt.want) {
				t.Fatalf("WorkingTime(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
	weekend := notify.ReminderPolicy{Workdays: []time.Weekday{time.Saturday}, WorkStart: 10 * time.Hour, WorkEnd: 12 * time.Hour}
	if got := weekend.WorkingTime(at(9, 11, 0), nil); !got.Equal(at(14, 10, 0)) {
		t.Fatalf("saturday-only policy: %s, want Saturday 14 March 10:00", got)
	}
}

// TestReminderSchedule walks one interview ending Friday 17:30 through its
// reminders, the escalation and the quiet afterwards.
func TestReminderSchedule(t *testing.T) {
	t.Parallel()
	e := newRemEnv(t, sqliteStore(t), remOpts{adminChannel: "CADMIN"})
	e.seed(seedOpts{mode: domain.ModeLive})
	e.submit("app1", "s1", "u2", friday1730.Add(30*time.Minute)) // Alan is done; Grace is not
	steps := []struct {
		at   time.Time
		dms  int // reminder DMs to Grace so far
		recr int // escalations to the recruiter so far
	}{
		{friday1730.Add(2 * time.Hour), 0, 0}, // 19:30 Friday: outside working hours
		{at(7, 12, 0), 0, 0},                  // Saturday
		{at(9, 8, 59), 0, 0},
		{at(9, 9, 0), 1, 0}, // Monday 09:00: the first reminder
		{at(9, 9, 5), 1, 0}, // the next run sends nothing
		{at(9, 17, 0), 1, 0},
		{at(10, 8, 59), 1, 0},
		{at(10, 9, 0), 2, 0}, // 24h later
		{at(11, 9, 0), 3, 0},
		{at(11, 12, 0), 3, 0},
		{at(12, 9, 0), 3, 1}, // after the 3rd: escalate once
		{at(12, 9, 5), 3, 1},
		{at(13, 9, 0), 3, 1},
		{at(16, 9, 0), 3, 1},
	}
	for _, s := range steps {
		e.run(s.at)
		if got := len(e.posts("U1")); got != s.dms {
			t.Fatalf("at %s: %d reminders to Grace, want %d", s.at.Format(time.RFC1123), got, s.dms)
		}
		if got := len(e.posts("UREC")); got != s.recr {
			t.Fatalf("at %s: %d escalations to the recruiter, want %d", s.at.Format(time.RFC1123), got, s.recr)
		}
	}
	if n := len(e.posts("U2")); n != 0 {
		t.Fatalf("Alan (feedback submitted) got %d reminders", n)
	}
	if n := len(e.posts("")); n != 5 {
		t.Fatalf("%d messages in all, want 3 reminders + recruiter + admin channel (shadow and optional interviewers get none)", n)
	}
	esc := e.posts("CADMIN")
	if len(esc) != 1 {
		t.Fatalf("%d escalations to the admin channel, want 1", len(esc))
	}
	for _, c := range []slackfake.Call{esc[0], e.posts("UREC")[0]} {
		body := c.Params.Get("text") + string(c.Blocks)
		for _, want := range []string{"Grace Hopper", "System Design", "Ada Lovelace", "3 reminder"} {
			if !strings.Contains(body, want) {
				t.Errorf("escalation lacks %q: %s", want, body)
			}
		}
		if strings.Contains(body, "Alan") {
			t.Errorf("escalation names Alan, who submitted: %s", body)
		}
	}
	rows := e.reminders("s1")
	var seqs []int
	for _, r := range rows {
		if r.Kind == domain.ReminderKindReminder {
			if r.Status != domain.ReminderSent || r.SlackChannelID == "" || r.SlackMessageTS == "" {
				t.Errorf("reminder row %+v", r)
			}
			seqs = append(seqs, r.Sequence)
		}
	}
	if len(rows) != 4 || len(seqs) != 3 || seqs[0] != 1 || seqs[2] != 3 || rows[3].Kind != domain.ReminderKindEscalation ||
		rows[3].Status != domain.ReminderSent {
		t.Fatalf("rows = %+v", rows)
	}
	if !rows[0].SentAt.Equal(at(9, 9, 0)) || !rows[0].EventEndedAt.Equal(friday1730) {
		t.Fatalf("first reminder sent %s for an event ending %s", rows[0].SentAt, rows[0].EventEndedAt)
	}

	// Feedback after the escalation is still recorded.
	e.submit("app1", "s1", "u1", at(16, 10, 0))
	e.run(at(16, 10, 5))
	for _, r := range e.reminders("s1") {
		if !r.SubmittedAt.Equal(at(16, 10, 0)) {
			t.Fatalf("row %s %d: submitted_at %v, want the submission time", r.Kind, r.Sequence, r.SubmittedAt)
		}
	}
	st, err := e.db.ReminderStats(context.Background(), friday1730)
	testkit.Must(t, err)
	if st.RemindersSent != 3 || st.EscalationsSent != 1 || st.SubmittedAfterReminder != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestReminderStopsWhenFeedbackArrives(t *testing.T) {
	t.Parallel()
	e := newRemEnv(t, sqliteStore(t), remOpts{})
	e.seed(seedOpts{mode: domain.ModeLive})
	e.run(at(9, 9, 0))
	if n := len(e.posts("U1")); n != 1 {
		t.Fatalf("%d first reminders to Grace, want 1", n)
	}
	e.submit("app1", "s1", "u1", at(9, 11, 0))
	for _, ts := range []time.Time{at(9, 12, 0), at(10, 9, 0), at(11, 9, 0), at(12, 9, 0), at(13, 9, 0)} {
		e.run(ts)
	}
	if n := len(e.posts("U1")); n != 1 {
		t.Fatalf("Grace got %d reminders, want no more after her feedback", n)
	}
	if n := len(e.posts("U2")); n != 3 {
		t.Fatalf("Alan got %d reminders, want 3", n)
	}
	if n := len(e.posts("UREC")); n != 1 {
		t.Fatalf("%d escalations, want 1 (for Alan)", n)
	}
	for _, r := range e.reminders("s1") {
		if r.InterviewerID == "u1" && !r.SubmittedAt.Equal(at(9, 11, 0)) {
			t.Fatalf("Grace's reminder submitted_at = %v, want %v", r.SubmittedAt, at(9, 11, 0))
		}
		if r.InterviewerID == "u2" && !r.SubmittedAt.IsZero() {
			t.Fatalf("Alan's reminder marked submitted")
		}
	}
}

// racingStore lands a feedback submission just before the reminder claim,
// as a feedback sync running beside the reminder job would.
type racingStore struct {
	store.Store
	once   sync.Once
	before func()
}

func (r *racingStore) ClaimReminder(ctx context.Context, rem domain.Reminder) (bool, string, error) {
	r.once.Do(r.before)
	return r.Store.ClaimReminder(ctx, rem)
}

func TestReminderRecheckInsideClaim(t *testing.T) {
	t.Parallel()
	db := sqliteStore(t)
	var e *remEnv
	e = newRemEnv(t, db, remOpts{wrap: func(st store.Store) store.Store {
		return &racingStore{Store: st, before: func() {
			e.submit("app1", "s1", "u1", at(9, 8, 59))
			e.submit("app1", "s1", "u2", at(9, 8, 59))
		}}
	}})
	e.seed(seedOpts{mode: domain.ModeLive})
	e.run(at(9, 9, 0))
	if n := len(e.posts("")); n != 0 {
		t.Fatalf("%d messages sent although the feedback arrived before the claim", n)
	}
	rows := e.reminders("s1")
	if len(rows) == 0 {
		t.Fatal("no reminder row recorded")
	}
	for _, r := range rows {
		if r.Status != domain.ReminderSkipped || !r.SubmittedAt.Equal(at(9, 8, 59)) {
			t.Fatalf("row = %+v, want skipped with submitted_at", r)
		}
	}
	e.run(at(10, 9, 0))
	if n := len(e.posts("")); n != 0 {
		t.Fatalf("%d messages sent after the feedback", n)
	}
}

func TestReminderScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mode    string
		dryRun  bool
		policy  notify.ReminderPolicy
		rulePol *store.RulePolicy
		want    int // reminders at Monday 09:00
	}{
		{name: "no matching rule: not aaa's business", mode: "", want: 0},
		{name: "live rule", mode: domain.ModeLive, want: 2},
		{name: "shadow rule still reminds", mode: domain.ModeShadow, want: 2},
		{name: "dry run still reminds", mode: domain.ModeLive, dryRun: true, want: 2},
		{name: "shadow skipped by the global policy", mode: domain.ModeShadow, policy: notify.ReminderPolicy{SkipShadow: true}, want: 0},
		{name: "shadow skipped by the rule's policy", mode: domain.ModeShadow, rulePol: &store.RulePolicy{Enabled: true, SkipShadow: true}, want: 0},
		{name: "rule turns reminders off", mode: domain.ModeLive, rulePol: &store.RulePolicy{Enabled: false}, want: 0},
		{name: "globally disabled", mode: domain.ModeLive, policy: notify.ReminderPolicy{Disabled: true}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newRemEnv(t, sqliteStore(t), remOpts{policy: tt.policy, dryRun: tt.dryRun})
			rule := e.seed(seedOpts{mode: tt.mode})
			if tt.rulePol != nil {
				p := *tt.rulePol
				p.RuleID = rule.ID
				testkit.Must(t, e.db.PutRulePolicy(context.Background(), p))
			}
			e.run(at(9, 9, 0))
			if got := len(e.posts("")); got != tt.want {
				t.Fatalf("%d reminders, want %d", got, tt.want)
			}
		})
	}
}

func TestReminderRuleOverride(t *testing.T) {
	t.Parallel()
	e := newRemEnv(t, sqliteStore(t), remOpts{policy: notify.ReminderPolicy{Workdays: []time.Weekday{
		time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday},
		WorkStart: 1, WorkEnd: 24 * time.Hour}})
	// Grace only.
	rule := e.seed(seedOpts{mode: domain.ModeLive, interviewers: defaultPanel[:1]})
	testkit.Must(t, e.db.PutRulePolicy(context.Background(), store.RulePolicy{RuleID: rule.ID, Enabled: true,
		FirstAfterMinutes: 30, EveryMinutes: 60, MaxReminders: 2}))
	steps := []struct {
		at       time.Time
		dms, esc int
	}{
		{friday1730.Add(29 * time.Minute), 0, 0},
		{friday1730.Add(30 * time.Minute), 1, 0},
		{friday1730.Add(89 * time.Minute), 1, 0},
		{friday1730.Add(90 * time.Minute), 2, 0},
		{friday1730.Add(150 * time.Minute), 2, 1},
		{friday1730.Add(48 * time.Hour), 2, 1},
	}
	for _, s := range steps {
		e.run(s.at)
		if d, x := len(e.posts("U1")), len(e.posts("UREC")); d != s.dms || x != s.esc {
			t.Fatalf("at %s: %d reminders, %d escalations; want %d, %d", s.at, d, x, s.dms, s.esc)
		}
	}
}

// TestReminderContentAndUnknownInterviewer covers two candidates (each DM
// names its own only, with its feedback link) and an interviewer Slack does
// not know (recorded and escalated, not skipped).
func TestReminderContentAndUnknownInterviewer(t *testing.T) {
	t.Parallel()
	e := newRemEnv(t, sqliteStore(t), remOpts{adminChannel: "CADMIN"})
	ghost := domain.Assignment{InterviewerID: "u9", FirstName: "Casper", LastName: "Ghost", Email: "casper@example.com",
		IsEnabled: true, IsFeedbackRequired: true}
	e.seed(seedOpts{mode: domain.ModeLive, candidate: "Ada Lovelace", appID: "app1", schedID: "s1", interviewers: defaultPanel[:1]})
	e.seed(seedOpts{mode: domain.ModeLive, candidate: "Edsger Dijkstra", appID: "app2", schedID: "s2",
		interviewers: []domain.Assignment{defaultPanel[0], ghost}})
	e.run(at(9, 9, 0))

	dms := e.posts("U1")
	if len(dms) != 2 {
		t.Fatalf("Grace got %d reminders, want one per candidate", len(dms))
	}
	seen := map[string]bool{}
	for _, c := range dms {
		body := c.Params.Get("text") + string(c.Blocks)
		var own, other, link string
		switch {
		case strings.Contains(body, "Ada Lovelace"):
			own, other, link = "Ada Lovelace", "Edsger Dijkstra", "https://app.ashbyhq.com/interview-briefings/ev-s1/feedback"
		case strings.Contains(body, "Edsger Dijkstra"):
			own, other, link = "Edsger Dijkstra", "Ada Lovelace", "https://app.ashbyhq.com/interview-briefings/ev-s2/feedback"
		default:
			t.Fatalf("reminder names no candidate: %s", body)
		}
		seen[own] = true
		if strings.Contains(body, other) || strings.Contains(body, "app1") && own != "Ada Lovelace" {
			t.Errorf("reminder about %s mentions %s: %s", own, other, body)
		}
		var blocks []map[string]any
		if err := json.Unmarshal(c.Blocks, &blocks); err != nil {
			t.Fatal(err)
		}
		if !hasURLButton(blocks, link) {
			t.Errorf("reminder about %s has no button to %s: %s", own, link, c.Blocks)
		}
		for _, want := range []string{"System Design", "!date^"} {
			if !strings.Contains(body, want) {
				t.Errorf("reminder lacks %q", want)
			}
		}
	}
	if len(seen) != 2 {
		t.Fatalf("candidates reminded about: %v", seen)
	}

	var ghostRow *domain.Reminder
	for _, r := range e.reminders("s2") {
		if r.InterviewerID == "u9" && r.Kind == domain.ReminderKindReminder {
			ghostRow = &r
		}
	}
	if ghostRow == nil || ghostRow.Status != domain.ReminderNoSlackUser {
		t.Fatalf("unknown interviewer's reminder row = %+v, want status no_slack_user", ghostRow)
	}
	for _, ch := range []string{"UREC", "CADMIN"} {
		esc := e.posts(ch)
		if len(esc) != 1 {
			t.Fatalf("%d escalations to %s, want 1 (for the interviewer Slack does not know)", len(esc), ch)
		}
		body := esc[0].Params.Get("text") + string(esc[0].Blocks)
		if !strings.Contains(body, "Casper Ghost") || !strings.Contains(body, "not found in Slack") || !strings.Contains(body, "Edsger Dijkstra") {
			t.Errorf("escalation does not report the unknown interviewer: %s", body)
		}
		if strings.Contains(body, "Grace") || strings.Contains(body, "Ada Lovelace") {
			t.Errorf("escalation names people it is not about: %s", body)
		}
		// Issue 17: ids are for admins, in a code span, never a field a
		// person reads as a name.
		if strings.Contains(body, "*Application*") || strings.Contains(body, "*Schedule*") ||
			!strings.Contains(body, "`app2`") || !strings.Contains(body, "`s2`") {
			t.Errorf("escalation shows ids as fields rather than in code spans: %s", body)
		}
	}
	e.run(at(10, 9, 0))
	if n := len(e.posts("UREC")); n != 1 {
		t.Fatalf("unknown interviewer escalated %d times, want once", n)
	}
}

func hasURLButton(v any, link string) bool {
	switch x := v.(type) {
	case map[string]any:
		if x["type"] == "button" && x["url"] == link {
			return true
		}
		for _, c := range x {
			if hasURLButton(c, link) {
				return true
			}
		}
	case []any:
		for _, c := range x {
			if hasURLButton(c, link) {
				return true
			}
		}
	case []map[string]any:
		for _, c := range x {
			if hasURLButton(c, link) {
				return true
			}
		}
	}
	return false
}

// TestRemindersTwoInstances runs two Services over two connections to one
// database, both calling the reminder task at once: each reminder and the
// escalation go out once.
func TestRemindersTwoInstances(t *testing.T) {
	t.Parallel()
	type backend struct {
		name string
		open func(t *testing.T) (*store.DB, *store.DB)
	}
	backends := []backend{{name: "sqlite", open: func(t *testing.T) (*store.DB, *store.DB) {
		a, dsn := testkit.OpenSQLite(t)
		b, err := sqlite.Open(strings.TrimPrefix(dsn, "sqlite:"))
		testkit.Must(t, err)
		t.Cleanup(func() { b.Close() })
		return a, b
	}}}
	if testkit.PostgresURL(t) != "" {
		backends = append(backends, backend{name: "postgres", open: func(t *testing.T) (*store.DB, *store.DB) {
			u := testkit.NewPostgresSchema(t)
			var dbs [2]*store.DB
			for i := range dbs {
				db, _, err := postgres.Open(context.Background(), u)
				testkit.Must(t, err)
				t.Cleanup(func() { db.Close() })
				dbs[i] = db
			}
			_, err := dbs[0].Migrate(context.Background())
			testkit.Must(t, err)
			return dbs[0], dbs[1]
		}})
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			one, two := b.open(t)
			e := newRemEnv(t, one, remOpts{adminChannel: "CADMIN"})
			for i, cand := range []string{"Ada Lovelace", "Edsger Dijkstra", "Barbara Liskov"} {
				id := string(rune('1' + i))
				e.seed(seedOpts{mode: domain.ModeLive, candidate: cand, appID: "app" + id, schedID: "s" + id})
			}
			other := newReminderService(two, e.slack, e.clock, remOpts{adminChannel: "CADMIN"})
			svcs := []*notify.Service{e.svc, other, e.svc, other}
			for _, ts := range []time.Time{at(9, 9, 0), at(9, 9, 1), at(10, 9, 0), at(11, 9, 0), at(12, 9, 0), at(13, 9, 0)} {
				e.clock.Set(ts)
				var wg sync.WaitGroup
				for _, svc := range svcs {
					wg.Go(func() {
						if err := svc.SendDueReminders(context.Background()); err != nil {
							t.Error(err)
						}
					})
				}
				wg.Wait()
			}
			// 3 schedules x 2 interviewers x 3 reminders; one escalation per
			// schedule to the recruiter and to the admin channel.
			for _, u := range []string{"U1", "U2"} {
				if n := len(e.posts(u)); n != 9 {
					t.Errorf("%s got %d reminders, want 9 (3 per candidate)", u, n)
				}
			}
			for _, ch := range []string{"UREC", "CADMIN"} {
				if n := len(e.posts(ch)); n < 3 {
					t.Errorf("%s got %d escalations, want one per candidate", ch, n)
				}
			}
			// No interviewer is escalated twice, whichever instance claimed it.
			for _, s := range []string{"s1", "s2", "s3"} {
				esc := 0
				for _, r := range e.reminders(s) {
					if r.Kind == domain.ReminderKindEscalation {
						esc++
						if r.Status != domain.ReminderSent {
							t.Errorf("escalation row %+v", r)
						}
					}
				}
				if esc != 2 {
					t.Errorf("schedule %s: %d escalation rows, want 2 (one per interviewer)", s, esc)
				}
			}
			seen := map[string]bool{}
			for _, c := range append(e.posts("U1"), e.posts("U2")...) {
				key := c.Params.Get("channel") + "|" + c.Params.Get("text") + "|" + string(c.Blocks)
				if seen[key] {
					t.Errorf("duplicate DM: %s", c.Params.Get("text"))
				}
				seen[key] = true
			}
		})
	}
}

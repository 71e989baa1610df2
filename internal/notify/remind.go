package notify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/slack-go/slack"
)

// Feedback reminders (issue 11).
//
// Who owes feedback is engine.Expected: shadows and assignments with
// isFeedbackRequired=false never get a reminder. Only schedules that a rule
// governs are reminded: a schedule whose (job, plan, stage) matches no active
// rule (engine.Match) is not aaa's business and gets no reminder. Shadow-mode
// rules (and ADVANCEMENT_DRY_RUN_MODE) still get reminders unless the policy
// sets SkipShadow. Schedules that are cancelled or already decided
// (advance, reject) get none.
//
// Timing, per interviewer and event: reminder 1 falls due FirstAfter after
// the event ended, reminder n+1 Every after reminder n was sent, each moved
// forward to the next working time (WorkStart-WorkEnd on Workdays) in the
// interviewer's time zone, else the policy's Location. After Max reminders,
// and Every later, the interviewer is escalated once to the application's
// recruiter (Slack DM) and the admin channel when configured. An interviewer
// aaa cannot find in Slack is recorded (status no_slack_user) and escalated
// at once instead of being skipped.
//
// Exactly-once: every reminder is a feedback_reminders_sent row, unique on
// (event, interviewer, kind, sequence), inserted (claimed) before Slack is
// called. Two instances, a retried job or a restart find the claim and send
// nothing. Just after the claim the feedback is read again, so a submission
// synced meanwhile cancels the reminder (status skipped). A worker that dies
// between claim and post leaves a pending row: that reminder is never sent
// (at most once, never twice).

// Reminder defaults (REMINDER_* settings).
const (
	DefaultReminderFirstAfter = 2 * time.Hour
	DefaultReminderEvery      = 24 * time.Hour
	DefaultReminderMax        = 3
	DefaultReminderWorkStart  = 9 * time.Hour
	DefaultReminderWorkEnd    = 18 * time.Hour
)

// reminderLookback bounds how long after an interview ended the job still
// looks at it.
const reminderLookback = 30 * 24 * time.Hour

// ReminderPolicy is the global feedback reminder policy; a rule may override
// FirstAfter, Every, Max, SkipShadow and turn reminders off through its
// reminder_policies row. Zero fields take the defaults.
type ReminderPolicy struct {
	// Disabled turns reminders off everywhere.
	Disabled bool
	// FirstAfter is the delay from the interview's end to the first
	// reminder (default 2h).
	FirstAfter time.Duration
	// Every is the delay between reminders, and from the last reminder to
	// the escalation (default 24h).
	Every time.Duration
	// Max is the number of reminders before the escalation (default 3).
	Max int
	// WorkStart and WorkEnd bound the working day as offsets from local
	// midnight (default 09:00-18:00); a reminder falling outside waits for
	// the next working time.
	WorkStart, WorkEnd time.Duration
	// Workdays are the working days (default Monday to Friday).
	Workdays []time.Weekday
	// Location is the organisation's time zone (default UTC).
	Location *time.Location
	// InterviewerLocation returns an interviewer's own time zone when it is
	// known (nil: use Location). Ashby's API does not expose users' time
	// zones today, so cmd/aaa leaves it nil.
	InterviewerLocation func(domain.Assignment) *time.Location
	// SkipShadow stops reminders for schedules of shadow-mode rules.
	SkipShadow bool
}

// withDefaults fills zero fields.
func (p ReminderPolicy) withDefaults() ReminderPolicy {
	if p.FirstAfter <= 0 {
		p.FirstAfter = DefaultReminderFirstAfter
	}
	if p.Every <= 0 {
		p.Every = DefaultReminderEvery
	}
	if p.Max <= 0 {
		p.Max = DefaultReminderMax
	}
	if p.WorkStart == 0 && p.WorkEnd == 0 {
		p.WorkStart, p.WorkEnd = DefaultReminderWorkStart, DefaultReminderWorkEnd
	}
	if len(p.Workdays) == 0 {
		p.Workdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	if p.Location == nil {
		p.Location = time.UTC
	}
	return p
}

// WorkingTime returns t if it falls in working hours in loc, else the start
// of the next working window. A policy with no usable window (no workdays,
// or WorkEnd not after WorkStart) returns t. Zero fields take the defaults.
func (p ReminderPolicy) WorkingTime(t time.Time, loc *time.Location) time.Time {
	p = p.withDefaults()
	if loc == nil {
		loc = p.Location
	}
	if p.WorkEnd <= p.WorkStart {
		return t
	}
	lt := t.In(loc)
	for range 8 {
		y, m, d := lt.Date()
		if slices.Contains(p.Workdays, lt.Weekday()) {
			start := clockOn(y, m, d, p.WorkStart, loc)
			end := clockOn(y, m, d, p.WorkEnd, loc)
			if lt.Before(start) {
				return start
			}
			if lt.Before(end) {
				return t
			}
		}
		lt = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	return t
}

// clockOn is the wall-clock time of day off on the given date (DST-safe).
func clockOn(y int, m time.Month, d int, off time.Duration, loc *time.Location) time.Time {
	mins := int(off / time.Minute)
	return time.Date(y, m, d, mins/60, mins%60, 0, 0, loc)
}

// location is the time zone the interviewer's working hours are read in.
func (p ReminderPolicy) location(a domain.Assignment) *time.Location {
	if p.InterviewerLocation != nil {
		if loc := p.InterviewerLocation(a); loc != nil {
			return loc
		}
	}
	return p.Location
}

// reminderPolicy is the global policy with the rule's override applied.
func (s *Service) reminderPolicy(ctx context.Context, rule domain.Rule) (ReminderPolicy, error) {
	p := s.opts.Reminders.withDefaults()
	rp, err := s.st.GetRulePolicy(ctx, rule.ID)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return p, nil
	case err != nil:
		return p, err
	}
	if !rp.Enabled {
		p.Disabled = true
	}
	if rp.FirstAfterMinutes > 0 {
		p.FirstAfter = time.Duration(rp.FirstAfterMinutes) * time.Minute
	}
	if rp.EveryMinutes > 0 {
		p.Every = time.Duration(rp.EveryMinutes) * time.Minute
	}
	if rp.MaxReminders > 0 {
		p.Max = rp.MaxReminders
	}
	p.SkipShadow = p.SkipShadow || rp.SkipShadow
	return p, nil
}

// SendDueReminders sends every feedback reminder and escalation that has
// fallen due (the send_due_reminders periodic task), and records the
// feedback that arrived for earlier reminders. It is safe to run
// concurrently on several instances. Without Slack it does nothing. The
// rules (who, when, exactly-once) are described at the top of remind.go.
func (s *Service) SendDueReminders(ctx context.Context) error {
	if s.slack == nil {
		s.log.DebugContext(ctx, "feedback_reminders_skipped_slack_not_configured")
		return nil
	}
	now := s.now()
	ids, err := s.st.ListReminderSchedules(ctx, store.ReminderScan{EndedAfter: now.Add(-reminderLookback), EndedBefore: now})
	if err != nil {
		return err
	}
	s.log.DebugContext(ctx, "feedback_reminders_started", "schedules", len(ids))
	var errs []error
	var total reminderTally
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		t, err := s.remindSchedule(ctx, id)
		total.add(t)
		if err != nil {
			s.log.WarnContext(ctx, "feedback_reminders_failed", "schedule_id", id, "error", err.Error())
			errs = append(errs, fmt.Errorf("remind schedule %s: %w", id, err))
		}
	}
	if total != (reminderTally{}) {
		s.log.InfoContext(ctx, "feedback_reminders_finished", "schedules", len(ids), "sent", total.sent,
			"failed", total.failed, "no_slack_user", total.noSlackUser, "escalated", total.escalated, "skipped", total.skipped)
	}
	return errors.Join(errs...)
}

// reminderTally counts what one run did.
type reminderTally struct{ sent, failed, noSlackUser, escalated, skipped int }

func (t *reminderTally) add(o reminderTally) {
	t.sent += o.sent
	t.failed += o.failed
	t.noSlackUser += o.noSlackUser
	t.escalated += o.escalated
	t.skipped += o.skipped
}

func (t *reminderTally) count(status string) {
	switch status {
	case domain.ReminderSent:
		t.sent++
	case domain.ReminderFailed:
		t.failed++
	case domain.ReminderNoSlackUser:
		t.noSlackUser++
	case domain.ReminderSkipped:
		t.skipped++
	}
}

type seatKey struct{ interview, interviewer string }
type slotKey struct{ event, interviewer string }

// reminderHistory is what was already sent to one interviewer for one event.
type reminderHistory struct {
	reminders []domain.Reminder // by sequence
	escalated bool
}

// remindCase is one piece of owed feedback with what the messages show.
type remindCase struct {
	owed    engine.Owed
	event   domain.Event
	sent    int // reminders posted so far
	noSlack bool
}

// remindSchedule handles one schedule: records submissions, then sends the
// reminders and the escalation that are due.
func (s *Service) remindSchedule(ctx context.Context, scheduleID string) (reminderTally, error) {
	var tally reminderTally
	sched, owed, err := s.owedFeedback(ctx, scheduleID)
	if errors.Is(err, domain.ErrNotFound) {
		return tally, nil
	}
	if err != nil {
		return tally, err
	}
	history, err := s.st.RemindersBySchedule(ctx, scheduleID)
	if err != nil {
		return tally, err
	}
	if err := s.recordSubmissions(ctx, sched.ID, owed, history); err != nil {
		return tally, err
	}
	if sched.Cancelled || sched.LastOutcome == domain.OutcomeAdvance || sched.LastOutcome == domain.OutcomeReject {
		return tally, nil
	}
	rule, ok, err := s.reminderRule(ctx, sched)
	if err != nil || !ok {
		return tally, err
	}
	pol, err := s.reminderPolicy(ctx, rule)
	if err != nil {
		return tally, err
	}
	mode := rule.Mode
	if s.opts.DryRun {
		mode = domain.ModeShadow
	}
	if pol.Disabled || (mode == domain.ModeShadow && pol.SkipShadow) {
		return tally, nil
	}

	slots := map[slotKey]*reminderHistory{}
	for _, r := range history {
		k := slotKey{r.EventID, r.InterviewerID}
		h := slots[k]
		if h == nil {
			h = &reminderHistory{}
			slots[k] = h
		}
		if r.Kind == domain.ReminderKindEscalation {
			h.escalated = true
		} else {
			h.reminders = append(h.reminders, r)
		}
	}
	events := map[string]domain.Event{}
	for _, e := range sched.Events {
		events[e.ID] = e
	}
	info := &reminderInfo{}
	var escalate []remindCase
	var errs []error
	for _, o := range owed {
		if o.Submitted || o.EventEnd.IsZero() || o.EventEnd.After(s.now()) {
			continue
		}
		h := slots[slotKey{o.EventID, o.Interviewer.InterviewerID}]
		if h == nil {
			h = &reminderHistory{}
		}
		if h.escalated {
			continue
		}
		c := remindCase{owed: o, event: events[o.EventID]}
		for _, r := range h.reminders {
			if r.Status == domain.ReminderSent {
				c.sent++
			}
		}
		n := len(h.reminders)
		if n > 0 && h.reminders[n-1].Status == domain.ReminderNoSlackUser {
			c.noSlack = true
			escalate = append(escalate, c)
			continue
		}
		from := o.EventEnd.Add(pol.FirstAfter)
		if n > 0 {
			from = h.reminders[n-1].SentAt.Add(pol.Every)
		}
		if s.now().Before(pol.WorkingTime(from, pol.location(o.Interviewer))) {
			continue
		}
		if n >= pol.Max {
			escalate = append(escalate, c)
			continue
		}
		status, err := s.sendReminder(ctx, sched, rule, c, n+1, pol, info)
		tally.count(status)
		if err != nil {
			errs = append(errs, err)
		}
		if status == domain.ReminderNoSlackUser {
			c.noSlack = true
			escalate = append(escalate, c)
		}
	}
	if len(escalate) > 0 {
		n, err := s.escalateReminders(ctx, sched, rule, escalate, pol, info)
		tally.escalated += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return tally, errors.Join(errs...)
}

// owedFeedback reads a schedule and who owes feedback for it.
func (s *Service) owedFeedback(ctx context.Context, scheduleID string) (domain.Schedule, []engine.Owed, error) {
	sched, err := s.st.GetSchedule(ctx, scheduleID)
	if err != nil {
		return domain.Schedule{}, nil, err
	}
	fb, err := s.st.ListFeedbackByApplication(ctx, sched.ApplicationID)
	if err != nil {
		return domain.Schedule{}, nil, err
	}
	return sched, engine.Expected(sched, fb), nil
}

// recordSubmissions sets submitted_at on the reminders whose feedback has
// arrived (at Ashby's submission time).
func (s *Service) recordSubmissions(ctx context.Context, scheduleID string, owed []engine.Owed, history []domain.Reminder) error {
	open := map[seatKey]bool{}
	for _, r := range history {
		if r.SubmittedAt.IsZero() {
			open[seatKey{r.InterviewID, r.InterviewerID}] = true
		}
	}
	for _, o := range owed {
		if !o.Submitted || !open[seatKey{o.InterviewID, o.Interviewer.InterviewerID}] {
			continue
		}
		at := o.SubmittedAt
		if at.IsZero() {
			at = s.now()
		}
		if _, err := s.st.MarkRemindersSubmitted(ctx, store.ReminderSubmission{ScheduleID: scheduleID,
			InterviewID: o.InterviewID, InterviewerID: o.Interviewer.InterviewerID, SubmittedAt: at, At: s.now()}); err != nil {
			return err
		}
	}
	return nil
}

// reminderRule is the active rule governing the schedule, if any.
func (s *Service) reminderRule(ctx context.Context, sched domain.Schedule) (domain.Rule, bool, error) {
	if sched.InterviewPlanID == "" || sched.InterviewStageID == "" {
		return domain.Rule{}, false, nil
	}
	rules, err := s.st.ListRulesForStage(ctx, sched.InterviewPlanID, sched.InterviewStageID)
	if err != nil {
		return domain.Rule{}, false, err
	}
	r, ok := engine.Match(rules, sched.JobID, sched.InterviewPlanID, sched.InterviewStageID)
	return r, ok, nil
}

// stillOwed re-reads the feedback: it reports whether o is still owed, and
// when it was submitted if not.
func (s *Service) stillOwed(ctx context.Context, scheduleID string, o engine.Owed) (bool, time.Time, error) {
	sched, owed, err := s.owedFeedback(ctx, scheduleID)
	if err != nil {
		return false, time.Time{}, err
	}
	if sched.Cancelled {
		return false, time.Time{}, nil
	}
	for _, x := range owed {
		if x.InterviewID == o.InterviewID && x.Interviewer.InterviewerID == o.Interviewer.InterviewerID {
			if x.Submitted {
				return false, x.SubmittedAt, nil
			}
			return true, time.Time{}, nil
		}
	}
	return false, time.Time{}, nil // no longer expected
}

// slackUserID finds an interviewer's Slack id by email: the synced
// directory first, then users.lookupByEmail. domain.ErrNotFound means Slack
// has nobody with that email.
func (s *Service) slackUserID(ctx context.Context, email string) (string, error) {
	if email == "" {
		return "", fmt.Errorf("no email: %w", domain.ErrNotFound)
	}
	u, err := s.st.GetSlackUserByEmail(ctx, email)
	if err == nil {
		return u.ID, nil
	}
	if !errors.Is(err, domain.ErrNotFound) {
		return "", err
	}
	su, err := s.slack.LookupUserByEmail(ctx, email)
	if err != nil {
		return "", err
	}
	if err := s.st.UpsertSlackUser(ctx, domain.SlackUser{ID: su.ID, Email: su.Email, RealName: su.RealName,
		DisplayName: su.DisplayName}, s.now()); err != nil {
		s.log.WarnContext(ctx, "slack_user_cache_failed", "error", err.Error())
	}
	return su.ID, nil
}

// reminderInfo caches, per schedule, the names the messages show.
type reminderInfo struct {
	loaded     bool
	candidate  string
	recruiter  string // email
	jobTitle   string
	interviews map[string]string
}

func (s *Service) loadReminderInfo(ctx context.Context, sched domain.Schedule, info *reminderInfo) {
	if info.loaded {
		return
	}
	info.loaded = true
	info.interviews = map[string]string{}
	app, err := s.st.GetApplication(ctx, sched.ApplicationID)
	if (err != nil || app.CandidateName == "" || app.RecruiterEmail == "") && s.catalog.Configured() {
		if a, rerr := s.catalog.Application(ctx, sched.ApplicationID); rerr == nil {
			app.CandidateName, app.JobID = a.Candidate.Name, a.Job.ID
			if r, ok := a.Recruiter(); ok {
				app.RecruiterEmail = r.Email
			}
			info.jobTitle = a.Job.Title
		}
	}
	info.candidate, info.recruiter = app.CandidateName, app.RecruiterEmail
	if info.candidate == "" {
		info.candidate = "a candidate"
	}
	jobID := app.JobID
	if jobID == "" {
		jobID = sched.JobID
	}
	if info.jobTitle == "" && jobID != "" {
		if j, err := s.st.GetJob(ctx, jobID); err == nil {
			info.jobTitle = j.Title
		}
	}
}

func (s *Service) interviewTitle(ctx context.Context, info *reminderInfo, id string) string {
	if t, ok := info.interviews[id]; ok {
		return t
	}
	t := "Interview"
	if iv, err := s.st.GetInterview(ctx, id); err == nil && iv.Title != "" {
		t = iv.Title
	}
	info.interviews[id] = t
	return t
}

// sendReminder claims reminder seq of c and posts it; it returns the
// reminder's status ("" when nothing was claimed).
func (s *Service) sendReminder(ctx context.Context, sched domain.Schedule, rule domain.Rule, c remindCase, seq int,
	pol ReminderPolicy, info *reminderInfo) (string, error) {
	a := c.owed.Interviewer
	log := s.log.With("schedule_id", sched.ID, "application_id", sched.ApplicationID, "event_id", c.owed.EventID,
		"interviewer_id", a.InterviewerID, "sequence", seq)
	status := domain.ReminderPending
	userID, err := s.slackUserID(ctx, a.Email)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		status = domain.ReminderNoSlackUser
	case err != nil:
		// Slack or the store failed: claim nothing, try again next run.
		return "", fmt.Errorf("find slack user of interviewer %s: %w", a.InterviewerID, err)
	}
	r := domain.Reminder{EventID: c.owed.EventID, InterviewerID: a.InterviewerID, InterviewID: c.owed.InterviewID,
		ScheduleID: sched.ID, ApplicationID: sched.ApplicationID, RuleID: rule.ID, Kind: domain.ReminderKindReminder,
		Sequence: seq, InterviewerEmail: a.Email, SlackUserID: userID, Status: status,
		EventEndedAt: c.owed.EventEnd, SentAt: s.now()}
	if status == domain.ReminderNoSlackUser {
		r.Error = "no Slack user with the interviewer's Ashby email"
	}
	claimed, id, err := s.st.ClaimReminder(ctx, r)
	if err != nil || !claimed {
		return "", err
	}
	if status == domain.ReminderNoSlackUser {
		log.WarnContext(ctx, "feedback_reminder_no_slack_user")
		return status, nil
	}
	finish := func(u store.ReminderUpdate) error {
		u.ID, u.At = id, s.now()
		return s.st.UpdateReminder(ctx, u)
	}
	// Inside the claim: the feedback may have been synced since we looked.
	owed, submittedAt, err := s.stillOwed(ctx, sched.ID, c.owed)
	if err != nil {
		return domain.ReminderFailed, errors.Join(err, finish(store.ReminderUpdate{Status: domain.ReminderFailed, Error: err.Error()}))
	}
	if !owed {
		log.InfoContext(ctx, "feedback_reminder_skipped", "reason", "feedback arrived or no longer expected")
		return domain.ReminderSkipped, finish(store.ReminderUpdate{Status: domain.ReminderSkipped, SubmittedAt: submittedAt})
	}
	s.loadReminderInfo(ctx, sched, info)
	text, blocks := reminderMessage(reminderNotice{
		FirstName: a.FirstName, Candidate: info.candidate, JobTitle: info.jobTitle,
		Interview: s.interviewTitle(ctx, info, c.owed.InterviewID), EndedAt: c.owed.EventEnd,
		FeedbackLink: c.event.FeedbackLink, Sequence: seq, Max: pol.Max,
	})
	ch, ts, perr := s.slack.PostMessage(ctx, userID, text, blocks)
	if perr != nil {
		log.ErrorContext(ctx, "feedback_reminder_failed", "error", perr.Error())
		return domain.ReminderFailed, finish(store.ReminderUpdate{Status: domain.ReminderFailed, Error: perr.Error()})
	}
	log.InfoContext(ctx, "feedback_reminder_sent", "channel", ch)
	return domain.ReminderSent, finish(store.ReminderUpdate{Status: domain.ReminderSent, SlackChannelID: ch, SlackMessageTS: ts})
}

// escalateReminders claims the escalation of each case and sends one
// message naming them to the recruiter and the admin channel. It returns how
// many interviewers were escalated.
func (s *Service) escalateReminders(ctx context.Context, sched domain.Schedule, rule domain.Rule, cases []remindCase,
	pol ReminderPolicy, info *reminderInfo) (int, error) {
	_, owed, err := s.owedFeedback(ctx, sched.ID)
	if err != nil {
		return 0, err
	}
	still := map[seatKey]bool{}
	for _, o := range owed {
		if !o.Submitted {
			still[seatKey{o.InterviewID, o.Interviewer.InterviewerID}] = true
		}
	}
	type claim struct {
		remindCase
		id string
	}
	var claims []claim
	for _, c := range cases {
		if !still[seatKey{c.owed.InterviewID, c.owed.Interviewer.InterviewerID}] {
			continue
		}
		ok, id, err := s.st.ClaimReminder(ctx, domain.Reminder{EventID: c.owed.EventID,
			InterviewerID: c.owed.Interviewer.InterviewerID, InterviewID: c.owed.InterviewID, ScheduleID: sched.ID,
			ApplicationID: sched.ApplicationID, RuleID: rule.ID, Kind: domain.ReminderKindEscalation, Sequence: 1,
			InterviewerEmail: c.owed.Interviewer.Email, Status: domain.ReminderPending, EventEndedAt: c.owed.EventEnd,
			SentAt: s.now()})
		if err != nil {
			return 0, err
		}
		if ok {
			claims = append(claims, claim{c, id})
		}
	}
	if len(claims) == 0 {
		return 0, nil
	}
	s.loadReminderInfo(ctx, sched, info)
	var lines []string
	for _, c := range claims {
		a := c.owed.Interviewer
		who := a.Name()
		if a.Email != "" && a.Email != who {
			who += " (" + a.Email + ")"
		}
		ended := c.owed.EventEnd.In(pol.Location).Format("Mon 2 Jan 15:04 MST")
		why := fmt.Sprintf("%d reminder(s) sent, no feedback yet", c.sent)
		if c.noSlack {
			why = "not found in Slack, so no reminder could be sent"
		}
		lines = append(lines, fmt.Sprintf("• %s: %s (ended %s): %s", who, s.interviewTitle(ctx, info, c.owed.InterviewID), ended, why))
	}
	alert := slackapp.Alert{Kind: slackapp.AlertReminderEscalation,
		Title:  "Feedback still owed for " + info.candidate,
		Detail: strings.Join(lines, "\n"),
		Fields: map[string]string{"Candidate": info.candidate, "Job": info.jobTitle, "Rule": rule.Name},
		IDs:    map[string]string{"Application": sched.ApplicationID, "Schedule": sched.ID, "Rule": rule.ID}}
	text, blocks := slackapp.AlertMessage(alert)

	var targets []string
	var errs []string
	if info.recruiter != "" {
		id, err := s.slackUserID(ctx, info.recruiter)
		switch {
		case err == nil:
			targets = append(targets, id)
		case errors.Is(err, domain.ErrNotFound):
			errs = append(errs, "recruiter not found in Slack")
		default:
			errs = append(errs, "find recruiter in Slack: "+err.Error())
		}
	} else {
		errs = append(errs, "application has no recruiter")
	}
	if s.opts.AdminChannel != "" {
		targets = append(targets, s.opts.AdminChannel)
	}
	var channel, ts string
	for _, t := range targets {
		ch, mts, err := s.slack.PostMessage(ctx, t, text, blocks)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if channel == "" {
			channel, ts = ch, mts
		}
	}
	status := domain.ReminderSent
	if channel == "" {
		status = domain.ReminderFailed
		if len(targets) == 0 {
			errs = append(errs, "ADMIN_SLACK_CHANNEL_ID is not set")
		}
	}
	log := s.log.With("schedule_id", sched.ID, "application_id", sched.ApplicationID, "interviewers", len(claims))
	if status == domain.ReminderSent {
		log.InfoContext(ctx, "feedback_reminder_escalated", "channel", channel)
	} else {
		log.ErrorContext(ctx, "feedback_reminder_escalation_failed", "error", strings.Join(errs, "; "))
	}
	var uerrs []error
	for _, c := range claims {
		uerrs = append(uerrs, s.st.UpdateReminder(ctx, store.ReminderUpdate{ID: c.id, Status: status,
			Error: strings.Join(errs, "; "), SlackChannelID: channel, SlackMessageTS: ts, At: s.now()}))
	}
	if status != domain.ReminderSent {
		return 0, errors.Join(uerrs...)
	}
	return len(claims), errors.Join(uerrs...)
}

// reminderNotice is what a reminder DM shows: one candidate only.
type reminderNotice struct {
	FirstName    string
	Candidate    string
	JobTitle     string
	Interview    string
	EndedAt      time.Time
	FeedbackLink string
	Sequence     int
	Max          int
}

// ActionOpenFeedback is the action id of the reminder's URL button (Slack
// opens the link; aaa needs no handling).
const ActionOpenFeedback = "open_feedback_link"

// reminderMessage builds the reminder DM: the candidate, the interview, when
// it ended and a button to the event's feedback form in Ashby.
func reminderMessage(n reminderNotice) (string, []slack.Block) {
	text := fmt.Sprintf("Reminder: your feedback on %s (%s) is still missing", n.Candidate, n.Interview)
	greeting := "Hi"
	if n.FirstName != "" {
		greeting += " " + mrkdwnEscape(n.FirstName)
	}
	body := fmt.Sprintf("%s, your interview feedback on *%s* is still missing.\n*Interview:* %s",
		greeting, mrkdwnEscape(n.Candidate), mrkdwnEscape(n.Interview))
	if n.JobTitle != "" {
		body += "\n*Job:* " + mrkdwnEscape(n.JobTitle)
	}
	body += fmt.Sprintf("\n*Ended:* <!date^%d^{date_short_pretty} at {time}|%s>", n.EndedAt.Unix(), n.EndedAt.UTC().Format(time.RFC3339))
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "📝 Feedback reminder", true, false)),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, body, false, false), nil, nil),
	}
	if link, ok := httpURL(n.FeedbackLink); ok {
		btn := slack.NewButtonBlockElement(ActionOpenFeedback, "",
			slack.NewTextBlockObject(slack.PlainTextType, "Submit feedback in Ashby", true, false)).
			WithURL(link).WithStyle(slack.StylePrimary)
		blocks = append(blocks, slack.NewActionBlock("feedback_reminder_actions", btn))
	} else {
		body += "\nOpen the interview in Ashby to submit it."
		blocks[1] = slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, body, false, false), nil, nil)
	}
	blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
		fmt.Sprintf("Reminder %d of %d from aaa · after the last one the recruiter is told who still owes feedback", n.Sequence, n.Max), false, false)))
	return mrkdwnEscape(text), blocks
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func mrkdwnEscape(s string) string { return mrkdwnEscaper.Replace(s) }

// httpURL returns link when it is an absolute http(s) URL.
func httpURL(link string) (string, bool) {
	u, err := url.Parse(link)
	if link == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return u.String(), true
}

package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/slack-go/slack"
)

// Notification kinds.
const (
	KindRejection = "rejection"
	KindTimeout   = "timeout_alert"
	KindAlert     = "admin_alert"
	// KindAdvance is the recruiter's message about an advance, with its
	// Undo button (rules with notify_on_advance).
	KindAdvance = "advance_notice"
)

// NotifyDecision sends the Slack notice of a recorded decision: the
// rejection review (with its Archive button, or marked dry run) or the
// timeout alert. Without Slack the notice is stored for the admin API and
// dashboard. Sending twice is avoided by the notification row.
func (s *Service) NotifyDecision(ctx context.Context, executionID string, final bool) error {
	e, err := s.st.GetExecution(ctx, executionID)
	if err != nil {
		return err
	}
	existing, err := s.st.ListNotifications(ctx, e.ID, 10)
	if err != nil {
		return err
	}
	for _, n := range existing {
		if n.Kind != KindAlert && (n.Status == domain.NotificationSent || n.Status == domain.NotificationStored) {
			return nil // already delivered
		}
	}
	switch e.Outcome {
	case domain.OutcomeReject:
		return s.notifyRejection(ctx, e, final)
	case domain.OutcomeAdvance:
		return s.notifyAdvance(ctx, e, final)
	case domain.OutcomeTimeout:
		return s.sendAlert(ctx, e.ID, KindTimeout, s.timeoutAlert(ctx, e), final)
	}
	return nil
}

func (s *Service) notifyRejection(ctx context.Context, e domain.Execution, final bool) error {
	notice, recruiterEmail, err := s.rejectionNotice(ctx, e)
	if err != nil && !final {
		return err
	}
	text, blocks, _ := s.rejectionBlocks(ctx, e, notice)
	return s.postNotice(ctx, e, KindRejection, text, blocks, recruiterEmail, final)
}

// postNotice posts a decision's notice to its recruiter (else the admin
// channel) and records it. Without Slack the notice is stored only.
func (s *Service) postNotice(ctx context.Context, e domain.Execution, kind, text string, blocks []slack.Block, recruiterEmail string, final bool) error {
	n := domain.Notification{ExecutionID: e.ID, Kind: kind, Text: text, CreatedAt: s.now()}
	if s.slack == nil {
		n.Status = domain.NotificationStored
		_, err := s.st.InsertNotification(ctx, n)
		return err
	}
	channel, rerr := s.recipient(ctx, recruiterEmail)
	if rerr != nil && !final {
		return rerr
	}
	if channel == "" {
		n.Status, n.Error = domain.NotificationFailed, "no recruiter found in Slack and ADMIN_SLACK_CHANNEL_ID is not set"
		_, err := s.st.InsertNotification(ctx, n)
		s.log.WarnContext(ctx, "slack_message_failed", "execution_id", e.ID, "error", n.Error)
		return err
	}
	chID, ts, perr := s.slack.PostMessage(ctx, channel, text, blocks)
	if perr != nil && permanentSlackError(perr) && channel != s.opts.AdminChannel && s.opts.AdminChannel != "" {
		// The recruiter cannot be reached (deactivated, DMs closed): the
		// admin channel still gets the notice rather than nobody.
		s.log.WarnContext(ctx, "slack_dm_failed", "execution_id", e.ID, "error", perr.Error())
		channel = s.opts.AdminChannel
		chID, ts, perr = s.slack.PostMessage(ctx, channel, text, blocks)
	}
	if perr != nil {
		// A permanent error (channel_not_found, invalid_auth, ...) will not
		// heal by retrying the job: record it now so it shows in the audit.
		if !final && !permanentSlackError(perr) {
			return fmt.Errorf("post %s: %w", kind, perr)
		}
		n.Channel, n.Status, n.Error = channel, domain.NotificationFailed, perr.Error()
		_, err := s.st.InsertNotification(ctx, n)
		s.log.ErrorContext(ctx, "slack_message_failed", "execution_id", e.ID, "error", perr.Error())
		return err
	}
	n.Channel, n.MessageTS, n.Status = chID, ts, domain.NotificationSent
	_, err := s.st.InsertNotification(ctx, n)
	s.log.InfoContext(ctx, "slack_message_sent", "execution_id", e.ID, "channel", chID, "kind", kind)
	return err
}

// recipient picks the recruiter's DM (from slack_users, else
// users.lookupByEmail), else the admin channel. A lookup that failed for a
// reason other than "no such user" is returned with the admin channel, so
// the caller can retry before settling for it.
func (s *Service) recipient(ctx context.Context, recruiterEmail string) (string, error) {
	if recruiterEmail == "" {
		return s.opts.AdminChannel, nil
	}
	if u, err := s.st.GetSlackUserByEmail(ctx, recruiterEmail); err == nil && !u.Deleted && !u.IsBot {
		return u.ID, nil
	}
	u, err := s.slack.LookupUserByEmail(ctx, recruiterEmail)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return s.opts.AdminChannel, nil
	case err != nil:
		return s.opts.AdminChannel, fmt.Errorf("find recruiter in slack: %w", err)
	case u.Deleted || u.IsBot:
		return s.opts.AdminChannel, nil
	}
	if err := s.st.UpsertSlackUser(ctx, domain.SlackUser{ID: u.ID, Email: u.Email, RealName: u.RealName, DisplayName: u.DisplayName}, s.now()); err != nil {
		s.log.WarnContext(ctx, "slack_user_cache_failed", "error", err.Error())
	}
	return u.ID, nil
}

// transientSlackCodes are the ok:false codes that may succeed later
// (slackapp retries them too, briefly).
var transientSlackCodes = map[string]bool{
	"ratelimited": true, "internal_error": true, "fatal_error": true,
	"service_unavailable": true, "request_timeout": true,
}

// permanentSlackError reports whether Slack refused a call for a reason a
// retry will not fix (an ok:false answer such as channel_not_found or
// invalid_auth). HTTP and transport failures are not permanent.
func permanentSlackError(err error) bool {
	code := slackapp.ErrorCode(err)
	return code != "" && !transientSlackCodes[code]
}

// rejectionNotice builds the Slack notice of a reject decision: values of
// score and select fields only, never free text.
func (s *Service) rejectionNotice(ctx context.Context, e domain.Execution) (slackapp.RejectionNotice, string, error) {
	n := slackapp.RejectionNotice{ExecutionID: e.ID, ApplicationID: e.ApplicationID,
		DryRun: e.Mode == domain.ModeShadow, RuleID: e.RuleID}
	d := decisionOf(e)
	rr := s.names.Renderer(ctx)
	if sched, err := s.st.GetSchedule(ctx, e.ScheduleID); err == nil {
		rr.SeedSchedule(sched)
	}
	if e.FromStageID != "" {
		n.StageTitle = rr.Name(explain.KindStage, e.FromStageID)
	}
	if e.RuleID != "" {
		n.RuleName, _ = rr.Lookup(explain.KindRule, e.RuleID)
	}
	var recruiter string
	var errs []error
	app, err := s.catalog.Application(ctx, e.ApplicationID)
	if err == nil {
		n.CandidateName, n.JobTitle = app.Candidate.Name, app.Job.Title
		if r, ok := app.Recruiter(); ok {
			recruiter = r.Email
		}
		if app.Candidate.ID != "" && s.ats != nil {
			if c, err := s.ats.CandidateInfo(ctx, app.Candidate.ID); err == nil {
				n.ProfileURL = c.ProfileURL
				_ = s.st.UpsertApplication(ctx, domain.Application{ID: app.ID, CandidateID: c.ID, JobID: app.Job.ID,
					CurrentStageID: app.StageID(), Status: app.Status, CandidateName: c.Name, ProfileURL: c.ProfileURL,
					RecruiterEmail: recruiter, UpdatedAt: s.now()})
			} else {
				errs = append(errs, err)
			}
		}
	} else {
		errs = append(errs, err)
		if cached, cerr := s.st.GetApplication(ctx, e.ApplicationID); cerr == nil {
			n.CandidateName, n.ProfileURL, recruiter = cached.CandidateName, cached.ProfileURL, cached.RecruiterEmail
			if cached.JobID != "" {
				n.JobTitle = rr.Name(explain.KindJob, cached.JobID)
			}
		}
	}
	n.Summary = rr.Summary(d)
	lines := map[string]*slackapp.RequirementLine{}
	var order []string
	freeText := map[string]bool{} // interview/field -> the field takes free text
	for _, r := range d.Reasons {
		if r.RequirementID == "" {
			continue
		}
		l, ok := lines[r.RequirementID]
		if !ok {
			l = &slackapp.RequirementLine{}
			lines[r.RequirementID] = l
			order = append(order, r.RequirementID)
		}
		if r.InterviewerID == "" {
			l.Field, l.Operator, l.Threshold = rr.Field(r.InterviewID, r.Field), explain.Operator(r.Operator), r.Threshold
			if r.Aggregate != "" && r.Aggregate != domain.AggEach {
				l.Field = r.Aggregate + " " + l.Field
			}
			l.Passed = r.Passed != nil && *r.Passed
			l.InterviewTitle = rr.Name(explain.KindInterview, r.InterviewID)
			continue
		}
		name := rr.Name(explain.KindInterviewer, r.InterviewerID)
		key := r.InterviewID + "/" + r.Field
		ft, known := freeText[key]
		if !known {
			ft = s.freeTextField(ctx, r.InterviewID, r.Field)
			freeText[key] = ft
		}
		value := safeValue(r.Value)
		if ft && r.Value != nil {
			value = withheld
		}
		l.Interviewers = append(l.Interviewers, slackapp.InterviewerValue{Name: name, Value: value,
			Passed: r.Passed != nil && *r.Passed, Missing: r.Code == "feedback_missing" || r.Code == "field_missing"})
	}
	for _, id := range order {
		n.Lines = append(n.Lines, *lines[id])
	}
	if n.CandidateName == "" {
		n.CandidateName = rr.Name(explain.KindCandidate, e.ApplicationID)
	}
	return n, recruiter, errors.Join(errs...)
}

// decisionOf is the decision stored with an execution; rows whose reasons
// JSON lacks the outcome or summary take them from the row.
func decisionOf(e domain.Execution) domain.Decision {
	var d domain.Decision
	_ = json.Unmarshal(e.Reasons, &d)
	if d.Outcome == "" {
		d.Outcome = e.Outcome
	}
	if d.Summary == "" {
		d.Summary = e.Summary
	}
	return d
}

// subject holds the names an alert about one application shows.
type subject struct {
	candidate, profileURL, job string
}

// subjectOf names the application's candidate and job from the caches.
func (s *Service) subjectOf(ctx context.Context, rr *explain.Renderer, applicationID, jobID string) subject {
	var sub subject
	if a, err := s.st.GetApplication(ctx, applicationID); err == nil {
		sub.candidate, sub.profileURL = a.CandidateName, a.ProfileURL
		if jobID == "" {
			jobID = a.JobID
		}
	}
	if sub.candidate == "" {
		sub.candidate = rr.Name(explain.KindCandidate, applicationID)
	}
	if jobID != "" {
		sub.job = rr.Name(explain.KindJob, jobID)
	}
	return sub
}

// withheld replaces a value that may be free text.
const withheld = "(not shown)"

// freeTextField reports whether a form field of the interview takes free
// text (String, LongText, RichText), whose answers must not leave Ashby
// even when short. An unknown form or field is not free text by this test;
// safeValue still withholds anything that does not look like a choice.
func (s *Service) freeTextField(ctx context.Context, interviewID, path string) bool {
	if interviewID == "" || path == "" {
		return false
	}
	iv, err := s.st.GetInterview(ctx, interviewID)
	if err != nil || iv.FormID == "" {
		return false
	}
	f, err := s.st.GetForm(ctx, iv.FormID)
	if err != nil {
		return false
	}
	def, err := ashby.ParseFormDefinition(f.Definition)
	if err != nil {
		return false
	}
	for _, fld := range def.Fields() {
		if fld.Path == path {
			switch fld.Type {
			case ashby.FieldTypeString, ashby.FieldTypeLongText, ashby.FieldTypeRichText:
				return true
			}
			return false
		}
	}
	return false
}

var selectValue = regexp.MustCompile(`^[A-Za-z0-9_.\- ]{1,40}$`)

// safeValue renders a score or select value; anything that may be free text
// is withheld.
func safeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", x), "0"), ".")
	case bool:
		return fmt.Sprint(x)
	case string:
		if selectValue.MatchString(x) {
			return x
		}
	}
	return withheld
}

func (s *Service) timeoutAlert(ctx context.Context, e domain.Execution) slackapp.Alert {
	d := decisionOf(e)
	rr := s.names.Renderer(ctx)
	jobID := ""
	if sched, err := s.st.GetSchedule(ctx, e.ScheduleID); err == nil {
		rr.SeedSchedule(sched)
		jobID = sched.JobID
	}
	var owed []string
	for _, r := range d.Reasons {
		if r.Code == "feedback_missing" && r.InterviewerID != "" && !slices.Contains(owed, r.InterviewerID) {
			owed = append(owed, r.InterviewerID)
		}
	}
	sub := s.subjectOf(ctx, rr, e.ApplicationID, jobID)
	fields := map[string]string{"Candidate": sub.candidate, "Job": sub.job, "Still owed by": rr.People(owed)}
	if e.FromStageID != "" {
		fields["Stage"] = rr.Name(explain.KindStage, e.FromStageID)
	}
	if e.RuleID != "" {
		fields["Rule"] = rr.Name(explain.KindRule, e.RuleID)
	}
	return slackapp.Alert{Kind: slackapp.AlertFeedbackTimeout, Title: "Feedback timeout for " + sub.candidate,
		Detail: explain.Capitalize(rr.Explanation(d)), Fields: fields, Links: map[string]string{"Candidate": sub.profileURL},
		IDs: map[string]string{"Application": e.ApplicationID, "Schedule": e.ScheduleID, "Rule": e.RuleID}}
}

// WebhookFailedAlert is the admin alert for a delivery that failed for good.
func WebhookFailedAlert(d domain.Delivery, err error) slackapp.Alert {
	return slackapp.Alert{Kind: slackapp.AlertWebhookFailed, Title: "Webhook delivery failed for good",
		Detail: explain.Scrub(err.Error()), Fields: map[string]string{"Action": d.Action},
		IDs: map[string]string{"Delivery": d.ID, "Schedule": d.ScheduleID}}
}

// AlertExecution alerts the admin channel about a failed action.
func (s *Service) AlertExecution(ctx context.Context, e domain.Execution) {
	rr := s.names.Renderer(ctx)
	sub := s.subjectOf(ctx, rr, e.ApplicationID, "")
	fields := map[string]string{"Candidate": sub.candidate, "Job": sub.job}
	if e.FromStageID != "" {
		fields["From stage"] = rr.Name(explain.KindStage, e.FromStageID)
	}
	if e.ToStageID != "" {
		fields["To stage"] = rr.Name(explain.KindStage, e.ToStageID)
	}
	if e.RuleID != "" {
		fields["Rule"] = rr.Name(explain.KindRule, e.RuleID)
	}
	a := slackapp.Alert{Kind: slackapp.AlertAdvanceFailed, Title: "Advance failed for " + sub.candidate,
		Detail: explain.Scrub(e.FailureReason), Fields: fields, Links: map[string]string{"Candidate": sub.profileURL},
		IDs: map[string]string{"Application": e.ApplicationID, "Schedule": e.ScheduleID, "Rule": e.RuleID,
			"Execution": e.ID}}
	_ = s.sendAlert(ctx, e.ID, KindAlert, a, true)
}

// Alert posts an admin alert with no execution.
func (s *Service) Alert(ctx context.Context, a slackapp.Alert) {
	_ = s.sendAlert(ctx, "", KindAlert, a, true)
}

func (s *Service) sendAlert(ctx context.Context, executionID, kind string, a slackapp.Alert, final bool) error {
	text, blocks := slackapp.AlertMessage(a)
	n := domain.Notification{ExecutionID: executionID, Kind: kind, Text: text, Channel: s.opts.AdminChannel, CreatedAt: s.now()}
	if s.slack == nil || s.opts.AdminChannel == "" {
		n.Status = domain.NotificationStored
		_, err := s.st.InsertNotification(ctx, n)
		return err
	}
	ch, ts, err := s.slack.PostMessage(ctx, s.opts.AdminChannel, text, blocks)
	if err != nil {
		if !final && !permanentSlackError(err) {
			return fmt.Errorf("post alert: %w", err)
		}
		n.Status, n.Error = domain.NotificationFailed, err.Error()
		s.log.ErrorContext(ctx, "slack_message_failed", "kind", kind, "error", err.Error())
	} else {
		n.Channel, n.MessageTS, n.Status = ch, ts, domain.NotificationSent
	}
	_, ierr := s.st.InsertNotification(ctx, n)
	return ierr
}

// MessageUpdate names the Slack message to edit when the click carried it
// (a notice posted by the Python original has no notification row);
// otherwise the stored notification is used.
type MessageUpdate struct {
	Channel, MessageTS string
	// MovedTo names the stage a recruiter moved the candidate to in Ashby,
	// when that is why the decision was retired.
	MovedTo string
}

// UpdateRejectionMessage edits the Slack notice of a rejection to show its
// current status (e.Status, e.FailureReason): archived (with Undo while the
// window is open), scheduled (with Cancel), cancelled, undone, kept, or not
// archived and why. Best effort: failures are logged.
func (s *Service) UpdateRejectionMessage(ctx context.Context, e domain.Execution, req MessageUpdate) {
	if s.slack == nil {
		return
	}
	channel, ts := req.Channel, req.MessageTS
	if channel == "" || ts == "" {
		channel, ts = s.messageOf(ctx, e.ID, KindRejection)
	}
	if channel == "" || ts == "" {
		return
	}
	notice, _, _ := s.rejectionNotice(ctx, e)
	text, blocks, ok := s.rejectionBlocks(ctx, e, notice)
	if req.MovedTo != "" {
		text, blocks = slackapp.MovedUpdate(notice, req.MovedTo, s.now())
		ok = true
	}
	if !ok {
		return
	}
	if err := s.slack.UpdateMessage(ctx, channel, ts, text, blocks); err != nil {
		s.log.WarnContext(ctx, "slack_update_failed", "execution_id", e.ID, "error", err.Error())
	}
}

// messageOf finds the posted Slack message of a decision's notice.
func (s *Service) messageOf(ctx context.Context, executionID, kind string) (channel, ts string) {
	list, err := s.st.ListNotifications(ctx, executionID, 10)
	if err != nil {
		return "", ""
	}
	for _, n := range list {
		if n.Kind == kind && n.MessageTS != "" {
			return n.Channel, n.MessageTS
		}
	}
	return "", ""
}

// Ephemeral tells one Slack user something only they see (best effort).
func (s *Service) Ephemeral(ctx context.Context, channel, user, text string) {
	if s.slack == nil || channel == "" || user == "" {
		return
	}
	if err := s.slack.PostEphemeral(ctx, channel, user, explain.Scrub(text)); err != nil {
		s.log.WarnContext(ctx, "slack_ephemeral_failed", "error", err.Error())
	}
}

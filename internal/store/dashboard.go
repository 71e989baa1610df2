package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// DashboardStore holds the read queries of the terminal dashboard (aaa tui):
// joined, name-resolved views over schedules, decisions, rules and
// notifications. Everything else the dashboard shows comes from the
// per-aggregate stores.
type DashboardStore interface {
	// ListPendingSchedules returns schedules awaiting a decision: not
	// cancelled, last outcome wait, skip, no_rule or none yet. Those falling
	// due first come first; schedules without a due time follow, most
	// recently changed first.
	ListPendingSchedules(ctx context.Context, limit int) (Pending, error)
	// ListDecisions returns decisions (advancement_executions) with their
	// names and review, newest first.
	ListDecisions(ctx context.Context, f DecisionFilter) ([]DecisionRow, error)
	// GetDecisionDetail returns one decision with its notifications and the
	// names its reasons refer to.
	GetDecisionDetail(ctx context.Context, executionID string) (DecisionDetail, error)
	// ListRuleOverview returns every rule (newest first) with its scope's
	// names and its shadow record.
	ListRuleOverview(ctx context.Context) ([]RuleOverview, error)
	// ListFailedNotifications returns failed Slack notifications, most
	// recently updated first.
	ListFailedNotifications(ctx context.Context, limit int) ([]domain.Notification, error)
}

var _ DashboardStore = (*DB)(nil)

// pendingOutcomes are the last outcomes of a schedule still awaiting a
// decision ("" means never evaluated).
var pendingOutcomes = []string{domain.OutcomeWait, domain.OutcomeSkip, domain.OutcomeNoRule, ""}

// Pending is the result of ListPendingSchedules.
type Pending struct {
	Schedules []PendingSchedule
	// InterviewTitles maps the interview ids of the schedules' events to
	// their cached titles (missing when not cached).
	InterviewTitles map[string]string
}

// PendingSchedule is a schedule awaiting a decision with the names the
// dashboard shows. A name is empty when its metadata is not cached.
type PendingSchedule struct {
	// Schedule has its events and interviewers filled.
	Schedule      domain.Schedule
	CandidateName string
	JobTitle      string
	StageTitle    string
	// Feedback is the application's submissions, without their values.
	Feedback []domain.Feedback
	// RemindersSent counts the feedback reminders sent per interviewer id.
	RemindersSent map[string]int
}

// DecisionFilter selects decisions; zero fields match everything.
type DecisionFilter struct {
	ExecutionID string
	Outcome     string
	Mode        string
	RuleID      string
	// Text matches, case-insensitively, a substring of the candidate name,
	// application id, rule name, outcome, status or summary.
	Text  string
	Limit int
}

// DecisionRow is one decision with its names and review.
type DecisionRow struct {
	Execution     domain.Execution
	CandidateName string
	JobTitle      string
	StageTitle    string // the from stage
	ToStageTitle  string
	RuleName      string
	// Verdict is the dry-run review (agree|disagree), empty when unreviewed.
	Verdict    string
	ReviewNote string
}

// DecisionDetail is a decision with what the detail pane shows.
type DecisionDetail struct {
	Row           DecisionRow
	Notifications []domain.Notification
	// InterviewerNames maps interviewer ids assigned on the schedule to
	// their names.
	InterviewerNames map[string]string
	// InterviewTitles maps the interview ids of the schedule and the rule's
	// requirements to their titles.
	InterviewTitles map[string]string
}

// RuleOverview is a rule with its scope's names and shadow record.
type RuleOverview struct {
	Rule             domain.Rule
	JobTitle         string
	PlanTitle        string
	StageTitle       string
	TargetStageTitle string
	Shadow           ShadowRecord
}

// ShadowRecord counts a rule's shadow decisions and their reviews.
type ShadowRecord struct {
	Decisions    int
	WouldAdvance int
	WouldReject  int
	Agree        int
	Disagree     int
}

// AgreementRate is agree / reviewed; ok is false with no review yet.
func (r ShadowRecord) AgreementRate() (rate float64, ok bool) {
	n := r.Agree + r.Disagree
	if n == 0 {
		return 0, false
	}
	return float64(r.Agree) / float64(n), true
}

// ListPendingSchedules implements DashboardStore.
func (db *DB) ListPendingSchedules(ctx context.Context, limit int) (Pending, error) {
	if limit <= 0 {
		limit = 200
	}
	ph, args := placeholders(pendingOutcomes, 1)
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, `
SELECT s.schedule_id, s.application_id, COALESCE(s.candidate_id, ''), COALESCE(s.interview_stage_id, ''),
    COALESCE(s.interview_plan_id, ''), COALESCE(s.job_id, ''), s.status, s.is_cancelled,
    s.created_at, s.updated_at, s.last_evaluated_for_advancement_at, s.last_outcome, s.last_summary, s.due_at,
    COALESCE(a.candidate_name, ''), COALESCE(j.title, ''), COALESCE(st.title, '')
FROM interview_schedules s
LEFT JOIN applications a ON a.application_id = s.application_id
LEFT JOIN jobs j ON j.job_id = s.job_id
LEFT JOIN interview_stages st ON st.interview_stage_id = s.interview_stage_id
WHERE s.is_cancelled = FALSE AND s.last_outcome IN (`+ph+`)
ORDER BY CASE WHEN s.due_at IS NULL THEN 1 ELSE 0 END, s.due_at, s.updated_at DESC, s.schedule_id
LIMIT $`+fmt.Sprint(len(args)), args...)
	if err != nil {
		return Pending{}, fmt.Errorf("list pending schedules: %w", db.mapErr(err))
	}
	var out Pending
	var ids, apps []string
	seenApp := map[string]bool{}
	for rows.Next() {
		var p PendingSchedule
		var created, updated, lastEval, due sql.NullTime
		s := &p.Schedule
		if err := rows.Scan(&s.ID, &s.ApplicationID, &s.CandidateID, &s.InterviewStageID, &s.InterviewPlanID,
			&s.JobID, &s.Status, &s.Cancelled, &created, &updated, &lastEval, &s.LastOutcome, &s.LastSummary, &due,
			&p.CandidateName, &p.JobTitle, &p.StageTitle); err != nil {
			rows.Close()
			return Pending{}, fmt.Errorf("scan pending schedule: %w", db.mapErr(err))
		}
		s.CreatedAt, s.UpdatedAt = timeOf(created), timeOf(updated)
		s.LastEvaluatedAt, s.DueAt = timePtr(lastEval), timePtr(due)
		out.Schedules = append(out.Schedules, p)
		ids = append(ids, s.ID)
		if !seenApp[s.ApplicationID] {
			seenApp[s.ApplicationID] = true
			apps = append(apps, s.ApplicationID)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return Pending{}, fmt.Errorf("list pending schedules: %w", db.mapErr(err))
	}
	out.InterviewTitles = map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	events, err := db.loadEvents(ctx, ids)
	if err != nil {
		return Pending{}, err
	}
	feedback, err := db.feedbackOf(ctx, apps)
	if err != nil {
		return Pending{}, err
	}
	var interviews []string
	seenIv := map[string]bool{}
	for i := range out.Schedules {
		s := &out.Schedules[i]
		s.Schedule.Events = events[s.Schedule.ID]
		s.Feedback = feedback[s.Schedule.ApplicationID]
		for _, e := range s.Schedule.Events {
			if !seenIv[e.InterviewID] {
				seenIv[e.InterviewID] = true
				interviews = append(interviews, e.InterviewID)
			}
		}
	}
	out.InterviewTitles, err = db.titles(ctx, titleInterviews, interviews)
	if err != nil {
		return Pending{}, err
	}
	sent, err := db.remindersSentBySchedule(ctx, ids)
	if err != nil {
		return Pending{}, err
	}
	for i := range out.Schedules {
		out.Schedules[i].RemindersSent = sent[out.Schedules[i].Schedule.ID]
	}
	return out, nil
}

// remindersSentBySchedule counts sent reminders per schedule and interviewer.
func (db *DB) remindersSentBySchedule(ctx context.Context, scheduleIDs []string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	for start := 0; start < len(scheduleIDs); start += 500 {
		chunk := scheduleIDs[start:min(start+500, len(scheduleIDs))]
		ph, args := placeholders(chunk, 1)
		rows, err := db.r.QueryContext(ctx, `SELECT schedule_id, interviewer_id, COUNT(*) FROM feedback_reminders_sent
WHERE kind = 'reminder' AND status = 'sent' AND schedule_id IN (`+ph+`) GROUP BY schedule_id, interviewer_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("count reminders: %w", db.mapErr(err))
		}
		for rows.Next() {
			var sid, iid string
			var n int
			if err := rows.Scan(&sid, &iid, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan reminder count: %w", db.mapErr(err))
			}
			if out[sid] == nil {
				out[sid] = map[string]int{}
			}
			out[sid][iid] = n
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("count reminders: %w", db.mapErr(err))
		}
	}
	return out, nil
}

// feedbackOf returns the submissions of applications (without their values,
// which may hold free text), keyed by application id.
func (db *DB) feedbackOf(ctx context.Context, applicationIDs []string) (map[string][]domain.Feedback, error) {
	out := make(map[string][]domain.Feedback, len(applicationIDs))
	for start := 0; start < len(applicationIDs); start += 500 {
		chunk := applicationIDs[start:min(start+500, len(applicationIDs))]
		ph, args := placeholders(chunk, 1)
		rows, err := db.r.QueryContext(ctx, `
SELECT feedback_id, application_id, event_id, interviewer_id, interview_id, form_definition_id,
    submitted_at, created_at, updated_at
FROM feedback_submissions WHERE application_id IN (`+ph+`) ORDER BY submitted_at, feedback_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("load feedback: %w", db.mapErr(err))
		}
		for rows.Next() {
			var f domain.Feedback
			var sub, created, updated sql.NullTime
			if err := rows.Scan(&f.ID, &f.ApplicationID, &f.EventID, &f.InterviewerID, &f.InterviewID,
				&f.FormID, &sub, &created, &updated); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan feedback: %w", db.mapErr(err))
			}
			f.SubmittedAt, f.CreatedAt, f.UpdatedAt = timeOf(sub), timeOf(created), timeOf(updated)
			out[f.ApplicationID] = append(out[f.ApplicationID], f)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("load feedback: %w", db.mapErr(err))
		}
	}
	return out, nil
}

// titleSource names a cached table holding titles by id. The values are
// constants: never build one from input.
type titleSource struct{ table, idCol, titleCol string }

var (
	titleInterviews = titleSource{"interviews", "interview_id", "title"}
	titleJobs       = titleSource{"jobs", "job_id", "title"}
	titlePlans      = titleSource{"interview_plans", "interview_plan_id", "title"}
	titleStages     = titleSource{"interview_stages", "interview_stage_id", "title"}
)

// titles maps ids to their cached titles; unknown ids are left out.
func (db *DB) titles(ctx context.Context, src titleSource, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		ph, args := placeholders(chunk, 1)
		rows, err := db.r.QueryContext(ctx, `SELECT `+src.idCol+`, `+src.titleCol+` FROM `+src.table+
			` WHERE `+src.idCol+` IN (`+ph+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("load %s titles: %w", src.table, db.mapErr(err))
		}
		for rows.Next() {
			var id, title string
			if err := rows.Scan(&id, &title); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan %s title: %w", src.table, db.mapErr(err))
			}
			out[id] = title
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("load %s titles: %w", src.table, db.mapErr(err))
		}
	}
	return out, nil
}

// ListDecisions implements DashboardStore.
func (db *DB) ListDecisions(ctx context.Context, f DecisionFilter) ([]DecisionRow, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if f.ExecutionID != "" {
		add("e.execution_id = $?", f.ExecutionID)
	}
	if f.Outcome != "" {
		add("e.outcome = $?", f.Outcome)
	}
	if f.Mode != "" {
		add("e.mode = $?", f.Mode)
	}
	if f.RuleID != "" {
		add("e.rule_id = $?", f.RuleID)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		add(`(LOWER(COALESCE(a.candidate_name, '')) LIKE $? ESCAPE '\'
    OR LOWER(e.application_id) LIKE $? ESCAPE '\'
    OR LOWER(COALESCE(r.name, '')) LIKE $? ESCAPE '\'
    OR LOWER(e.outcome) LIKE $? ESCAPE '\'
    OR LOWER(e.execution_status) LIKE $? ESCAPE '\'
    OR LOWER(e.summary) LIKE $? ESCAPE '\')`, "%"+likeEscape(strings.ToLower(t))+"%")
	}
	q := `SELECT e.execution_id, e.schedule_id, e.application_id, COALESCE(e.rule_id, ''), e.rule_version, e.mode,
    e.outcome, COALESCE(e.from_stage_id, ''), COALESCE(e.to_stage_id, ''), e.execution_status,
    COALESCE(e.failure_reason, ''), e.summary, COALESCE(e.evaluation_results, ''), e.executed_at, e.executed_by,
    e.updated_at, e.act_at, e.acted_at, COALESCE(e.reverted_by, ''), e.reverted_at,
    COALESCE(a.candidate_name, ''), COALESCE(j.title, ''), COALESCE(fs.title, ''), COALESCE(ts.title, ''),
    COALESCE(r.name, ''), COALESCE(v.verdict, ''), COALESCE(v.note, '')
FROM advancement_executions e
LEFT JOIN applications a ON a.application_id = e.application_id
LEFT JOIN interview_schedules s ON s.schedule_id = e.schedule_id
LEFT JOIN jobs j ON j.job_id = s.job_id
LEFT JOIN interview_stages fs ON fs.interview_stage_id = e.from_stage_id
LEFT JOIN interview_stages ts ON ts.interview_stage_id = e.to_stage_id
LEFT JOIN advancement_rules r ON r.rule_id = e.rule_id
LEFT JOIN shadow_reviews v ON v.execution_id = e.execution_id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY e.executed_at DESC, e.execution_id LIMIT $%d`, len(args))
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list decisions: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []DecisionRow
	for rows.Next() {
		var d DecisionRow
		var reasons string
		var at, updated, actAt, actedAt, revertedAt sql.NullTime
		e := &d.Execution
		if err := rows.Scan(&e.ID, &e.ScheduleID, &e.ApplicationID, &e.RuleID, &e.RuleVersion, &e.Mode, &e.Outcome,
			&e.FromStageID, &e.ToStageID, &e.Status, &e.FailureReason, &e.Summary, &reasons, &at, &e.ExecutedBy, &updated,
			&actAt, &actedAt, &e.RevertedBy, &revertedAt,
			&d.CandidateName, &d.JobTitle, &d.StageTitle, &d.ToStageTitle, &d.RuleName, &d.Verdict, &d.ReviewNote); err != nil {
			return nil, fmt.Errorf("scan decision: %w", db.mapErr(err))
		}
		if reasons != "" {
			e.Reasons = []byte(reasons)
		}
		e.ExecutedAt, e.UpdatedAt = timeOf(at), timeOf(updated)
		e.ActAt, e.ActedAt, e.RevertedAt = timeOf(actAt), timeOf(actedAt), timeOf(revertedAt)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list decisions: %w", db.mapErr(err))
	}
	return out, nil
}

// likeEscape escapes LIKE wildcards for ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// GetDecisionDetail implements DashboardStore.
func (db *DB) GetDecisionDetail(ctx context.Context, executionID string) (DecisionDetail, error) {
	rows, err := db.ListDecisions(ctx, DecisionFilter{ExecutionID: executionID, Limit: 1})
	if err != nil {
		return DecisionDetail{}, err
	}
	if len(rows) == 0 {
		return DecisionDetail{}, fmt.Errorf("decision %s: %w", executionID, domain.ErrNotFound)
	}
	d := DecisionDetail{Row: rows[0], InterviewerNames: map[string]string{}}
	e := d.Row.Execution
	if d.Notifications, err = db.ListNotifications(ctx, executionID, 50); err != nil {
		return DecisionDetail{}, err
	}
	arows, err := db.r.QueryContext(ctx, `
SELECT DISTINCT a.interviewer_id, a.first_name, a.last_name, a.email
FROM interview_assignments a JOIN interview_events ev ON ev.event_id = a.event_id
WHERE ev.schedule_id = $1 ORDER BY a.interviewer_id`, e.ScheduleID)
	if err != nil {
		return DecisionDetail{}, fmt.Errorf("load interviewers of %s: %w", e.ScheduleID, db.mapErr(err))
	}
	for arows.Next() {
		var a domain.Assignment
		if err := arows.Scan(&a.InterviewerID, &a.FirstName, &a.LastName, &a.Email); err != nil {
			arows.Close()
			return DecisionDetail{}, fmt.Errorf("scan interviewer: %w", db.mapErr(err))
		}
		d.InterviewerNames[a.InterviewerID] = a.Name()
	}
	err = arows.Err()
	arows.Close()
	if err != nil {
		return DecisionDetail{}, fmt.Errorf("load interviewers of %s: %w", e.ScheduleID, db.mapErr(err))
	}
	ivRows, err := db.r.QueryContext(ctx, `
SELECT interview_id FROM interview_events WHERE schedule_id = $1
UNION SELECT interview_id FROM advancement_rule_requirements WHERE rule_id = $2`, e.ScheduleID, e.RuleID)
	if err != nil {
		return DecisionDetail{}, fmt.Errorf("load interviews of %s: %w", executionID, db.mapErr(err))
	}
	ivs, err := scanStrings(ivRows)
	if err != nil {
		return DecisionDetail{}, fmt.Errorf("load interviews of %s: %w", executionID, db.mapErr(err))
	}
	if d.InterviewTitles, err = db.titles(ctx, titleInterviews, ivs); err != nil {
		return DecisionDetail{}, err
	}
	return d, nil
}

// ListRuleOverview implements DashboardStore.
func (db *DB) ListRuleOverview(ctx context.Context) ([]RuleOverview, error) {
	rules, err := db.ListRules(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]RuleOverview, len(rules))
	if len(rules) == 0 {
		return out, nil
	}
	var jobs, plans, stages []string
	for _, r := range rules {
		if r.JobID != "" {
			jobs = append(jobs, r.JobID)
		}
		plans = append(plans, r.InterviewPlanID)
		stages = append(stages, r.InterviewStageID)
		if r.TargetStageID != "" {
			stages = append(stages, r.TargetStageID)
		}
	}
	jobTitles, err := db.titles(ctx, titleJobs, jobs)
	if err != nil {
		return nil, err
	}
	planTitles, err := db.titles(ctx, titlePlans, plans)
	if err != nil {
		return nil, err
	}
	stageTitles, err := db.titles(ctx, titleStages, stages)
	if err != nil {
		return nil, err
	}
	record := map[string]*ShadowRecord{}
	for i, r := range rules {
		out[i] = RuleOverview{Rule: r, JobTitle: jobTitles[r.JobID], PlanTitle: planTitles[r.InterviewPlanID],
			StageTitle: stageTitles[r.InterviewStageID], TargetStageTitle: stageTitles[r.TargetStageID]}
		record[r.ID] = &out[i].Shadow
	}
	if err := db.countGroups(ctx, `SELECT rule_id, outcome, COUNT(*) FROM advancement_executions
WHERE mode = $1 AND rule_id IS NOT NULL GROUP BY rule_id, outcome`, []any{domain.ModeShadow},
		func(ruleID, outcome string, n int) {
			if rec := record[ruleID]; rec != nil {
				rec.Decisions += n
				switch outcome {
				case domain.OutcomeAdvance:
					rec.WouldAdvance += n
				case domain.OutcomeReject:
					rec.WouldReject += n
				}
			}
		}); err != nil {
		return nil, fmt.Errorf("count shadow decisions: %w", err)
	}
	if err := db.countGroups(ctx, `SELECT rule_id, verdict, COUNT(*) FROM shadow_reviews GROUP BY rule_id, verdict`, nil,
		func(ruleID, verdict string, n int) {
			if rec := record[ruleID]; rec != nil {
				switch verdict {
				case domain.VerdictAgree:
					rec.Agree += n
				case domain.VerdictDisagree:
					rec.Disagree += n
				}
			}
		}); err != nil {
		return nil, fmt.Errorf("count reviews: %w", err)
	}
	return out, nil
}

// countGroups runs a (key, key, count) query and calls fn for each row.
func (db *DB) countGroups(ctx context.Context, q string, args []any, fn func(a, b string, n int)) error {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return db.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		var n int
		if err := rows.Scan(&a, &b, &n); err != nil {
			return db.mapErr(err)
		}
		fn(a, b, n)
	}
	return db.mapErr(rows.Err())
}

// ListFailedNotifications implements DashboardStore.
func (db *DB) ListFailedNotifications(ctx context.Context, limit int) ([]domain.Notification, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := db.r.QueryContext(ctx, `SELECT notification_id, execution_id, kind, channel, message_ts, status,
    error, text, created_at, updated_at
FROM notifications WHERE status = $1 ORDER BY updated_at DESC, notification_id LIMIT $2`, domain.NotificationFailed, limit)
	if err != nil {
		return nil, fmt.Errorf("list failed notifications: %w", db.mapErr(err))
	}
	defer rows.Close()
	var out []domain.Notification
	for rows.Next() {
		var n domain.Notification
		var created, updated sql.NullTime
		if err := rows.Scan(&n.ID, &n.ExecutionID, &n.Kind, &n.Channel, &n.MessageTS, &n.Status, &n.Error, &n.Text,
			&created, &updated); err != nil {
			return nil, fmt.Errorf("scan notification: %w", db.mapErr(err))
		}
		n.CreatedAt, n.UpdatedAt = timeOf(created), timeOf(updated)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list failed notifications: %w", db.mapErr(err))
	}
	return out, nil
}

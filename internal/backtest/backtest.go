package backtest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Actual outcomes: what recruiters did with the application.
const (
	ActualAdvanced = "advanced"
	ActualArchived = "archived"
	ActualOther    = "other"
)

// Predicted lists the rows of the confusion table: the engine's outcomes,
// no_rule counted as skip.
var Predicted = []string{domain.OutcomeAdvance, domain.OutcomeReject, domain.OutcomeWait, domain.OutcomeTimeout, domain.OutcomeSkip}

// Actual lists the columns of the confusion table.
var Actual = []string{ActualAdvanced, ActualArchived, ActualOther}

// Source is what a backtest reads (implemented by *store.DB).
type Source interface {
	LoadBacktestSet(ctx context.Context, q store.BacktestQuery) (store.BacktestSet, error)
	// ListExecutions finds the rule's decisions recruiters overrode (kept
	// in process).
	ListExecutions(ctx context.Context, f store.ExecutionFilter) ([]domain.Execution, error)
	// The metadata caches name the rows (job, stage, interview, field).
	explain.Caches
}

// Options are the global engine settings, the same as live evaluation's.
type Options struct {
	MinWait time.Duration
	Timeout time.Duration
}

// Query is one backtest.
type Query struct {
	// Rule is the rule to replay (a stored rule or a draft); it is treated as
	// active whatever its flag.
	Rule domain.Rule
	// Baseline, when set, is the current version of the rule: the report
	// then lists the decisions that flip from Baseline to Rule. It is
	// replayed over the schedules of Rule's scope.
	Baseline *domain.Rule
	// Since keeps decisions made at or after it; zero keeps all.
	Since time.Time
	// JobIDs restricts the schedules to these jobs; empty means every job
	// the rule covers.
	JobIDs []string
	// Now stamps the report.
	Now time.Time
}

// RuleRef names the replayed rule in a report.
type RuleRef struct {
	ID      string `json:"rule_id,omitempty"`
	Name    string `json:"name,omitempty"`
	Version int    `json:"version,omitempty"`
	JobID   string `json:"job_id,omitempty"`
	PlanID  string `json:"interview_plan_id"`
	StageID string `json:"interview_stage_id"`
	// The scope's names, beside the ids.
	JobTitle   string `json:"job_title,omitempty"`
	StageTitle string `json:"interview_stage_title,omitempty"`
}

// Counts are the decisions by outcome.
type Counts struct {
	Advance int `json:"would_advance"`
	Reject  int `json:"would_reject"`
	Wait    int `json:"would_wait"`
	Timeout int `json:"timeout"`
	Skip    int `json:"skip"`
}

// Confusion is the predicted x actual table; Cells[i][j] counts schedules
// with outcome Rows[i] whose application was Columns[j].
type Confusion struct {
	Rows    []string `json:"rows"`
	Columns []string `json:"columns"`
	Cells   [][]int  `json:"cells"`
}

// Cell returns the count of one predicted/actual pair.
func (c Confusion) Cell(predicted, actual string) int {
	i, j := slices.Index(c.Rows, predicted), slices.Index(c.Columns, actual)
	if i < 0 || j < 0 {
		return 0
	}
	return c.Cells[i][j]
}

// Row is one judged schedule.
type Row struct {
	ScheduleID    string `json:"schedule_id"`
	ApplicationID string `json:"application_id"`
	CandidateID   string `json:"candidate_id,omitempty"`
	CandidateName string `json:"candidate_name,omitempty"`
	JobID         string `json:"job_id,omitempty"`
	// DecidedAt is when the application left the stage; EvaluatedAt is the
	// engine's Now (later by the min wait when that applied).
	DecidedAt   time.Time `json:"decided_at"`
	EvaluatedAt time.Time `json:"evaluated_at"`
	Predicted   string    `json:"predicted"`
	Actual      string    `json:"actual"`
	// ActualStage is the title (else id) of the stage the application went to.
	ActualStage string `json:"actual_stage,omitempty"`
	// Agreement is "agree", "disagree" or "" (the rule would not have
	// decided: wait, timeout, skip; or the application went elsewhere).
	Agreement string `json:"agreement,omitempty"`
	// KeptBy names the recruiter who kept this candidate in process after
	// the rule's live rejection (empty when nobody overrode it).
	KeptBy string `json:"kept_by,omitempty"`
	// Summary is the decision rendered with names (explain.Renderer).
	Summary string          `json:"summary"`
	Reasons []domain.Reason `json:"reasons,omitempty"`
}

// Flip is a schedule whose decision differs between the baseline and the
// edited rule.
type Flip struct {
	Row
	// From is the baseline's outcome (Row.Predicted is the edit's).
	From        string `json:"from"`
	FromSummary string `json:"from_summary"`
}

// Report is a backtest's result.
type Report struct {
	Rule        RuleRef    `json:"rule"`
	Baseline    *RuleRef   `json:"baseline,omitempty"`
	Since       *time.Time `json:"since,omitempty"`
	GeneratedAt time.Time  `json:"generated_at"`
	// Judged counts the schedules replayed (decided within the window).
	Judged int `json:"judged"`
	// Open counts matched schedules still in the stage; NoHistory those
	// without stored history of the stage. Neither is judged.
	Open      int       `json:"open"`
	NoHistory int       `json:"no_history"`
	Counts    Counts    `json:"counts"`
	Confusion Confusion `json:"confusion"`
	Agree     int       `json:"agree"`
	Disagree  int       `json:"disagree"`
	// Disagreements are the rows with Agreement "disagree", most recent
	// first.
	Disagreements []Row `json:"disagreements"`
	// Flips are the decisions that change versus Baseline, most recent
	// first (diff mode only).
	Flips []Flip `json:"flips,omitempty"`
	// Rows are every judged schedule, most recent first.
	Rows []Row `json:"rows"`
	// Overrides are the rule's live rejections that recruiters kept in
	// process (within the window), whether or not their schedule was
	// judged.
	Overrides []Override `json:"overrides,omitempty"`
}

// AgreementRate is Agree / (Agree + Disagree); ok is false with no decided
// schedule.
func (r Report) AgreementRate() (rate float64, ok bool) {
	n := r.Agree + r.Disagree
	if n == 0 {
		return 0, false
	}
	return float64(r.Agree) / float64(n), true
}

// Run loads the rule's past schedules in bulk and replays them.
func Run(ctx context.Context, src Source, q Query, opts Options) (Report, error) {
	if q.Rule.InterviewPlanID == "" || q.Rule.InterviewStageID == "" {
		return Report{}, fmt.Errorf("backtest: the rule needs an interview plan and stage: %w", domain.ErrInvalid)
	}
	set, err := src.LoadBacktestSet(ctx, store.BacktestQuery{
		PlanID: q.Rule.InterviewPlanID, StageID: q.Rule.InterviewStageID, JobIDs: q.JobIDs,
	})
	if err != nil {
		return Report{}, fmt.Errorf("backtest: %w", err)
	}
	names := explain.NewStoreNames(src, nil)
	rep := evaluate(ctx, set, q, opts, names)
	if q.Rule.ID == "" {
		return rep, nil
	}
	kept, err := src.ListExecutions(ctx, store.ExecutionFilter{RuleID: q.Rule.ID, Status: domain.ExecKept, Since: q.Since, Limit: 1000})
	if err != nil {
		return Report{}, fmt.Errorf("backtest: %w", err)
	}
	rr := explain.New(ctx, names)
	by := map[string]string{}
	for _, e := range kept {
		name, _ := rr.Lookup(explain.KindCandidate, e.ApplicationID)
		rep.Overrides = append(rep.Overrides, Override{ExecutionID: e.ID, ApplicationID: e.ApplicationID,
			CandidateName: name, By: e.RevertedBy, At: e.RevertedAt})
		by[e.ApplicationID] = e.RevertedBy
	}
	for i := range rep.Rows {
		if who, ok := by[rep.Rows[i].ApplicationID]; ok {
			rep.Rows[i].KeptBy = who
		}
	}
	for i := range rep.Disagreements {
		if who, ok := by[rep.Disagreements[i].ApplicationID]; ok {
			rep.Disagreements[i].KeptBy = who
		}
	}
	return rep, nil
}

// Override is a live rejection of the rule a recruiter overrode with "Keep
// in process": a human said the rule was wrong about this candidate.
type Override struct {
	ExecutionID   string    `json:"execution_id"`
	ApplicationID string    `json:"application_id"`
	CandidateName string    `json:"candidate_name,omitempty"`
	By            string    `json:"by"`
	At            time.Time `json:"at"`
}

func ref(r domain.Rule) RuleRef {
	return RuleRef{ID: r.ID, Name: r.Name, Version: r.Version, JobID: r.JobID, PlanID: r.InterviewPlanID, StageID: r.InterviewStageID}
}

// Evaluate replays q over a loaded set. It is pure: the same set and query
// give the same report.
func Evaluate(set store.BacktestSet, q Query, opts Options) Report {
	return evaluate(context.Background(), set, q, opts, nil)
}

// evaluate is Evaluate rendering summaries with names (nil: the set's
// stage titles and the schedules' interviewers only).
func evaluate(ctx context.Context, set store.BacktestSet, q Query, opts Options, names explain.Names) Report {
	rr := explain.New(ctx, names)
	for _, st := range set.Stages {
		rr.Seed(explain.KindStage, st.ID, st.Title)
	}
	rule := q.Rule
	rule.Active = true
	rules := []domain.Rule{rule}
	var baseRules []domain.Rule
	rep := Report{Rule: ref(rule), GeneratedAt: q.Now, Rows: []Row{}, Disagreements: []Row{}}
	rep.Rule.StageTitle, _ = rr.Lookup(explain.KindStage, rule.InterviewStageID)
	if rule.JobID != "" {
		rep.Rule.JobTitle, _ = rr.Lookup(explain.KindJob, rule.JobID)
	}
	if q.Baseline != nil {
		b := *q.Baseline
		b.Active = true
		baseRules = []domain.Rule{b}
		br := ref(b)
		rep.Baseline = &br
		rep.Flips = []Flip{}
	}
	if !q.Since.IsZero() {
		s := q.Since
		rep.Since = &s
	}
	rep.Confusion = Confusion{Rows: slices.Clone(Predicted), Columns: slices.Clone(Actual), Cells: make([][]int, len(Predicted))}
	for i := range rep.Confusion.Cells {
		rep.Confusion.Cells[i] = make([]int, len(Actual))
	}
	stages := make(map[string]domain.Stage, len(set.Stages))
	for _, st := range set.Stages {
		stages[st.ID] = st
	}

	for _, sched := range set.Schedules {
		_, ok := engine.Match(rules, sched.JobID, sched.InterviewPlanID, sched.InterviewStageID)
		if !ok && (baseRules == nil || !matches(baseRules, sched)) {
			continue
		}
		visit, next, found := visitOf(set.History[sched.ApplicationID], sched)
		switch {
		case !found:
			rep.NoHistory++
			continue
		case visit.LeftAt == nil:
			rep.Open++
			continue
		case !q.Since.IsZero() && visit.LeftAt.Before(q.Since):
			continue
		}
		decided := *visit.LeftAt
		fb := feedbackBy(set.Feedback[sched.ApplicationID], decided)
		d, at := decide(sched, rules, fb, decided, opts)
		actual, stage := actualOf(next, visit, stages)
		row := Row{
			ScheduleID: sched.ID, ApplicationID: sched.ApplicationID, CandidateID: sched.CandidateID,
			CandidateName: set.CandidateNames[sched.ApplicationID], JobID: sched.JobID,
			DecidedAt: decided, EvaluatedAt: at, Predicted: predicted(d.Outcome), Actual: actual,
			ActualStage: stage, Agreement: agreement(d.Outcome, actual), Summary: rr.SeedSchedule(sched).Summary(d),
			Reasons: d.Reasons,
		}
		rep.Judged++
		rep.count(row)
		if baseRules != nil {
			bd, _ := decide(sched, baseRules, fb, decided, opts)
			if predicted(bd.Outcome) != row.Predicted {
				rep.Flips = append(rep.Flips, Flip{Row: row, From: predicted(bd.Outcome), FromSummary: rr.Summary(bd)})
			}
		}
		rep.Rows = append(rep.Rows, row)
	}
	recentFirst := func(a, b Row) int {
		return cmp.Or(b.DecidedAt.Compare(a.DecidedAt), strings.Compare(a.ScheduleID, b.ScheduleID))
	}
	slices.SortFunc(rep.Rows, recentFirst)
	for _, r := range rep.Rows {
		if r.Agreement == "disagree" {
			rep.Disagreements = append(rep.Disagreements, r)
		}
	}
	slices.SortFunc(rep.Flips, func(a, b Flip) int { return recentFirst(a.Row, b.Row) })
	return rep
}

func matches(rules []domain.Rule, s domain.Schedule) bool {
	_, ok := engine.Match(rules, s.JobID, s.InterviewPlanID, s.InterviewStageID)
	return ok
}

func (rep *Report) count(r Row) {
	switch r.Predicted {
	case domain.OutcomeAdvance:
		rep.Counts.Advance++
	case domain.OutcomeReject:
		rep.Counts.Reject++
	case domain.OutcomeWait:
		rep.Counts.Wait++
	case domain.OutcomeTimeout:
		rep.Counts.Timeout++
	default:
		rep.Counts.Skip++
	}
	i, j := slices.Index(Predicted, r.Predicted), slices.Index(Actual, r.Actual)
	rep.Confusion.Cells[i][j]++
	switch r.Agreement {
	case "agree":
		rep.Agree++
	case "disagree":
		rep.Disagree++
	}
}

func predicted(outcome string) string {
	if outcome == domain.OutcomeNoRule {
		return domain.OutcomeSkip
	}
	return outcome
}

func agreement(outcome, actual string) string {
	switch {
	case outcome == domain.OutcomeAdvance && actual == ActualAdvanced,
		outcome == domain.OutcomeReject && actual == ActualArchived:
		return "agree"
	case outcome == domain.OutcomeAdvance && actual == ActualArchived,
		outcome == domain.OutcomeReject && actual == ActualAdvanced:
		return "disagree"
	}
	return ""
}

// decide runs the engine as live evaluation would at the decision time: a
// min-wait wait is evaluated again when the min wait ends, with the same
// feedback.
func decide(s domain.Schedule, rules []domain.Rule, fb []domain.Feedback, at time.Time, opts Options) (domain.Decision, time.Time) {
	in := engine.Input{Schedule: s, Rules: rules, Feedback: fb, Now: at, MinWait: opts.MinWait, Timeout: opts.Timeout}
	d := engine.Evaluate(in)
	if d.Outcome == domain.OutcomeWait && d.DueAt != nil && len(d.Reasons) > 0 && d.Reasons[0].Code == engine.CodeMinWait {
		in.Now = *d.DueAt
		d = engine.Evaluate(in)
	}
	return d, in.Now
}

// feedbackBy returns the submissions made at or before t; fb is sorted by
// submission time.
func feedbackBy(fb []domain.Feedback, t time.Time) []domain.Feedback {
	n := sort.Search(len(fb), func(i int) bool { return fb[i].SubmittedAt.After(t) })
	return fb[:n:n]
}

// visitOf finds the application's visit to the schedule's stage that the
// schedule belongs to (the last one entered before its first interview) and
// the visit after it.
func visitOf(visits []domain.StageVisit, s domain.Schedule) (visit domain.StageVisit, next *domain.StageVisit, found bool) {
	ref := s.CreatedAt
	for _, e := range s.Events {
		if ref.IsZero() || (!e.StartTime.IsZero() && e.StartTime.Before(ref)) {
			ref = e.StartTime
		}
	}
	idx := -1
	for i, v := range visits {
		if v.StageID != s.InterviewStageID {
			continue
		}
		if idx < 0 || !v.EnteredAt.After(ref) {
			idx = i
		}
	}
	if idx < 0 {
		return domain.StageVisit{}, nil, false
	}
	visit = visits[idx]
	if visit.LeftAt != nil {
		for i := idx + 1; i < len(visits); i++ {
			if !visits[i].EnteredAt.Before(*visit.LeftAt) {
				next = &visits[i]
				break
			}
		}
		if next == nil && idx+1 < len(visits) {
			next = &visits[idx+1]
		}
	}
	return visit, next, true
}

// actualOf classifies where the application went after the visit.
func actualOf(next *domain.StageVisit, visit domain.StageVisit, stages map[string]domain.Stage) (actual, stage string) {
	if next == nil {
		return ActualOther, ""
	}
	stage = cmp.Or(next.Title, next.StageID)
	st, ok := stages[next.StageID]
	if !ok {
		if strings.EqualFold(next.Title, "Archived") {
			return ActualArchived, stage
		}
		return ActualAdvanced, stage
	}
	stage = cmp.Or(st.Title, stage)
	switch st.Type {
	case "Archived":
		return ActualArchived, stage
	case "Hired":
		return ActualAdvanced, stage
	}
	if from, ok := stages[visit.StageID]; ok && st.Order <= from.Order {
		return ActualOther, stage
	}
	return ActualAdvanced, stage
}

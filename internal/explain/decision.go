package explain

import (
	"context"
	"encoding/json"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// DecisionSource is what rendering a recorded decision reads: the name
// caches and the schedule, whose assignments name its interviewers
// (implemented by store.Store).
type DecisionSource interface {
	Caches
	GetSchedule(ctx context.Context, id string) (domain.Schedule, error)
}

// RenderedReason is a reason with its ids and values (domain.Reason) beside
// the names and the sentence people read.
type RenderedReason struct {
	domain.Reason
	InterviewerName string `json:"interviewer_name,omitempty"`
	InterviewTitle  string `json:"interview_title,omitempty"`
	FieldTitle      string `json:"field_title,omitempty"`
	Text            string `json:"text"`
}

// Reasons renders every reason of d with its names.
func (r *Renderer) Reasons(d domain.Decision) []RenderedReason {
	out := make([]RenderedReason, 0, len(d.Reasons))
	for _, rs := range d.Reasons {
		j := RenderedReason{Reason: rs, Text: r.Reason(rs, d.Reasons)}
		if rs.InterviewerID != "" {
			j.InterviewerName = r.Name(KindInterviewer, rs.InterviewerID)
		}
		if rs.InterviewID != "" {
			j.InterviewTitle = r.Name(KindInterview, rs.InterviewID)
		}
		if rs.Field != "" {
			j.FieldTitle = r.Field(rs.InterviewID, rs.Field)
		}
		out = append(out, j)
	}
	return out
}

// Decision is a recorded decision (one advancement_executions row) as
// people read it: the row, the engine's decision it stored, the names of
// what it refers to and its sentences. A name is empty when the caches do
// not know it; the sentences then say "unknown ..." instead.
type Decision struct {
	Execution domain.Execution
	// Decision is the engine's decision as recorded (outcome, summary, due
	// time, reasons); rows without stored reasons have the row's outcome
	// and summary.
	Decision       domain.Decision
	CandidateName  string
	JobTitle       string
	RuleName       string
	FromStageTitle string
	ToStageTitle   string
	// SummaryText is the decision in one sentence ("Reject: 1 of 3
	// interviewers gave ..."), Explanation the same without the outcome.
	SummaryText string
	Explanation string
	Reasons     []RenderedReason
	// FailureText is the row's failure reason with names for the ids it
	// holds ("application left stage Phone Screen before aaa acted").
	FailureText string
}

// Failure renders a free-text failure reason: each id in it that the
// caches know (a stage, job, application, interviewer or interview) becomes
// its name; an unknown id is shown in a code span.
func (r *Renderer) Failure(s string) string {
	return uuidRe.ReplaceAllStringFunc(s, func(id string) string {
		for _, k := range []string{KindStage, KindJob, KindCandidate, KindInterviewer, KindInterview} {
			if n := r.lookup(k, id); n != "" {
				return n
			}
		}
		return Code(id)
	})
}

// Decisions renders recorded decisions with names. It is the one rendering
// of a decision for the admin API, its CSV and `aaa decisions`. Names are
// memoised across the decisions it renders, so use one per request or
// export; it is not safe for concurrent use.
type Decisions struct {
	ctx    context.Context
	src    DecisionSource
	rr     *Renderer
	seeded map[string]bool   // schedules whose interviewers are seeded
	jobOf  map[string]string // application id -> job id
}

// NewDecisions returns a renderer of decisions over src's caches.
func NewDecisions(ctx context.Context, src DecisionSource) *Decisions {
	return &Decisions{ctx: ctx, src: src, rr: NewStoreNames(src, nil).Renderer(ctx),
		seeded: map[string]bool{}, jobOf: map[string]string{}}
}

// Render renders one recorded decision.
func (d *Decisions) Render(e domain.Execution) Decision {
	out := Decision{Execution: e}
	dec := &out.Decision
	if len(e.Reasons) > 0 {
		// A row whose reasons do not parse still renders from its summary.
		_ = json.Unmarshal(e.Reasons, dec)
	}
	if dec.Outcome == "" {
		dec.Outcome = e.Outcome
	}
	if dec.Summary == "" {
		dec.Summary = e.Summary
	}
	scheduleJob := ""
	if !d.seeded[e.ScheduleID] {
		d.seeded[e.ScheduleID] = true
		if s, err := d.src.GetSchedule(d.ctx, e.ScheduleID); err == nil {
			d.rr.SeedSchedule(s)
			scheduleJob = s.JobID
		}
	}
	rr := d.rr
	out.Reasons = rr.Reasons(*dec)
	out.SummaryText, out.Explanation = rr.Summary(*dec), rr.Explanation(*dec)
	out.CandidateName, _ = rr.Lookup(KindCandidate, e.ApplicationID)
	if e.FailureReason != "" {
		out.FailureText = rr.Failure(e.FailureReason)
	}
	jobID, ok := d.jobOf[e.ApplicationID]
	if !ok {
		if app, err := d.src.GetApplication(d.ctx, e.ApplicationID); err == nil {
			jobID = app.JobID
		}
		if jobID == "" {
			jobID = scheduleJob
		}
		d.jobOf[e.ApplicationID] = jobID
	}
	if jobID != "" {
		out.JobTitle, _ = rr.Lookup(KindJob, jobID)
	}
	if e.RuleID != "" {
		out.RuleName, _ = rr.Lookup(KindRule, e.RuleID)
	}
	if e.FromStageID != "" {
		out.FromStageTitle, _ = rr.Lookup(KindStage, e.FromStageID)
	}
	if e.ToStageID != "" {
		out.ToStageTitle, _ = rr.Lookup(KindStage, e.ToStageID)
	}
	return out
}

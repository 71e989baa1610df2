package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// Input is everything one evaluation needs. No I/O, no clock, no logger, no
// context: the caller loads it and passes Now.
type Input struct {
	// Schedule is the schedule to decide on, with Events[].Interviewers filled.
	Schedule domain.Schedule
	// Rules are the candidate rules; Evaluate matches them (see [Match]) and
	// ignores inactive ones.
	Rules []domain.Rule
	// Feedback is the feedback of the schedule's application; submissions
	// for events of other schedules are ignored.
	Feedback []domain.Feedback
	// Now is the evaluation time.
	Now time.Time
	// MinWait is the global minimum wait after the newest submission;
	// Rule.MinWaitMinutes > 0 overrides it. Zero disables it.
	MinWait time.Duration
	// Timeout is the global feedback timeout counted from the end of the
	// schedule's last event; Rule.TimeoutDays > 0 overrides it. Zero disables
	// it.
	Timeout time.Duration
}

// Evaluate decides on one schedule. See the package documentation for the
// order of checks and the meaning of each outcome. Every decision but advance
// carries at least one reason; advance carries the per-requirement and
// per-interviewer pass reasons.
func Evaluate(in Input) domain.Decision {
	s := in.Schedule
	if s.Cancelled || s.Status == domain.StatusCancelled {
		return decide(domain.Decision{}, domain.OutcomeSkip, "skip: schedule is cancelled",
			domain.Reason{Code: CodeScheduleCancelled, Message: "the schedule is cancelled"})
	}
	if s.InterviewPlanID == "" || s.InterviewStageID == "" {
		var missing []string
		if s.InterviewPlanID == "" {
			missing = append(missing, "interview plan id")
		}
		if s.InterviewStageID == "" {
			missing = append(missing, "interview stage id")
		}
		msg := "schedule metadata missing: " + strings.Join(missing, ", ")
		return decide(domain.Decision{}, domain.OutcomeSkip, "skip: "+msg,
			domain.Reason{Code: CodeMetadataMissing, Message: msg})
	}
	if len(s.Events) == 0 {
		return decide(domain.Decision{}, domain.OutcomeSkip, "skip: schedule has no events",
			domain.Reason{Code: CodeNoEvents, Message: "the schedule has no interview events"})
	}

	rule, ok := Match(in.Rules, s.JobID, s.InterviewPlanID, s.InterviewStageID)
	if !ok {
		msg := fmt.Sprintf("no active rule for plan %s, stage %s", s.InterviewPlanID, s.InterviewStageID)
		if s.JobID != "" {
			msg += ", job " + s.JobID
		}
		return decide(domain.Decision{}, domain.OutcomeNoRule, "no_rule: "+msg,
			domain.Reason{Code: CodeNoMatchingRule, JobID: s.JobID, PlanID: s.InterviewPlanID, StageID: s.InterviewStageID, Message: msg})
	}
	d := domain.Decision{RuleID: rule.ID, RuleVersion: rule.Version, Mode: rule.Mode}
	if len(rule.Requirements) == 0 {
		return decide(d, domain.OutcomeSkip, "skip: rule "+rule.ID+" has no requirements",
			domain.Reason{Code: CodeRuleHasNoRequirements, Message: "a rule without requirements never advances"})
	}

	minWait, timeout := in.MinWait, in.Timeout
	if rule.MinWaitMinutes > 0 {
		minWait = time.Duration(rule.MinWaitMinutes) * time.Minute
	}
	if rule.TimeoutDays > 0 {
		timeout = time.Duration(rule.TimeoutDays) * 24 * time.Hour
	}

	reqs := sortedRequirements(rule.Requirements)
	seats := expectedSeats(s, in.Feedback)
	scheduled := make(map[string]bool, len(s.Events))
	lastEnd := s.Events[0].EndTime
	for _, e := range s.Events {
		scheduled[e.InterviewID] = true
		if e.EndTime.After(lastEnd) {
			lastEnd = e.EndTime
		}
	}
	byInterview := make(map[string][]seat)
	for _, st := range seats {
		byInterview[st.InterviewID] = append(byInterview[st.InterviewID], st)
	}

	// Requirements that block a decision, or are ignored, before any value is
	// read.
	var blocking, ignored []domain.Reason
	applicable := 0
	for _, rq := range reqs {
		r := requirementBase(rq)
		switch {
		case !scheduled[rq.InterviewID] && rq.Required:
			r.Code = CodeRequiredInterviewNotScheduled
			r.Message = fmt.Sprintf("required interview %s is not scheduled yet", rq.InterviewID)
			blocking = append(blocking, r)
			applicable++
		case !scheduled[rq.InterviewID]:
			r.Code, r.Passed = CodeOptionalInterviewNotScheduled, ptr(true)
			r.Message = fmt.Sprintf("optional interview %s is not scheduled; requirement ignored", rq.InterviewID)
			ignored = append(ignored, r)
		case len(byInterview[rq.InterviewID]) == 0:
			r.Code = CodeNoExpectedInterviewers
			r.Message = fmt.Sprintf("nobody on interview %s owes feedback", rq.InterviewID)
			blocking = append(blocking, r)
			applicable++
		default:
			applicable++
		}
	}
	if applicable == 0 {
		reasons := append([]domain.Reason{{Code: CodeNoApplicableRequirements,
			Message: "every requirement names an optional interview that is not scheduled"}}, ignored...)
		return decide(d, domain.OutcomeSkip, "skip: no requirement of rule "+rule.ID+" applies to this schedule", reasons...)
	}

	var missing []seat
	for _, st := range seats {
		if !st.Submitted {
			missing = append(missing, st)
		}
	}
	if len(missing) > 0 || len(blocking) > 0 {
		return incomplete(d, in.Now, lastEnd, timeout, missing, blocking, ignored, len(seats))
	}

	// Complete. Give late edits and second thoughts the min wait.
	var newest time.Time
	for _, st := range seats {
		if st.SubmittedAt.After(newest) {
			newest = st.SubmittedAt
		}
	}
	if minWait > 0 && in.Now.Before(newest.Add(minWait)) {
		due := newest.Add(minWait)
		msg := fmt.Sprintf("newest feedback was submitted at %s; min wait %s ends at %s",
			stamp(newest), minWait, stamp(due))
		d.DueAt = &due
		return decide(d, domain.OutcomeWait, "wait: "+msg, domain.Reason{Code: CodeMinWait, At: &due, Message: msg})
	}

	passedAll := true
	var parts, failedParts []string
	var reasons []domain.Reason
	for _, rq := range reqs {
		if !scheduled[rq.InterviewID] {
			continue // optional and unscheduled: already in ignored
		}
		res := evalRequirement(rq, byInterview[rq.InterviewID])
		reasons = append(reasons, res.reasons...)
		parts = append(parts, res.summary)
		if !res.passed {
			passedAll = false
			failedParts = append(failedParts, res.summary)
		}
	}
	reasons = append(reasons, ignored...)
	if passedAll {
		return decide(d, domain.OutcomeAdvance, "advance: "+strings.Join(parts, "; "), reasons...)
	}
	return decide(d, domain.OutcomeReject, "reject: "+strings.Join(failedParts, "; "), reasons...)
}

// incomplete decides a schedule whose feedback is not all in: wait, or
// timeout once the timeout after the last event has passed.
func incomplete(d domain.Decision, now, lastEnd time.Time, timeout time.Duration,
	missing []seat, blocking, ignored []domain.Reason, expected int) domain.Decision {
	var reasons []domain.Reason
	var pending *time.Time // earliest end of a not-ended event still owing feedback
	seenEvent := map[string]bool{}
	ids := make([]string, 0, len(missing))
	for _, st := range missing {
		reasons = append(reasons, domain.Reason{
			Code:          CodeFeedbackMissing,
			InterviewID:   st.InterviewID,
			EventID:       st.EventID,
			InterviewerID: st.Interviewer.InterviewerID,
			Message:       fmt.Sprintf("interviewer %s has not submitted feedback for interview %s", st.Interviewer.InterviewerID, st.InterviewID),
		})
		ids = append(ids, st.Interviewer.InterviewerID)
		if st.EventEnd.After(now) {
			if pending == nil || st.EventEnd.Before(*pending) {
				end := st.EventEnd
				pending = &end
			}
			if !seenEvent[st.EventID] {
				seenEvent[st.EventID] = true
				end := st.EventEnd
				reasons = append(reasons, domain.Reason{
					Code:        CodeEventNotEnded,
					InterviewID: st.InterviewID,
					EventID:     st.EventID,
					At:          &end,
					Message:     fmt.Sprintf("event %s ends at %s", st.EventID, stamp(st.EventEnd)),
				})
			}
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	reasons = append(reasons, blocking...)
	reasons = append(reasons, ignored...)
	slices.SortStableFunc(reasons, func(a, b domain.Reason) int {
		return cmp.Or(
			strings.Compare(a.Code, b.Code),
			strings.Compare(a.RequirementID, b.RequirementID),
			strings.Compare(a.InterviewID, b.InterviewID),
			strings.Compare(a.EventID, b.EventID),
			strings.Compare(a.InterviewerID, b.InterviewerID),
		)
	})

	what := incompleteSummary(len(missing), expected, blocking)
	if pending != nil {
		d.DueAt = pending
		return decide(d, domain.OutcomeWait, fmt.Sprintf("wait: %s; re-check when an event ends at %s", what, stamp(*pending)), reasons...)
	}
	if timeout > 0 && !now.Before(lastEnd.Add(timeout)) {
		msg := fmt.Sprintf("feedback incomplete %s after the last interview ended at %s", timeout, stamp(lastEnd))
		if len(ids) > 0 {
			msg += "; still owed by " + strings.Join(ids, ", ")
		}
		head := domain.Reason{Code: CodeFeedbackTimeout, Missing: ids, Message: msg}
		return decide(d, domain.OutcomeTimeout, fmt.Sprintf("timeout: %s since %s", what, stamp(lastEnd)),
			append([]domain.Reason{head}, reasons...)...)
	}
	head := domain.Reason{Code: CodeAwaitingFeedback, Missing: ids, Message: what}
	summary := "wait: " + what
	if timeout > 0 {
		due := lastEnd.Add(timeout)
		d.DueAt = &due
		summary += "; times out at " + stamp(due)
	}
	return decide(d, domain.OutcomeWait, summary, append([]domain.Reason{head}, reasons...)...)
}

func incompleteSummary(missing, expected int, blocking []domain.Reason) string {
	var parts []string
	if missing > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d expected interviewers have not submitted feedback", missing, expected))
	}
	notScheduled, nobody := 0, 0
	for _, r := range blocking {
		if r.Code == CodeRequiredInterviewNotScheduled {
			notScheduled++
		} else {
			nobody++
		}
	}
	if notScheduled > 0 {
		parts = append(parts, fmt.Sprintf("%d required interview(s) not scheduled", notScheduled))
	}
	if nobody > 0 {
		parts = append(parts, fmt.Sprintf("%d requirement(s) on an interview nobody owes feedback for", nobody))
	}
	return strings.Join(parts, "; ")
}

// sortedRequirements returns a copy of reqs in a canonical order.
func sortedRequirements(reqs []domain.Requirement) []domain.Requirement {
	out := slices.Clone(reqs)
	slices.SortFunc(out, func(a, b domain.Requirement) int {
		return cmp.Or(
			cmp.Compare(a.Position, b.Position),
			strings.Compare(a.ID, b.ID),
			strings.Compare(a.InterviewID, b.InterviewID),
			strings.Compare(a.FieldPath, b.FieldPath),
			strings.Compare(a.Operator, b.Operator),
			strings.Compare(a.Threshold, b.Threshold),
			strings.Compare(a.Aggregate, b.Aggregate),
			boolCompare(a.Required, b.Required),
		)
	})
	return out
}

func decide(d domain.Decision, outcome, summary string, reasons ...domain.Reason) domain.Decision {
	d.Outcome = outcome
	d.Summary = summary
	d.Reasons = reasons
	if d.Reasons == nil {
		d.Reasons = []domain.Reason{}
	}
	return d
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

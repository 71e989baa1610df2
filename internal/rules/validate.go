package rules

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Problem is one reason a rule is invalid, shaped like the seed's
// validation details: a kind, where (a path of field names and indexes), a
// message and the offending input.
type Problem struct {
	Type  string `json:"type"`
	Loc   []any  `json:"loc"`
	Msg   string `json:"msg"`
	Input any    `json:"input,omitempty"`
}

// Problem kinds.
const (
	ProblemMissing  = "missing"
	ProblemInvalid  = "value_error"
	ProblemType     = "type_error"
	ProblemNotFound = "not_found"
	ProblemExtra    = "extra_forbidden"
)

// String renders the problem as "a.b[0].c: message".
func (p Problem) String() string {
	var b strings.Builder
	for i, l := range p.Loc {
		switch v := l.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, v)
		}
	}
	if b.Len() == 0 {
		return p.Msg
	}
	return b.String() + ": " + p.Msg
}

// ValidationError lists every problem found; it wraps domain.ErrInvalid.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "invalid rules:\n  " + strings.Join(lines, "\n  ")
}

// Unwrap makes errors.Is(err, domain.ErrInvalid) true.
func (e *ValidationError) Unwrap() error { return domain.ErrInvalid }

// Canonical aggregate spellings.
const aggCountPrefix = "count>="

// CanonicalAggregate returns the canonical spelling of an aggregate ("" is
// each) and whether the engine supports it.
func CanonicalAggregate(agg string) (string, bool) {
	a := strings.ToLower(strings.Join(strings.Fields(agg), ""))
	switch a {
	case "":
		return domain.AggEach, true
	case domain.AggEach, domain.AggAvg, domain.AggMin, domain.AggMax:
		return a, true
	}
	if rest, ok := strings.CutPrefix(a, aggCountPrefix); ok {
		if k, err := strconv.Atoi(rest); err == nil && k >= 1 {
			return aggCountPrefix + strconv.Itoa(k), true
		}
	}
	return a, false
}

func isNumericOp(op string) bool {
	return op == domain.OpGE || op == domain.OpGT || op == domain.OpLE || op == domain.OpLT
}

// MaxDays bounds a rule's durations (timeout_days, and min_wait_minutes
// in minutes): longer ones are typos, and would overflow a time.Duration.
const MaxDays = 365

// ActionTypes are the rule action types aaa accepts: the two the seed
// documents as working. The types its docs announced but never ran
// (send_email, create_task, update_field, add_tag) are refused with a 422,
// so a rule never claims an action nobody carries out.
var ActionTypes = []string{"advance_stage", "send_rejection_notification"}

// CheckShape validates what needs no database: mode, on-reject action,
// numbers, the reject delay, operators, aggregates and thresholds.
// Locations use the admin API's field names, under prefix.
func CheckShape(r domain.Rule, prefix ...any) []Problem {
	ps := textProblems(r, prefix...)
	add := func(typ, msg string, input any, loc ...any) {
		ps = append(ps, Problem{Type: typ, Loc: append(slices.Clone(prefix), loc...), Msg: msg, Input: input})
	}
	if r.Mode != domain.ModeShadow && r.Mode != domain.ModeLive {
		add(ProblemInvalid, "mode must be shadow or live", r.Mode, "mode")
	}
	if r.OnReject != domain.OnRejectNotify && r.OnReject != domain.OnRejectArchive {
		add(ProblemInvalid, "on_reject must be notify or archive", r.OnReject, "on_reject")
	}
	if r.TimeoutDays < 0 {
		add(ProblemInvalid, "timeout_days must be 0 (use the global setting) or more", r.TimeoutDays, "timeout_days")
	} else if r.TimeoutDays > MaxDays {
		add(ProblemInvalid, fmt.Sprintf("timeout_days must be at most %d (a year)", MaxDays), r.TimeoutDays, "timeout_days")
	}
	if r.MinWaitMinutes < 0 {
		add(ProblemInvalid, "min_wait_minutes must be 0 (use the global setting) or more", r.MinWaitMinutes, "min_wait_minutes")
	} else if r.MinWaitMinutes > MaxDays*24*60 {
		add(ProblemInvalid, fmt.Sprintf("min_wait_minutes must be at most %d (%d days)", MaxDays*24*60, MaxDays), r.MinWaitMinutes, "min_wait_minutes")
	}
	switch {
	case r.RejectDelay < 0:
		add(ProblemInvalid, "reject_delay must be 0 (archive at once) or more", FormatDelay(r.RejectDelay), "reject_delay")
	case r.RejectDelay > MaxRejectDelay:
		add(ProblemInvalid, "reject_delay must be at most 7 days (168h)", FormatDelay(r.RejectDelay), "reject_delay")
	case r.RejectDelay%time.Second != 0:
		add(ProblemInvalid, "reject_delay must be a whole number of seconds", FormatDelay(r.RejectDelay), "reject_delay")
	}
	for i, a := range r.Actions {
		if !slices.Contains(ActionTypes, a.ActionType) {
			add(ProblemInvalid, "action_type must be one of "+strings.Join(ActionTypes, ", "), a.ActionType, "actions", i, "action_type")
		}
	}
	if r.InterviewPlanID == "" {
		add(ProblemMissing, "Field required", nil, "interview_plan_id")
	}
	if r.InterviewStageID == "" {
		add(ProblemMissing, "Field required", nil, "interview_stage_id")
	}
	if r.TargetStageID != "" && r.TargetStageID == r.InterviewStageID {
		add(ProblemInvalid, "target_stage_id is the rule's own stage", r.TargetStageID, "target_stage_id")
	}
	if len(r.Requirements) == 0 {
		// A rule without requirements would advance everyone (a seed bug).
		add(ProblemInvalid, "a rule needs at least one requirement", nil, "requirements")
	}
	for i, q := range r.Requirements {
		loc := func(f string) []any { return []any{"requirements", i, f} }
		if q.InterviewID == "" {
			add(ProblemMissing, "Field required", nil, loc("interview_id")...)
		}
		if strings.TrimSpace(q.FieldPath) == "" {
			add(ProblemMissing, "Field required", nil, loc("score_field_path")...)
		}
		opOK := slices.Contains(domain.Operators, q.Operator)
		if !opOK {
			add(ProblemInvalid, "operator must be one of "+strings.Join(domain.Operators, " "), q.Operator, loc("operator")...)
		}
		agg, aggOK := CanonicalAggregate(q.Aggregate)
		if !aggOK {
			add(ProblemInvalid, "aggregate must be each, avg, min, max or count>=k (k >= 1)", q.Aggregate, loc("aggregate")...)
		}
		if aggOK && opOK && q.Operator == domain.OpIn && (agg == domain.AggAvg || agg == domain.AggMin || agg == domain.AggMax) {
			add(ProblemInvalid, "aggregate "+agg+" compares one number; it cannot use the in operator", q.Aggregate, loc("aggregate")...)
		}
		if !opOK {
			continue
		}
		switch {
		case isNumericOp(q.Operator):
			if _, err := engine.Compare(0.0, q.Operator, q.Threshold); errors.Is(err, engine.ErrInvalidThreshold) {
				add(ProblemInvalid, "operator "+q.Operator+" needs a numeric threshold_value", q.Threshold, loc("threshold_value")...)
			}
		case q.Operator == domain.OpIn:
			if _, err := engine.Compare("", q.Operator, q.Threshold); errors.Is(err, engine.ErrInvalidThreshold) {
				add(ProblemInvalid, "operator in needs a comma-separated list of options", q.Threshold, loc("threshold_value")...)
			}
		case strings.TrimSpace(q.Threshold) == "":
			add(ProblemMissing, "threshold_value is required", q.Threshold, loc("threshold_value")...)
		}
	}
	return ps
}

// CheckMetadata validates that the rule's ids exist in the synced metadata:
// the plan, the stage (of that plan), the target stage (of that plan), the
// job and its plans, the interviews and the archive reason. Locations use the admin API's field names, under prefix.
func CheckMetadata(ctx context.Context, md store.MetadataStore, r domain.Rule, prefix ...any) ([]Problem, error) {
	if len(textProblems(r)) > 0 {
		// CheckShape reports them; ids a store cannot hold cannot be looked up.
		return nil, nil
	}
	var ps []Problem
	add := func(typ, msg string, input any, loc ...any) {
		ps = append(ps, Problem{Type: typ, Loc: append(slices.Clone(prefix), loc...), Msg: msg, Input: input})
	}
	const hint = " (sync metadata first: POST /admin/sync-metadata)"
	planOK := false
	if r.InterviewPlanID != "" {
		plans, err := md.ListPlans(ctx)
		if err != nil {
			return nil, err
		}
		planOK = slices.ContainsFunc(plans, func(p domain.Plan) bool { return p.ID == r.InterviewPlanID })
		if !planOK {
			add(ProblemNotFound, "interview plan "+r.InterviewPlanID+" does not exist"+hint, r.InterviewPlanID, "interview_plan_id")
		}
	}
	checkStage := func(id, field string) error {
		if id == "" {
			return nil
		}
		st, err := md.GetStage(ctx, id)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			add(ProblemNotFound, "interview stage "+id+" does not exist"+hint, id, field)
		case err != nil:
			return err
		case planOK && st.PlanID != r.InterviewPlanID:
			add(ProblemInvalid, fmt.Sprintf("interview stage %s belongs to plan %s, not to %s", id, st.PlanID, r.InterviewPlanID), id, field)
		}
		return nil
	}
	if err := checkStage(r.InterviewStageID, "interview_stage_id"); err != nil {
		return nil, err
	}
	if err := checkStage(r.TargetStageID, "target_stage_id"); err != nil {
		return nil, err
	}
	if r.JobID != "" {
		_, err := md.GetJob(ctx, r.JobID)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			add(ProblemNotFound, "job "+r.JobID+" does not exist"+hint, r.JobID, "job_id")
		case err != nil:
			return nil, err
		case planOK:
			plans, err := md.ListPlansForJob(ctx, r.JobID)
			if err != nil {
				return nil, err
			}
			if len(plans) > 0 && !slices.ContainsFunc(plans, func(p domain.Plan) bool { return p.ID == r.InterviewPlanID }) {
				add(ProblemInvalid, "interview plan "+r.InterviewPlanID+" is not a plan of job "+r.JobID, r.InterviewPlanID, "interview_plan_id")
			}
		}
	}
	for i, q := range r.Requirements {
		if q.InterviewID == "" {
			continue
		}
		if _, err := md.GetInterview(ctx, q.InterviewID); errors.Is(err, domain.ErrNotFound) {
			add(ProblemNotFound, "interview "+q.InterviewID+" does not exist"+hint, q.InterviewID, "requirements", i, "interview_id")
		} else if err != nil {
			return nil, err
		}
	}
	if r.ArchiveReasonID != "" {
		reasons, err := md.ListArchiveReasons(ctx)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(reasons, func(a domain.ArchiveReason) bool { return a.ID == r.ArchiveReasonID }) {
			add(ProblemNotFound, "archive reason "+r.ArchiveReasonID+" does not exist"+hint, r.ArchiveReasonID, "archive_reason_id")
		}
	}
	return ps, nil
}

// Check runs CheckShape and CheckMetadata and returns a *ValidationError
// listing every problem, or nil.
func Check(ctx context.Context, md store.MetadataStore, r domain.Rule, prefix ...any) error {
	ps := CheckShape(r, prefix...)
	more, err := CheckMetadata(ctx, md, r, prefix...)
	if err != nil {
		return err
	}
	ps = append(ps, more...)
	if len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

// Normalize fills a rule's defaults (shadow mode, notify on reject, each
// aggregate) and canonicalises aggregates and operators' surrounding space.
func Normalize(r *domain.Rule) {
	if r.Mode == "" {
		r.Mode = domain.ModeShadow
	}
	if r.OnReject == "" {
		r.OnReject = domain.OnRejectNotify
	}
	for i := range r.Requirements {
		q := &r.Requirements[i]
		q.Operator = strings.ToLower(strings.TrimSpace(q.Operator))
		q.FieldPath = strings.TrimSpace(q.FieldPath)
		if a, ok := CanonicalAggregate(q.Aggregate); ok {
			q.Aggregate = a
		}
	}
}

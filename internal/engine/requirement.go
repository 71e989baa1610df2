package engine

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

const aggCountPrefix = "count>="

// aggregateName is the canonical spelling of an aggregate ("" means each).
func aggregateName(agg string) string {
	a := strings.ToLower(strings.Join(strings.Fields(agg), ""))
	if a == "" {
		return domain.AggEach
	}
	return a
}

// parseAggregate returns the canonical aggregate and, for count>=k, k.
func parseAggregate(agg string) (string, int, bool) {
	a := aggregateName(agg)
	switch a {
	case domain.AggEach, domain.AggAvg, domain.AggMin, domain.AggMax:
		return a, 0, true
	}
	if rest, ok := strings.CutPrefix(a, aggCountPrefix); ok {
		k, err := strconv.Atoi(rest)
		if err == nil && k >= 1 {
			return aggCountPrefix, k, true
		}
	}
	return a, 0, false
}

// checkThreshold reports a threshold no value could ever be compared with.
func checkThreshold(op, threshold string) error {
	switch op {
	case domain.OpEQ, domain.OpNE:
		return nil
	case domain.OpIn:
		if len(splitList(threshold)) == 0 {
			return fmt.Errorf("%w: in needs a comma-separated list", ErrInvalidThreshold)
		}
		return nil
	}
	if _, ok := parseNumber(threshold); !ok {
		return fmt.Errorf("%w: %q is not a number", ErrInvalidThreshold, threshold)
	}
	return nil
}

// reqResult is the verdict on one requirement.
type reqResult struct {
	passed  bool
	reasons []domain.Reason
	// summary is a human fragment with numbers only (no feedback text).
	summary string
}

// evalRequirement judges one requirement over the (complete) seats of its
// interview; seats is non-empty and sorted.
func evalRequirement(rq domain.Requirement, seats []seat) reqResult {
	base := requirementBase(rq)
	fail := func(code, msg string) reqResult {
		r := base
		r.Code, r.Passed, r.Message = code, ptr(false), msg
		return reqResult{reasons: []domain.Reason{r}, summary: fmt.Sprintf("%s on interview %s: %s", describe(rq), rq.InterviewID, msg)}
	}
	if !slices.Contains(domain.Operators, rq.Operator) {
		return fail(CodeUnknownOperator, fmt.Sprintf("unknown operator %q", rq.Operator))
	}
	agg, k, ok := parseAggregate(rq.Aggregate)
	if !ok {
		return fail(CodeUnknownAggregate, fmt.Sprintf("unknown aggregate %q", rq.Aggregate))
	}
	if err := checkThreshold(rq.Operator, rq.Threshold); err != nil {
		return fail(CodeInvalidThreshold, err.Error())
	}
	if agg == domain.AggEach || agg == aggCountPrefix {
		return evalEach(rq, base, agg, k, seats)
	}
	return evalAggregate(rq, base, agg, seats)
}

// evalEach judges each value; the requirement needs all (each) or k
// (count>=k) of them to pass.
func evalEach(rq domain.Requirement, base domain.Reason, agg string, k int, seats []seat) reqResult {
	var res reqResult
	passed := 0
	for _, st := range seats {
		r := seatReason(base, st)
		v, ok := LookupValue(st.values, rq.FieldPath)
		if !ok {
			r.Code, r.Passed = CodeFieldMissing, ptr(false)
			r.Message = fmt.Sprintf("interviewer %s gave no %s", st.Interviewer.InterviewerID, rq.FieldPath)
			res.reasons = append(res.reasons, r)
			continue
		}
		r.Value = shownValue(v)
		pass, err := Compare(v, rq.Operator, rq.Threshold)
		switch {
		case err != nil:
			r.Code, r.Passed = errCode(err), ptr(false)
			r.Message = fmt.Sprintf("interviewer %s: %v", st.Interviewer.InterviewerID, err)
		case pass:
			passed++
			r.Code, r.Passed = CodeInterviewerPassed, ptr(true)
			r.Message = fmt.Sprintf("interviewer %s passed %s", st.Interviewer.InterviewerID, describe(rq))
		default:
			r.Code, r.Passed = CodeInterviewerFailed, ptr(false)
			r.Message = fmt.Sprintf("interviewer %s did not pass %s", st.Interviewer.InterviewerID, describe(rq))
		}
		res.reasons = append(res.reasons, r)
	}
	need := len(seats)
	if agg == aggCountPrefix {
		need = k
	}
	res.passed = passed >= need
	res.summary = fmt.Sprintf("%d/%d interviewers passed %s on interview %s", passed, len(seats), describe(rq), rq.InterviewID)
	if agg == aggCountPrefix {
		res.summary += fmt.Sprintf(" (need %d)", k)
	}
	head := base
	head.Passed = ptr(res.passed)
	if res.passed {
		head.Code = CodeRequirementPassed
	} else {
		head.Code = CodeRequirementFailed
	}
	head.Message = res.summary
	res.reasons = append([]domain.Reason{head}, res.reasons...)
	return res
}

// evalAggregate computes avg, min or max over every value and compares it.
func evalAggregate(rq domain.Requirement, base domain.Reason, agg string, seats []seat) reqResult {
	var res reqResult
	nums := make([]float64, 0, len(seats))
	bad := 0
	for _, st := range seats {
		r := seatReason(base, st)
		v, ok := LookupValue(st.values, rq.FieldPath)
		if !ok {
			bad++
			r.Code, r.Passed = CodeFieldMissing, ptr(false)
			r.Message = fmt.Sprintf("interviewer %s gave no %s", st.Interviewer.InterviewerID, rq.FieldPath)
			res.reasons = append(res.reasons, r)
			continue
		}
		r.Value = shownValue(v)
		n, ok := number(v)
		if !ok {
			bad++
			r.Code, r.Passed = CodeNonNumericValue, ptr(false)
			r.Message = fmt.Sprintf("interviewer %s: %s of %s needs numbers", st.Interviewer.InterviewerID, agg, rq.FieldPath)
			res.reasons = append(res.reasons, r)
			continue
		}
		nums = append(nums, n)
		r.Value = n
		r.Code = CodeInterviewerValue
		r.Message = fmt.Sprintf("interviewer %s gave %s %s", st.Interviewer.InterviewerID, rq.FieldPath, formatNumber(n))
		res.reasons = append(res.reasons, r)
	}
	head := base
	if bad > 0 {
		head.Code, head.Passed = CodeRequirementFailed, ptr(false)
		res.summary = fmt.Sprintf("%s of %s on interview %s: %d/%d values unusable", agg, rq.FieldPath, rq.InterviewID, bad, len(seats))
		head.Message = res.summary
		res.reasons = append([]domain.Reason{head}, res.reasons...)
		return res
	}
	value := aggregate(agg, nums)
	head.Value = value
	pass, err := Compare(value, rq.Operator, rq.Threshold)
	switch {
	case err != nil:
		head.Code = errCode(err)
		res.summary = fmt.Sprintf("%s of %s on interview %s: %v", agg, rq.FieldPath, rq.InterviewID, err)
	case pass:
		head.Code = CodeRequirementPassed
		res.passed = true
	default:
		head.Code = CodeRequirementFailed
	}
	if err == nil {
		res.summary = fmt.Sprintf("%s %s %s %s %s over %d interviewers on interview %s (%s)",
			agg, rq.FieldPath, formatNumber(value), rq.Operator, rq.Threshold, len(nums), rq.InterviewID, passWord(pass))
	}
	head.Passed = ptr(res.passed)
	head.Message = res.summary
	res.reasons = append([]domain.Reason{head}, res.reasons...)
	return res
}

func aggregate(agg string, nums []float64) float64 {
	switch agg {
	case domain.AggMin:
		return slices.Min(nums)
	case domain.AggMax:
		return slices.Max(nums)
	}
	// Sort first so the float sum does not depend on input order.
	sorted := slices.Clone(nums)
	slices.Sort(sorted)
	sum := 0.0
	for _, n := range sorted {
		sum += n
	}
	return sum / float64(len(sorted))
}

func seatReason(base domain.Reason, st seat) domain.Reason {
	r := base
	r.EventID = st.EventID
	r.InterviewerID = st.Interviewer.InterviewerID
	return r
}

// describe renders the condition, e.g. "overall_score >= 3".
func describe(rq domain.Requirement) string {
	return fmt.Sprintf("%s %s %s", rq.FieldPath, rq.Operator, rq.Threshold)
}

func passWord(pass bool) string {
	if pass {
		return "passed"
	}
	return "failed"
}

// formatNumber prints at most two decimals.
func formatNumber(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

package engine

import (
	"errors"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// Reason codes carried in [domain.Reason].Code.
const (
	// CodeScheduleCancelled: skip, the schedule is cancelled.
	CodeScheduleCancelled = "schedule_cancelled"
	// CodeMetadataMissing: skip, the schedule lacks its plan or stage id.
	CodeMetadataMissing = "metadata_missing"
	// CodeNoEvents: skip, the schedule has no events.
	CodeNoEvents = "no_events"
	// CodeNoMatchingRule: no_rule, no active rule matches (job, plan, stage).
	CodeNoMatchingRule = "no_matching_rule"
	// CodeRuleHasNoRequirements: skip, the matched rule has no requirements.
	CodeRuleHasNoRequirements = "rule_has_no_requirements"
	// CodeNoApplicableRequirements: skip, every requirement names an optional
	// interview that is not scheduled.
	CodeNoApplicableRequirements = "no_applicable_requirements"

	// CodeFeedbackMissing: an expected interviewer has not submitted (one
	// reason per interviewer).
	CodeFeedbackMissing = "feedback_missing"
	// CodeEventNotEnded: an event with missing feedback has not ended yet.
	CodeEventNotEnded = "event_not_ended"
	// CodeRequiredInterviewNotScheduled: a required interview is not on the
	// schedule yet; the decision waits.
	CodeRequiredInterviewNotScheduled = "required_interview_not_scheduled"
	// CodeOptionalInterviewNotScheduled: an optional interview is not on the
	// schedule; its requirement is ignored.
	CodeOptionalInterviewNotScheduled = "optional_interview_not_scheduled"
	// CodeNoExpectedInterviewers: a scheduled interview named by a
	// requirement has nobody who owes feedback; the decision waits.
	CodeNoExpectedInterviewers = "no_expected_interviewers"
	// CodeAwaitingFeedback: summary reason of a wait on incomplete feedback.
	CodeAwaitingFeedback = "awaiting_feedback"
	// CodeMinWait: wait, the newest submission is younger than the min wait.
	CodeMinWait = "min_wait"
	// CodeFeedbackTimeout: timeout, feedback is still incomplete after the
	// timeout; Missing lists the interviewer ids that owe it.
	CodeFeedbackTimeout = "feedback_timeout"

	// CodeRequirementPassed and CodeRequirementFailed: one per evaluated
	// requirement.
	CodeRequirementPassed = "requirement_passed"
	CodeRequirementFailed = "requirement_failed"
	// CodeInterviewerPassed and CodeInterviewerFailed: one per interviewer for
	// the each and count>=k aggregates.
	CodeInterviewerPassed = "interviewer_passed"
	CodeInterviewerFailed = "interviewer_failed"
	// CodeInterviewerValue: one per interviewer for avg, min and max, which
	// judge the aggregate rather than each value.
	CodeInterviewerValue = "interviewer_value"
	// CodeFieldMissing: the interviewer's submission lacks the field (or it is
	// null).
	CodeFieldMissing = "field_missing"
	// CodeNonNumericValue: a numeric operator or aggregate met a non-number.
	CodeNonNumericValue = "non_numeric_value"
	// CodeUnsupportedValue: the value is an object, array or null.
	CodeUnsupportedValue = "unsupported_value"
	// CodeInvalidThreshold: the threshold cannot be compared (see
	// [ErrInvalidThreshold]).
	CodeInvalidThreshold = "invalid_threshold"
	// CodeUnknownOperator: the requirement's operator is not supported.
	CodeUnknownOperator = "unknown_operator"
	// CodeUnknownAggregate: the requirement's aggregate is not supported.
	CodeUnknownAggregate = "unknown_aggregate"
)

// errCode maps a Compare error to its reason code.
func errCode(err error) string {
	switch {
	case errors.Is(err, ErrUnknownOperator):
		return CodeUnknownOperator
	case errors.Is(err, ErrNonNumeric):
		return CodeNonNumericValue
	case errors.Is(err, ErrInvalidThreshold):
		return CodeInvalidThreshold
	}
	return CodeUnsupportedValue
}

// maxShownString bounds the strings a reason may carry; longer ones are
// treated as free text.
const maxShownString = 64

// shownValue is the value a reason may carry: numbers and booleans as they
// are, short one-line strings (select values), nothing else. Feedback free
// text never leaves the engine.
func shownValue(v any) any {
	switch x := v.(type) {
	case float64, bool:
		return x
	case string:
		if len(x) <= maxShownString && !strings.ContainsAny(x, "\r\n") {
			return x
		}
	}
	return nil
}

func ptr(b bool) *bool { return &b }

func requirementBase(rq domain.Requirement) domain.Reason {
	return domain.Reason{
		RequirementID: rq.ID,
		InterviewID:   rq.InterviewID,
		Field:         rq.FieldPath,
		Operator:      rq.Operator,
		Threshold:     rq.Threshold,
		Aggregate:     aggregateName(rq.Aggregate),
	}
}

// Package engine decides what happens to one interview schedule: advance,
// reject, wait, timeout, no_rule or skip. It is a pure function of its
// [Input]: no I/O, no clock (the caller passes Now), no logger, no context.
// The same input always gives the same [domain.Decision], whatever the order
// of events, interviewers, feedback, rules or requirements.
//
// # Contract
//
// [Evaluate] checks, in this order, and the first check that applies wins:
//
//  1. skip: the schedule is cancelled (schedule_cancelled); it has no plan or
//     stage id (metadata_missing); it has no events (no_events).
//  2. no_rule: [Match] finds no active rule for (job, plan, stage)
//     (no_matching_rule). A job-specific rule beats a global one, then the
//     higher Priority wins, then the oldest CreatedAt, then the smaller ID.
//  3. skip: the rule has no requirements (rule_has_no_requirements), or every
//     requirement names an optional interview that is not on the schedule
//     (no_applicable_requirements). Such a rule never advances anyone.
//  4. wait / timeout: the schedule is incomplete. It is incomplete while any
//     expected interviewer (see [Expected]) of any event has not submitted, a
//     required interview is not scheduled (required_interview_not_scheduled),
//     or a scheduled interview named by a requirement has nobody expected to
//     give feedback (no_expected_interviewers). Missing feedback is never a
//     reject.
//     - If an event whose feedback is missing has not ended yet, the outcome
//     is wait with DueAt = the earliest such end time (event_not_ended).
//     - Else, if a timeout is set and Now is at least the last event's end
//     plus the timeout, the outcome is timeout (feedback_timeout, with
//     Missing listing who still owes feedback), DueAt nil.
//     - Else wait; DueAt is the moment the timeout will fall due (last
//     event end + timeout) so the caller re-checks then, or nil when no
//     timeout is configured.
//  5. wait (min_wait): everything is complete but the newest counted
//     submission is younger than the minimum wait; DueAt = that submission's
//     SubmittedAt + min wait.
//  6. advance when every requirement passes, reject when any fails. Both
//     carry one reason per requirement and one per interviewer.
//
// Rule overrides: Rule.MinWaitMinutes > 0 replaces Input.MinWait and
// Rule.TimeoutDays > 0 replaces Input.Timeout; a zero or negative duration
// disables the check.
//
// # Expected feedback
//
// Per interview, the expected interviewers are the distinct assigned
// interviewers whose assignment owes feedback ([domain.Assignment.OwesFeedback]:
// shadows and not-required assignments are excluded) across every event of that
// interview. A submission counts when its EventID is one of the schedule's
// events and its author is expected for that event's interview; someone
// submitting twice counts once, with the newest submission (SubmittedAt, then
// UpdatedAt, then ID) giving the value. Submissions by anyone not expected are
// ignored. Every interview on the schedule must be complete before deciding,
// including interviews no requirement names.
//
// # Requirements and values
//
// Values are read from submittedValues by a dotted path ([LookupValue]): at
// each level an exact key wins, otherwise the path is split at its first dot;
// an array is indexed by a decimal segment. A {"score": n} object stands for n.
// [Compare] supports >=, >, <=, < (numbers and numeric strings only, else
// non_numeric_value), == and != (booleans against "true"/"false" in any case,
// numbers numerically, strings exactly, numerically when both sides are
// numeric) and in (a comma-separated list of options, each trimmed).
// Aggregates: each (also the empty string): every expected interviewer passes;
// count>=k: at least k pass; avg, min, max: the aggregate of the numeric
// values is compared once. A rule error (unknown operator or aggregate, a
// threshold that cannot be compared) fails the requirement with its own
// reason code; it is only reported once feedback is complete.
//
// # Limits
//
// Reasons carry numbers, booleans and short one-line strings (select values);
// a string longer than 64 bytes or spanning lines is withheld as free text.
// The summary never carries string values. Interviews are named by id: the
// engine does not know their titles. Events with a zero EndTime count as
// ended. Feedback is matched to events by EventID only.
package engine

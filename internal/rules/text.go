package rules

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// textProblems reports the rule's strings a store cannot keep: a NUL
// character (Postgres refuses it in text; SQLite cuts strings at it) or
// invalid UTF-8. Locations use the admin API's field names, under prefix.
func textProblems(r domain.Rule, prefix ...any) []Problem {
	var ps []Problem
	check := func(v string, loc ...any) {
		msg := ""
		switch {
		case strings.IndexByte(v, 0) >= 0:
			msg = "must not contain a NUL character"
		case !utf8.ValidString(v):
			msg = "must be valid UTF-8"
		default:
			return
		}
		ps = append(ps, Problem{Type: ProblemInvalid, Loc: append(slices.Clone(prefix), loc...), Msg: msg})
	}
	check(r.Name, "name")
	check(r.JobID, "job_id")
	check(r.InterviewPlanID, "interview_plan_id")
	check(r.InterviewStageID, "interview_stage_id")
	check(r.TargetStageID, "target_stage_id")
	check(r.Mode, "mode")
	check(r.OnReject, "on_reject")
	check(r.ArchiveReasonID, "archive_reason_id")
	check(r.CommunicationTemplateID, "communication_template_id")
	for i, q := range r.Requirements {
		check(q.InterviewID, "requirements", i, "interview_id")
		check(q.FieldPath, "requirements", i, "score_field_path")
		check(q.Operator, "requirements", i, "operator")
		check(q.Threshold, "requirements", i, "threshold_value")
		check(q.Aggregate, "requirements", i, "aggregate")
	}
	for i, a := range r.Actions {
		check(a.ActionType, "actions", i, "action_type")
		check(string(a.ActionConfig), "actions", i, "action_config")
	}
	return ps
}

package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestDecisionsSpeakNames is issue 17 for GET /admin/decisions: the ids
// stay as fields, the names sit beside them, and the summary and each
// reason are rendered with names (the form field's title from the cached
// feedback form). A row stored with only a code and a message (before
// reasons carried every field) still renders.
func TestDecisionsSpeakNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	now := time.Now()
	const ivID, graceID, ghostID = "your-interview-uuid", "0b7e8c1a-1d27-46db-a9fd-cb471941e52a", "80aa2f81-49ee-4af1-bd94-61a1b8b38ea1"
	testkit.Must(t, e.db.UpsertSchedule(ctx, domain.Schedule{ID: "sched-n", ApplicationID: "app-n", JobID: "job-1",
		InterviewPlanID: "your-plan-uuid", InterviewStageID: "your-stage-uuid", Status: "Complete", CreatedAt: now, UpdatedAt: now,
		Events: []domain.Event{{ID: "ev-n", ScheduleID: "sched-n", InterviewID: ivID, StartTime: now.Add(-2 * time.Hour),
			EndTime: now.Add(-time.Hour), Interviewers: []domain.Assignment{
				{InterviewerID: graceID, FirstName: "Grace", LastName: "Hopper", IsFeedbackRequired: true}}}}}))
	testkit.Must(t, e.db.UpsertApplication(ctx, domain.Application{ID: "app-n", JobID: "job-1", CandidateName: "Ada Lovelace",
		UpdatedAt: now}))
	reasons := `{"outcome":"reject","summary":"reject: 0/2 interviewers passed overall_score >= 3 on interview your-interview-uuid","reasons":[
		{"code":"requirement_failed","requirement_id":"r1","interview_id":"your-interview-uuid","field":"overall_score","operator":">=","threshold":"3","aggregate":"each","passed":false,"message":"x"},
		{"code":"interviewer_failed","requirement_id":"r1","interview_id":"your-interview-uuid","interviewer_id":"` + graceID + `","field":"overall_score","operator":">=","threshold":"3","aggregate":"each","value":2,"passed":false,"message":"x"},
		{"code":"interviewer_failed","requirement_id":"r1","interview_id":"your-interview-uuid","interviewer_id":"` + ghostID + `","field":"overall_score","operator":">=","threshold":"3","aggregate":"each","value":1,"passed":false,"message":"x"}]}`
	_, err := e.db.InsertExecution(ctx, domain.Execution{ScheduleID: "sched-n", ApplicationID: "app-n", Mode: domain.ModeShadow,
		Outcome: domain.OutcomeReject, Status: domain.ExecDryRun, FromStageID: "your-stage-uuid",
		Summary: "reject: 0/2 interviewers passed overall_score >= 3 on interview your-interview-uuid", Reasons: []byte(reasons)}, "")
	testkit.Must(t, err)

	r := e.do(t, "GET", "/admin/decisions?schedule_id=sched-n", "t", "")
	for path, want := range map[string]string{
		"decisions.0.application_id":             "app-n",
		"decisions.0.candidate_name":             "Ada Lovelace",
		"decisions.0.job_title":                  "Backend Engineer",
		"decisions.0.from_stage_title":           "Tech Screen",
		"decisions.0.summary_text":               "Reject: 0 of 2 interviewers gave Overall Assessment ≥ 3 on Technical Interview",
		"decisions.0.reasons.1.interviewer_id":   graceID,
		"decisions.0.reasons.1.interviewer_name": "Grace Hopper",
		"decisions.0.reasons.1.field_title":      "Overall Assessment",
		"decisions.0.reasons.1.text":             "Grace Hopper gave Overall Assessment 2 (needs ≥ 3) ✗",
		"decisions.0.reasons.2.text":             "unknown interviewer `" + ghostID + "` gave Overall Assessment 1 (needs ≥ 3) ✗",
		"decisions.0.reasons.0.interview_title":  "Technical Interview",
	} {
		if got := str(get(r.body, path)); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if t.Failed() {
		t.Logf("body: %s", r.raw)
	}

	// A preview names the scope a missing rule would cover.
	p := e.do(t, "POST", "/admin/trigger-advancement-evaluation?dry_run=true&schedule_id=sched-n", "t", "")
	for path, want := range map[string]string{
		"evaluation.decision.outcome": "no_rule",
		"evaluation.summary_text":     "No rule: no active rule for Tech Screen of Backend Engineer",
		"evaluation.candidate_name":   "Ada Lovelace",
	} {
		if got := str(get(p.body, path)); got != want {
			t.Errorf("%s = %q, want %q (body %s)", path, got, want, p.raw)
		}
	}
}

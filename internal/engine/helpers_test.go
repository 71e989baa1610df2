package engine_test

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
)

// t0 is the fixtures' reference time; the default event ends at t0+1h and the
// default evaluation runs at t0+2h.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func tp(d time.Duration) *time.Time { t := at(d); return &t }

func person(id string) domain.Assignment {
	return domain.Assignment{InterviewerID: id, IsFeedbackRequired: true, IsEnabled: true, TrainingRole: domain.TrainingRoleTrained}
}

func shadowOf(id string) domain.Assignment {
	a := person(id)
	a.TrainingRole = domain.TrainingRoleShadow
	return a
}

func optionalOf(id string) domain.Assignment {
	a := person(id)
	a.IsFeedbackRequired = false
	return a
}

func event(id, interview string, end time.Duration, people ...domain.Assignment) domain.Event {
	for i := range people {
		people[i].EventID = id
	}
	return domain.Event{ID: id, ScheduleID: "s1", InterviewID: interview, StartTime: at(end - time.Hour), EndTime: at(end), Interviewers: people}
}

func feedback(id, eventID, interviewer string, submitted time.Duration, values string) domain.Feedback {
	return domain.Feedback{ID: id, ApplicationID: "app1", EventID: eventID, InterviewerID: interviewer,
		SubmittedAt: at(submitted), UpdatedAt: at(submitted), Values: json.RawMessage(values)}
}

func requirement(id, interview, field, op, threshold string) domain.Requirement {
	return domain.Requirement{ID: id, RuleID: "r1", InterviewID: interview, FieldPath: field, Operator: op, Threshold: threshold, Required: true}
}

func rule(id string, reqs ...domain.Requirement) domain.Rule {
	return domain.Rule{ID: id, Name: id, InterviewPlanID: "plan", InterviewStageID: "stage", Mode: domain.ModeShadow,
		OnReject: domain.OnRejectNotify, Active: true, Version: 3, CreatedAt: t0.Add(-48 * time.Hour), Requirements: reqs}
}

// base is a complete, passing schedule: interview I1 (event E1, ended at
// t0+1h) with interviewers A and B, both scoring 4 on overall_score, a rule
// requiring overall_score >= 3, evaluated at t0+2h.
func base() engine.Input {
	return engine.Input{
		Schedule: domain.Schedule{
			ID: "s1", ApplicationID: "app1", CandidateID: "c1", InterviewPlanID: "plan", InterviewStageID: "stage",
			JobID: "job", Status: domain.StatusComplete,
			Events: []domain.Event{event("E1", "I1", time.Hour, person("A"), person("B"))},
		},
		Rules: []domain.Rule{rule("r1", requirement("q1", "I1", "overall_score", ">=", "3"))},
		Feedback: []domain.Feedback{
			feedback("f1", "E1", "A", 70*time.Minute, `{"overall_score": 4}`),
			feedback("f2", "E1", "B", 75*time.Minute, `{"overall_score": 4}`),
		},
		Now:     at(2 * time.Hour),
		MinWait: 30 * time.Minute,
		Timeout: 7 * 24 * time.Hour,
	}
}

// reversed returns a deep-enough copy of in with every slice reversed.
func reversed(in engine.Input) engine.Input {
	out := in
	out.Schedule.Events = slices.Clone(in.Schedule.Events)
	slices.Reverse(out.Schedule.Events)
	for i := range out.Schedule.Events {
		out.Schedule.Events[i].Interviewers = slices.Clone(out.Schedule.Events[i].Interviewers)
		slices.Reverse(out.Schedule.Events[i].Interviewers)
	}
	out.Rules = slices.Clone(in.Rules)
	slices.Reverse(out.Rules)
	for i := range out.Rules {
		out.Rules[i].Requirements = slices.Clone(out.Rules[i].Requirements)
		slices.Reverse(out.Rules[i].Requirements)
	}
	out.Feedback = slices.Clone(in.Feedback)
	slices.Reverse(out.Feedback)
	return out
}

func codes(d domain.Decision) []string {
	var out []string
	for _, r := range d.Reasons {
		out = append(out, r.Code)
	}
	return out
}

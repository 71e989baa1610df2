package bench

import (
	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// PassingScore is the score every interviewer gives in SubmitPassingFeedback;
// PassingRule requires at least PassingThreshold.
const (
	PassingScore     = 4
	PassingThreshold = "3"
)

// SubmitPassingFeedback has every feedback-required interviewer of the
// scenario submit a passing scorecard for every candidate, so each schedule
// is complete and its evaluation ends in advance.
func SubmitPassingFeedback(sim *ashbysim.Sim, sc ashbysim.Scenario) {
	for _, c := range sc.Candidates {
		for _, u := range sc.InterviewerIDs {
			sim.SubmitFeedback(c.ApplicationID, c.EventID, u, map[string]any{
				ashbysim.FieldOverallScore:   PassingScore,
				ashbysim.FieldRecommendation: "hire",
			})
		}
	}
}

// PassingRule is an active rule on the scenario's first stage that every
// candidate given SubmitPassingFeedback passes; mode is domain.ModeShadow or
// domain.ModeLive.
func PassingRule(sc ashbysim.Scenario, mode string) domain.Rule {
	return domain.Rule{
		Name: "bench: panel score", InterviewPlanID: sc.PlanID, InterviewStageID: sc.StageIDs[0],
		Mode: mode, Active: true, ArchiveReasonID: sc.ArchiveReasonID,
		Requirements: []domain.Requirement{{InterviewID: sc.InterviewID, FieldPath: ashbysim.FieldOverallScore,
			Operator: ">=", Threshold: PassingThreshold, Required: true}},
	}
}

// ScheduleIDs lists the scenario's schedule ids in candidate order.
func ScheduleIDs(sc ashbysim.Scenario) []string {
	ids := make([]string, len(sc.Candidates))
	for i, c := range sc.Candidates {
		ids[i] = c.ScheduleID
	}
	return ids
}

package engine

import "github.com/ashby-auto-advance/aaa/internal/domain"

// Match picks the active rule for (jobID, planID, stageID). A rule matches
// when its plan and stage equal the given ones and its job is empty (global)
// or equal to jobID. Among matches a job-specific rule beats a global one,
// then the higher Priority wins, then the oldest CreatedAt, then the smaller
// ID (then the higher Version), so the choice never depends on slice order.
// ok is false when no rule matches or planID or stageID is empty.
func Match(rules []domain.Rule, jobID, planID, stageID string) (domain.Rule, bool) {
	if planID == "" || stageID == "" {
		return domain.Rule{}, false
	}
	var best domain.Rule
	found := false
	for _, r := range rules {
		if !r.Active || r.InterviewPlanID != planID || r.InterviewStageID != stageID {
			continue
		}
		if r.JobID != "" && r.JobID != jobID {
			continue
		}
		if !found || precedes(r, best) {
			best, found = r, true
		}
	}
	return best, found
}

// precedes reports whether rule a wins over rule b.
func precedes(a, b domain.Rule) bool {
	if (a.JobID != "") != (b.JobID != "") {
		return a.JobID != ""
	}
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.Before(b.CreatedAt)
	}
	if a.ID != b.ID {
		return a.ID < b.ID
	}
	return a.Version > b.Version
}

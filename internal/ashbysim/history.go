package ashbysim

import (
	"fmt"
	"strconv"
	"time"
)

// History support: application.listHistory, and a builder of past candidates
// whose outcome (advanced, archived, still in the stage) is known, for
// backtests.

func init() {
	handlers["application.listHistory"] = (*Sim).listHistory
}

// listHistory serves application.listHistory: the application's stage
// visits, oldest first, paged with limit and an offset cursor "h.<n>" (the
// method has no syncToken).
func (s *Sim) listHistory(req *request) (result, *apiError) {
	if req.ApplicationID == "" {
		return result{}, errInput("applicationId is required")
	}
	a := s.apps[req.ApplicationID]
	if a == nil {
		return result{}, errNotFound("application_not_found", "Application not found")
	}
	limit := s.opts.PageSize
	if req.Limit != nil {
		if *req.Limit < 1 {
			return result{}, errInput("limit must be between 1 and 100")
		}
		limit = min(limit, *req.Limit)
	}
	start := 0
	if req.Cursor != "" {
		n, err := strconv.Atoi(req.Cursor[min(2, len(req.Cursor)):])
		if len(req.Cursor) < 3 || req.Cursor[:2] != "h." || err != nil || n < 0 || n > len(a.history) {
			return result{}, &apiError{status: 200, code: "invalid_next_cursor", message: "The cursor is invalid; restart pagination without it"}
		}
		start = n
	}
	end := min(start+limit, len(a.history))
	page := []any{}
	for _, h := range a.history[start:end] {
		st := s.stages[h.stageID]
		page = append(page, map[string]any{
			"id": h.id, "stageId": h.stageID, "title": st.title,
			"enteredStageAt": ts(h.entered), "leftStageAt": tsPtr(h.left),
			"stageNumber": s.stageNumber(st), "allowedActions": []any{}, "actorId": orNil(h.actorID),
		})
	}
	res := result{results: page, paged: true, more: end < len(a.history)}
	if res.more {
		res.nextCursor = "h." + strconv.Itoa(end)
	}
	return res, nil
}

// Past outcomes of a candidate in the backtested stage.
const (
	// PastAdvanced: a recruiter moved the application to the next stage.
	PastAdvanced = "advanced"
	// PastArchived: a recruiter archived the application.
	PastArchived = "archived"
	// PastOpen: the application is still in the stage.
	PastOpen = "open"
)

// PastCandidate describes one past candidate of AddPastCandidates.
type PastCandidate struct {
	// Scores are the overall scores the scenario's interviewers submitted, in
	// interviewer order; 0 means that interviewer never submitted.
	Scores []int
	// Outcome is PastAdvanced, PastArchived or PastOpen.
	Outcome string
	// DecidedAgo is how long before Now the recruiter moved the application
	// (for PastOpen: when it would have been). The interview ended 3h
	// before, and feedback was submitted 1h after the interview ended.
	DecidedAgo time.Duration
}

// PastCandidateIDs are the ids created for one past candidate.
type PastCandidateIDs struct {
	ScenarioCandidate
	Outcome   string
	DecidedAt time.Time
}

// MixedPastCandidates returns n past candidates for a scenario with two
// interviewers, cycling through ten cases so scores and outcomes disagree on
// purpose (scores as [first, second]; 0 = never submitted):
//
//	0: [4 4] advanced   1: [4 3] advanced   2: [3 3] archived
//	3: [2 4] archived   4: [1 2] archived   5: [2 3] advanced
//	6: [4 0] advanced   7: [3 4] advanced   8: [1 1] archived
//	9: [4 4] open
//
// Candidate i was decided i*6h+24h before Now.
func MixedPastCandidates(n int) []PastCandidate {
	cases := []PastCandidate{
		{Scores: []int{4, 4}, Outcome: PastAdvanced},
		{Scores: []int{4, 3}, Outcome: PastAdvanced},
		{Scores: []int{3, 3}, Outcome: PastArchived},
		{Scores: []int{2, 4}, Outcome: PastArchived},
		{Scores: []int{1, 2}, Outcome: PastArchived},
		{Scores: []int{2, 3}, Outcome: PastAdvanced},
		{Scores: []int{4, 0}, Outcome: PastAdvanced},
		{Scores: []int{3, 4}, Outcome: PastAdvanced},
		{Scores: []int{1, 1}, Outcome: PastArchived},
		{Scores: []int{4, 4}, Outcome: PastOpen},
	}
	out := make([]PastCandidate, n)
	for i := range out {
		c := cases[i%len(cases)]
		c.Scores = append([]int(nil), c.Scores...)
		c.DecidedAgo = 24*time.Hour + time.Duration(i)*6*time.Hour
		out[i] = c
	}
	return out
}

// scoreValue renders a score in one of the three shapes Ashby is seen to
// send back, so backtests exercise every one.
func scoreValue(i, score int) any {
	switch i % 3 {
	case 1:
		return strconv.Itoa(score)
	case 2:
		return map[string]any{"score": score}
	}
	return score
}

// AddPastCandidates adds past candidates to a scenario made by
// AddPanelScenario: each gets a candidate, an application that entered
// sc.StageIDs[stageIndex] from the first stage, a Complete schedule with one
// ended panel event in that stage, the feedback of PastCandidate.Scores, and
// a history ending in the stated outcome (the next pipeline stage, the
// Archived stage, or still in the stage). It panics on a bad stageIndex or
// outcome: a bug in the test.
func (s *Sim) AddPastCandidates(sc Scenario, stageIndex int, past []PastCandidate) []PastCandidateIDs {
	if stageIndex < 0 || stageIndex+1 >= len(sc.StageIDs) {
		panic(fmt.Sprintf("ashbysim: AddPastCandidates: stage index %d needs a next stage", stageIndex))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	stageID := sc.StageIDs[stageIndex]
	out := make([]PastCandidateIDs, 0, len(past))
	for _, p := range past {
		decided := now.Add(-p.DecidedAgo)
		end := decided.Add(-3 * time.Hour)
		entered := end.Add(-5 * 24 * time.Hour)
		n := len(s.cands)
		c := &candidate{
			id: s.newID(), name: firstNames[n%len(firstNames)] + " " + lastNames[(n/len(firstNames))%len(lastNames)],
			email: fmt.Sprintf("candidate%d@example.com", n+1), phone: fmt.Sprintf("+1 555-%04d", n+1),
			position: "Engineer", company: "Acme Corp", createdAt: entered.Add(-5 * 24 * time.Hour), updatedAt: decided,
		}
		a := &application{
			id: s.newID(), candidateID: c.id, jobID: sc.JobID, stageID: stageID, status: "Active",
			createdAt: c.createdAt, updatedAt: decided, seq: s.nextSeq(),
			hiringTeam: []teamMember{{userID: sc.RecruiterID, role: "Recruiter"}},
		}
		first := entered
		a.history = []historyEntry{
			{id: s.newID(), stageID: sc.StageIDs[0], entered: c.createdAt, left: &first, actorID: sc.RecruiterID},
			{id: s.newID(), stageID: stageID, entered: entered, actorID: sc.RecruiterID},
		}
		switch p.Outcome {
		case PastAdvanced, PastArchived:
			left := decided
			a.history[1].left = &left
			next := sc.StageIDs[stageIndex+1]
			a.status = "Active"
			if p.Outcome == PastArchived {
				next, a.status, a.archiveReasonID = sc.ArchivedStageID, "Archived", sc.ArchiveReasonID
				a.archivedAt = &left
			}
			a.stageID = next
			a.history = append(a.history, historyEntry{id: s.newID(), stageID: next, entered: decided, actorID: sc.RecruiterID})
		case PastOpen:
		default:
			panic(fmt.Sprintf("ashbysim: AddPastCandidates: unknown outcome %q", p.Outcome))
		}
		c.appIDs = []string{a.id}
		s.cands[c.id] = c
		s.apps[a.id] = a

		sch := &schedule{id: s.newID(), appID: a.id, stageID: stageID, status: "Complete",
			createdAt: entered.Add(time.Hour), updatedAt: end, seq: s.nextSeq()}
		ev := &event{
			id: s.newID(), interviewID: sc.InterviewID, scheduleID: sch.id, location: "Zoom",
			start: end.Add(-time.Hour), end: end, createdAt: sch.createdAt, updatedAt: sch.createdAt,
		}
		for _, u := range sc.InterviewerIDs {
			ev.interviewers = append(ev.interviewers, assignment{userID: u, trainingRole: "Trained", feedbackRequired: true})
		}
		for _, u := range sc.ShadowIDs {
			ev.interviewers = append(ev.interviewers, assignment{userID: u, trainingRole: "Shadow"})
		}
		sch.eventIDs = []string{ev.id}
		s.schedules[sch.id] = sch
		s.events[ev.id] = ev
		for i, score := range p.Scores {
			if score == 0 || i >= len(sc.InterviewerIDs) {
				continue
			}
			rec := "hire"
			if score <= 2 {
				rec = "no_hire"
			}
			at := end.Add(time.Hour + time.Duration(i)*time.Minute)
			f := &feedback{
				id: s.newID(), appID: a.id, eventID: ev.id, interviewID: sc.InterviewID, formID: sc.FormID,
				userID: sc.InterviewerIDs[i], historyID: a.history[1].id, submittedAt: at, updatedAt: at, seq: s.nextSeq(),
				values: map[string]any{FieldOverallScore: scoreValue(n+i, score), FieldRecommendation: rec},
			}
			s.feedback[f.id] = f
		}
		out = append(out, PastCandidateIDs{
			ScenarioCandidate: ScenarioCandidate{CandidateID: c.id, ApplicationID: a.id, ScheduleID: sch.id, EventID: ev.id},
			Outcome:           p.Outcome, DecidedAt: decided,
		})
	}
	return out
}

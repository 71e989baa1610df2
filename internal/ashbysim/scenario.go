package ashbysim

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// ErrNotFound is returned by mutators given an unknown id.
var ErrNotFound = errors.New("not found")

// Form field paths of the feedback form AddPanelScenario creates.
const (
	FieldOverallScore   = "overall_score"   // Score, required
	FieldRecommendation = "recommendation"  // ValueSelect, required: strong_hire, hire, no_hire, strong_no_hire
	FieldWouldWorkWith  = "would_work_with" // Boolean, optional
	FieldNotes          = "notes"           // RichText, optional
)

// PanelSpec describes a job with one interview plan and a panel interview.
type PanelSpec struct {
	// Stages is the number of pipeline stages (default 3); a Hired and an
	// Archived stage are added after them.
	Stages int
	// Candidates is the number of candidates, each with one application in
	// the first stage and one schedule with one ended event.
	Candidates int
	// Interviewers on each event, feedback required (default 2).
	Interviewers int
	// Shadows are extra interviewers on each event with trainingRole
	// "Shadow" and isFeedbackRequired false.
	Shadows int
	// JobTitle defaults to "Software Engineer".
	JobTitle string
	// EventEndedAgo is how long before Now the event ended (default 1h).
	EventEndedAgo time.Duration
}

// ScenarioCandidate holds the ids created for one candidate.
type ScenarioCandidate struct {
	CandidateID   string
	ApplicationID string
	ScheduleID    string
	EventID       string
}

// Scenario holds every id AddPanelScenario created.
type Scenario struct {
	JobID  string
	PlanID string
	// StageIDs are the pipeline stages in plan order (Stages of them).
	StageIDs        []string
	HiredStageID    string
	ArchivedStageID string
	InterviewID     string
	FormID          string
	// InterviewerIDs are the feedback-required interviewers; ShadowIDs the
	// shadows.
	InterviewerIDs  []string
	ShadowIDs       []string
	RecruiterID     string
	ArchiveReasonID string
	// TemplateID is an email communication template for archive emails.
	TemplateID string
	Candidates []ScenarioCandidate
}

var stageTitles = []string{"Phone Screen", "Technical Interview", "Onsite", "Final Interview", "Reference Check"}

var firstNames = []string{"Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Alan", "Radia"}
var lastNames = []string{"Lovelace", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen", "Turing", "Perlman"}

// AddPanelScenario creates a job, its plan and stages (orders 1000, 1010,
// ... so not contiguous; first stage PreInterviewScreen, last Offer when
// Stages >= 3, Active otherwise, then Hired and Archived), a job-specific
// interview with a feedback form (FieldOverallScore, FieldRecommendation,
// FieldWouldWorkWith, FieldNotes), interviewers and a recruiter, an archive
// reason, an email template, and the candidates.
func (s *Sim) AddPanelScenario(spec PanelSpec) Scenario {
	if spec.Stages <= 0 {
		spec.Stages = 3
	}
	if spec.Interviewers <= 0 {
		spec.Interviewers = 2
	}
	if spec.JobTitle == "" {
		spec.JobTitle = "Software Engineer"
	}
	if spec.EventEndedAgo <= 0 {
		spec.EventEndedAgo = time.Hour
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var sc Scenario

	sc.RecruiterID = s.addUserLocked("Organization Admin", now)
	for range spec.Interviewers {
		sc.InterviewerIDs = append(sc.InterviewerIDs, s.addUserLocked("Elevated Access", now))
	}
	for range spec.Shadows {
		sc.ShadowIDs = append(sc.ShadowIDs, s.addUserLocked("Limited Access", now))
	}

	p := &plan{id: s.newID(), title: spec.JobTitle + " Interview Plan", createdAt: now, updatedAt: now, seq: s.nextSeq()}
	s.plans[p.id] = p
	sc.PlanID = p.id
	addStage := func(title, typ string, order int) string {
		st := &stage{id: s.newID(), title: title, typ: typ, planID: p.id, order: order, groupID: s.newID()}
		s.stages[st.id] = st
		return st.id
	}
	for i := range spec.Stages {
		typ := "Active"
		switch {
		case i == 0:
			typ = "PreInterviewScreen"
		case i == spec.Stages-1 && spec.Stages >= 3:
			typ = "Offer"
		}
		title := fmt.Sprintf("Stage %d", i+1)
		if i < len(stageTitles) {
			title = stageTitles[i]
		}
		if typ == "Offer" {
			title = "Offer"
		}
		sc.StageIDs = append(sc.StageIDs, addStage(title, typ, 1000+10*i+i%3))
	}
	sc.HiredStageID = addStage("Hired", "Hired", 1000+10*spec.Stages+5)
	sc.ArchivedStageID = addStage("Archived", "Archived", 1000+10*spec.Stages+9)

	j := &job{
		id: s.newID(), title: spec.JobTitle, status: "Open", employmentType: "FullTime",
		departmentID: s.newID(), locationID: s.newID(), location: "Remote",
		planIDs: []string{p.id}, createdAt: now, updatedAt: now, seq: s.nextSeq(),
		hiringTeam: []teamMember{{userID: sc.RecruiterID, role: "Recruiter"}},
	}
	s.jobs[j.id] = j
	sc.JobID = j.id

	iv := &interview{id: s.newID(), title: "Panel Interview", jobID: j.id, feedbackRequired: true, seq: s.nextSeq()}
	f := &form{id: s.newID(), title: "Panel Interview Scorecard", interviewID: iv.id, seq: s.nextSeq()}
	f.sections = []formSection{{
		title: "Assessment",
		fields: []formField{
			{id: s.newID(), path: FieldOverallScore, title: "Overall Score", typ: "Score", required: true},
			{id: s.newID(), path: FieldRecommendation, title: "Overall Recommendation", typ: "ValueSelect", required: true,
				values: [][2]string{{"Strong Hire", "strong_hire"}, {"Hire", "hire"}, {"No Hire", "no_hire"}, {"Strong No Hire", "strong_no_hire"}}},
			{id: s.newID(), path: FieldWouldWorkWith, title: "Would work with", typ: "Boolean"},
		},
	}, {
		title:  "Notes",
		fields: []formField{{id: s.newID(), path: FieldNotes, title: "Notes", typ: "RichText"}},
	}}
	iv.formID = f.id
	s.interview[iv.id] = iv
	s.forms[f.id] = f
	sc.InterviewID, sc.FormID = iv.id, f.id

	r := &archiveReason{id: s.newID(), text: "Not a fit for the role", reasonType: "RejectedByOrg"}
	s.reasons[r.id] = r
	sc.ArchiveReasonID = r.id
	t := &template{id: s.newID(), title: "Rejection: " + spec.JobTitle, types: []string{"email"}, createdAt: now, updatedAt: now}
	s.templates[t.id] = t
	sc.TemplateID = t.id

	for range spec.Candidates {
		n := len(s.cands)
		name := firstNames[s.rng.Intn(len(firstNames))] + " " + lastNames[n%len(lastNames)]
		c := &candidate{
			id: s.newID(), name: name, email: fmt.Sprintf("candidate%d@example.com", n+1),
			phone: fmt.Sprintf("+1 555-%04d", n+1), position: "Engineer", company: "Acme Corp",
			createdAt: now, updatedAt: now,
		}
		a := &application{
			id: s.newID(), candidateID: c.id, jobID: j.id, stageID: sc.StageIDs[0], status: "Active",
			createdAt: now, updatedAt: now, seq: s.nextSeq(),
			hiringTeam: []teamMember{{userID: sc.RecruiterID, role: "Recruiter"}},
		}
		a.history = []historyEntry{{id: s.newID(), stageID: a.stageID, entered: now.Add(-24 * time.Hour)}}
		c.appIDs = []string{a.id}
		s.cands[c.id] = c
		s.apps[a.id] = a

		sch := &schedule{id: s.newID(), appID: a.id, stageID: a.stageID, status: "Scheduled", createdAt: now.Add(-48 * time.Hour), updatedAt: now, seq: s.nextSeq()}
		end := now.Add(-spec.EventEndedAgo)
		ev := &event{
			id: s.newID(), interviewID: iv.id, scheduleID: sch.id, location: "Zoom",
			meetingLink: "https://zoom.us/j/" + fmt.Sprint(1000000+s.rng.Intn(9000000)),
			start:       end.Add(-time.Hour), end: end, createdAt: sch.createdAt, updatedAt: sch.createdAt,
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
		sc.Candidates = append(sc.Candidates, ScenarioCandidate{CandidateID: c.id, ApplicationID: a.id, ScheduleID: sch.id, EventID: ev.id})
	}
	return sc
}

func (s *Sim) addUserLocked(role string, now time.Time) string {
	n := len(s.users)
	u := &user{
		id: s.newID(), first: firstNames[n%len(firstNames)], last: lastNames[(n/len(firstNames)+n)%len(lastNames)],
		role: role, enabled: true, updatedAt: now, seq: s.nextSeq(),
	}
	u.email = fmt.Sprintf("user%d@example.com", n+1)
	s.users[u.id] = u
	return u.id
}

// SubmitFeedback records a scorecard by interviewerUserID for the event,
// submitted at Now, and returns its id. values maps field path to value and
// is sent back verbatim (a Score may be given as 4, "4" or {"score": 4}). It
// panics on an unknown application, event or user: a bug in the test.
func (s *Sim) SubmitFeedback(applicationID, eventID, interviewerUserID string, values map[string]any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, e, u := s.apps[applicationID], s.events[eventID], s.users[interviewerUserID]
	if a == nil || e == nil || u == nil {
		panic(fmt.Sprintf("ashbysim: SubmitFeedback(%q, %q, %q): unknown id", applicationID, eventID, interviewerUserID))
	}
	now := s.now()
	iv := s.interview[e.interviewID]
	f := &feedback{
		id: s.newID(), appID: a.id, eventID: e.id, interviewID: iv.id, formID: iv.formID, userID: u.id,
		values: maps.Clone(values), submittedAt: now, updatedAt: now, seq: s.nextSeq(),
	}
	if n := len(a.history); n > 0 {
		f.historyID = a.history[n-1].id
	}
	s.feedback[f.id] = f
	return f.id
}

// EditFeedback replaces the submitted values of a scorecard; it shows up
// again in incremental feedback syncs.
func (s *Sim) EditFeedback(feedbackID string, values map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.feedback[feedbackID]
	if f == nil {
		return fmt.Errorf("edit feedback %s: %w", feedbackID, ErrNotFound)
	}
	f.values = maps.Clone(values)
	f.updatedAt = s.now()
	f.seq = s.nextSeq()
	return nil
}

// MoveApplication moves an application to stageID as a recruiter would by
// hand (no validation of archive reasons; moving to Archived archives it).
func (s *Sim) MoveApplication(applicationID, stageID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, st := s.apps[applicationID], s.stages[stageID]
	if a == nil || st == nil {
		return fmt.Errorf("move application %s to %s: %w", applicationID, stageID, ErrNotFound)
	}
	if s.stages[a.stageID].planID != st.planID {
		return fmt.Errorf("move application %s to %s: stage not in the application's plan", applicationID, stageID)
	}
	actor := ""
	for _, m := range a.hiringTeam {
		if m.role == "Recruiter" {
			actor = m.userID
		}
	}
	s.moveLocked(a, st, actor)
	return nil
}

// Application returns a snapshot of an application.
func (s *Sim) Application(applicationID string) (ApplicationState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[applicationID]
	if a == nil {
		return ApplicationState{}, false
	}
	st := s.stages[a.stageID]
	out := ApplicationState{
		ID: a.id, CandidateID: a.candidateID, JobID: a.jobID, StageID: a.stageID,
		StageTitle: st.title, StageType: st.typ, Status: a.status,
		ArchiveReasonID: a.archiveReasonID, UpdatedAt: a.updatedAt,
	}
	if a.archivedAt != nil {
		t := *a.archivedAt
		out.ArchivedAt = &t
	}
	for _, h := range a.history {
		out.History = append(out.History, h.stageID)
	}
	return out, true
}

// SetScheduleStatus sets a schedule's status (e.g. "WaitingOnFeedback",
// "Complete", "Cancelled").
func (s *Sim) SetScheduleStatus(scheduleID, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.schedules[scheduleID]
	if sc == nil {
		return fmt.Errorf("set schedule %s status: %w", scheduleID, ErrNotFound)
	}
	sc.status = status
	sc.updatedAt = s.now()
	sc.seq = s.nextSeq()
	return nil
}

// ExpireSyncTokens makes every sync token issued so far fail with
// sync_token_expired.
func (s *Sim) ExpireSyncTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch++
}

// ArchiveEmails returns the archive emails requested through changeStage.
func (s *Sim) ArchiveEmails() []SentEmail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.emails)
}

package ashbysim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// request holds every request field the simulated methods read.
type request struct {
	Cursor                     string   `json:"cursor"`
	Limit                      *int     `json:"limit"`
	SyncToken                  string   `json:"syncToken"`
	IncludeArchived            bool     `json:"includeArchived"`
	IncludeDeactivated         bool     `json:"includeDeactivated"`
	IncludeNonSharedInterviews bool     `json:"includeNonSharedInterviews"`
	Status                     []string `json:"status"`
	// CreatedAfter (ms since the epoch) filters applicationFeedback.list.
	CreatedAfter *int64 `json:"createdAfter"`

	ID                       string  `json:"id"`
	ApplicationID            string  `json:"applicationId"`
	InterviewStageID         string  `json:"interviewStageId"`
	InterviewPlanID          string  `json:"interviewPlanId"`
	FeedbackFormDefinitionID string  `json:"feedbackFormDefinitionId"`
	ArchiveReasonID          *string `json:"archiveReasonId"`
	ArchiveEmail             *struct {
		CommunicationTemplateID string `json:"communicationTemplateId"`
		SendAt                  string `json:"sendAt"`
	} `json:"archiveEmail"`
}

// result is a handler's successful answer.
type result struct {
	results    any
	paged      bool
	more       bool
	nextCursor string
	syncToken  string
}

type handlerFunc func(s *Sim, req *request) (result, *apiError)

// handlers maps method names to implementations. Handlers run with s.mu held.
var handlers = map[string]handlerFunc{
	"interviewStage.info":         (*Sim).stageInfo,
	"interviewStage.list":         (*Sim).stageList,
	"interviewPlan.list":          (*Sim).planList,
	"job.info":                    (*Sim).jobInfo,
	"job.list":                    (*Sim).jobList,
	"application.info":            (*Sim).applicationInfo,
	"application.changeStage":     (*Sim).changeStage,
	"applicationFeedback.list":    (*Sim).feedbackList,
	"feedbackFormDefinition.list": (*Sim).formList,
	"feedbackFormDefinition.info": (*Sim).formInfo,
	"interview.info":              (*Sim).interviewInfo,
	"interview.list":              (*Sim).interviewList,
	"user.list":                   (*Sim).userList,
	"archiveReason.list":          (*Sim).reasonList,
	"candidate.info":              (*Sim).candidateInfo,
	"communicationTemplate.list":  (*Sim).templateList,
}

// Methods returns the simulated method names, sorted.
func Methods() []string {
	out := make([]string, 0, len(handlers))
	for m := range handlers {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// item is a listable record and its change sequence number.
type item struct {
	seq int64
	v   any
}

// paginate serves one page of items (any order) honouring limit, cursor and
// syncToken. Cursors are "c.<since>.<snapshot>.<lastSeq>"; tokens are
// "st.<epoch>.<seq>".
func (s *Sim) paginate(req *request, items []item) (result, *apiError) {
	limit := s.opts.PageSize
	if req.Limit != nil {
		if *req.Limit < 1 {
			return result{}, errInput("limit must be between 1 and 100")
		}
		limit = min(limit, *req.Limit)
	}
	var since, snapshot, last int64
	switch {
	case req.Cursor != "":
		if _, err := fmt.Sscanf(req.Cursor, "c.%d.%d.%d", &since, &snapshot, &last); err != nil {
			return result{}, &apiError{status: 200, code: "invalid_next_cursor", message: "The cursor is invalid; restart pagination without it"}
		}
	default:
		if req.SyncToken != "" {
			var epoch int
			if _, err := fmt.Sscanf(req.SyncToken, "st.%d.%d", &epoch, &since); err != nil {
				return result{}, &apiError{status: 200, code: "sync_token_invalid", message: "The sync token is invalid; run a full sync without it"}
			}
			if epoch != s.epoch {
				return result{}, &apiError{status: 200, code: "sync_token_expired", message: "The sync token has expired; run a full sync without it"}
			}
		}
		snapshot = s.seq
		last = since
	}
	slices.SortFunc(items, func(a, b item) int { return int(a.seq - b.seq) })
	page := []any{}
	more := false
	for _, it := range items {
		if it.seq <= last || it.seq > snapshot {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, it.v)
		last = it.seq
	}
	res := result{results: page, paged: true, more: more}
	if more {
		res.nextCursor = fmt.Sprintf("c.%d.%d.%d", since, snapshot, last)
	} else {
		res.syncToken = fmt.Sprintf("st.%d.%d", s.epoch, snapshot)
	}
	return res, nil
}

func (s *Sim) stageInfo(req *request) (result, *apiError) {
	if req.InterviewStageID == "" {
		return result{}, errInput("interviewStageId is required")
	}
	st := s.stages[req.InterviewStageID]
	if st == nil {
		return result{}, errNotFound("interview_stage_not_found", "Interview stage not found")
	}
	return result{results: s.renderStage(st)}, nil
}

func (s *Sim) planStages(planID string) []*stage {
	var out []*stage
	for _, st := range s.stages {
		if st.planID == planID {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b *stage) int { return a.order - b.order })
	return out
}

func (s *Sim) stageList(req *request) (result, *apiError) {
	if req.InterviewPlanID == "" {
		return result{}, errInput("interviewPlanId is required")
	}
	if s.plans[req.InterviewPlanID] == nil {
		return result{}, errNotFound("interview_plan_not_found", "Interview plan not found")
	}
	out := []any{}
	for _, st := range s.planStages(req.InterviewPlanID) {
		out = append(out, s.renderStage(st))
	}
	return result{results: out, paged: true}, nil
}

func (s *Sim) planList(req *request) (result, *apiError) {
	var items []item
	for _, p := range s.plans {
		if p.archived && !req.IncludeArchived {
			continue
		}
		items = append(items, item{p.seq, s.renderPlan(p)})
	}
	return s.paginate(req, items)
}

func (s *Sim) jobInfo(req *request) (result, *apiError) {
	if req.ID == "" {
		return result{}, errInput("id is required")
	}
	j := s.jobs[req.ID]
	if j == nil {
		return result{}, errNotFound("job_not_found", "Job not found")
	}
	return result{results: s.renderJob(j)}, nil
}

func (s *Sim) jobList(req *request) (result, *apiError) {
	var items []item
	for _, j := range s.jobs {
		if len(req.Status) > 0 && !slices.Contains(req.Status, j.status) {
			continue
		}
		if len(req.Status) == 0 && j.status == "Draft" {
			continue
		}
		items = append(items, item{j.seq, s.renderJob(j)})
	}
	return s.paginate(req, items)
}

func (s *Sim) applicationInfo(req *request) (result, *apiError) {
	if req.ApplicationID == "" {
		return result{}, errInput("applicationId is required")
	}
	a := s.apps[req.ApplicationID]
	if a == nil {
		return result{}, errNotFound("application_not_found", "Application not found")
	}
	return result{results: s.renderApplication(a)}, nil
}

func (s *Sim) changeStage(req *request) (result, *apiError) {
	if req.ApplicationID == "" {
		return result{}, errInput("applicationId is required")
	}
	if req.InterviewStageID == "" {
		return result{}, errInput("interviewStageId is required")
	}
	a := s.apps[req.ApplicationID]
	if a == nil {
		return result{}, errNotFound("application_not_found", "Application not found")
	}
	target := s.stages[req.InterviewStageID]
	if target == nil {
		return result{}, errNotFound("interview_stage_not_found", "Interview stage not found")
	}
	if cur := s.stages[a.stageID]; cur == nil || cur.planID != target.planID {
		return result{}, errNotFound("interview_stage_not_found", "Interview stage is not in the application's interview plan")
	}
	archiving := target.typ == "Archived"
	reasonID := ""
	if req.ArchiveReasonID != nil {
		reasonID = *req.ArchiveReasonID
	}
	if !archiving && (req.ArchiveReasonID != nil || req.ArchiveEmail != nil) {
		return result{}, errInput("Archive fields are not allowed for non-archive stages")
	}
	var sendAt time.Time
	if archiving {
		if reasonID == "" {
			return result{}, errInput("Archive reason ID is required for archive stages")
		}
		if s.reasons[reasonID] == nil {
			return result{}, errNotFound("archive_reason_not_found", "Archive reason not found")
		}
		if e := req.ArchiveEmail; e != nil {
			t := s.templates[e.CommunicationTemplateID]
			if t == nil {
				return result{}, errNotFound("communication_template_not_found", "Communication template not found")
			}
			if !slices.Contains(t.types, "email") {
				return result{}, &apiError{status: 200, code: "communication_template_not_allowed", message: "Template is not intended for email"}
			}
			if e.SendAt != "" {
				var err error
				if sendAt, err = time.Parse(time.RFC3339, e.SendAt); err != nil {
					return result{}, errInput("archiveEmail.sendAt must be an ISO-8601 date-time")
				}
			}
		}
	}
	wasArchived := a.status == "Archived"
	s.moveLocked(a, target, "")
	if archiving {
		a.archiveReasonID = reasonID
		if req.ArchiveEmail != nil && !wasArchived {
			s.emails = append(s.emails, SentEmail{ApplicationID: a.id, TemplateID: req.ArchiveEmail.CommunicationTemplateID, SendAt: sendAt})
		}
	}
	return result{results: s.renderApplication(a)}, nil
}

// moveLocked moves a to target, updating status and history. Callers hold s.mu.
func (s *Sim) moveLocked(a *application, target *stage, actorID string) {
	now := s.now()
	if n := len(a.history); n > 0 && a.history[n-1].left == nil {
		a.history[n-1].left = &now
	}
	a.history = append(a.history, historyEntry{id: s.newID(), stageID: target.id, actorID: actorID, entered: now})
	a.stageID = target.id
	switch target.typ {
	case "Archived":
		a.status = "Archived"
		a.archivedAt = &now
	case "Hired":
		a.status = "Hired"
		a.archivedAt, a.archiveReasonID = nil, ""
	default:
		a.status = "Active"
		a.archivedAt, a.archiveReasonID = nil, ""
	}
	a.updatedAt = now
	a.seq = s.nextSeq()
}

func (s *Sim) feedbackList(req *request) (result, *apiError) {
	if req.ApplicationID != "" && s.apps[req.ApplicationID] == nil {
		return result{}, errNotFound("application_not_found", "Application not found")
	}
	var items []item
	for _, f := range s.feedback {
		if req.ApplicationID != "" && f.appID != req.ApplicationID {
			continue
		}
		if req.CreatedAfter != nil && f.submittedAt.UnixMilli() < *req.CreatedAfter {
			continue
		}
		items = append(items, item{f.seq, s.renderFeedback(f)})
	}
	return s.paginate(req, items)
}

func (s *Sim) formList(req *request) (result, *apiError) {
	var items []item
	for _, f := range s.forms {
		if f.archived && !req.IncludeArchived {
			continue
		}
		items = append(items, item{f.seq, s.renderForm(f)})
	}
	return s.paginate(req, items)
}

func (s *Sim) formInfo(req *request) (result, *apiError) {
	if req.FeedbackFormDefinitionID == "" {
		return result{}, errInput("feedbackFormDefinitionId is required")
	}
	f := s.forms[req.FeedbackFormDefinitionID]
	if f == nil {
		return result{}, errNotFound("feedback_form_definition_not_found", "Feedback form definition not found")
	}
	return result{results: s.renderForm(f)}, nil
}

func (s *Sim) interviewInfo(req *request) (result, *apiError) {
	if req.ID == "" {
		return result{}, errInput("id is required")
	}
	i := s.interview[req.ID]
	if i == nil {
		return result{}, errNotFound("interview_not_found", "Interview not found")
	}
	return result{results: s.renderInterview(i)}, nil
}

func (s *Sim) interviewList(req *request) (result, *apiError) {
	var items []item
	for _, i := range s.interview {
		if i.archived && !req.IncludeArchived {
			continue
		}
		if i.jobID != "" && !req.IncludeNonSharedInterviews {
			continue
		}
		items = append(items, item{i.seq, s.renderInterview(i)})
	}
	return s.paginate(req, items)
}

func (s *Sim) userList(req *request) (result, *apiError) {
	var items []item
	for _, u := range s.users {
		if !u.enabled && !req.IncludeDeactivated {
			continue
		}
		items = append(items, item{u.seq, s.renderUser(u)})
	}
	return s.paginate(req, items)
}

func (s *Sim) reasonList(req *request) (result, *apiError) {
	var rs []*archiveReason
	for _, r := range s.reasons {
		if r.archived && !req.IncludeArchived {
			continue
		}
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b *archiveReason) int { return strings.Compare(a.text+a.id, b.text+b.id) })
	out := []any{}
	for _, r := range rs {
		out = append(out, s.renderReason(r))
	}
	return result{results: out}, nil
}

func (s *Sim) candidateInfo(req *request) (result, *apiError) {
	if req.ID == "" {
		return result{}, errInput("id is required")
	}
	c := s.cands[req.ID]
	if c == nil {
		return result{}, errNotFound("candidate_not_found", "Candidate not found")
	}
	return result{results: s.renderCandidate(c)}, nil
}

func (s *Sim) templateList(_ *request) (result, *apiError) {
	var ts []*template
	for _, t := range s.templates {
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b *template) int { return strings.Compare(a.title+a.id, b.title+b.id) })
	out := []any{}
	for _, t := range ts {
		out = append(out, s.renderTemplate(t))
	}
	return result{results: out}, nil
}

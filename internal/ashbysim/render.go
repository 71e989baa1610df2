package ashbysim

import "time"

// ts formats a timestamp the way Ashby does.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Sim) renderStage(st *stage) map[string]any {
	return map[string]any{
		"id":                    st.id,
		"title":                 st.title,
		"type":                  st.typ,
		"orderInInterviewPlan":  st.order,
		"interviewStageGroupId": orNil(st.groupID),
		"interviewPlanId":       st.planID,
	}
}

func (s *Sim) renderPlan(p *plan) map[string]any {
	return map[string]any{
		"id": p.id, "title": p.title, "isArchived": p.archived,
		"createdAt": ts(p.createdAt), "updatedAt": ts(p.updatedAt),
	}
}

func (s *Sim) renderTeam(team []teamMember) []any {
	out := []any{}
	for _, m := range team {
		u := s.users[m.userID]
		if u == nil {
			continue
		}
		out = append(out, map[string]any{
			"userId": u.id, "firstName": u.first, "lastName": u.last, "email": u.email, "role": m.role,
		})
	}
	return out
}

func (s *Sim) renderJob(j *job) map[string]any {
	defaultPlan := ""
	if len(j.planIDs) > 0 {
		defaultPlan = j.planIDs[0]
	}
	return map[string]any{
		"id": j.id, "title": j.title, "confidential": false, "status": j.status,
		"employmentType": j.employmentType, "locationId": orNil(j.locationID),
		"departmentId": orNil(j.departmentID), "defaultInterviewPlanId": orNil(defaultPlan),
		"interviewPlanIds": j.planIDs, "customFields": []any{}, "jobPostingIds": []any{},
		"location":   map[string]any{"id": j.locationID, "name": j.location},
		"hiringTeam": s.renderTeam(j.hiringTeam),
		"createdAt":  ts(j.createdAt), "updatedAt": ts(j.updatedAt),
	}
}

func (s *Sim) renderUser(u *user) map[string]any {
	return map[string]any{
		"id": u.id, "firstName": u.first, "lastName": u.last, "email": u.email,
		"globalRole": u.role, "isEnabled": u.enabled, "updatedAt": ts(u.updatedAt),
		"managerId": nil,
	}
}

func (s *Sim) renderInterview(i *interview) map[string]any {
	return map[string]any{
		"id": i.id, "title": i.title, "externalTitle": i.title, "isArchived": i.archived,
		"isDebrief": i.debrief, "isFeedbackRequired": i.feedbackRequired, "isFeedbackRequested": true,
		"instructionsHtml": "<p>Assess the candidate.</p>", "instructionsPlain": "Assess the candidate.",
		"jobId": orNil(i.jobID), "feedbackFormDefinitionId": i.formID,
	}
}

func (s *Sim) renderFormDefinition(f *form) map[string]any {
	sections := []any{}
	for _, sec := range f.sections {
		fields := []any{}
		for _, fl := range sec.fields {
			def := map[string]any{
				"id": fl.id, "type": fl.typ, "path": fl.path, "title": fl.title,
				"humanReadablePath": fl.title, "isNullable": !fl.required,
			}
			if len(fl.values) > 0 {
				vals := []any{}
				for _, v := range fl.values {
					vals = append(vals, map[string]any{"label": v[0], "value": v[1]})
				}
				def["selectableValues"] = vals
			}
			fields = append(fields, map[string]any{
				"isRequired": fl.required, "descriptionHtml": nil, "descriptionPlain": nil, "field": def,
			})
		}
		sections = append(sections, map[string]any{"title": sec.title, "fields": fields})
	}
	return map[string]any{"sections": sections}
}

func (s *Sim) renderForm(f *form) map[string]any {
	return map[string]any{
		"id": f.id, "organizationId": "org-sim", "title": f.title, "isArchived": f.archived,
		"isDefaultForm": f.isDefault, "interviewId": orNil(f.interviewID),
		"formDefinition": s.renderFormDefinition(f),
	}
}

func (s *Sim) renderReason(r *archiveReason) map[string]any {
	return map[string]any{"id": r.id, "text": r.text, "reasonType": r.reasonType, "isArchived": r.archived, "customFields": []any{}}
}

func (s *Sim) renderTemplate(t *template) map[string]any {
	return map[string]any{"id": t.id, "title": t.title, "intendedTypes": t.types, "createdAt": ts(t.createdAt), "updatedAt": ts(t.updatedAt)}
}

func contact(value, typ string) any {
	if value == "" {
		return nil
	}
	return map[string]any{"value": value, "type": typ, "isPrimary": true}
}

func list(v any) []any {
	if v == nil {
		return []any{}
	}
	return []any{v}
}

// ProfileURL is the Ashby UI link the simulator gives a candidate.
func ProfileURL(candidateID string) string {
	return "https://app.ashbyhq.com/candidates/" + candidateID
}

func (s *Sim) renderCandidate(c *candidate) map[string]any {
	email := contact(c.email, "Work")
	phone := contact(c.phone, "Mobile")
	return map[string]any{
		"id": c.id, "name": c.name,
		"primaryEmailAddress": email, "emailAddresses": list(email),
		"primaryPhoneNumber": phone, "phoneNumbers": list(phone),
		"socialLinks": []any{}, "tags": []any{}, "position": c.position, "company": c.company,
		"school": nil, "applicationIds": c.appIDs, "resumeFileHandle": nil, "fileHandles": []any{},
		"customFields": []any{}, "profileUrl": ProfileURL(c.id), "source": nil,
		"creditedToUser": nil, "timezone": "America/New_York", "location": nil,
		"createdAt": ts(c.createdAt), "updatedAt": ts(c.updatedAt),
	}
}

// stageNumber is the 1-based position of a stage in its plan.
func (s *Sim) stageNumber(st *stage) int {
	n := 1
	for _, o := range s.stages {
		if o.planID == st.planID && o.order < st.order {
			n++
		}
	}
	return n
}

func (s *Sim) renderApplication(a *application) map[string]any {
	c := s.cands[a.candidateID]
	j := s.jobs[a.jobID]
	st := s.stages[a.stageID]
	var reason any
	if r := s.reasons[a.archiveReasonID]; r != nil {
		reason = s.renderReason(r)
	}
	history := []any{}
	for _, h := range a.history {
		hs := s.stages[h.stageID]
		history = append(history, map[string]any{
			"id": h.id, "stageId": h.stageID, "title": hs.title,
			"enteredStageAt": ts(h.entered), "leftStageAt": tsPtr(h.left),
			"stageNumber": s.stageNumber(hs), "allowedActions": []any{}, "actorId": orNil(h.actorID),
		})
	}
	return map[string]any{
		"id": a.id, "createdAt": ts(a.createdAt), "updatedAt": ts(a.updatedAt),
		"status": a.status, "customFields": []any{},
		"candidate": map[string]any{
			"id": c.id, "name": c.name,
			"primaryEmailAddress": contact(c.email, "Work"), "primaryPhoneNumber": contact(c.phone, "Mobile"),
		},
		"currentInterviewStage": s.renderStage(st),
		"source":                nil,
		"archiveReason":         reason,
		"archivedAt":            tsPtr(a.archivedAt),
		"job": map[string]any{
			"id": j.id, "title": j.title, "locationId": orNil(j.locationID), "departmentId": orNil(j.departmentID),
		},
		"creditedToUser":     nil,
		"hiringTeam":         s.renderTeam(a.hiringTeam),
		"applicationHistory": history,
	}
}

func (s *Sim) renderFeedback(f *feedback) map[string]any {
	values := f.values
	if values == nil {
		values = map[string]any{}
	}
	out := map[string]any{
		"id": f.id, "applicationId": f.appID, "interviewId": orNil(f.interviewID),
		"interviewEventId": orNil(f.eventID), "feedbackFormDefinitionId": orNil(f.formID),
		"applicationHistoryId": orNil(f.historyID), "submittedAt": ts(f.submittedAt),
		"submittedByUser": s.renderUser(s.users[f.userID]), "submittedValues": values,
	}
	if fm := s.forms[f.formID]; fm != nil {
		out["formDefinition"] = s.renderFormDefinition(fm)
	}
	return out
}

func (s *Sim) eventHasFeedback(eventID string) bool {
	for _, f := range s.feedback {
		if f.eventID == eventID {
			return true
		}
	}
	return false
}

func (s *Sim) renderEvent(e *event) map[string]any {
	interviewers := []any{}
	ids := []string{}
	for _, as := range e.interviewers {
		u := s.users[as.userID]
		ids = append(ids, u.id)
		iv := s.renderUser(u)
		iv["trainingRole"] = orNil(as.trainingRole)
		iv["isFeedbackRequired"] = as.feedbackRequired
		iv["interviewerPool"] = map[string]any{
			"id": "pool-" + e.interviewID, "title": "Interviewers", "isArchived": false, "trainingPath": map[string]any{},
		}
		interviewers = append(interviewers, iv)
	}
	return map[string]any{
		"id": e.id, "interviewId": e.interviewID, "interviewScheduleId": e.scheduleID,
		"interviewerUserIds": ids, "interviewers": interviewers,
		"createdAt": ts(e.createdAt), "updatedAt": ts(e.updatedAt),
		"startTime": ts(e.start), "endTime": ts(e.end),
		"feedbackLink": "https://app.ashbyhq.com/interview-briefings/" + e.id + "/feedback",
		"location":     e.location, "meetingLink": orNil(e.meetingLink),
		"hasSubmittedFeedback": s.eventHasFeedback(e.id), "extraData": map[string]any{},
	}
}

func (s *Sim) renderSchedule(sc *schedule) map[string]any {
	events := []any{}
	for _, id := range sc.eventIDs {
		events = append(events, s.renderEvent(s.events[id]))
	}
	a := s.apps[sc.appID]
	return map[string]any{
		"id": sc.id, "status": sc.status, "applicationId": sc.appID, "candidateId": a.candidateID,
		"interviewStageId": sc.stageID, "scheduledBy": nil,
		"createdAt": ts(sc.createdAt), "updatedAt": ts(sc.updatedAt),
		"interviewEvents": events,
	}
}

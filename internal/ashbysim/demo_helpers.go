package ashbysim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Person is a user or candidate as the demo and end-to-end tests name them.
type Person struct {
	ID    string
	Name  string
	Email string
}

// User returns a workspace user by id.
func (s *Sim) User(id string) (Person, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return Person{}, false
	}
	return Person{ID: u.id, Name: u.first + " " + u.last, Email: u.email}, true
}

// Candidate returns a candidate by id.
func (s *Sim) Candidate(id string) (Person, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cands[id]
	if c == nil {
		return Person{}, false
	}
	return Person{ID: c.id, Name: c.name, Email: c.email}, true
}

// SetEventTimes moves an interview event to [start, end] (for example into
// the future, so the interview "happens" while a demo or test runs) and
// marks its schedule changed. AddPanelScenario only creates events that
// have already ended.
func (s *Sim) SetEventTimes(eventID string, start, end time.Time) error {
	if end.Before(start) {
		return fmt.Errorf("set event %s times: end %s before start %s", eventID, end, start)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.events[eventID]
	if e == nil {
		return fmt.Errorf("set event %s times: %w", eventID, ErrNotFound)
	}
	now := s.now()
	e.start, e.end, e.updatedAt = start, end, now
	if sc := s.schedules[e.scheduleID]; sc != nil {
		sc.updatedAt = now
		sc.seq = s.nextSeq()
	}
	return nil
}

// StageChange is one application.changeStage request from the call log.
type StageChange struct {
	ApplicationID string
	StageID       string
	// Archive is set when the request archived (it named an archive reason).
	Archive bool
	// OK reports that the simulator applied the change and answered it.
	OK bool
}

// ChangeStages decodes the application.changeStage requests of the call
// log, oldest first.
func (s *Sim) ChangeStages() []StageChange {
	var out []StageChange
	for _, c := range s.Calls() {
		if c.Method != "application.changeStage" {
			continue
		}
		var req request
		_ = json.Unmarshal(c.Body, &req)
		out = append(out, StageChange{ApplicationID: req.ApplicationID, StageID: req.InterviewStageID,
			Archive: req.ArchiveReasonID != nil, OK: c.Status == http.StatusOK && c.Code == ""})
	}
	return out
}

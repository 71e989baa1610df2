package ashbysim

import (
	"net/http"
	"slices"
)

// Deny makes the API key lack the permission for each method: every later
// request to it (after a successful authentication) is answered HTTP 403
// {"success":false,"errorInfo":{"code":"missing_endpoint_permission"}}, as
// Ashby answers a key without the endpoint's permission. Allow undoes it.
func (s *Sim) Deny(methods ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.denied == nil {
		s.denied = map[string]bool{}
	}
	for _, m := range methods {
		s.denied[m] = true
	}
}

// Allow gives the permission for each method back (see Deny).
func (s *Sim) Allow(methods ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range methods {
		delete(s.denied, m)
	}
}

// checkPermission answers a denied method. Callers do not hold s.mu.
func (s *Sim) checkPermission(method string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.denied[method] {
		return nil
	}
	return &apiError{status: http.StatusForbidden, code: "missing_endpoint_permission",
		message: "The API key is missing the permission required for " + method}
}

// RemoveFormField deletes the field at path from the feedback form formID,
// as an admin editing the form in Ashby would; the form counts as changed
// for the next feedbackFormDefinition.list sync. It returns ErrNotFound
// for an unknown form or a path the form does not have.
func (s *Sim) RemoveFormField(formID, path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.forms[formID]
	if f == nil {
		return ErrNotFound
	}
	for i, sec := range f.sections {
		j := slices.IndexFunc(sec.fields, func(fl formField) bool { return fl.path == path })
		if j < 0 {
			continue
		}
		f.sections[i].fields = slices.Delete(slices.Clone(sec.fields), j, j+1)
		f.seq = s.nextSeq()
		return nil
	}
	return ErrNotFound
}

package server

import (
	"errors"
	"net/http"
	"slices"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/go-chi/chi/v5"
)

// Metadata routes (the rule builder's lookups, seed section 11). An unknown
// id in the path is a 404 envelope.

// metaJobs is GET /admin/metadata/jobs?active_only=true|false (default true:
// Open jobs only).
func (s *Server) metaJobs(w http.ResponseWriter, r *http.Request) {
	openOnly, p := queryBool(r, "active_only", true)
	if p != nil {
		s.validationFailed(w, r, []rules.Problem{*p})
		return
	}
	jobs, err := s.d.Store.ListJobs(r.Context(), openOnly)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, map[string]any{
			"id": j.ID, "title": j.Title, "status": j.Status, "department_id": nullable(j.DepartmentID),
			"location": nullable(j.LocationName), "employment_type": nullable(j.EmploymentType),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

// metaJobPlans is GET /admin/metadata/jobs/{job_id}/plans.
func (s *Server) metaJobPlans(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "job_id")
	if _, err := s.d.Store.GetJob(r.Context(), id); err != nil {
		s.metaLookupError(w, r, err, "Job "+id+" not found")
		return
	}
	plans, err := s.d.Store.ListPlansForJob(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(plans))
	for _, p := range plans {
		out = append(out, map[string]any{"id": p.ID, "title": p.Title, "is_default": p.IsDefault})
	}
	writeJSON(w, http.StatusOK, map[string]any{"plans": out})
}

// metaPlans is GET /admin/metadata/plans: every cached plan (aaa's addition,
// for plans not linked to a job).
func (s *Server) metaPlans(w http.ResponseWriter, r *http.Request) {
	plans, err := s.d.Store.ListPlans(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(plans))
	for _, p := range plans {
		out = append(out, map[string]any{"id": p.ID, "title": p.Title, "is_archived": p.IsArchived})
	}
	writeJSON(w, http.StatusOK, map[string]any{"plans": out})
}

// metaPlanStages is GET /admin/metadata/plans/{plan_id}/stages.
func (s *Server) metaPlanStages(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "plan_id")
	plans, err := s.d.Store.ListPlans(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	stages, err := s.d.Store.ListStages(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	known := slices.ContainsFunc(plans, func(p domain.Plan) bool { return p.ID == id })
	if !known && len(stages) == 0 {
		s.writeError(w, r, http.StatusNotFound, "HTTP_404", "Interview plan "+id+" not found")
		return
	}
	out := make([]map[string]any, 0, len(stages))
	for _, st := range stages {
		out = append(out, map[string]any{"id": st.ID, "title": st.Title, "type": st.Type, "order": st.Order})
	}
	writeJSON(w, http.StatusOK, map[string]any{"stages": out})
}

// metaInterviews is GET /admin/metadata/interviews?job_id=: interviews that
// are not archived, optionally of one job.
func (s *Server) metaInterviews(w http.ResponseWriter, r *http.Request) {
	jobID := r.URL.Query().Get("job_id")
	if jobID != "" {
		if _, err := s.d.Store.GetJob(r.Context(), jobID); err != nil {
			s.metaLookupError(w, r, err, "Job "+jobID+" not found")
			return
		}
	}
	ivs, err := s.d.Store.ListInterviews(r.Context(), jobID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(ivs))
	for _, iv := range ivs {
		if iv.IsArchived {
			continue
		}
		out = append(out, map[string]any{"id": iv.ID, "title": iv.Title, "job_id": nullable(iv.JobID),
			"feedback_form_id": nullable(iv.FormID)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"interviews": out})
}

// metaArchiveReasons is GET /admin/metadata/archive-reasons (for a rule's
// archive_reason_id).
func (s *Server) metaArchiveReasons(w http.ResponseWriter, r *http.Request) {
	reasons, err := s.d.Store.ListArchiveReasons(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"archive_reasons": reasons})
}

// ruleFieldTypes are the form field types a requirement can compare.
var ruleFieldTypes = []string{"Score", "ValueSelect", "MultiValueSelect", "Boolean", "Number"}

type formFieldJSON struct {
	Path       string                  `json:"path"`
	Label      string                  `json:"label"`
	Type       string                  `json:"type"`
	Options    []ashby.SelectableValue `json:"options"`
	IsRequired bool                    `json:"is_required"`
	Section    string                  `json:"section,omitempty"`
}

// metaFormFields is GET /admin/metadata/feedback-forms/{form_id}/fields: the
// comparable fields of a synced form, read from
// formDefinition.sections[].fields[].field (the seed read top-level sections
// and so always answered an empty list).
func (s *Server) metaFormFields(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "form_id")
	f, err := s.d.Store.GetForm(r.Context(), id)
	if err != nil {
		s.metaLookupError(w, r, err, "Feedback form "+id+" not found")
		return
	}
	def, err := ashby.ParseFormDefinition(f.Definition)
	if err != nil {
		s.writeError(w, r, http.StatusInternalServerError, "INTERNAL_ERROR", "stored form "+id+" cannot be read: "+err.Error())
		return
	}
	out := []formFieldJSON{}
	for _, fd := range def.Fields() {
		if !slices.Contains(ruleFieldTypes, fd.Type) {
			continue
		}
		label := fd.Title
		if label == "" {
			label = fd.HumanReadablePath
		}
		ff := formFieldJSON{Path: fd.Path, Label: label, Type: fd.Type, IsRequired: fd.IsRequired, Section: fd.Section}
		if fd.Type == "ValueSelect" || fd.Type == "MultiValueSelect" {
			ff.Options = fd.SelectableValues
			if ff.Options == nil {
				ff.Options = []ashby.SelectableValue{}
			}
		}
		out = append(out, ff)
	}
	writeJSON(w, http.StatusOK, map[string]any{"fields": out})
}

func (s *Server) metaLookupError(w http.ResponseWriter, r *http.Request, err error, notFound string) {
	if errors.Is(err, domain.ErrNotFound) {
		s.writeError(w, r, http.StatusNotFound, "HTTP_404", notFound)
		return
	}
	s.storeError(w, r, err)
}

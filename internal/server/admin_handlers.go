package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/go-chi/chi/v5"
)

// adminRoutes registers the admin API beside trigger-advancement-evaluation.
func (s *Server) adminRoutes(r chi.Router) {
	r.Post("/create-advancement-rule", s.createRule)
	r.Get("/rules", s.listRules)
	r.Get("/rules/{id}", s.getRule)
	r.Patch("/rules/{id}", s.patchRule)
	r.Delete("/rules/{id}", s.deleteRule)
	r.Get("/rules/{id}/history", s.ruleHistory)
	r.Get("/stats", s.stats)
	r.Get("/decisions", s.decisions)
	r.Post("/decisions/{id}/undo", s.decisionAction(advance.ActionUndo))
	r.Post("/decisions/{id}/cancel", s.decisionAction(advance.ActionCancel))
	r.Post("/decisions/{id}/keep", s.decisionAction(advance.ActionKeep))
	r.Post("/candidates/{id}/erase", s.eraseCandidate)
	r.Get("/webhooks", s.webhooks)
	r.Post("/webhooks/{id}/retry", s.retryWebhook)
	r.Get("/notifications", s.notifications)
	r.Get("/doctor", s.doctorReport)
	r.Get("/openapi.json", s.openAPI)
	r.Post("/sync-forms", s.sync("ashby", "Feedback forms synced", func(ctx context.Context) error { return s.d.Syncer.SyncForms(ctx) }))
	r.Post("/sync-metadata", s.sync("ashby", "Metadata synced (jobs, plans, stages)", func(ctx context.Context) error { return s.d.Syncer.SyncMetadata(ctx) }))
	r.Post("/sync-interviews", s.sync("ashby", "Interviews synced", func(ctx context.Context) error { return s.d.Syncer.SyncInterviews(ctx) }))
	r.Post("/sync-feedback", s.sync("ashby", "Feedback synced", func(ctx context.Context) error { return s.d.Syncer.SyncFeedback(ctx) }))
	r.Post("/sync-slack-users", s.sync("slack", "Slack users synced", func(ctx context.Context) error { return s.d.Syncer.SyncSlackUsers(ctx) }))
	r.Get("/metadata/jobs", s.metaJobs)
	r.Get("/metadata/jobs/{job_id}/plans", s.metaJobPlans)
	r.Get("/metadata/plans", s.metaPlans)
	r.Get("/metadata/plans/{plan_id}/stages", s.metaPlanStages)
	r.Get("/metadata/interviews", s.metaInterviews)
	r.Get("/metadata/archive-reasons", s.metaArchiveReasons)
	r.Get("/metadata/feedback-forms/{form_id}/fields", s.metaFormFields)
	r.Route("/backtest", func(r chi.Router) { r.Get("/", s.backtestRule); r.Post("/", s.backtestDraft) })
}

// triggerEvaluation evaluates a schedule (or every schedule of an
// application) now, acting on the decision through the usual safety path,
// and returns the decisions with their reasons. ?dry_run=true only evaluates.
func (s *Server) triggerEvaluation(w http.ResponseWriter, r *http.Request) {
	// Bounded: an action claimed here must finish well inside its lease.
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	q := r.URL.Query()
	scheduleID, appID := q.Get("schedule_id"), q.Get("application_id")
	preview := q.Get("dry_run") == "true"
	eval := func(id string) (advance.Evaluation, error) {
		if preview {
			return s.d.Evaluator.Preview(ctx, id)
		}
		return s.d.Evaluator.EvaluateNow(ctx, id)
	}
	switch {
	case scheduleID != "":
		ev, err := eval(scheduleID)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"schedule_id": scheduleID, "evaluation": s.explainEvaluation(ctx, ev)})
	case appID != "":
		scheds, err := s.d.Store.ListSchedulesByApplication(ctx, appID)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		results := []map[string]any{}
		for _, sc := range scheds {
			ev, err := eval(sc.ID)
			if err != nil {
				s.storeError(w, r, err)
				return
			}
			results = append(results, map[string]any{"schedule_id": sc.ID, "evaluation": s.explainEvaluation(ctx, ev)})
		}
		writeJSON(w, http.StatusOK, map[string]any{"application_id": appID, "schedules_evaluated": len(results), "results": results})
	default:
		s.writeError(w, r, http.StatusBadRequest, "BAD_REQUEST", "Must provide either schedule_id or application_id")
	}
}

// storeError maps domain errors to statuses.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, domain.ErrNotFound):
		s.writeError(w, r, http.StatusNotFound, "NOT_FOUND", err.Error())
	case errors.Is(err, domain.ErrConflict):
		s.writeError(w, r, http.StatusConflict, "CONFLICT", err.Error())
	case errors.Is(err, domain.ErrInvalid):
		s.writeError(w, r, http.StatusUnprocessableEntity, "VALIDATION_ERROR", err.Error())
	case errors.Is(err, domain.ErrAshbyNotConfigured):
		s.writeError(w, r, http.StatusServiceUnavailable, "ASHBY_NOT_CONFIGURED", err.Error())
	default:
		s.writeError(w, r, http.StatusInternalServerError, "INTERNAL_ERROR", "An unexpected error occurred")
		s.log.ErrorContext(r.Context(), "admin_error", "error", err.Error())
	}
}

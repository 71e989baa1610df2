package server

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// eraseCandidate is POST /admin/candidates/{id}/erase: a data-erasure
// request that arrived outside Ashby. Everything aaa holds that identifies
// the candidate is deleted or scrubbed (decision outcomes are kept without
// identity); Slack messages that named them are edited first. Erasing an
// unknown or already erased candidate is a no-op with zero counts.
func (s *Server) eraseCandidate(w http.ResponseWriter, r *http.Request) {
	if s.d.Candidates == nil {
		s.writeError(w, r, http.StatusServiceUnavailable, "HTTP_503", "erasure is not available in this server")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	res, err := s.d.Candidates.Erase(ctx, chi.URLParam(r, "id"), "api:"+actor(r).Name)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "erased", "erased": map[string]int{
		"applications": res.Applications, "schedules": res.Schedules, "feedback": res.Feedback,
		"notifications": res.Notifications, "reminders": res.Reminders, "deliveries": res.Deliveries,
		"stage_visits": res.Visits, "decisions_kept_without_identity": res.Decisions, "reviews": res.Reviews,
	}})
}

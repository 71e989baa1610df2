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

// decisionAction is POST /admin/decisions/{id}/undo|cancel|keep: a
// person's second thoughts about a decision, through the same use case as
// the Slack buttons and the dashboard, recorded with the token's name. A
// refusal (window closed, candidate moved, nothing scheduled) is 409 with
// the reason; doing it twice is a no-op that returns the decision.
func (s *Server) decisionAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Bounded: an undo calls Ashby once and must finish inside its
		// lease.
		ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
		defer cancel()
		id := chi.URLParam(r, "id")
		a := actor(r)
		by := a.Name + " (" + a.Source + ")"
		var e domain.Execution
		var err error
		switch action {
		case advance.ActionUndo:
			e, err = s.d.Evaluator.Undo(ctx, id, by)
		case advance.ActionCancel:
			e, err = s.d.Evaluator.Cancel(ctx, id, by)
		case advance.ActionKeep:
			e, err = s.d.Evaluator.KeepInProcess(ctx, id, by)
		}
		var ref *advance.RefusedError
		switch {
		case errors.As(err, &ref):
			s.writeError(w, r, http.StatusConflict, "REFUSED", ref.Why)
			return
		case err != nil:
			s.storeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"decision": s.decisionOf(ctx, e)})
	}
}

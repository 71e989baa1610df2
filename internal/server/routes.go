package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes lists every route.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(withRequestID, s.accessLog, s.cors)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, http.StatusNotFound, "NOT_FOUND", "no route for "+r.Method+" "+r.URL.Path)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", r.Method+" is not allowed on "+r.URL.Path)
	})

	r.Get("/", s.root)
	r.Get("/health", s.health)
	if !s.metrics.ownListener {
		r.Get("/metrics", s.metrics.Handler().ServeHTTP)
	}
	// Rate limited inside: only requests that fail the signature are charged.
	r.Post("/webhooks/ashby", s.ashbyWebhook)
	r.Post("/slack/interactions", s.slackInteraction)

	r.Route("/admin", func(r chi.Router) {
		r.Use(s.adminAuth, s.storableURL)
		r.Post("/trigger-advancement-evaluation", s.triggerEvaluation)
		s.adminRoutes(r)
	})
	s.metrics.knownRoutes(r)
	return r
}

func (s *Server) root(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"message": "Ashby Auto-Advancement System", "version": s.d.Version})
}

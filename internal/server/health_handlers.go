package server

import (
	"context"
	"net/http"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/store"
)

type healthResponse struct {
	Status   string               `json:"status"`
	Database string               `json:"database"`
	Pool     store.PoolStats      `json:"pool"`
	Metadata store.MetadataCounts `json:"metadata"`
	Ashby    ashbyHealth          `json:"ashby"`
	Version  string               `json:"version,omitempty"`
}

type ashbyHealth struct {
	Status string `json:"status"`
}

// health answers 200 while the database answers and takes durable writes
// (a committed write probe: a store whose file was deleted, made read-only
// or filled up answers reads but would refuse or lose every webhook); the
// cause of a 503 is logged, never shown. Ashby's state is reported beside
// it and never makes aaa unhealthy (deliveries wait in the queue).
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.d.Store.Ping(ctx); err != nil {
		s.log.ErrorContext(ctx, "health_check_failed", "check", "read", "error", err.Error())
		s.writeError(w, r, http.StatusServiceUnavailable, "HTTP_503", "Database unavailable")
		return
	}
	if err := s.d.Store.CheckWrites(ctx); err != nil {
		s.log.ErrorContext(ctx, "health_check_failed", "check", "write", "error", err.Error())
		s.writeError(w, r, http.StatusServiceUnavailable, "HTTP_503", "Database does not accept writes")
		return
	}
	resp := healthResponse{Status: "healthy", Database: "connected", Pool: s.d.Store.PoolStats(), Version: s.d.Version}
	if c, err := s.d.Store.MetadataCounts(ctx); err == nil {
		resp.Metadata = c
	}
	resp.Ashby.Status = "not_configured"
	if s.d.Ashby != nil {
		// Only the status: the error text may name internal hosts.
		resp.Ashby.Status, _ = s.d.Ashby.Health()
	}
	writeJSON(w, http.StatusOK, resp)
}

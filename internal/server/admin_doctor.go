package server

import (
	"context"
	"net/http"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/doctor"
)

// Doctor runs aaa doctor's checks with the server's settings (implemented
// by *doctor.Doctor).
type Doctor interface {
	Run(ctx context.Context, o doctor.RunOptions) doctor.Report
}

// doctorReport runs every check (GET /admin/doctor) and answers the report:
// its status (pass, warn, fail), exit_code, counts and checks. It answers
// 200 whatever the checks found; ?public_url=URL also sends a signed ping to
// URL/webhooks/ashby. The report names settings, never their values.
func (s *Server) doctorReport(w http.ResponseWriter, r *http.Request) {
	if s.d.Doctor == nil {
		s.writeError(w, r, http.StatusServiceUnavailable, "HTTP_503", "the doctor is not available in this server")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	rep := s.d.Doctor.Run(ctx, doctor.RunOptions{PublicURL: r.URL.Query().Get("public_url")})
	writeJSON(w, http.StatusOK, rep)
}

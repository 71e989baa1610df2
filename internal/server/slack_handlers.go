package server

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
)

// slackInteraction verifies a Slack interaction, acknowledges it at once and
// leaves the archive to a job.
func (s *Server) slackInteraction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.d.MaxBody))
	if err != nil {
		s.writeError(w, r, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "request body exceeds 1 MiB")
		return
	}
	if err := slackapp.Verify(s.d.SlackSigningSecret, r.Header, body, s.d.Now()); err != nil {
		s.log.WarnContext(ctx, "slack_signature_invalid", "reason", err.Error())
		msg := "Invalid Slack signature"
		if errors.Is(err, slackapp.ErrMissingHeaders) {
			msg = "Missing Slack signature headers"
		}
		s.writeError(w, r, http.StatusUnauthorized, "HTTP_401", msg)
		return
	}
	in, err := slackapp.ParseInteraction(body)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, "HTTP_400", "malformed interaction payload")
		return
	}
	act, ok := in.Action(slackapp.ActionSendRejection)
	if in.Type != slackapp.InteractionBlockActions || !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	val, err := slackapp.ParseRejectionValue(act.Value)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, "HTTP_400", "malformed send_rejection value")
		return
	}
	name := in.User.Name
	if name == "" {
		name = in.User.Username
	}
	req := advance.ArchiveRequest{ExecutionID: val.ExecutionID, ApplicationID: val.ApplicationID, UserID: in.User.ID,
		UserName: name, Channel: in.ChannelID, MessageTS: in.MessageTS}
	err = s.d.Evaluator.HandleRejectionClick(ctx, req)
	switch {
	case err == nil:
		s.log.InfoContext(ctx, "rejection_click_accepted", "execution_id", val.ExecutionID, "slack_user_id", in.User.ID)
	case errors.Is(err, advance.ErrNotAllowed):
		s.log.WarnContext(ctx, "rejection_click_refused", "slack_user_id", in.User.ID)
		go s.d.Notices.Ephemeral(context.WithoutCancel(ctx), in.ChannelID, in.User.ID, "You are not allowed to archive candidates from Slack. Nothing was changed.")
	case errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrInvalid):
		s.log.WarnContext(ctx, "rejection_click_ignored", "error", err.Error())
		go s.d.Notices.Ephemeral(context.WithoutCancel(ctx), in.ChannelID, in.User.ID, "This button does nothing: "+err.Error())
	default:
		s.writeError(w, r, http.StatusServiceUnavailable, "HTTP_503", "could not queue the archive; please click again")
		return
	}
	w.WriteHeader(http.StatusOK)
}

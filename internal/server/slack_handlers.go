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
	if in.Type != slackapp.InteractionBlockActions {
		w.WriteHeader(http.StatusOK)
		return
	}
	if act, ok := in.Action(slackapp.ActionSendRejection); ok {
		s.rejectionClick(w, r, in, act)
		return
	}
	for _, id := range []string{slackapp.ActionUndo, slackapp.ActionCancelArchive, slackapp.ActionKeepInProcess} {
		if act, ok := in.Action(id); ok {
			s.decisionClick(w, r, in, act)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// clickerName is the clicking user's handle.
func clickerName(in slackapp.Interaction) string {
	if in.User.Name != "" {
		return in.User.Name
	}
	return in.User.Username
}

// rejectionClick queues the archive of an "Archive & send rejection" click
// (or schedules it, with the rule's reject_delay).
func (s *Server) rejectionClick(w http.ResponseWriter, r *http.Request, in slackapp.Interaction, act slackapp.Action) {
	ctx := r.Context()
	val, err := slackapp.ParseRejectionValue(act.Value)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, "HTTP_400", "malformed send_rejection value")
		return
	}
	req := advance.ArchiveRequest{ExecutionID: val.ExecutionID, ApplicationID: val.ApplicationID, UserID: in.User.ID,
		UserName: clickerName(in), Channel: in.ChannelID, MessageTS: in.MessageTS}
	err = s.d.Evaluator.HandleRejectionClick(ctx, req)
	if !s.clickOutcome(w, r, in, "rejection_click", val.ExecutionID, "archive candidates", err) {
		return
	}
	w.WriteHeader(http.StatusOK)
}

// decisionClick queues a Cancel, Undo or Keep in process click; the job
// does it and tells the user if it was refused.
func (s *Server) decisionClick(w http.ResponseWriter, r *http.Request, in slackapp.Interaction, act slackapp.Action) {
	val, err := slackapp.ParseDecisionValue(act.ActionID, act.Value)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, "HTTP_400", "malformed "+act.ActionID+" value")
		return
	}
	action := map[string]string{slackapp.ActionUndo: advance.ActionUndo, slackapp.ActionCancelArchive: advance.ActionCancel,
		slackapp.ActionKeepInProcess: advance.ActionKeep}[act.ActionID]
	c := advance.DecisionClick{Action: action, ExecutionID: val.ExecutionID, UserID: in.User.ID, UserName: clickerName(in),
		Channel: in.ChannelID, MessageTS: in.MessageTS}
	err = s.d.Evaluator.HandleDecisionClick(r.Context(), c)
	if !s.clickOutcome(w, r, in, "decision_click", val.ExecutionID, "change candidates from Slack", err) {
		return
	}
	w.WriteHeader(http.StatusOK)
}

// clickOutcome logs a click's result and tells the user (only them) why it
// did nothing. It answers 503 and returns false when the click could not be
// queued, so Slack shows an error and the user can click again.
func (s *Server) clickOutcome(w http.ResponseWriter, r *http.Request, in slackapp.Interaction, event, executionID, what string, err error) bool {
	ctx := r.Context()
	tell := func(text string) {
		go s.d.Notices.Ephemeral(context.WithoutCancel(ctx), in.ChannelID, in.User.ID, text)
	}
	var ref *advance.RefusedError
	switch {
	case err == nil:
		s.log.InfoContext(ctx, event+"_accepted", "execution_id", executionID, "slack_user_id", in.User.ID)
	case errors.Is(err, advance.ErrNotAllowed):
		s.log.WarnContext(ctx, event+"_refused", "slack_user_id", in.User.ID)
		tell("You are not allowed to " + what + ". Nothing was changed.")
	case errors.As(err, &ref):
		s.log.InfoContext(ctx, event+"_ignored", "execution_id", executionID, "reason", ref.Why)
		tell("Nothing to do: " + ref.Why + ".")
	case errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrInvalid):
		s.log.WarnContext(ctx, event+"_ignored", "error", err.Error())
		tell("This button does nothing: " + err.Error())
	default:
		s.writeError(w, r, http.StatusServiceUnavailable, "HTTP_503", "could not queue the click; please click again")
		return false
	}
	return true
}

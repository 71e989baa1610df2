package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/intake"
)

// Intake is the intake use case the Activity view retries a failed
// delivery through: the same as `aaa webhooks retry` and POST
// /admin/webhooks/{id}/retry (the delivery goes back to pending and an
// ingest job is queued in one transaction, for `aaa serve` to work).
// *intake.Service implements it.
type Intake interface {
	RetryDelivery(ctx context.Context, deliveryID string) error
}

var _ Intake = (*intake.Service)(nil)

// deliveryRetriedMsg is the result of a confirmed retry of a delivery.
type deliveryRetriedMsg struct {
	id string
	// done says what happened, for the status line.
	done string
	err  error
}

func (m deliveryRetriedMsg) notice() (string, bool) {
	if m.err != nil {
		return m.err.Error(), true
	}
	return m.done, false
}

// retryDelivery queues a delivery to be processed again, through the
// intake use case. Its refusals are said in words (what the delivery is,
// why it cannot be re-applied), never with its id.
func (d data) retryDelivery(id string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		msg := deliveryRetriedMsg{id: id}
		if d.intake == nil {
			msg.err = errors.New("not retried: this dashboard was opened without the job queue; run 'aaa webhooks retry' instead")
			return msg
		}
		dl, err := d.st.GetDelivery(ctx, id)
		if err != nil {
			msg.err = retryRefusal(dl, err)
			d.logErr("retry delivery "+id, err)
			return msg
		}
		if err := d.intake.RetryDelivery(ctx, id); err != nil {
			msg.err = retryRefusal(dl, err)
			d.log.Warn("dashboard_delivery_retry_failed", slog.String("delivery_id", id), slog.String("error", err.Error()))
			return msg
		}
		msg.done = fmt.Sprintf("%s delivery received %s queued again: 'aaa serve' processes it", orDash(dl.Action, "webhook"),
			stamp(dl.ReceivedAt, d.now()))
		d.log.Info("dashboard_delivery_retried", slog.String("delivery_id", id), slog.String("actor", d.actor))
		return msg
	}
}

// retryRefusal words a refused retry for the status line.
func retryRefusal(dl domain.Delivery, err error) error {
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return errors.New("not retried: the delivery is no longer stored")
	case errors.Is(err, domain.ErrInvalid) && dl.ID != "" && !ashby.IsScheduleAction(dl.Action) && !ashby.IsLifecycleAction(dl.Action):
		return fmt.Errorf("not retried: aaa does not process %s deliveries", orDash(dl.Action, "these"))
	case errors.Is(err, domain.ErrInvalid) && dl.ID != "" && len(dl.Payload) == 0:
		return errors.New("not retried: its payload was emptied after DELIVERY_RETENTION, so there is nothing to re-apply")
	}
	return fmt.Errorf("not retried: %w", err)
}

// deliverySummary is what the delivery detail shows of a payload: the ids
// it names, never the payload itself (it holds candidates' names and
// emails).
type deliverySummary struct {
	// ScheduleID, ApplicationID and CandidateID are read from the payload
	// ("" when it names none); ScheduleID falls back to the stored column.
	ScheduleID    string
	ApplicationID string
	CandidateID   string
	// Pruned is set when DELIVERY_RETENTION emptied the payload.
	Pruned bool
	// Unreadable says why the payload could not be decoded ("" when it
	// was).
	Unreadable string
}

// deliveryDetailMsg carries one delivery for the Activity view's detail:
// delivery has its action, status, attempts and last error, with Payload
// cleared; summary is what the payload names.
type deliveryDetailMsg struct {
	delivery domain.Delivery
	summary  deliverySummary
	err      error
}

func (m deliveryDetailMsg) notice() (string, bool) {
	if errors.Is(m.err, domain.ErrNotFound) {
		return "the delivery is no longer stored", true
	}
	if m.err != nil {
		return "load delivery: " + m.err.Error(), true
	}
	return "", false
}

// loadDelivery reads a delivery and summarizes its payload.
func (d data) loadDelivery(id string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		dl, err := d.st.GetDelivery(ctx, id)
		if err != nil {
			d.logErr("load delivery "+id, err)
			return deliveryDetailMsg{err: err}
		}
		sum := summarizePayload(dl)
		dl.Payload = nil
		return deliveryDetailMsg{delivery: dl, summary: sum}
	}
}

// summarizePayload reads the ids a delivery's payload names.
func summarizePayload(dl domain.Delivery) deliverySummary {
	s := deliverySummary{ScheduleID: dl.ScheduleID}
	if len(dl.Payload) == 0 {
		s.Pruned = true
		return s
	}
	env, err := ashby.DecodeEnvelope(dl.Payload)
	if err != nil {
		s.Unreadable = err.Error()
		return s
	}
	if env.Data == nil {
		return s
	}
	switch data := env.Data; {
	case data.InterviewSchedule != nil:
		is := data.InterviewSchedule
		if is.ID != "" {
			s.ScheduleID = is.ID
		}
		s.ApplicationID, s.CandidateID = is.ApplicationID, is.CandidateID
	case data.Application != nil:
		s.ApplicationID, s.CandidateID = data.Application.ID, data.Application.Candidate.ID
	case data.Candidate != nil:
		s.CandidateID = data.Candidate.ID
	case data.MergedCandidate != nil:
		s.CandidateID = data.MergedCandidate.ID
	}
	return s
}

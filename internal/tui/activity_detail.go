package tui

import (
	"context"
	"fmt"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"slices"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// errorCandidates names the candidates of the failed actions and
// notifications, by decision id (missing when the decision has no name
// cached).
func errorCandidates(ctx context.Context, st Store, a *activity) map[string]string {
	out := map[string]string{}
	ids := make([]string, 0, len(a.executions)+len(a.notifications))
	for _, e := range a.executions {
		ids = append(ids, e.ID)
	}
	for _, n := range a.notifications {
		ids = append(ids, n.ExecutionID)
	}
	for _, id := range ids {
		if _, done := out[id]; done || id == "" {
			continue
		}
		rows, err := st.ListDecisions(ctx, store.DecisionFilter{ExecutionID: id, Limit: 1})
		if err == nil && len(rows) == 1 && rows[0].CandidateName != "" {
			out[id] = rows[0].CandidateName
		}
	}
	return out
}

// deliveryCandidates names the candidate of each delivery's schedule from
// the caches (schedules, then applications), best effort: a name not known
// yet leaves the schedule id to show.
func deliveryCandidates(ctx context.Context, st Store, ds []domain.Delivery) map[string]string {
	out := map[string]string{}
	var ids []string
	for _, d := range ds {
		if d.ScheduleID != "" && !slices.Contains(ids, d.ScheduleID) {
			ids = append(ids, d.ScheduleID)
		}
	}
	if len(ids) == 0 {
		return out
	}
	scheds, err := st.GetSchedules(ctx, ids)
	if err != nil {
		return out
	}
	names := map[string]string{}
	for _, sc := range scheds {
		name, ok := names[sc.ApplicationID]
		if !ok {
			if a, err := st.GetApplication(ctx, sc.ApplicationID); err == nil {
				name = a.CandidateName
			}
			names[sc.ApplicationID] = name
		}
		if name != "" {
			out[sc.ID] = name
		}
	}
	return out
}

// updateDelivery takes a delivery's detail and a retry's answer.
func (v *activityView) updateDelivery(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case deliveryDetailMsg:
		if it := v.current(); v.detail && msg.err == nil && it.kind == itemDelivery && it.delivery.ID == msg.delivery.ID {
			d, sum := msg.delivery, msg.summary
			v.delivery, v.summary = &d, &sum
		}
	case deliveryRetriedMsg:
		cmds := []tea.Cmd{v.Refresh()}
		if v.detail {
			cmds = append(cmds, v.data.loadDelivery(msg.id))
		}
		return tea.Batch(cmds...)
	}
	return nil
}

// summaryLines are what a delivery's payload names (never the payload: it
// holds candidates' names and emails).
func summaryLines(s *deliverySummary) []string {
	switch {
	case s == nil:
		return []string{"  loading…"}
	case s.Pruned:
		return []string{"  emptied after DELIVERY_RETENTION; nothing left to re-apply"}
	case s.Unreadable != "":
		return []string{"  unreadable: " + explain.Scrub(s.Unreadable)}
	}
	var out []string
	for _, f := range []struct{ label, id string }{{"Schedule", s.ScheduleID}, {"Application", s.ApplicationID}, {"Candidate", s.CandidateID}} {
		if f.id != "" {
			out = append(out, fmt.Sprintf("  %-12s %s", f.label, codeOr(f.id)))
		}
	}
	if len(out) == 0 {
		return []string{"  names no schedule, application or candidate"}
	}
	if s.ApplicationID != "" {
		out = append(out, "  o opens the candidate in Ashby")
	}
	return out
}

package server

import (
	"context"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/explain"
)

// reasonJSON is a reason with its ids and values beside the names and the
// sentence people read.
type reasonJSON = explain.RenderedReason

// renderer returns a renderer over the store's caches.
func (s *Server) renderer(ctx context.Context) *explain.Renderer {
	return explain.NewStoreNames(s.d.Store, nil).Renderer(ctx)
}

// evaluationJSON is an evaluation with its decision rendered.
type evaluationJSON struct {
	advance.Evaluation
	CandidateName string       `json:"candidate_name,omitempty"`
	SummaryText   string       `json:"summary_text"`
	Explanation   string       `json:"explanation"`
	ReasonTexts   []reasonJSON `json:"explained_reasons"`
}

func (s *Server) explainEvaluation(ctx context.Context, ev advance.Evaluation) evaluationJSON {
	rr := s.renderer(ctx)
	if sched, err := s.d.Store.GetSchedule(ctx, ev.ScheduleID); err == nil {
		rr.SeedSchedule(sched)
	}
	out := evaluationJSON{Evaluation: ev, SummaryText: rr.Summary(ev.Decision), Explanation: rr.Explanation(ev.Decision),
		ReasonTexts: rr.Reasons(ev.Decision)}
	out.CandidateName, _ = rr.Lookup(explain.KindCandidate, ev.ApplicationID)
	return out
}

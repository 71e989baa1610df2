package server

import (
	"context"

	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
)

// reasonJSON is a reason with its ids and values (domain.Reason) beside the
// names and the sentence people read.
type reasonJSON struct {
	domain.Reason
	InterviewerName string `json:"interviewer_name,omitempty"`
	InterviewTitle  string `json:"interview_title,omitempty"`
	FieldTitle      string `json:"field_title,omitempty"`
	Text            string `json:"text"`
}

// renderer returns a renderer over the store's caches.
func (s *Server) renderer(ctx context.Context) *explain.Renderer {
	return explain.NewStoreNames(s.d.Store, nil).Renderer(ctx)
}

// explainReasons renders every reason of d.
func explainReasons(rr *explain.Renderer, d domain.Decision) []reasonJSON {
	out := make([]reasonJSON, 0, len(d.Reasons))
	for _, r := range d.Reasons {
		j := reasonJSON{Reason: r, Text: rr.Reason(r, d.Reasons)}
		if r.InterviewerID != "" {
			j.InterviewerName = rr.Name(explain.KindInterviewer, r.InterviewerID)
		}
		if r.InterviewID != "" {
			j.InterviewTitle = rr.Name(explain.KindInterview, r.InterviewID)
		}
		if r.Field != "" {
			j.FieldTitle = rr.Field(r.InterviewID, r.Field)
		}
		out = append(out, j)
	}
	return out
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
		ReasonTexts: explainReasons(rr, ev.Decision)}
	out.CandidateName, _ = rr.Lookup(explain.KindCandidate, ev.ApplicationID)
	return out
}

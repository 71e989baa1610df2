package server

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
)

// defaultBacktestWindow is the backtest window when no since is given.
const defaultBacktestWindow = 90 * 24 * time.Hour

// backtestSince reads since with domain.ParseSince; empty is the default
// window.
func backtestSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return now.Add(-defaultBacktestWindow), nil
	}
	return domain.ParseSince(v, now)
}

// backtestRule replays a stored rule: GET /admin/backtest?rule_id=&since=&job_id=.
// It only reads: nothing is recorded, nothing reaches Ashby or Slack.
func (s *Server) backtestRule(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := q.Get("rule_id")
	if id == "" {
		s.writeError(w, r, http.StatusBadRequest, "BAD_REQUEST", "rule_id is required")
		return
	}
	since, err := backtestSince(q.Get("since"), s.d.Now())
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, "BAD_REQUEST", err.Error())
		return
	}
	rule, err := s.d.Store.GetRule(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.runBacktest(w, r, backtest.Query{Rule: rule, Since: since, JobIDs: q["job_id"]})
}

// backtestDraft replays a draft rule (the body of create-advancement-rule,
// plus optional "rule_id" of the stored rule it edits, "since" and
// "job_ids"): POST /admin/backtest. With rule_id the report lists the
// decisions that flip versus the stored version.
func (s *Server) backtestDraft(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	b.only(append(slices.Clone(ruleFields), "rule_id", "since", "job_ids")...)
	draft := domain.Rule{
		Name: b.str("name", false), JobID: b.str("job_id", false), InterviewPlanID: b.str("interview_plan_id", true),
		InterviewStageID: b.str("interview_stage_id", true), TargetStageID: b.str("target_stage_id", false),
		Mode: b.str("mode", false), OnReject: b.str("on_reject", false), Priority: b.integer("priority", 0),
		TimeoutDays: b.integer("timeout_days", 0), MinWaitMinutes: b.integer("min_wait_minutes", 0), Active: true,
	}
	reqs, _ := b.objects("requirements", true)
	draft.Requirements = readRequirements(reqs)
	for i := range draft.Requirements {
		draft.Requirements[i].ID = fmt.Sprintf("draft-%d", i+1)
	}
	baseID, sinceStr := b.str("rule_id", false), b.str("since", false)
	var jobs []string
	if v, ok := b.m["job_ids"].([]any); ok {
		for _, j := range v {
			if js, ok := j.(string); ok && js != "" {
				jobs = append(jobs, js)
			}
		}
	}
	if len(*b.probs) > 0 {
		s.validationFailed(w, r, *b.probs)
		return
	}
	rules.Normalize(&draft)
	if ps := rules.CheckShape(draft, "body"); len(ps) > 0 {
		s.validationFailed(w, r, ps)
		return
	}
	since, err := backtestSince(sinceStr, s.d.Now())
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, "BAD_REQUEST", err.Error())
		return
	}
	q := backtest.Query{Rule: draft, Since: since, JobIDs: jobs}
	if baseID != "" {
		base, err := s.d.Store.GetRule(r.Context(), baseID)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		q.Baseline = &base
		q.Rule.ID, q.Rule.Version = base.ID, base.Version+1
		if q.Rule.Name == "" {
			q.Rule.Name = base.Name
		}
	}
	s.runBacktest(w, r, q)
}

func (s *Server) runBacktest(w http.ResponseWriter, r *http.Request, q backtest.Query) {
	q.Now = s.d.Now()
	rep, err := s.d.Backtester.Backtest(r.Context(), q)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

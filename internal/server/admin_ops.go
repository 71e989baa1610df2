package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/go-chi/chi/v5"
)

// stats is GET /admin/stats: the seed's fields plus counts by outcome and
// by mode over the last 30 days.
func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.d.Now()
	active, err := s.d.Store.ListRules(ctx, true)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	open, err := s.d.Store.ListOpenSchedules(ctx, 0)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	counts, err := s.d.Store.CountExecutions(ctx, now.Add(-30*24*time.Hour))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	failures, err := s.d.Store.ListExecutions(ctx, store.ExecutionFilter{Status: domain.ExecFailed, Since: now.Add(-7 * 24 * time.Hour), Limit: 10})
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	reminders, err := s.d.Store.ReminderStats(ctx, now.Add(-30*24*time.Hour))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	byStatus, byOutcome, byMode := map[string]int{}, map[string]int{}, map[string]int{}
	total := 0
	for _, c := range counts {
		byStatus[c.Status] += c.Count
		byOutcome[c.Outcome] += c.Count
		byMode[c.Mode] += c.Count
		total += c.Count
	}
	recent := make([]map[string]any, 0, len(failures))
	for _, e := range failures {
		recent = append(recent, map[string]any{
			"execution_id": e.ID, "schedule_id": e.ScheduleID, "application_id": e.ApplicationID,
			"failure_reason": e.FailureReason, "executed_at": isoTime(e.ExecutedAt),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active_rules":         len(active),
		"pending_evaluations":  len(open),
		"total_executions_30d": total,
		"success_count":        byStatus[domain.ExecSuccess],
		"failed_count":         byStatus[domain.ExecFailed],
		"dry_run_count":        byStatus[domain.ExecDryRun],
		"rejected_count":       byStatus[domain.ExecRejected],
		"recent_failures":      recent,
		"counts_by_status":     byStatus,
		"counts_by_outcome":    byOutcome,
		"counts_by_mode":       byMode,
		"reminders_30d":        reminders,
	})
}

// sync runs one sync inline and answers the seed's body.
func (s *Server) sync(service, message string, run func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := run(r.Context())
		if err == nil {
			writeJSON(w, http.StatusOK, map[string]string{"status": "completed", "message": message})
			return
		}
		var apiErr *ashby.APIError
		var tErr *ashby.TransportError
		switch {
		case errors.Is(err, domain.ErrAshbyNotConfigured):
			s.storeError(w, r, err)
		case errors.As(err, &apiErr):
			s.writeErrorDetails(w, r, http.StatusBadGateway, "EXTERNAL_SERVICE_ERROR", "Ashby API request failed: "+apiErr.Error(),
				map[string]string{"service": "ashby", "endpoint": apiErr.Method})
		case errors.As(err, &tErr):
			s.writeErrorDetails(w, r, http.StatusBadGateway, "EXTERNAL_SERVICE_ERROR", "Ashby API unavailable",
				map[string]string{"service": "ashby", "endpoint": tErr.Method})
		case service == "slack" && !errors.Is(err, domain.ErrNotFound) && !errors.Is(err, domain.ErrConflict):
			s.writeErrorDetails(w, r, http.StatusBadGateway, "EXTERNAL_SERVICE_ERROR", "Slack API request failed",
				map[string]string{"service": "slack"})
			s.log.WarnContext(r.Context(), "slack_sync_failed", "error", err.Error())
		default:
			s.storeError(w, r, err)
		}
	}
}

type decisionJSON struct {
	ExecutionID   string       `json:"execution_id"`
	ScheduleID    string       `json:"schedule_id"`
	ApplicationID string       `json:"application_id"`
	RuleID        *string      `json:"rule_id"`
	RuleVersion   int          `json:"rule_version"`
	Mode          string       `json:"mode"`
	Outcome       string       `json:"outcome"`
	Status        string       `json:"status"`
	FromStageID   *string      `json:"from_stage_id"`
	ToStageID     *string      `json:"to_stage_id"`
	FailureReason *string      `json:"failure_reason"`
	Summary       string       `json:"summary"`
	DueAt         *string      `json:"due_at"`
	Reasons       []reasonJSON `json:"reasons"`
	// Names and the rendered sentences, beside the ids above.
	CandidateName  string `json:"candidate_name,omitempty"`
	JobTitle       string `json:"job_title,omitempty"`
	RuleName       string `json:"rule_name,omitempty"`
	FromStageTitle string `json:"from_stage_title,omitempty"`
	ToStageTitle   string `json:"to_stage_title,omitempty"`
	SummaryText    string `json:"summary_text"`
	Explanation    string `json:"explanation"`
	ExecutedAt     string `json:"executed_at"`
	ExecutedBy     string `json:"executed_by"`
	UpdatedAt      string `json:"updated_at"`
	// ActAt is when a scheduled action runs; ActedAt when aaa's move
	// landed in Ashby; RevertedBy/RevertedAt who cancelled, undid or kept
	// it, and when.
	ActAt      *string `json:"act_at"`
	ActedAt    *string `json:"acted_at"`
	RevertedBy *string `json:"reverted_by"`
	RevertedAt *string `json:"reverted_at"`
}

var (
	outcomes        = []string{domain.OutcomeAdvance, domain.OutcomeReject, domain.OutcomeWait, domain.OutcomeTimeout, domain.OutcomeNoRule, domain.OutcomeSkip}
	execStatuses    = domain.ExecStatuses
	deliveryStates  = []string{domain.DeliveryPending, domain.DeliveryProcessed, domain.DeliveryIgnored, domain.DeliveryFailed}
	maxListLimit    = 1000
	defaultListSize = 100
)

// queryFilters checks enumerated query parameters and limit.
type queryFilters struct {
	r     *http.Request
	probs []rules.Problem
}

func (q *queryFilters) oneOf(key string, allowed []string) string {
	v := q.r.URL.Query().Get(key)
	if v != "" && !slices.Contains(allowed, v) {
		q.probs = append(q.probs, rules.Problem{Type: rules.ProblemInvalid, Loc: []any{"query", key}, Msg: "must be one of " + joinList(allowed), Input: v})
	}
	return v
}

func (q *queryFilters) limit() int {
	v := q.r.URL.Query().Get("limit")
	if v == "" {
		return defaultListSize
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxListLimit {
		q.probs = append(q.probs, rules.Problem{Type: rules.ProblemInvalid, Loc: []any{"query", "limit"}, Msg: "must be an integer from 1 to " + strconv.Itoa(maxListLimit), Input: v})
		return defaultListSize
	}
	return n
}

// since reads a window's start with domain.ParseSince (the parser of every
// door); empty is the zero time (everything).
func (q *queryFilters) since(key string, now time.Time) time.Time {
	v := q.r.URL.Query().Get(key)
	if v == "" {
		return time.Time{}
	}
	t, err := domain.ParseSince(v, now)
	if err != nil {
		// The parser's words without its quote of the value (Input has it).
		_, msg, _ := strings.Cut(err.Error(), ": ")
		if strings.HasPrefix(msg, "want ") {
			msg = "must be a number of days (90d), a duration (12h), an RFC 3339 time, a date (2006-01-02) or all"
		}
		q.probs = append(q.probs, rules.Problem{Type: rules.ProblemInvalid, Loc: []any{"query", key}, Msg: msg, Input: v})
	}
	return t
}

// cursor reads an opaque page cursor (see encodeCursor); empty is the
// first page.
func (q *queryFilters) cursor(key string) store.ExecutionCursor {
	v := q.r.URL.Query().Get(key)
	if v == "" {
		return store.ExecutionCursor{}
	}
	c, ok := decodeCursor(v)
	if !ok {
		q.probs = append(q.probs, rules.Problem{Type: rules.ProblemInvalid, Loc: []any{"query", key},
			Msg: "must be a next_cursor returned by this endpoint", Input: v})
	}
	return c
}

// encodeCursor is the opaque next_cursor of a page that ended at c.
func encodeCursor(c store.ExecutionCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.ExecutedAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID))
}

func decodeCursor(v string) (store.ExecutionCursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return store.ExecutionCursor{}, false
	}
	at, id, ok := strings.Cut(string(raw), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return store.ExecutionCursor{}, false
	}
	return store.ExecutionCursor{ExecutedAt: t, ID: id}, true
}

func joinList(xs []string) string { return strings.Join(xs, ", ") }

// decisions is GET /admin/decisions?outcome=&mode=&rule_id=&status=&since=&limit=&cursor=&format=:
// recorded decisions, newest first (executed_at, then execution_id), with
// their reasons, a page at a time: next_cursor continues the listing (null
// on the last page). With format=csv or Accept: text/csv the page is CSV
// with explain.ExportColumns, the columns of `aaa decisions export`, and the
// next cursor in the X-Next-Cursor header.
func (s *Server) decisions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := &queryFilters{r: r}
	f := store.ExecutionFilter{
		Outcome: q.oneOf("outcome", outcomes), Mode: q.oneOf("mode", []string{domain.ModeShadow, domain.ModeLive}),
		Status: q.oneOf("status", execStatuses), RuleID: r.URL.Query().Get("rule_id"),
		ScheduleID: r.URL.Query().Get("schedule_id"), ApplicationID: r.URL.Query().Get("application_id"),
		Since: q.since("since", s.d.Now()), After: q.cursor("cursor"), Limit: q.limit(),
	}
	format := q.oneOf("format", []string{"json", explain.FormatCSV})
	if format == "" && acceptsCSV(r) {
		format = explain.FormatCSV
	}
	if len(q.probs) > 0 {
		s.validationFailed(w, r, q.probs)
		return
	}
	limit := f.Limit
	f.Limit++ // one more row says whether a next page exists
	execs, err := s.d.Store.ListExecutions(ctx, f)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	var next *string
	if len(execs) > limit {
		execs = execs[:limit]
		c := encodeCursor(store.CursorOf(execs[limit-1]))
		next = &c
	}
	render := explain.NewDecisions(ctx, s.d.Store)
	if format == explain.FormatCSV {
		s.decisionsCSV(w, r, render, execs, next)
		return
	}
	out := make([]decisionJSON, 0, len(execs))
	for _, e := range execs {
		out = append(out, decisionJSONOf(render.Render(e)))
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "decisions": out, "next_cursor": next})
}

// acceptsCSV reports whether the request's Accept header asks for CSV.
func acceptsCSV(r *http.Request) bool {
	for _, a := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(a, ",") {
			mt, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "text/csv") {
				return true
			}
		}
	}
	return false
}

// decisionsCSV answers a page of decisions as CSV.
func (s *Server) decisionsCSV(w http.ResponseWriter, r *http.Request, render *explain.Decisions, execs []domain.Execution, next *string) {
	var b bytes.Buffer
	x, err := explain.NewExporter(&b, explain.FormatCSV)
	if err == nil {
		for _, e := range execs {
			if err = x.Write(render.Render(e)); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = x.Close()
	}
	if err != nil {
		s.storeError(w, r, fmt.Errorf("write decisions csv: %w", err))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="decisions.csv"`)
	if next != nil {
		w.Header().Set("X-Next-Cursor", *next)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

// decisionOf renders one decision with its reasons and names.
func (s *Server) decisionOf(ctx context.Context, e domain.Execution) decisionJSON {
	return decisionJSONOf(explain.NewDecisions(ctx, s.d.Store).Render(e))
}

// decisionJSONOf is the API's object of a rendered decision.
func decisionJSONOf(x explain.Decision) decisionJSON {
	e := x.Execution
	d := decisionJSON{
		ExecutionID: e.ID, ScheduleID: e.ScheduleID, ApplicationID: e.ApplicationID, RuleID: nullable(e.RuleID),
		RuleVersion: e.RuleVersion, Mode: e.Mode, Outcome: e.Outcome, Status: e.Status,
		FromStageID: nullable(e.FromStageID), ToStageID: nullable(e.ToStageID), FailureReason: nullable(e.FailureReason),
		Summary: e.Summary, Reasons: x.Reasons, ExecutedAt: isoTime(e.ExecutedAt), ExecutedBy: e.ExecutedBy,
		UpdatedAt: isoTime(e.UpdatedAt), CandidateName: x.CandidateName, JobTitle: x.JobTitle, RuleName: x.RuleName,
		FromStageTitle: x.FromStageTitle, ToStageTitle: x.ToStageTitle,
		SummaryText: x.SummaryText, Explanation: x.Explanation,
	}
	if x.Decision.DueAt != nil {
		t := isoTime(*x.Decision.DueAt)
		d.DueAt = &t
	}
	d.ActAt, d.ActedAt, d.RevertedAt = optTime(e.ActAt), optTime(e.ActedAt), optTime(e.RevertedAt)
	d.RevertedBy = nullable(e.RevertedBy)
	return d
}

// optTime is an ISO time, or nil for zero.
func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	v := isoTime(t)
	return &v
}

// webhooks is GET /admin/webhooks?status=&limit=: received deliveries,
// newest first.
func (s *Server) webhooks(w http.ResponseWriter, r *http.Request) {
	q := &queryFilters{r: r}
	status, limit := q.oneOf("status", deliveryStates), q.limit()
	if len(q.probs) > 0 {
		s.validationFailed(w, r, q.probs)
		return
	}
	ds, err := s.d.Store.ListDeliveries(r.Context(), status, limit)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DeliveriesBody(ds))
}

// DeliveriesBody is the body of GET /admin/webhooks listing ds ({"count",
// "deliveries"}), also what `aaa webhooks list -o json` prints.
func DeliveriesBody(ds []domain.Delivery) any {
	if ds == nil {
		ds = []domain.Delivery{}
	}
	return map[string]any{"count": len(ds), "deliveries": ds}
}

// retryWebhook is POST /admin/webhooks/{id}/retry: the delivery goes back to
// pending and its ingestion is enqueued.
func (s *Server) retryWebhook(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if _, err := s.d.Store.GetDelivery(r.Context(), id); err != nil {
		s.metaLookupError(w, r, err, "Webhook delivery "+id+" not found")
		return
	}
	if err := s.d.Intake.RetryDelivery(r.Context(), id); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "webhook_delivery_requeued", "delivery_id", id)
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "queued", "delivery_id": id})
}

// notifications is GET /admin/notifications?execution_id=&limit=: stored
// Slack notifications, newest first.
func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	q := &queryFilters{r: r}
	limit := q.limit()
	if len(q.probs) > 0 {
		s.validationFailed(w, r, q.probs)
		return
	}
	ns, err := s.d.Store.ListNotifications(r.Context(), r.URL.Query().Get("execution_id"), limit)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if ns == nil {
		ns = []domain.Notification{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(ns), "notifications": ns})
}

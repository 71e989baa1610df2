package tui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/review"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Store is what the dashboard reads from the store (the dashboard's read
// queries and a few per-aggregate reads) and its review write. Rule changes
// go through Rules. *store.DB implements it.
type Store interface {
	store.SchemaStore
	ListPendingSchedules(ctx context.Context, limit int) (store.Pending, error)
	ListDecisions(ctx context.Context, f store.DecisionFilter) ([]store.DecisionRow, error)
	GetDecisionDetail(ctx context.Context, executionID string) (store.DecisionDetail, error)
	ListRuleOverview(ctx context.Context) ([]store.RuleOverview, error)
	ListRules(ctx context.Context, activeOnly bool) ([]domain.Rule, error)
	GetRule(ctx context.Context, id string) (domain.Rule, error)
	ListDeliveries(ctx context.Context, status string, limit int) ([]domain.Delivery, error)
	CountDeliveries(ctx context.Context) (map[string]int, error)
	ListSyncStates(ctx context.Context) ([]store.SyncState, error)
	ListFailedNotifications(ctx context.Context, limit int) ([]domain.Notification, error)
	ListExecutions(ctx context.Context, f store.ExecutionFilter) ([]domain.Execution, error)
	GetDelivery(ctx context.Context, id string) (domain.Delivery, error)
	// GetSchedules names the candidates of the deliveries in Activity.
	GetSchedules(ctx context.Context, ids []string) ([]domain.Schedule, error)
	// ListHeartbeats tells whether a server is serving the store.
	ListHeartbeats(ctx context.Context) ([]domain.Heartbeat, error)
	// The metadata caches, for names and form field titles.
	explain.Caches
}

var _ Store = (*store.DB)(nil)

// Reviews is the review use case the dashboard records dry-run reviews
// through (validation and one transaction). *review.Service implements it.
type Reviews interface {
	Save(ctx context.Context, in review.Input) (domain.Review, error)
}

var _ Reviews = (*review.Service)(nil)

// errNoReviews is shown when the dashboard was started without the review
// use case (Options.Reviews).
var errNoReviews = errors.New("reviews are not available in this dashboard")

// Rules is the rules use case the dashboard changes rules through (the same
// checks as the admin API: scope, name, version, revision with the actor).
// *rules.Service implements it.
type Rules interface {
	SetMode(ctx context.Context, a rules.Actor, id string, version int, mode string) (rules.Result, error)
	Activate(ctx context.Context, a rules.Actor, id string, version int) (rules.Result, error)
	Deactivate(ctx context.Context, a rules.Actor, id string, version int) (rules.Result, error)
	Update(ctx context.Context, a rules.Actor, id string, version int, edit func(r *domain.Rule) error) (rules.Result, error)
	History(ctx context.Context, id string) ([]domain.RuleRevision, error)
	Titles(ctx context.Context) (rules.Titles, error)
}

var _ Rules = (*rules.Service)(nil)

// Decisions is the second-thoughts use case the decision detail acts
// through (u undo, c cancel, K keep in process): the same checks as the
// Slack buttons and POST /admin/decisions/{id}/undo|cancel|keep. A refusal
// is an *advance.RefusedError. *advance.Service implements it.
type Decisions interface {
	Undo(ctx context.Context, executionID, by string) (domain.Execution, error)
	Cancel(ctx context.Context, executionID, by string) (domain.Execution, error)
	KeepInProcess(ctx context.Context, executionID, by string) (domain.Execution, error)
}

var _ Decisions = (*advance.Service)(nil)

// queryTimeout bounds every store call of the dashboard.
const queryTimeout = 10 * time.Second

// Row limits of the views.
const (
	pendingLimit    = 300
	decisionLimit   = 300
	deliveryLimit   = 50
	errorLimit      = 20
	notificationMax = 50
)

// data builds the tea.Cmds that read and write the store. Each command runs
// off the event loop and returns one typed message.
type data struct {
	st       Store
	backtest *backtest.Runner
	reviews  Reviews
	rules    Rules // nil: rules are read-only

	// decisions acts on decisions (nil: undo, cancel and keep are not
	// available); undoWindow is UNDO_WINDOW, for showing the window.
	decisions  Decisions
	undoWindow time.Duration
	// intake retries failed deliveries (nil: retry is not available).
	intake Intake

	actor    string
	now      func() time.Time
	log      *slog.Logger
	reviewer string
}

func (d data) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), queryTimeout)
}

// notifier is a message with something to tell the user in the status line.
type notifier interface {
	notice() (text string, isErr bool)
}

// loaded is embedded by the load results; it carries the view and error.
type loaded struct {
	view viewID
	err  error
	at   time.Time
}

func (l loaded) loadedView() viewID { return l.view }

func (l loaded) notice() (string, bool) {
	if l.err == nil {
		return "", false
	}
	return "load " + l.view.String() + ": " + l.err.Error(), true
}

type pendingMsg struct {
	loaded
	pending store.Pending
	rules   []domain.Rule
}

type decisionsMsg struct {
	loaded
	seq   int
	rows  []store.DecisionRow
	rules []domain.Rule
}

type decisionDetailMsg struct {
	loaded
	detail store.DecisionDetail
	// fieldTitles maps interview id + "\x00" + field path to the form
	// field's title, read from the cached feedback forms.
	fieldTitles map[string]string
}

type rulesMsg struct {
	loaded
	rows []store.RuleOverview
	// reqs are each rule's requirements rendered with names, by rule id.
	reqs map[string][]string
}

// activity is what the Activity view shows.
type activity struct {
	deliveries    []domain.Delivery
	counts        map[string]int
	syncs         []store.SyncState
	notifications []domain.Notification
	executions    []domain.Execution
	// candidates names the candidate of each failed action and
	// notification, by decision (execution) id.
	candidates map[string]string
	// scheduleCandidates names the candidate of each delivery's schedule,
	// by schedule id.
	scheduleCandidates map[string]string
}

type activityMsg struct {
	loaded
	activity activity
}

// ruleChangedMsg is the result of a confirmed rule change.
type ruleChangedMsg struct {
	ruleID string
	done   string
	err    error
}

func (m ruleChangedMsg) notice() (string, bool) {
	if m.err != nil {
		// The rules service's messages are written for people (the API
		// answers the same text); never show a driver's.
		var ce *rules.ConflictError
		var ve *rules.ValidationError
		switch {
		case errors.As(m.err, &ce):
			return "not changed: " + ce.Msg, true
		case errors.As(m.err, &ve):
			return "not changed: " + ve.Error(), true
		}
		return "not changed: " + m.err.Error(), true
	}
	return m.done, false
}

// ruleHistoryMsg carries a rule's revisions for its detail.
type ruleHistoryMsg struct {
	ruleID string
	revs   []domain.RuleRevision
	titles rules.Titles
	err    error
}

func (m ruleHistoryMsg) notice() (string, bool) {
	if m.err != nil {
		return "load history: " + m.err.Error(), true
	}
	return "", false
}

// reviewSavedMsg is the result of a dry-run review.
type reviewSavedMsg struct {
	executionID string
	verdict     string
	err         error
}

func (m reviewSavedMsg) notice() (string, bool) {
	if m.err != nil {
		return "review not saved: " + m.err.Error(), true
	}
	return "review saved: " + m.verdict, false
}

func (d data) logErr(what string, err error) {
	if err != nil {
		d.log.Warn("dashboard_store_error", slog.String("op", what), slog.String("error", err.Error()))
	}
}

func (d data) loadPending() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		msg := pendingMsg{loaded: loaded{view: viewPending}}
		msg.pending, msg.err = d.st.ListPendingSchedules(ctx, pendingLimit)
		if msg.err == nil {
			// Active rules tell each schedule's timeout (engine.Match).
			msg.rules, msg.err = d.st.ListRules(ctx, true)
		}
		msg.at = d.now()
		d.logErr("load pending", msg.err)
		return msg
	}
}

func (d data) loadDecisions(f store.DecisionFilter, seq int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		msg := decisionsMsg{loaded: loaded{view: viewDecisions}, seq: seq}
		f.Limit = decisionLimit
		msg.rows, msg.err = d.st.ListDecisions(ctx, f)
		if msg.err == nil {
			renderSummaries(ctx, d.st, msg.rows)
			msg.rules, msg.err = d.st.ListRules(ctx, false)
		}
		msg.at = d.now()
		d.logErr("load decisions", msg.err)
		return msg
	}
}

func (d data) loadDecisionDetail(id string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		msg := decisionDetailMsg{loaded: loaded{view: viewDecisions}}
		msg.detail, msg.err = d.st.GetDecisionDetail(ctx, id)
		if msg.err == nil {
			msg.fieldTitles = fieldTitles(ctx, d.st, msg.detail.Row.Execution.Reasons)
		}
		msg.at = d.now()
		d.logErr("load decision "+id, msg.err)
		return msg
	}
}

func (d data) loadRules() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		msg := rulesMsg{loaded: loaded{view: viewRules}}
		msg.rows, msg.err = d.st.ListRuleOverview(ctx)
		msg.reqs = requirementLines(ctx, d.st, msg.rows)
		msg.at = d.now()
		d.logErr("load rules", msg.err)
		return msg
	}
}

func (d data) loadActivity() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		msg := activityMsg{loaded: loaded{view: viewActivity}}
		a := &msg.activity
		msg.err = func() (err error) {
			if a.syncs, err = d.st.ListSyncStates(ctx); err != nil {
				return err
			}
			if a.counts, err = d.st.CountDeliveries(ctx); err != nil {
				return err
			}
			if a.deliveries, err = d.st.ListDeliveries(ctx, "", deliveryLimit); err != nil {
				return err
			}
			if a.notifications, err = d.st.ListFailedNotifications(ctx, errorLimit); err != nil {
				return err
			}
			if a.executions, err = d.st.ListExecutions(ctx, store.ExecutionFilter{Status: domain.ExecFailed, Limit: errorLimit}); err != nil {
				return err
			}
			a.candidates = errorCandidates(ctx, d.st, a)
			a.scheduleCandidates = deliveryCandidates(ctx, d.st, a.deliveries)
			return nil
		}()
		msg.at = d.now()
		d.logErr("load activity", msg.err)
		return msg
	}
}

// ruleChange is a confirmed change to one rule, checked against the version
// the user saw so a change made meanwhile is not overwritten blindly.
type ruleChange struct {
	ruleID   string
	name     string
	version  int
	activate *bool   // set the active flag
	mode     *string // set the mode
	// rejectDelay sets the reject delay.
	rejectDelay *time.Duration
}

func (d data) changeRule(c ruleChange) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		msg := ruleChangedMsg{ruleID: c.ruleID}
		msg.err = func() error {
			if d.rules == nil {
				return errors.New("this dashboard was opened without the rules service; rules are read-only")
			}
			a := rules.Actor{Name: d.actor, Source: domain.SourceTUI}
			var err error
			switch {
			case c.activate != nil && !*c.activate:
				_, err = d.rules.Deactivate(ctx, a, c.ruleID, c.version)
				msg.done = fmt.Sprintf("rule %q deactivated", c.name)
			case c.activate != nil:
				_, err = d.rules.Activate(ctx, a, c.ruleID, c.version)
				msg.done = fmt.Sprintf("rule %q activated", c.name)
			case c.mode != nil:
				_, err = d.rules.SetMode(ctx, a, c.ruleID, c.version, *c.mode)
				msg.done = fmt.Sprintf("rule %q is now %s", c.name, *c.mode)
			case c.rejectDelay != nil:
				var res rules.Result
				res, err = d.rules.Update(ctx, a, c.ruleID, c.version, func(r *domain.Rule) error {
					r.RejectDelay = *c.rejectDelay
					return nil
				})
				switch {
				case err == nil && !res.Changed():
					msg.done = fmt.Sprintf("rule %q unchanged: its reject delay already is %s", c.name, delayText(*c.rejectDelay))
				case *c.rejectDelay == 0:
					msg.done = fmt.Sprintf("rule %q now archives at once (no reject delay)", c.name)
				default:
					msg.done = fmt.Sprintf("rule %q now waits %s before archiving (reject delay)", c.name, delayText(*c.rejectDelay))
				}
			}
			return err
		}()
		if msg.err != nil {
			d.log.Warn("dashboard_rule_change_failed", slog.String("rule_id", c.ruleID), slog.String("error", msg.err.Error()))
		} else {
			d.log.Info("dashboard_rule_changed", slog.String("rule_id", c.ruleID), slog.String("change", msg.done),
				slog.String("actor", d.actor))
		}
		return msg
	}
}

// loadHistory reads a rule's revisions and the titles that name them.
func (d data) loadHistory(ruleID string) tea.Cmd {
	return func() tea.Msg {
		msg := ruleHistoryMsg{ruleID: ruleID}
		if d.rules == nil {
			return msg
		}
		ctx, cancel := d.ctx()
		defer cancel()
		msg.revs, msg.err = d.rules.History(ctx, ruleID)
		if msg.err == nil {
			msg.titles, msg.err = d.rules.Titles(ctx)
		}
		d.logErr("load history "+ruleID, msg.err)
		return msg
	}
}

func (d data) saveReview(row store.DecisionRow, verdict, note string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		err := errNoReviews
		if d.reviews != nil {
			_, err = d.reviews.Save(ctx, review.Input{ExecutionID: row.Execution.ID, Verdict: verdict, Note: note, Reviewer: d.reviewer})
		}
		d.logErr("save review", err)
		if err == nil {
			d.log.Info("dashboard_review_saved", slog.String("execution_id", row.Execution.ID), slog.String("verdict", verdict))
		}
		return reviewSavedMsg{executionID: row.Execution.ID, verdict: verdict, err: err}
	}
}

// fieldTitles reads the titles of the form fields the reasons name.
func fieldTitles(ctx context.Context, st explain.Caches, raw []byte) map[string]string {
	out := map[string]string{}
	var dec domain.Decision
	if len(raw) == 0 || json.Unmarshal(raw, &dec) != nil {
		return out
	}
	names := explain.NewStoreNames(st, nil)
	for _, r := range dec.Reasons {
		key := r.InterviewID + "\x00" + r.Field
		if _, done := out[key]; done || r.Field == "" {
			continue
		}
		t, _ := names.FieldTitle(ctx, r.InterviewID, r.Field)
		out[key] = t
	}
	return out
}

// requirementLines renders each rule's requirements with the interview's
// and the form field's names: "Panel Interview: Overall Score ≥ 3 (min,
// required)".
func requirementLines(ctx context.Context, st explain.Caches, rows []store.RuleOverview) map[string][]string {
	rr := explain.NewStoreNames(st, nil).Renderer(ctx)
	out := make(map[string][]string, len(rows))
	for _, o := range rows {
		for _, q := range o.Rule.Requirements {
			req := "required"
			if !q.Required {
				req = "optional"
			}
			agg := q.Aggregate
			if agg == "" {
				agg = domain.AggEach
			}
			out[o.Rule.ID] = append(out[o.Rule.ID], fmt.Sprintf("%s: %s %s %s (%s, %s)",
				rr.Name(explain.KindInterview, q.InterviewID), rr.Field(q.InterviewID, q.FieldPath),
				explain.Operator(q.Operator), q.Threshold, agg, req))
		}
	}
	return out
}

// renderSummaries replaces each row's summary by its rendering with names
// (the list's Summary column); rows whose reasons cannot be read keep the
// stored summary with its ids in code spans.
func renderSummaries(ctx context.Context, st explain.Caches, rows []store.DecisionRow) {
	rr := explain.NewStoreNames(st, nil).Renderer(ctx)
	for i := range rows {
		e := &rows[i].Execution
		var dec domain.Decision
		if len(e.Reasons) > 0 {
			_ = json.Unmarshal(e.Reasons, &dec)
		}
		if dec.Outcome == "" {
			dec.Outcome = e.Outcome
		}
		if dec.Summary == "" {
			dec.Summary = e.Summary
		}
		e.Summary = rr.Explanation(dec)
	}
}

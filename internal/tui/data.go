package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Store is what the dashboard needs from the store: the dashboard's read
// queries, a few per-aggregate reads, and the rule and review writes.
// *store.DB implements it.
type Store interface {
	ListPendingSchedules(ctx context.Context, limit int) (store.Pending, error)
	ListDecisions(ctx context.Context, f store.DecisionFilter) ([]store.DecisionRow, error)
	GetDecisionDetail(ctx context.Context, executionID string) (store.DecisionDetail, error)
	ListRuleOverview(ctx context.Context) ([]store.RuleOverview, error)
	ListRules(ctx context.Context, activeOnly bool) ([]domain.Rule, error)
	GetRule(ctx context.Context, id string) (domain.Rule, error)
	UpdateRule(ctx context.Context, r domain.Rule) (domain.Rule, error)
	DeactivateRule(ctx context.Context, id string, at time.Time) error
	SaveReview(ctx context.Context, r domain.Review) error
	ListDeliveries(ctx context.Context, status string, limit int) ([]domain.Delivery, error)
	CountDeliveries(ctx context.Context) (map[string]int, error)
	ListSyncStates(ctx context.Context) ([]store.SyncState, error)
	ListFailedNotifications(ctx context.Context, limit int) ([]domain.Notification, error)
	ListExecutions(ctx context.Context, f store.ExecutionFilter) ([]domain.Execution, error)
}

var _ Store = (*store.DB)(nil)

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
}

type rulesMsg struct {
	loaded
	rows []store.RuleOverview
}

// activity is what the Activity view shows.
type activity struct {
	deliveries    []domain.Delivery
	counts        map[string]int
	syncs         []store.SyncState
	notifications []domain.Notification
	executions    []domain.Execution
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
		if errors.Is(m.err, domain.ErrConflict) {
			return "not changed: another active rule has the same scope (job, plan, stage): " + m.err.Error(), true
		}
		return "not changed: " + m.err.Error(), true
	}
	return m.done, false
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
			a.executions, err = d.st.ListExecutions(ctx, store.ExecutionFilter{Status: domain.ExecFailed, Limit: errorLimit})
			return err
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
}

func (d data) changeRule(c ruleChange) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		msg := ruleChangedMsg{ruleID: c.ruleID}
		msg.err = func() error {
			r, err := d.st.GetRule(ctx, c.ruleID)
			if err != nil {
				return err
			}
			if r.Version != c.version {
				return fmt.Errorf("rule %q changed meanwhile (version %d, shown %d); look again", c.name, r.Version, c.version)
			}
			switch {
			case c.activate != nil && !*c.activate:
				if err := d.st.DeactivateRule(ctx, r.ID, d.now()); err != nil {
					return err
				}
				msg.done = fmt.Sprintf("rule %q deactivated", c.name)
				return nil
			case c.activate != nil:
				r.Active = true
				msg.done = fmt.Sprintf("rule %q activated", c.name)
			case c.mode != nil:
				r.Mode = *c.mode
				msg.done = fmt.Sprintf("rule %q is now %s", c.name, r.Mode)
			}
			r.UpdatedAt = d.now()
			_, err = d.st.UpdateRule(ctx, r)
			return err
		}()
		if msg.err != nil {
			d.log.Warn("dashboard_rule_change_failed", slog.String("rule_id", c.ruleID), slog.String("error", msg.err.Error()))
		} else {
			d.log.Info("dashboard_rule_changed", slog.String("rule_id", c.ruleID), slog.String("change", msg.done))
		}
		return msg
	}
}

func (d data) saveReview(row store.DecisionRow, verdict, note string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		err := d.st.SaveReview(ctx, domain.Review{ExecutionID: row.Execution.ID, RuleID: row.Execution.RuleID,
			Verdict: verdict, Note: note, Reviewer: d.reviewer, CreatedAt: d.now()})
		d.logErr("save review", err)
		if err == nil {
			d.log.Info("dashboard_review_saved", slog.String("execution_id", row.Execution.ID), slog.String("verdict", verdict))
		}
		return reviewSavedMsg{executionID: row.Execution.ID, verdict: verdict, err: err}
	}
}

package rules

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Change actions.
const (
	ActionCreate     = "create"
	ActionUpdate     = "update"
	ActionDeactivate = "deactivate"
)

// FieldChange is one field that differs between the store and the document.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Change is what applying a document does to one rule.
type Change struct {
	Action string        `json:"action"`
	Name   string        `json:"name"`
	RuleID string        `json:"rule_id,omitempty"`
	Fields []FieldChange `json:"fields,omitempty"`
	// Rule is the rule to write (create and update).
	Rule domain.Rule `json:"-"`
}

// Plan is the list of changes that makes the store match a document:
// deactivations first, then updates, then creations, so that a scope moving
// from one rule to another does not clash.
type Plan struct {
	Changes []Change `json:"changes"`
	// Kept are the active rules the document does not name, left as they
	// are because the apply does not prune (name and rule id only).
	Kept []Change `json:"kept,omitempty"`
}

// Deactivations are the plan's deactivations (what --prune would do).
func (p Plan) Deactivations() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Action == ActionDeactivate {
			out = append(out, c)
		}
	}
	return out
}

// Empty reports whether the store already matches.
func (p Plan) Empty() bool { return len(p.Changes) == 0 }

// Write prints the plan as a readable diff: "+" create, "~" update, "-"
// deactivate.
func (p Plan) Write(w io.Writer) error {
	var b strings.Builder
	defer func() {
		if len(p.Kept) > 0 {
			names := make([]string, len(p.Kept))
			for i, c := range p.Kept {
				names[i] = strconv.Quote(c.Name)
			}
			fmt.Fprintf(w, "%d active rule(s) not in the file left as they are (--prune deactivates them): %s\n",
				len(p.Kept), strings.Join(names, ", "))
		}
	}()
	if p.Empty() {
		_, err := fmt.Fprintln(w, "no changes: the store matches the rules file")
		return err
	}
	for _, c := range p.Changes {
		switch c.Action {
		case ActionCreate:
			fmt.Fprintf(&b, "+ create rule %q\n", c.Name)
		case ActionUpdate:
			fmt.Fprintf(&b, "~ update rule %q (%s)\n", c.Name, c.RuleID)
		case ActionDeactivate:
			fmt.Fprintf(&b, "- deactivate rule %q (%s)\n", c.Name, c.RuleID)
		}
		for _, f := range c.Fields {
			switch c.Action {
			case ActionCreate:
				fmt.Fprintf(&b, "    %s: %s\n", f.Field, f.New)
			default:
				fmt.Fprintf(&b, "    %s: %s -> %s\n", f.Field, f.Old, f.New)
			}
		}
	}
	fmt.Fprintf(&b, "%s\n", p.summary())
	_, err := io.WriteString(w, b.String())
	return err
}

func (p Plan) summary() string {
	n := map[string]int{}
	for _, c := range p.Changes {
		n[c.Action]++
	}
	return fmt.Sprintf("%d to create, %d to update, %d to deactivate", n[ActionCreate], n[ActionUpdate], n[ActionDeactivate])
}

// fields flattens a rule into named, comparable values.
func fields(r domain.Rule) [][2]string {
	quote := strconv.Quote
	out := [][2]string{
		{"name", quote(RuleName(r))},
		{"active", strconv.FormatBool(r.Active)},
		{"job", quote(r.JobID)},
		{"interview_plan", quote(r.InterviewPlanID)},
		{"interview_stage", quote(r.InterviewStageID)},
		{"target_stage", quote(r.TargetStageID)},
		{"mode", r.Mode},
		{"on_reject", r.OnReject},
		{"priority", strconv.Itoa(r.Priority)},
		{"archive_reason_id", quote(r.ArchiveReasonID)},
		{"communication_template_id", quote(r.CommunicationTemplateID)},
		{"notify_in_shadow", strconv.FormatBool(r.NotifyInShadow)},
		{"reject_delay", FormatDelay(r.RejectDelay)},
		{"act_in_work_hours", strconv.FormatBool(r.ActInWorkHours)},
		{"notify_on_advance", strconv.FormatBool(r.NotifyOnAdvance)},
		{"timeout_days", strconv.Itoa(r.TimeoutDays)},
		{"min_wait_minutes", strconv.Itoa(r.MinWaitMinutes)},
		{"requirements", strconv.Itoa(len(r.Requirements))},
	}
	for i, q := range r.Requirements {
		agg, _ := CanonicalAggregate(q.Aggregate)
		p := fmt.Sprintf("requirements[%d].", i)
		out = append(out,
			[2]string{p + "interview", quote(q.InterviewID)},
			[2]string{p + "score_field_path", quote(q.FieldPath)},
			[2]string{p + "operator", quote(q.Operator)},
			[2]string{p + "threshold_value", quote(q.Threshold)},
			[2]string{p + "aggregate", agg},
			[2]string{p + "is_required", strconv.FormatBool(q.Required)},
		)
	}
	return out
}

// none stands for a field one side of a comparison does not have.
const none = "(none)"

// Compare lists the fields of want that differ from have.
func Compare(have, want domain.Rule) []FieldChange {
	hf, wf := fields(have), fields(want)
	old := map[string]string{}
	for _, f := range hf {
		old[f[0]] = f[1]
	}
	var out []FieldChange
	for _, f := range wf {
		o, ok := old[f[0]]
		if !ok {
			o = none
		}
		if o != f[1] {
			out = append(out, FieldChange{Field: f[0], Old: o, New: f[1]})
		}
		delete(old, f[0])
	}
	for _, f := range hf {
		if o, ok := old[f[0]]; ok {
			out = append(out, FieldChange{Field: f[0], Old: o, New: none})
		}
	}
	return out
}

// Diff computes the plan that makes the stored rules match desired (as
// returned by Resolve). With prune, active rules that desired does not name
// are deactivated; without, they are listed in Plan.Kept.
func Diff(ctx context.Context, st store.RuleStore, desired []domain.Rule, prune bool) (Plan, error) {
	all, err := st.ListRules(ctx, false)
	if err != nil {
		return Plan{}, err
	}
	// Index by name: an active rule wins over inactive ones, then the most
	// recently updated.
	byName := map[string]domain.Rule{}
	for _, r := range all {
		n := RuleName(r)
		prev, ok := byName[n]
		switch {
		case !ok:
			byName[n] = r
		case prev.Active && r.Active:
			return Plan{}, fmt.Errorf("two active rules are named %q (%s, %s): rename one through PATCH /admin/rules/{id}: %w",
				n, prev.ID, r.ID, domain.ErrConflict)
		case r.Active || (!prev.Active && r.UpdatedAt.After(prev.UpdatedAt)):
			byName[n] = r
		}
	}
	var creates, updates, deactivates, kept []Change
	wanted := map[string]bool{}
	for _, want := range desired {
		wanted[want.Name] = true
		have, ok := byName[want.Name]
		if !ok {
			c := Change{Action: ActionCreate, Name: want.Name, Rule: want}
			for _, f := range fields(want) {
				if f[1] == `""` {
					continue // unset optional fields
				}
				c.Fields = append(c.Fields, FieldChange{Field: f[0], New: f[1]})
			}
			c.Rule.Actions = []domain.Action{{ActionType: "advance_stage", ExecutionOrder: 1}}
			creates = append(creates, c)
			continue
		}
		want.ID = have.ID
		if have.Name == "" {
			// A stored rule without a name is known by its derived name; keep
			// it unnamed so that exporting and applying changes nothing.
			want.Name = ""
		}
		diff := Compare(have, want)
		if len(diff) == 0 {
			continue
		}
		upd := have
		upd.Name, upd.JobID, upd.InterviewPlanID, upd.InterviewStageID = want.Name, want.JobID, want.InterviewPlanID, want.InterviewStageID
		upd.TargetStageID, upd.Mode, upd.OnReject, upd.Priority, upd.Active = want.TargetStageID, want.Mode, want.OnReject, want.Priority, true
		upd.ArchiveReasonID, upd.CommunicationTemplateID = want.ArchiveReasonID, want.CommunicationTemplateID
		upd.NotifyInShadow, upd.TimeoutDays, upd.MinWaitMinutes = want.NotifyInShadow, want.TimeoutDays, want.MinWaitMinutes
		upd.RejectDelay, upd.ActInWorkHours, upd.NotifyOnAdvance = want.RejectDelay, want.ActInWorkHours, want.NotifyOnAdvance
		upd.Requirements = want.Requirements
		updates = append(updates, Change{Action: ActionUpdate, Name: RuleName(have), RuleID: have.ID, Fields: diff, Rule: upd})
	}
	for _, r := range all {
		if r.Active && !wanted[RuleName(r)] && !prune {
			kept = append(kept, Change{Name: RuleName(r), RuleID: r.ID})
		} else if r.Active && !wanted[RuleName(r)] {
			deactivates = append(deactivates, Change{Action: ActionDeactivate, Name: RuleName(r), RuleID: r.ID,
				Fields: []FieldChange{{Field: "active", Old: "true", New: "false"}}})
		}
	}
	byNameOrder := func(a, b Change) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(creates, byNameOrder)
	slices.SortFunc(updates, byNameOrder)
	slices.SortFunc(deactivates, byNameOrder)
	slices.SortFunc(kept, byNameOrder)
	return Plan{Changes: slices.Concat(deactivates, updates, creates), Kept: kept}, nil
}

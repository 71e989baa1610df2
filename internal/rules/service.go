package rules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Actor is who makes a change and through which door: the admin token's
// name for the API (domain.SourceAPI), --as, AAA_ACTOR or the OS user for
// the CLI (domain.SourceCLI) and the dashboard (domain.SourceTUI).
type Actor struct {
	Name   string
	Source string
}

func (a Actor) check() error {
	if strings.TrimSpace(a.Name) == "" {
		return fmt.Errorf("a rule change needs an actor name: %w", domain.ErrInvalid)
	}
	switch a.Source {
	case domain.SourceAPI, domain.SourceCLI, domain.SourceTUI:
		return nil
	}
	return fmt.Errorf("unknown change source %q (want api, cli or tui): %w", a.Source, domain.ErrInvalid)
}

// Store is what the Service needs: rule and metadata reads outside a
// transaction (History, Lookup, Apply's preview) and a transaction for every
// write. *store.DB implements it.
type Store interface {
	store.RuleStore
	store.RuleRevisionStore
	store.MetadataStore
	InTx(ctx context.Context, fn func(tx store.Store) error) error
}

var _ Store = (*store.DB)(nil)

// Options configures a Service.
type Options struct {
	// Store is where rules live (required).
	Store Store
	// Logger receives rule_mode_changed and the other rule events (nil
	// discards).
	Logger *slog.Logger
	// Now stamps changes and revisions (default time.Now).
	Now func() time.Time
}

// Service is the only writer of rules. Each operation runs in one store
// transaction: validation (shape and synced metadata), name uniqueness
// among active rules, one active rule per scope (plan, stage and job), a
// version compare-and-set, the write and its revision row.
type Service struct {
	st  Store
	log *slog.Logger
	now func() time.Time
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{st: opts.Store, log: opts.Logger.With("component", "rules"), now: opts.Now}
}

// ConflictError is a change refused because it clashes with another rule or
// with a change made meanwhile. Its message is meant for people; it wraps
// domain.ErrConflict.
type ConflictError struct{ Msg string }

func (e *ConflictError) Error() string { return e.Msg }

// Unwrap makes errors.Is(err, domain.ErrConflict) hold.
func (e *ConflictError) Unwrap() error { return domain.ErrConflict }

// ScopeConflictMessage is the answer to a second active rule for a scope.
const ScopeConflictMessage = "an active rule already exists for this job, plan and stage; deactivate it or change its scope first"

// Result is the rule after a change and the revision the change wrote (nil
// when the rule already was as asked, so nothing was written).
type Result struct {
	Rule     domain.Rule
	Revision *domain.RuleRevision
}

// Changed reports whether the operation wrote anything.
func (r Result) Changed() bool { return r.Revision != nil }

// tx is what a write uses inside its transaction.
type tx interface {
	store.RuleStore
	store.RuleRevisionStore
	store.MetadataStore
}

// Create stores a new rule (after Normalize) and its "create" revision.
// Validation problems are a *ValidationError located under "body".
func (s *Service) Create(ctx context.Context, a Actor, r domain.Rule) (Result, error) {
	if err := a.check(); err != nil {
		return Result{}, err
	}
	r.ID, r.Version = "", 0
	Normalize(&r)
	var res Result
	err := s.st.InTx(ctx, func(t store.Store) (err error) {
		res, err = s.write(ctx, t, a, write{next: r, validate: true})
		return err
	})
	return res, err
}

// CreateNamed is Create for a rule whose scope or interviews refs name by
// id or title (the admin API's job, interview_plan, interview_stage,
// target_stage and requirements[].interview): they are resolved within the
// rule's scope, in the transaction, like a rules file's.
func (s *Service) CreateNamed(ctx context.Context, a Actor, r domain.Rule, refs Refs) (Result, error) {
	if err := a.check(); err != nil {
		return Result{}, err
	}
	r.ID, r.Version = "", 0
	var res Result
	err := s.st.InTx(ctx, func(t store.Store) (err error) {
		if err := resolveIn(ctx, t, &r, refs); err != nil {
			return err
		}
		Normalize(&r)
		res, err = s.write(ctx, t, a, write{next: r, validate: true})
		return err
	})
	return res, err
}

// resolveIn applies refs to r; problems are a *ValidationError under "body".
func resolveIn(ctx context.Context, md store.MetadataStore, r *domain.Rule, refs Refs) error {
	ps, err := ResolveRefs(ctx, md, r, refs, "body")
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

// UpdateNamed is Update with refs (see CreateNamed) applied after edit.
func (s *Service) UpdateNamed(ctx context.Context, a Actor, id string, version int, refs Refs, edit func(r *domain.Rule) error) (Result, error) {
	return s.change(ctx, a, id, version, "", edit, &refs)
}

// Update applies edit to the rule as stored and writes the result. version
// is the version the caller read (a rule changed meanwhile is a
// *ConflictError); 0 edits whatever version the transaction reads. edit may
// return a *ValidationError. An edit that changes nothing writes nothing.
func (s *Service) Update(ctx context.Context, a Actor, id string, version int, edit func(r *domain.Rule) error) (Result, error) {
	return s.change(ctx, a, id, version, "", edit, nil)
}

// SetMode switches a rule to shadow or live.
func (s *Service) SetMode(ctx context.Context, a Actor, id string, version int, mode string) (Result, error) {
	return s.change(ctx, a, id, version, "", func(r *domain.Rule) error { r.Mode = mode; return nil }, nil)
}

// Activate makes a rule active (refused when another active rule has its
// scope or its name).
func (s *Service) Activate(ctx context.Context, a Actor, id string, version int) (Result, error) {
	return s.change(ctx, a, id, version, "", func(r *domain.Rule) error { r.Active = true; return nil }, nil)
}

// Deactivate makes a rule inactive.
func (s *Service) Deactivate(ctx context.Context, a Actor, id string, version int) (Result, error) {
	return s.change(ctx, a, id, version, "", func(r *domain.Rule) error { r.Active = false; return nil }, nil)
}

// Delete soft-deletes an active rule (it is kept, inactive, with its
// history); a rule that is not active is domain.ErrNotFound.
func (s *Service) Delete(ctx context.Context, a Actor, id string, version int) (Result, error) {
	return s.change(ctx, a, id, version, domain.RevisionDelete, func(r *domain.Rule) error {
		if !r.Active {
			return fmt.Errorf("active rule %s: %w", id, domain.ErrNotFound)
		}
		r.Active = false
		return nil
	}, nil)
}

func (s *Service) change(ctx context.Context, a Actor, id string, version int, action string, edit func(r *domain.Rule) error, refs *Refs) (Result, error) {
	if err := a.check(); err != nil {
		return Result{}, err
	}
	var res Result
	err := s.st.InTx(ctx, func(t store.Store) error {
		cur, err := t.GetRule(ctx, id)
		if err != nil {
			return err
		}
		if version != 0 && cur.Version != version {
			return changedMeanwhile(cur, version)
		}
		next := cloneRule(cur)
		if err := edit(&next); err != nil {
			return err
		}
		if refs != nil {
			if err := resolveIn(ctx, t, &next, *refs); err != nil {
				return err
			}
		}
		Normalize(&next)
		res, err = s.write(ctx, t, a, write{cur: &cur, next: next, action: action, validate: true})
		return err
	})
	return res, err
}

func changedMeanwhile(cur domain.Rule, read int) error {
	return &ConflictError{Msg: fmt.Sprintf("rule %q changed meanwhile (now version %d, you read version %d); reload it and try again",
		RuleName(cur), cur.Version, read)}
}

func cloneRule(r domain.Rule) domain.Rule {
	r.Requirements = slices.Clone(r.Requirements)
	r.Actions = slices.Clone(r.Actions)
	return r
}

// write is one rule write inside a transaction: cur is the stored rule (nil
// to create next); action overrides the action derived from the changes.
type write struct {
	cur      *domain.Rule
	next     domain.Rule
	action   string
	validate bool
}

func (s *Service) write(ctx context.Context, t tx, a Actor, w write) (Result, error) {
	next := w.next
	var changes []domain.FieldChange
	if w.cur == nil {
		changes = createChanges(next)
	} else {
		changes = revisionChanges(*w.cur, next)
		if len(changes) == 0 {
			return Result{Rule: *w.cur}, nil
		}
	}
	action := w.action
	if action == "" {
		action = actionOf(w.cur == nil, changes)
	}
	// A deactivation is always allowed, even of a rule whose interview has
	// since gone from Ashby; anything else is checked like a new rule.
	if w.validate && action != domain.RevisionDeactivate && action != domain.RevisionDelete {
		if err := Check(ctx, t, next, "body"); err != nil {
			return Result{}, err
		}
	}
	if next.Active {
		if err := checkClashes(ctx, t, next); err != nil {
			return Result{}, err
		}
	}
	now := s.now().UTC()
	var saved domain.Rule
	var err error
	if w.cur == nil {
		next.CreatedAt = now
		saved, err = t.CreateRule(ctx, next)
	} else {
		next.UpdatedAt = now
		next.Version = w.cur.Version
		saved, err = t.UpdateRule(ctx, next)
	}
	if errors.Is(err, domain.ErrConflict) {
		// The checks above ran in this transaction, so only a concurrent
		// writer (Postgres) gets here: name it without the driver's text.
		return Result{}, &ConflictError{Msg: fmt.Sprintf("rule %q changed meanwhile or another active rule took its scope; reload it and try again",
			RuleName(next))}
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s rule %q: %w", action, RuleName(next), err)
	}
	rev, err := t.InsertRuleRevision(ctx, domain.RuleRevision{RuleID: saved.ID, Version: saved.Version, Action: action,
		Actor: a.Name, Source: a.Source, Changes: changes, CreatedAt: now})
	if err != nil {
		return Result{}, err
	}
	from := ""
	if w.cur != nil {
		from = w.cur.Mode
	}
	if from != saved.Mode && (w.cur != nil || saved.Mode == domain.ModeLive) {
		s.log.InfoContext(ctx, "rule_mode_changed", slog.String("rule_id", saved.ID), slog.String("rule", RuleName(saved)),
			slog.String("from", from), slog.String("to", saved.Mode), slog.String("actor", a.Name), slog.String("source", a.Source),
			slog.Int("version", saved.Version))
	}
	return Result{Rule: saved, Revision: &rev}, nil
}

// checkClashes refuses an active rule whose name another active rule uses
// (names identify rules in rules files) or whose scope another active rule
// covers.
func checkClashes(ctx context.Context, t tx, r domain.Rule) error {
	active, err := t.ListRules(ctx, true)
	if err != nil {
		return err
	}
	for _, o := range active {
		if o.ID != r.ID && r.Name != "" && RuleName(o) == r.Name {
			return &ConflictError{Msg: fmt.Sprintf("an active rule named %q already exists (%s)", r.Name, o.ID)}
		}
	}
	for _, o := range active {
		if o.ID != r.ID && o.JobID == r.JobID && o.InterviewPlanID == r.InterviewPlanID && o.InterviewStageID == r.InterviewStageID {
			return &ConflictError{Msg: ScopeConflictMessage}
		}
	}
	return nil
}

// actionOf names a change by what it did, whichever door it came through.
func actionOf(created bool, changes []domain.FieldChange) string {
	if created {
		return domain.RevisionCreate
	}
	if len(changes) == 1 {
		switch c := changes[0]; c.Field {
		case "mode":
			return domain.RevisionMode
		case "active":
			if c.New != nil && *c.New == "true" {
				return domain.RevisionActivate
			}
			return domain.RevisionDeactivate
		}
	}
	return domain.RevisionUpdate
}

// plain turns a field value of fields (quoted strings) into its text.
func plain(v string) *string {
	if u, err := strconv.Unquote(v); err == nil {
		v = u
	}
	return &v
}

// createChanges lists every field of a new rule, each with no old value.
func createChanges(r domain.Rule) []domain.FieldChange {
	var out []domain.FieldChange
	for _, f := range fields(r) {
		out = append(out, domain.FieldChange{Field: f[0], New: plain(f[1])})
	}
	return out
}

// revisionChanges lists the fields that differ between two versions of a
// rule; a field only one side has (a requirement added or removed) has a nil
// value on the other.
func revisionChanges(have, want domain.Rule) []domain.FieldChange {
	var out []domain.FieldChange
	for _, c := range Compare(have, want) {
		fc := domain.FieldChange{Field: c.Field, Old: plain(c.Old), New: plain(c.New)}
		if c.Old == none {
			fc.Old = nil
		}
		if c.New == none {
			fc.New = nil
		}
		out = append(out, fc)
	}
	return out
}

// ApplyOptions tunes Apply.
type ApplyOptions struct {
	// DryRun computes the plan and writes nothing (aaa rules apply --diff).
	DryRun bool
	// Prune deactivates the active rules the document does not name;
	// without it they are left as they are (and listed in Plan.Kept).
	Prune bool
	// Confirmed, when not nil, are the ids of the rules the caller agreed
	// to deactivate (from a DryRun's plan): a prune that would deactivate
	// any other rule is refused with a *ConflictError and writes nothing.
	Confirmed []string
}

// Apply validates doc and makes the store match it in one transaction (see
// the package doc), writing a revision per rule it changes. It returns the
// plan it carried out (or, with DryRun, would carry out).
func (s *Service) Apply(ctx context.Context, a Actor, doc Document, opts ApplyOptions) (Plan, error) {
	if opts.DryRun {
		desired, err := Resolve(ctx, s.st, doc)
		if err != nil {
			return Plan{}, err
		}
		return Diff(ctx, s.st, desired, opts.Prune)
	}
	if err := a.check(); err != nil {
		return Plan{}, err
	}
	var plan Plan
	err := s.st.InTx(ctx, func(t store.Store) error {
		desired, err := Resolve(ctx, t, doc)
		if err != nil {
			return err
		}
		if plan, err = Diff(ctx, t, desired, opts.Prune); err != nil {
			return err
		}
		if opts.Confirmed != nil {
			for _, c := range plan.Deactivations() {
				if !slices.Contains(opts.Confirmed, c.RuleID) {
					return &ConflictError{Msg: fmt.Sprintf("rule %q became active after you confirmed the prune; nothing was changed, run the apply again", c.Name)}
				}
			}
		}
		for i, c := range plan.Changes {
			w := write{next: c.Rule}
			if c.Action != ActionCreate {
				cur, err := t.GetRule(ctx, c.RuleID)
				if err != nil {
					return fmt.Errorf("%s rule %q: %w", c.Action, c.Name, err)
				}
				w.cur = &cur
				if c.Action == ActionDeactivate {
					w.next = cloneRule(cur)
					w.next.Active = false
				}
			}
			res, err := s.write(ctx, t, a, w)
			if err != nil {
				return fmt.Errorf("%s rule %q: %w", c.Action, c.Name, err)
			}
			plan.Changes[i].Rule, plan.Changes[i].RuleID = res.Rule, res.Rule.ID
		}
		return nil
	})
	if err != nil {
		return Plan{}, err
	}
	return plan, nil
}

// History returns a rule's revisions, newest first.
func (s *Service) History(ctx context.Context, id string) ([]domain.RuleRevision, error) {
	if _, err := s.st.GetRule(ctx, id); err != nil {
		return nil, err
	}
	return s.st.ListRuleRevisions(ctx, id)
}

// Lookup finds a rule by id, else by name (RuleName; an active rule wins
// over inactive ones, then the most recently updated).
func (s *Service) Lookup(ctx context.Context, nameOrID string) (domain.Rule, error) {
	r, err := s.st.GetRule(ctx, nameOrID)
	if err == nil || !errors.Is(err, domain.ErrNotFound) {
		return r, err
	}
	all, err := s.st.ListRules(ctx, false)
	if err != nil {
		return domain.Rule{}, err
	}
	var best *domain.Rule
	for i, r := range all {
		if RuleName(r) != nameOrID {
			continue
		}
		if best == nil || (r.Active && !best.Active) || (r.Active == best.Active && r.UpdatedAt.After(best.UpdatedAt)) {
			best = &all[i]
		}
	}
	if best == nil {
		return domain.Rule{}, fmt.Errorf("no rule named %q: %w", nameOrID, domain.ErrNotFound)
	}
	return *best, nil
}

package rules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"go.yaml.in/yaml/v3"
)

// Document is a rules file: the full desired set of active rules.
type Document struct {
	Rules []Spec `yaml:"rules" json:"rules"`
}

// Spec is one rule of a document. Job, plan, stages and interviews are ids
// or exact titles.
type Spec struct {
	Name                    string            `yaml:"name" json:"name"`
	Job                     string            `yaml:"job,omitempty" json:"job,omitempty"`
	InterviewPlan           string            `yaml:"interview_plan" json:"interview_plan"`
	InterviewStage          string            `yaml:"interview_stage" json:"interview_stage"`
	TargetStage             string            `yaml:"target_stage,omitempty" json:"target_stage,omitempty"`
	Mode                    string            `yaml:"mode,omitempty" json:"mode,omitempty"`
	OnReject                string            `yaml:"on_reject,omitempty" json:"on_reject,omitempty"`
	Priority                int               `yaml:"priority,omitempty" json:"priority,omitempty"`
	ArchiveReasonID         string            `yaml:"archive_reason_id,omitempty" json:"archive_reason_id,omitempty"`
	CommunicationTemplateID string            `yaml:"communication_template_id,omitempty" json:"communication_template_id,omitempty"`
	NotifyInShadow          bool              `yaml:"notify_in_shadow,omitempty" json:"notify_in_shadow,omitempty"`
	TimeoutDays             int               `yaml:"timeout_days,omitempty" json:"timeout_days,omitempty"`
	MinWaitMinutes          int               `yaml:"min_wait_minutes,omitempty" json:"min_wait_minutes,omitempty"`
	Requirements            []RequirementSpec `yaml:"requirements" json:"requirements"`
}

// RequirementSpec is one requirement of a Spec.
type RequirementSpec struct {
	Interview      string `yaml:"interview" json:"interview"`
	ScoreFieldPath string `yaml:"score_field_path" json:"score_field_path"`
	Operator       string `yaml:"operator" json:"operator"`
	// Threshold may be written as a YAML number; it is kept as text.
	Threshold string `yaml:"threshold_value" json:"threshold_value"`
	Aggregate string `yaml:"aggregate,omitempty" json:"aggregate,omitempty"`
	// Required defaults to true.
	Required *bool `yaml:"is_required,omitempty" json:"is_required,omitempty"`
}

// Parse reads a document in YAML or JSON (JSON is YAML). Unknown fields are
// an error.
func Parse(r io.Reader) (Document, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Document{}, fmt.Errorf("rules file is empty: %w", domain.ErrInvalid)
		}
		return Document{}, fmt.Errorf("parse rules file: %w: %w", err, domain.ErrInvalid)
	}
	return doc, nil
}

// YAML renders the document.
func (d Document) YAML() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	return b.Bytes(), nil
}

// RuleName is a rule's identity in a document: its name, or "rule-" and the
// first 8 characters of its id when it has none.
func RuleName(r domain.Rule) string {
	if r.Name != "" {
		return r.Name
	}
	return "rule-" + r.ID[:min(8, len(r.ID))]
}

// SpecOf is the document form of a stored rule (ids, not titles).
func SpecOf(r domain.Rule) Spec {
	s := Spec{
		Name: RuleName(r), Job: r.JobID, InterviewPlan: r.InterviewPlanID, InterviewStage: r.InterviewStageID,
		TargetStage: r.TargetStageID, Mode: r.Mode, OnReject: r.OnReject, Priority: r.Priority,
		ArchiveReasonID: r.ArchiveReasonID, CommunicationTemplateID: r.CommunicationTemplateID,
		NotifyInShadow: r.NotifyInShadow, TimeoutDays: r.TimeoutDays, MinWaitMinutes: r.MinWaitMinutes,
		Requirements: []RequirementSpec{},
	}
	for _, q := range r.Requirements {
		req := q.Required
		s.Requirements = append(s.Requirements, RequirementSpec{
			Interview: q.InterviewID, ScoreFieldPath: q.FieldPath, Operator: q.Operator, Threshold: q.Threshold,
			Aggregate: q.Aggregate, Required: &req,
		})
	}
	return s
}

// Export returns every active rule as a document, ordered by name.
func Export(ctx context.Context, st store.RuleStore) (Document, error) {
	rs, err := st.ListRules(ctx, true)
	if err != nil {
		return Document{}, err
	}
	slices.SortFunc(rs, func(a, b domain.Rule) int { return strings.Compare(RuleName(a), RuleName(b)) })
	doc := Document{Rules: []Spec{}}
	for _, r := range rs {
		doc.Rules = append(doc.Rules, SpecOf(r))
	}
	return doc, nil
}

// resolver turns ids or titles into ids using the synced metadata.
type resolver struct {
	md    store.MetadataStore
	ctx   context.Context
	plans []domain.Plan
	jobs  []domain.Job
	ivs   []domain.Interview
}

type candidate struct{ id, title string }

// pick finds ref among candidates by id, else by exact title.
func pick(kind, ref string, cands []candidate) (string, string) {
	var byTitle []candidate
	for _, c := range cands {
		if c.id == ref {
			return c.id, ""
		}
		if c.title == ref {
			byTitle = append(byTitle, c)
		}
	}
	switch len(byTitle) {
	case 1:
		return byTitle[0].id, ""
	case 0:
		return "", fmt.Sprintf("no %s has the id or title %q (sync metadata first)", kind, ref)
	}
	names := make([]string, len(byTitle))
	for i, c := range byTitle {
		names[i] = c.id
	}
	return "", fmt.Sprintf("%d %ss are titled %q; use one of their ids: %s", len(byTitle), kind, ref, strings.Join(names, ", "))
}

func (rv *resolver) load() error {
	var err error
	if rv.plans, err = rv.md.ListPlans(rv.ctx); err != nil {
		return err
	}
	if rv.jobs, err = rv.md.ListJobs(rv.ctx, false); err != nil {
		return err
	}
	if rv.ivs, err = rv.md.ListInterviews(rv.ctx, ""); err != nil {
		return err
	}
	return nil
}

// Resolve validates a document and turns it into rules with ids (Name set,
// no rule id). It returns a *ValidationError listing every problem.
func Resolve(ctx context.Context, md store.MetadataStore, doc Document) ([]domain.Rule, error) {
	rv := &resolver{md: md, ctx: ctx}
	if err := rv.load(); err != nil {
		return nil, err
	}
	var plans, jobs, ivs []candidate
	for _, p := range rv.plans {
		plans = append(plans, candidate{p.ID, p.Title})
	}
	for _, j := range rv.jobs {
		jobs = append(jobs, candidate{j.ID, j.Title})
	}
	for _, iv := range rv.ivs {
		ivs = append(ivs, candidate{iv.ID, iv.Title})
	}
	var ps []Problem
	out := make([]domain.Rule, 0, len(doc.Rules))
	names := map[string]int{}
	scopes := map[string]int{}
	for i, s := range doc.Rules {
		add := func(typ, msg string, input any, loc ...any) {
			ps = append(ps, Problem{Type: typ, Loc: append([]any{"rules", i}, loc...), Msg: msg, Input: input})
		}
		name := strings.TrimSpace(s.Name)
		switch prev, dup := names[name]; {
		case name == "":
			add(ProblemMissing, "every rule needs a unique name", nil, "name")
		case dup:
			add(ProblemInvalid, fmt.Sprintf("name %q is also used by rules[%d]", name, prev), name, "name")
		default:
			names[name] = i
		}
		r := domain.Rule{
			Name: name, Mode: s.Mode, OnReject: s.OnReject, Priority: s.Priority, Active: true,
			ArchiveReasonID: s.ArchiveReasonID, CommunicationTemplateID: s.CommunicationTemplateID,
			NotifyInShadow: s.NotifyInShadow, TimeoutDays: s.TimeoutDays, MinWaitMinutes: s.MinWaitMinutes,
		}
		resolve := func(kind, ref string, cands []candidate, field string) string {
			if ref == "" {
				return ""
			}
			id, msg := pick(kind, ref, cands)
			if msg != "" {
				add(ProblemNotFound, msg, ref, field)
			}
			return id
		}
		if s.InterviewPlan == "" {
			add(ProblemMissing, "Field required", nil, "interview_plan")
		}
		if s.InterviewStage == "" {
			add(ProblemMissing, "Field required", nil, "interview_stage")
		}
		r.JobID = resolve("job", s.Job, jobs, "job")
		r.InterviewPlanID = resolve("interview plan", s.InterviewPlan, plans, "interview_plan")
		if r.InterviewPlanID != "" {
			stages, err := md.ListStages(ctx, r.InterviewPlanID)
			if err != nil {
				return nil, err
			}
			var cands []candidate
			for _, st := range stages {
				cands = append(cands, candidate{st.ID, st.Title})
			}
			r.InterviewStageID = resolve("stage of the plan", s.InterviewStage, cands, "interview_stage")
			r.TargetStageID = resolve("stage of the plan", s.TargetStage, cands, "target_stage")
		}
		for k, q := range s.Requirements {
			req := true
			if q.Required != nil {
				req = *q.Required
			}
			id := ""
			if q.Interview == "" {
				add(ProblemMissing, "Field required", nil, "requirements", k, "interview")
			} else if id2, msg := pick("interview", q.Interview, ivs); msg != "" {
				add(ProblemNotFound, msg, q.Interview, "requirements", k, "interview")
			} else {
				id = id2
			}
			r.Requirements = append(r.Requirements, domain.Requirement{
				InterviewID: id, FieldPath: q.ScoreFieldPath, Operator: q.Operator, Threshold: q.Threshold,
				Aggregate: q.Aggregate, Required: req,
			})
		}
		Normalize(&r)
		// Names already resolved: only report what the resolver could not.
		for _, p := range CheckShape(r) {
			if p.Type == ProblemMissing && len(p.Loc) > 0 && (p.Loc[0] == "interview_plan_id" || p.Loc[0] == "interview_stage_id") {
				continue
			}
			if len(p.Loc) == 3 && p.Loc[2] == "interview_id" {
				continue
			}
			p.Loc = append([]any{"rules", i}, fileLoc(p.Loc)...)
			ps = append(ps, p)
		}
		if r.InterviewPlanID != "" && r.InterviewStageID != "" {
			more, err := CheckMetadata(ctx, md, r, "rules", i)
			if err != nil {
				return nil, err
			}
			for _, p := range more {
				p.Loc = append([]any{"rules", i}, fileLoc(p.Loc[2:])...)
				ps = append(ps, p)
			}
			scope := r.JobID + "|" + r.InterviewPlanID + "|" + r.InterviewStageID
			if prev, dup := scopes[scope]; dup {
				add(ProblemInvalid, fmt.Sprintf("rules[%d] has the same job, plan and stage: at most one active rule per scope", prev), nil, "interview_stage")
			} else {
				scopes[scope] = i
			}
		}
		out = append(out, r)
	}
	if len(ps) > 0 {
		return nil, &ValidationError{Problems: ps}
	}
	return out, nil
}

// fileLoc renames the admin API's field names to the document's.
func fileLoc(loc []any) []any {
	names := map[string]string{
		"interview_plan_id": "interview_plan", "interview_stage_id": "interview_stage", "job_id": "job",
		"target_stage_id": "target_stage", "interview_id": "interview",
	}
	out := slices.Clone(loc)
	for i, l := range out {
		if s, ok := l.(string); ok && names[s] != "" {
			out[i] = names[s]
		}
	}
	return out
}

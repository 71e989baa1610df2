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
// or exact titles. RejectDelay is a duration as ParseDelay reads it ("2h",
// "90m", "1d"), empty or "0" for none.
type Spec struct {
	Name                    string            `yaml:"name" json:"name"`
	Job                     string            `yaml:"job,omitempty" json:"job,omitempty"`
	InterviewPlan           string            `yaml:"interview_plan,omitempty" json:"interview_plan,omitempty"`
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
	RejectDelay             string            `yaml:"reject_delay,omitempty" json:"reject_delay,omitempty"`
	ActInWorkHours          bool              `yaml:"act_in_work_hours,omitempty" json:"act_in_work_hours,omitempty"`
	NotifyOnAdvance         bool              `yaml:"notify_on_advance,omitempty" json:"notify_on_advance,omitempty"`
	Requirements            []RequirementSpec `yaml:"requirements" json:"requirements"`
	// comments are written beside the fields of the YAML form (Export:
	// the ids behind titles), by YAML key.
	comments map[string]string
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
	// comments are written beside the fields of the YAML form, by YAML key.
	comments map[string]string
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

// YAML renders the document, with the comments Export attaches (the ids
// behind titles) at the end of their lines.
func (d Document) YAML() ([]byte, error) {
	var root yaml.Node
	if err := root.Encode(d); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	if rs := mapValue(&root, "rules"); rs != nil {
		for i, n := range rs.Content {
			if i >= len(d.Rules) {
				break
			}
			comment(n, d.Rules[i].comments)
			if qs := mapValue(n, "requirements"); qs != nil {
				for k, q := range qs.Content {
					if k < len(d.Rules[i].Requirements) {
						comment(q, d.Rules[i].Requirements[k].comments)
					}
				}
			}
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	return b.Bytes(), nil
}

// mapValue is the value of key in a mapping node (or a document holding one).
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// comment sets line comments on a mapping's values, by key.
func comment(n *yaml.Node, byKey map[string]string) {
	if n.Kind != yaml.MappingNode || len(byKey) == 0 {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if c := byKey[n.Content[i].Value]; c != "" {
			n.Content[i+1].LineComment = "# " + c
		}
	}
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
		ActInWorkHours: r.ActInWorkHours, NotifyOnAdvance: r.NotifyOnAdvance,
		Requirements: []RequirementSpec{},
	}
	if r.RejectDelay != 0 {
		s.RejectDelay = FormatDelay(r.RejectDelay)
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

// Export returns every active rule as a document, ordered by name. Jobs,
// plans, stages and interviews are written by title when that title names
// the same object within the rule's scope (so that applying the export
// changes nothing), with the id as a comment; else by id.
func Export(ctx context.Context, st interface {
	store.RuleStore
	store.MetadataStore
}) (Document, error) {
	rs, err := st.ListRules(ctx, true)
	if err != nil {
		return Document{}, err
	}
	slices.SortFunc(rs, func(a, b domain.Rule) int { return strings.Compare(RuleName(a), RuleName(b)) })
	sc, err := newScope(ctx, st)
	if err != nil {
		return Document{}, err
	}
	reasons, err := st.ListArchiveReasons(ctx)
	if err != nil {
		return Document{}, err
	}
	doc := Document{Rules: []Spec{}}
	for _, r := range rs {
		s, err := sc.titled(r, reasons)
		if err != nil {
			return Document{}, err
		}
		doc.Rules = append(doc.Rules, s)
	}
	return doc, nil
}

// titled is SpecOf with titles in place of ids where they resolve back.
func (sc *scope) titled(r domain.Rule, reasons []domain.ArchiveReason) (Spec, error) {
	s := SpecOf(r)
	s.comments = map[string]string{}
	name := func(key, id, title string) string {
		if title != id {
			s.comments[key] = "id " + id
		}
		return title
	}
	if r.JobID != "" {
		s.Job = name("job", r.JobID, titleIn(r.JobID, jobCands(sc.jobs), sc.jobTiers()))
	}
	planTiers, err := sc.planTiers(r.JobID)
	if err != nil {
		return Spec{}, err
	}
	s.InterviewPlan = name("interview_plan", r.InterviewPlanID, titleIn(r.InterviewPlanID, planCands(sc.plans), planTiers))
	if !badText(r.InterviewPlanID) {
		cands, tiers, err := sc.stageTiers(r.InterviewPlanID)
		if err != nil {
			return Spec{}, err
		}
		s.InterviewStage = name("interview_stage", r.InterviewStageID, titleIn(r.InterviewStageID, cands, tiers))
		if r.TargetStageID != "" {
			s.TargetStage = name("target_stage", r.TargetStageID, titleIn(r.TargetStageID, cands, tiers))
		}
	}
	if r.ArchiveReasonID != "" {
		if i := slices.IndexFunc(reasons, func(a domain.ArchiveReason) bool { return a.ID == r.ArchiveReasonID }); i >= 0 {
			s.comments["archive_reason_id"] = reasons[i].Text
		}
	}
	ivTiers, err := sc.interviewTiers(r.JobID, r.InterviewPlanID)
	if err != nil {
		return Spec{}, err
	}
	all := ivCands(sc.ivs, func(domain.Interview) bool { return true })
	for k, q := range r.Requirements {
		t := titleIn(q.InterviewID, all, ivTiers)
		c := map[string]string{}
		if t != q.InterviewID {
			c["interview"] = "id " + q.InterviewID
		}
		s.Requirements[k].Interview, s.Requirements[k].comments = t, c
	}
	return s, nil
}

// Resolve validates a document and turns it into rules with ids (Name set,
// no rule id). It returns a *ValidationError listing every problem.
func Resolve(ctx context.Context, md store.MetadataStore, doc Document) ([]domain.Rule, error) {
	sc, err := newScope(ctx, md)
	if err != nil {
		return nil, err
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
			ActInWorkHours: s.ActInWorkHours, NotifyOnAdvance: s.NotifyOnAdvance,
		}
		if d, err := ParseDelay(s.RejectDelay); err != nil {
			add(ProblemInvalid, "reject_delay "+err.Error(), s.RejectDelay, "reject_delay")
		} else {
			r.RejectDelay = d
		}
		refs := Refs{Job: s.Job, InterviewPlan: s.InterviewPlan, InterviewStage: s.InterviewStage, TargetStage: s.TargetStage}
		for k, q := range s.Requirements {
			req := true
			if q.Required != nil {
				req = *q.Required
			}
			if q.Interview == "" {
				add(ProblemMissing, "Field required", nil, "requirements", k, "interview")
			}
			refs.Interviews = append(refs.Interviews, q.Interview)
			r.Requirements = append(r.Requirements, domain.Requirement{
				FieldPath: q.ScoreFieldPath, Operator: q.Operator, Threshold: q.Threshold,
				Aggregate: q.Aggregate, Required: req,
			})
		}
		if err := sc.resolve(&r, refs, add); err != nil {
			return nil, err
		}
		if s.InterviewPlan == "" && r.InterviewPlanID == "" && r.JobID == "" && s.Job == "" {
			add(ProblemMissing, "Field required (or name a job that has one interview plan)", nil, "interview_plan")
		}
		if s.InterviewStage == "" {
			add(ProblemMissing, "Field required", nil, "interview_stage")
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

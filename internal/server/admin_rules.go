package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/go-chi/chi/v5"
)

// seedTime formats timestamps like the seed (Python isoformat, +00:00).
const seedTime = "2006-01-02T15:04:05.000000-07:00"

func isoTime(t time.Time) string { return t.UTC().Format(seedTime) }

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type ruleJSON struct {
	RuleID                  string            `json:"rule_id"`
	Name                    string            `json:"name"`
	JobID                   *string           `json:"job_id"`
	InterviewPlanID         string            `json:"interview_plan_id"`
	InterviewStageID        string            `json:"interview_stage_id"`
	TargetStageID           *string           `json:"target_stage_id"`
	IsActive                bool              `json:"is_active"`
	Mode                    string            `json:"mode"`
	Version                 int               `json:"version"`
	Priority                int               `json:"priority"`
	OnReject                string            `json:"on_reject"`
	ArchiveReasonID         *string           `json:"archive_reason_id"`
	CommunicationTemplateID *string           `json:"communication_template_id"`
	NotifyInShadow          bool              `json:"notify_in_shadow"`
	TimeoutDays             int               `json:"timeout_days"`
	MinWaitMinutes          int               `json:"min_wait_minutes"`
	RejectDelay             string            `json:"reject_delay"`
	ActInWorkHours          bool              `json:"act_in_work_hours"`
	NotifyOnAdvance         bool              `json:"notify_on_advance"`
	CreatedAt               string            `json:"created_at"`
	UpdatedAt               string            `json:"updated_at"`
	Requirements            []requirementJSON `json:"requirements"`
	Actions                 []actionJSON      `json:"actions"`
}

type requirementJSON struct {
	RequirementID  string `json:"requirement_id"`
	InterviewID    string `json:"interview_id"`
	ScoreFieldPath string `json:"score_field_path"`
	Operator       string `json:"operator"`
	ThresholdValue string `json:"threshold_value"`
	Aggregate      string `json:"aggregate"`
	IsRequired     bool   `json:"is_required"`
	CreatedAt      string `json:"created_at"`
}

type actionJSON struct {
	ActionID       string          `json:"action_id"`
	ActionType     string          `json:"action_type"`
	ActionConfig   json.RawMessage `json:"action_config"`
	ExecutionOrder int             `json:"execution_order"`
	CreatedAt      string          `json:"created_at"`
}

// toRuleJSON is the seed's rule object plus aaa's fields.
func toRuleJSON(r domain.Rule) ruleJSON {
	out := ruleJSON{
		RuleID: r.ID, Name: r.Name, JobID: nullable(r.JobID), InterviewPlanID: r.InterviewPlanID,
		InterviewStageID: r.InterviewStageID, TargetStageID: nullable(r.TargetStageID), IsActive: r.Active,
		Mode: r.Mode, Version: r.Version, Priority: r.Priority, OnReject: r.OnReject,
		ArchiveReasonID: nullable(r.ArchiveReasonID), CommunicationTemplateID: nullable(r.CommunicationTemplateID),
		NotifyInShadow: r.NotifyInShadow, TimeoutDays: r.TimeoutDays, MinWaitMinutes: r.MinWaitMinutes,
		RejectDelay: rules.FormatDelay(r.RejectDelay), ActInWorkHours: r.ActInWorkHours, NotifyOnAdvance: r.NotifyOnAdvance,
		CreatedAt: isoTime(r.CreatedAt), UpdatedAt: isoTime(r.UpdatedAt),
		Requirements: []requirementJSON{}, Actions: []actionJSON{},
	}
	for _, q := range r.Requirements {
		out.Requirements = append(out.Requirements, requirementJSON{
			RequirementID: q.ID, InterviewID: q.InterviewID, ScoreFieldPath: q.FieldPath, Operator: q.Operator,
			ThresholdValue: q.Threshold, Aggregate: q.Aggregate, IsRequired: q.Required, CreatedAt: isoTime(q.CreatedAt),
		})
	}
	for _, a := range r.Actions {
		cfg := a.ActionConfig
		if len(cfg) == 0 {
			cfg = json.RawMessage("null")
		}
		out.Actions = append(out.Actions, actionJSON{
			ActionID: a.ID, ActionType: a.ActionType, ActionConfig: cfg, ExecutionOrder: a.ExecutionOrder,
			CreatedAt: isoTime(a.CreatedAt),
		})
	}
	return out
}

// body reads a JSON object field by field, collecting every problem (wrong
// type, missing, unknown field) instead of stopping at the first.
type body struct {
	m     map[string]any
	loc   []any
	probs *[]rules.Problem
}

// readBody decodes a JSON object; false means an error was written.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.d.MaxBody))
	if err != nil {
		s.writeError(w, r, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "request body too large")
		return body{}, false
	}
	if !utf8.Valid(raw) {
		// Decoding would silently replace the bad bytes in names and ids.
		s.validationFailed(w, r, []rules.Problem{{Type: rules.ProblemInvalid, Loc: []any{"body"}, Msg: "the body must be valid UTF-8"}})
		return body{}, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		s.writeError(w, r, http.StatusBadRequest, "BAD_REQUEST", "Invalid JSON: "+err.Error())
		return body{}, false
	}
	if dec.More() {
		s.writeError(w, r, http.StatusBadRequest, "BAD_REQUEST", "Invalid JSON: trailing data after the object")
		return body{}, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		s.writeErrorDetails(w, r, http.StatusUnprocessableEntity, "VALIDATION_ERROR", "Invalid request data",
			[]rules.Problem{{Type: rules.ProblemType, Loc: []any{"body"}, Msg: "the body must be a JSON object", Input: v}})
		return body{}, false
	}
	return body{m: m, loc: []any{"body"}, probs: &[]rules.Problem{}}, true
}

func (b body) add(typ, msg string, input any, key ...any) {
	*b.probs = append(*b.probs, rules.Problem{Type: typ, Loc: append(slices.Clone(b.loc), key...), Msg: msg, Input: input})
}

func (b body) has(key string) bool { _, ok := b.m[key]; return ok }

// only reports every key not in allowed.
func (b body) only(allowed ...string) {
	for k, v := range b.m {
		if !slices.Contains(allowed, k) {
			b.add(rules.ProblemExtra, "Extra inputs are not permitted", v, k)
		}
	}
}

// str reads a string; null reads as "". required reports a missing key.
func (b body) str(key string, required bool) string {
	v, ok := b.m[key]
	if !ok {
		if required {
			b.add(rules.ProblemMissing, "Field required", nil, key)
		}
		return ""
	}
	switch x := v.(type) {
	case nil:
		if required {
			b.add(rules.ProblemType, "Input should be a valid string", nil, key)
		}
		return ""
	case string:
		return strings.TrimSpace(x)
	}
	b.add(rules.ProblemType, "Input should be a valid string", v, key)
	return ""
}

// threshold reads a string, accepting a JSON number (kept as written).
func (b body) threshold(key string) string {
	if n, ok := b.m[key].(json.Number); ok {
		return n.String()
	}
	return b.str(key, true)
}

func (b body) boolean(key string, def bool) bool {
	v, ok := b.m[key]
	if !ok || v == nil {
		return def
	}
	if x, ok := v.(bool); ok {
		return x
	}
	b.add(rules.ProblemType, "Input should be a valid boolean", v, key)
	return def
}

func (b body) integer(key string, def int) int {
	v, ok := b.m[key]
	if !ok || v == nil {
		return def
	}
	if n, ok := v.(json.Number); ok {
		if i, err := strconv.Atoi(n.String()); err == nil {
			return i
		}
	}
	b.add(rules.ProblemType, "Input should be a valid integer", v, key)
	return def
}

// delay reads a duration string ("2h", "90m", "1d"; "", "0" or null for
// none; see rules.ParseDelay).
func (b body) delay(key string, def time.Duration) time.Duration {
	v, ok := b.m[key]
	if !ok {
		return def
	}
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		d, err := rules.ParseDelay(x)
		if err != nil {
			b.add(rules.ProblemInvalid, key+" "+err.Error(), v, key)
			return def
		}
		return d
	}
	b.add(rules.ProblemType, "Input should be a valid duration string such as \"2h\"", v, key)
	return def
}

// objects reads a list of objects.
func (b body) objects(key string, required bool) ([]body, bool) {
	v, ok := b.m[key]
	if !ok {
		if required {
			b.add(rules.ProblemMissing, "Field required", nil, key)
		}
		return nil, false
	}
	list, ok := v.([]any)
	if !ok {
		b.add(rules.ProblemType, "Input should be a valid list", v, key)
		return nil, false
	}
	out := make([]body, 0, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			b.add(rules.ProblemType, "Input should be a valid object", item, key, i)
			m = map[string]any{}
		}
		out = append(out, body{m: m, loc: append(slices.Clone(b.loc), key, i), probs: b.probs})
	}
	return out, true
}

var ruleFields = []string{"name", "job_id", "interview_plan_id", "interview_stage_id", "target_stage_id",
	"requirements", "actions", "mode", "priority", "on_reject", "archive_reason_id", "communication_template_id",
	"notify_in_shadow", "timeout_days", "min_wait_minutes", "reject_delay", "act_in_work_hours", "notify_on_advance"}

// titleFields name a rule's scope by id or title beside the seed's id
// fields (create and PATCH; resolved by the rules service).
var titleFields = []string{"job", "interview_plan", "interview_stage", "target_stage"}

func readRequirements(list []body) []domain.Requirement {
	reqs, _ := readRequirementsNamed(list, false)
	return reqs
}

// readRequirementsNamed reads requirements; with named, each may give its
// interview by id or title in "interview" instead of "interview_id" (the
// titles are returned by index).
func readRequirementsNamed(list []body, named bool) ([]domain.Requirement, []string) {
	out := []domain.Requirement{}
	var names []string
	for _, q := range list {
		allowed := []string{"interview_id", "score_field_path", "operator", "threshold_value", "is_required", "aggregate"}
		name := ""
		if named {
			allowed = append(allowed, "interview")
			name = q.str("interview", false)
			if name != "" && q.has("interview_id") {
				q.add(rules.ProblemInvalid, "give interview (an id or title) or interview_id, not both", name, "interview")
			}
		}
		names = append(names, name)
		q.only(allowed...)
		out = append(out, domain.Requirement{
			InterviewID: q.str("interview_id", name == ""), FieldPath: q.str("score_field_path", true),
			Operator: q.str("operator", true), Threshold: q.threshold("threshold_value"),
			Aggregate: q.str("aggregate", false), Required: q.boolean("is_required", true),
		})
	}
	return out, names
}

// readRefs reads the title fields, refusing a field given with its id
// field too.
func readRefs(b body) rules.Refs {
	get := func(key, idKey string) string {
		v := b.str(key, false)
		if v != "" && b.has(idKey) {
			b.add(rules.ProblemInvalid, fmt.Sprintf("give %s (an id or title) or %s, not both", key, idKey), v, key)
		}
		return v
	}
	return rules.Refs{Job: get("job", "job_id"), InterviewPlan: get("interview_plan", "interview_plan_id"),
		InterviewStage: get("interview_stage", "interview_stage_id"), TargetStage: get("target_stage", "target_stage_id")}
}

func readActions(list []body) []domain.Action {
	out := []domain.Action{}
	for i, a := range list {
		a.only("action_type", "action_config", "execution_order")
		act := domain.Action{ActionType: a.str("action_type", true), ExecutionOrder: a.integer("execution_order", i+1)}
		switch cfg := a.m["action_config"].(type) {
		case nil:
		case map[string]any:
			if len(cfg) > 0 {
				act.ActionConfig, _ = json.Marshal(cfg)
			}
		default:
			a.add(rules.ProblemType, "Input should be a valid object or null", cfg, "action_config")
		}
		out = append(out, act)
	}
	return out
}

// validationFailed writes the 422 envelope listing every problem.
func (s *Server) validationFailed(w http.ResponseWriter, r *http.Request, ps []rules.Problem) {
	s.writeErrorDetails(w, r, http.StatusUnprocessableEntity, "VALIDATION_ERROR", "Invalid request data", ps)
}

// ruleError maps errors of rule writes: validation -> 422, a clash with
// another rule or a change made meanwhile -> 409 (the service's message).
func (s *Server) ruleError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *rules.ValidationError
	var ce *rules.ConflictError
	switch {
	case errors.As(err, &ve):
		s.validationFailed(w, r, ve.Problems)
	case errors.As(err, &ce):
		s.writeError(w, r, http.StatusConflict, "CONFLICT", ce.Error())
	case errors.Is(err, domain.ErrConflict):
		s.writeError(w, r, http.StatusConflict, "CONFLICT", rules.ScopeConflictMessage)
	default:
		s.storeError(w, r, err)
	}
}

// actor is who calls: the name of the admin token used.
func actor(r *http.Request) rules.Actor {
	name, _ := r.Context().Value(tokenNameKey{}).(string)
	return rules.Actor{Name: name, Source: domain.SourceAPI}
}

// createRule is POST /admin/create-advancement-rule.
func (s *Server) createRule(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	b.only(append(slices.Clone(ruleFields), titleFields...)...)
	refs := readRefs(b)
	rule := domain.Rule{
		Name: b.str("name", false), JobID: b.str("job_id", false),
		// Without its id field, the plan may come from interview_plan or the
		// job's only plan; the service reports it missing otherwise.
		InterviewPlanID:  b.str("interview_plan_id", refs.InterviewPlan == "" && refs.Job == "" && !b.has("job_id")),
		InterviewStageID: b.str("interview_stage_id", refs.InterviewStage == ""), TargetStageID: b.str("target_stage_id", false),
		Mode: b.str("mode", false), OnReject: b.str("on_reject", false), Priority: b.integer("priority", 0),
		ArchiveReasonID: b.str("archive_reason_id", false), CommunicationTemplateID: b.str("communication_template_id", false),
		NotifyInShadow: b.boolean("notify_in_shadow", false), TimeoutDays: b.integer("timeout_days", 0),
		MinWaitMinutes: b.integer("min_wait_minutes", 0), Active: true,
		RejectDelay: b.delay("reject_delay", 0), ActInWorkHours: b.boolean("act_in_work_hours", false),
		NotifyOnAdvance: b.boolean("notify_on_advance", false),
	}
	reqs, _ := b.objects("requirements", true)
	rule.Requirements, refs.Interviews = readRequirementsNamed(reqs, true)
	acts, _ := b.objects("actions", false)
	rule.Actions = readActions(acts)
	if len(*b.probs) > 0 {
		s.validationFailed(w, r, *b.probs)
		return
	}
	res, err := s.d.Rules.CreateNamed(r.Context(), actor(r), rule, refs)
	if err != nil {
		s.ruleError(w, r, err)
		return
	}
	created := res.Rule
	reqIDs, actIDs := []string{}, []string{}
	for _, q := range created.Requirements {
		reqIDs = append(reqIDs, q.ID)
	}
	for _, a := range created.Actions {
		actIDs = append(actIDs, a.ID)
	}
	s.log.InfoContext(r.Context(), "advancement_rule_created", "rule_id", created.ID, "mode", created.Mode, "actor", actor(r).Name)
	writeJSON(w, http.StatusOK, map[string]any{
		"rule_id": created.ID, "name": created.Name, "job_id": nullable(created.JobID),
		"interview_plan_id": created.InterviewPlanID, "interview_stage_id": created.InterviewStageID,
		"target_stage_id": nullable(created.TargetStageID), "requirement_ids": reqIDs, "action_ids": actIDs,
		"status": "created", "mode": created.Mode, "version": created.Version,
	})
}

// queryBool parses an optional boolean query parameter.
func queryBool(r *http.Request, key string, def bool) (bool, *rules.Problem) {
	v := r.URL.Query().Get(key)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, &rules.Problem{Type: rules.ProblemType, Loc: []any{"query", key}, Msg: "Input should be a valid boolean", Input: v}
	}
	return b, nil
}

// listRules is GET /admin/rules?active_only=true|false (default true).
func (s *Server) listRules(w http.ResponseWriter, r *http.Request) {
	activeOnly, p := queryBool(r, "active_only", true)
	if p != nil {
		s.validationFailed(w, r, []rules.Problem{*p})
		return
	}
	rs, err := s.d.Store.ListRules(r.Context(), activeOnly)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, RulesBody(rs))
}

// RulesBody is the body of GET /admin/rules listing rs ({"count", "rules"}),
// also what `aaa rules list -o json` prints: one set of field names.
func RulesBody(rs []domain.Rule) any {
	out := make([]ruleJSON, 0, len(rs))
	for _, rule := range rs {
		out = append(out, toRuleJSON(rule))
	}
	return map[string]any{"count": len(out), "rules": out}
}

// getRule is GET /admin/rules/{id}.
func (s *Server) getRule(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	rule, err := s.d.Store.GetRule(r.Context(), id)
	if errors.Is(err, domain.ErrNotFound) {
		s.writeError(w, r, http.StatusNotFound, "HTTP_404", "Rule "+id+" not found")
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRuleJSON(rule))
}

// deleteRule is DELETE /admin/rules/{id}: a soft delete.
func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	_, err := s.d.Rules.Delete(r.Context(), actor(r), id, 0)
	if errors.Is(err, domain.ErrNotFound) {
		s.writeError(w, r, http.StatusNotFound, "HTTP_404", "Rule "+id+" not found or already deleted")
		return
	}
	if err != nil {
		s.ruleError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "advancement_rule_deactivated", "rule_id", id, "actor", actor(r).Name)
	writeJSON(w, http.StatusOK, map[string]string{"status": "deleted", "rule_id": id})
}

var patchFields = append([]string{"active", "is_active", "version"}, slices.DeleteFunc(slices.Clone(ruleFields),
	func(f string) bool { return f == "actions" })...)

// patchRule is PATCH /admin/rules/{id}: it changes the given fields (mode,
// active/is_active, priority, requirements, scope, ...), validates the
// result like a new rule and bumps the version when something changed. An
// optional "version" is the version the caller read: a rule changed since
// is answered 409.
func (s *Server) patchRule(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	b.only(append(slices.Clone(patchFields), titleFields...)...)
	version := b.integer("version", 0)
	refs := readRefs(b)
	var newReqs []domain.Requirement
	list, hasReqs := b.objects("requirements", false)
	if hasReqs {
		newReqs, refs.Interviews = readRequirementsNamed(list, true)
	}
	res, err := s.d.Rules.UpdateNamed(r.Context(), actor(r), id, version, refs, func(next *domain.Rule) error {
		cur := *next
		setStr := func(key string, dst *string) {
			if b.has(key) {
				*dst = b.str(key, false)
			}
		}
		setStr("name", &next.Name)
		setStr("job_id", &next.JobID)
		setStr("target_stage_id", &next.TargetStageID)
		setStr("mode", &next.Mode)
		setStr("on_reject", &next.OnReject)
		setStr("archive_reason_id", &next.ArchiveReasonID)
		setStr("communication_template_id", &next.CommunicationTemplateID)
		if b.has("interview_plan_id") {
			next.InterviewPlanID = b.str("interview_plan_id", true)
		}
		if b.has("interview_stage_id") {
			next.InterviewStageID = b.str("interview_stage_id", true)
		}
		next.Priority = b.integer("priority", next.Priority)
		next.NotifyInShadow = b.boolean("notify_in_shadow", next.NotifyInShadow)
		next.TimeoutDays = b.integer("timeout_days", next.TimeoutDays)
		next.MinWaitMinutes = b.integer("min_wait_minutes", next.MinWaitMinutes)
		next.RejectDelay = b.delay("reject_delay", next.RejectDelay)
		next.ActInWorkHours = b.boolean("act_in_work_hours", next.ActInWorkHours)
		next.NotifyOnAdvance = b.boolean("notify_on_advance", next.NotifyOnAdvance)
		next.Active = b.boolean("active", next.Active)
		next.Active = b.boolean("is_active", next.Active)
		if hasReqs {
			next.Requirements = newReqs
		}
		if len(*b.probs) > 0 {
			return &rules.ValidationError{Problems: *b.probs}
		}
		if next.Mode == "" {
			next.Mode = cur.Mode
		}
		if next.OnReject == "" {
			next.OnReject = cur.OnReject
		}
		return nil
	})
	if errors.Is(err, domain.ErrNotFound) {
		s.writeError(w, r, http.StatusNotFound, "HTTP_404", "Rule "+id+" not found")
		return
	}
	if err != nil {
		s.ruleError(w, r, err)
		return
	}
	updated := res.Rule
	if res.Changed() {
		s.log.InfoContext(r.Context(), "advancement_rule_updated", "rule_id", id, "version", updated.Version, "mode", updated.Mode,
			"active", updated.Active, "actor", actor(r).Name)
	}
	writeJSON(w, http.StatusOK, toRuleJSON(updated))
}

type revisionJSON struct {
	RevisionID string               `json:"revision_id"`
	RuleID     string               `json:"rule_id"`
	Version    int                  `json:"version"`
	Action     string               `json:"action"`
	Actor      string               `json:"actor"`
	Source     string               `json:"source"`
	Changes    []domain.FieldChange `json:"changes"`
	CreatedAt  string               `json:"created_at"`
}

// ruleHistory is GET /admin/rules/{id}/history: the rule's revisions,
// newest first.
func (s *Server) ruleHistory(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	revs, err := s.d.Rules.History(r.Context(), id)
	if errors.Is(err, domain.ErrNotFound) {
		s.writeError(w, r, http.StatusNotFound, "HTTP_404", "Rule "+id+" not found")
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]revisionJSON, 0, len(revs))
	for _, v := range revs {
		changes := v.Changes
		if changes == nil {
			changes = []domain.FieldChange{}
		}
		out = append(out, revisionJSON{RevisionID: v.ID, RuleID: v.RuleID, Version: v.Version, Action: v.Action,
			Actor: v.Actor, Source: v.Source, Changes: changes, CreatedAt: isoTime(v.CreatedAt)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"rule_id": id, "count": len(out), "revisions": out})
}

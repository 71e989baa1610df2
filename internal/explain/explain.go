// Package explain turns a decision's structured reasons into sentences a
// recruiter reads, with names looked up at display time: the candidate, job,
// stage, interview, interviewer and the form field's title. The engine keeps
// ids and values as data (domain.Reason); every surface (Slack, the
// dashboard, the admin API, backtests, the demo) renders them here, and a
// recorded decision with its names is rendered once, by Decisions, for the
// admin API and the exports (Exporter: CSV, JSON, JSON lines).
//
// A name missing from the caches renders as "unknown interviewer" (or
// interview, stage, ...) with the id in a code span, and asks the Names
// source to refresh that cache. Rows written before reasons carried every
// field still render: what is missing is derived from sibling reasons, and a
// free-text message is shown with its ids in code spans.
package explain

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// Kinds of names, passed to Names.Missing.
const (
	KindInterviewer = "interviewer"
	KindInterview   = "interview"
	KindField       = "field"
	KindStage       = "stage"
	KindJob         = "job"
	KindCandidate   = "candidate"
	KindRule        = "rule"
)

// Names resolves ids to the names people know. ok is false when the caches
// do not know the id.
type Names interface {
	Name(ctx context.Context, kind, id string) (name string, ok bool)
	// FieldTitle is the title of the form field at path on the interview's
	// feedback form.
	FieldTitle(ctx context.Context, interviewID, path string) (title string, ok bool)
}

// Renderer renders reasons with one Names source and memoises lookups; it
// is meant for one request or message (not safe for concurrent use).
type Renderer struct {
	ctx   context.Context
	names Names
	memo  map[string]string
	// Interviewers seeds interviewer names (e.g. from the schedule's
	// assignments) before the caches are asked.
	seeded map[string]string
}

// New returns a Renderer over names (nil: every name is unknown).
func New(ctx context.Context, names Names) *Renderer {
	return &Renderer{ctx: ctx, names: names, memo: map[string]string{}, seeded: map[string]string{}}
}

// SeedSchedule makes the schedule's interviewers known by name.
func (r *Renderer) SeedSchedule(s domain.Schedule) *Renderer {
	for _, ev := range s.Events {
		for _, a := range ev.Interviewers {
			// Name falls back to the id: that is no name, so the caches
			// are asked instead.
			if n := a.Name(); n != "" && a.InterviewerID != "" && n != a.InterviewerID {
				r.seeded[a.InterviewerID] = n
			}
		}
	}
	return r
}

// Seed makes one name known.
func (r *Renderer) Seed(kind, id, name string) *Renderer {
	if id != "" && name != "" {
		if kind == KindInterviewer {
			r.seeded[id] = name
		} else {
			r.memo[kind+"\x00"+id] = name
		}
	}
	return r
}

// lookup returns the name of id, or "" when unknown.
func (r *Renderer) lookup(kind, id string) string {
	if id == "" {
		return ""
	}
	if kind == KindInterviewer {
		if n := r.seeded[id]; n != "" {
			return n
		}
	}
	key := kind + "\x00" + id
	if n, ok := r.memo[key]; ok {
		return n
	}
	n := ""
	if r.names != nil {
		if v, ok := r.names.Name(r.ctx, kind, id); ok {
			n = v
		}
	}
	r.memo[key] = n
	return n
}

// Lookup returns the name of id and whether the caches know it.
func (r *Renderer) Lookup(kind, id string) (string, bool) {
	n := r.lookup(kind, id)
	return n, n != ""
}

// Name renders the name of id, or "unknown <kind> `id`" (with "" for an
// empty id: "unknown <kind>").
func (r *Renderer) Name(kind, id string) string {
	if n := r.lookup(kind, id); n != "" {
		return n
	}
	if id == "" {
		return "unknown " + kind
	}
	return "unknown " + kind + " " + Code(id)
}

// Field renders the title of a form field ("Overall score"). An unknown
// field shows its path humanised, or in a code span when the path is an id.
func (r *Renderer) Field(interviewID, path string) string {
	if path == "" {
		return "the score"
	}
	key := KindField + "\x00" + interviewID + "\x00" + path
	if n, ok := r.memo[key]; ok {
		return n
	}
	n := ""
	if r.names != nil {
		if v, ok := r.names.FieldTitle(r.ctx, interviewID, path); ok {
			n = v
		}
	}
	if n == "" {
		n = Humanize(path)
	}
	r.memo[key] = n
	return n
}

// Code wraps an id in a code span.
func Code(id string) string { return "`" + strings.ReplaceAll(id, "`", "'") + "`" }

var uuidRe = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// UUIDPattern matches a UUID.
var UUIDPattern = uuidRe

// Scrub puts every UUID of a free-text message into a code span (for
// messages stored before reasons were rendered, and failure texts).
func Scrub(s string) string {
	if !uuidRe.MatchString(s) {
		return s
	}
	var b strings.Builder
	inCode := false
	last := 0
	for _, loc := range uuidRe.FindAllStringIndex(s, -1) {
		inCode = strings.Count(s[:loc[0]], "`")%2 == 1
		b.WriteString(s[last:loc[0]])
		if inCode {
			b.WriteString(s[loc[0]:loc[1]])
		} else {
			b.WriteString(Code(s[loc[0]:loc[1]]))
		}
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// Humanize turns a field path into words: "overall_score" -> "Overall
// score"; a path that is an id is shown in a code span.
func Humanize(path string) string {
	if uuidRe.MatchString(path) {
		return "unknown field " + Code(path)
	}
	p := strings.TrimPrefix(path, "_systemfield_")
	if i := strings.LastIndex(p, "."); i >= 0 {
		p = p[i+1:]
	}
	p = strings.TrimSpace(strings.NewReplacer("_", " ", "-", " ").Replace(p))
	if p == "" {
		return path
	}
	rs := []rune(p)
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}

// Operator renders an operator as a symbol (≥, ≤, ≠, "one of").
func Operator(op string) string {
	switch op {
	case domain.OpGE:
		return "≥"
	case domain.OpLE:
		return "≤"
	case domain.OpNE:
		return "≠"
	case domain.OpEQ:
		return "="
	case domain.OpIn:
		return "one of"
	}
	return op
}

// Value renders a reason's value: numbers with at most two decimals.
func Value(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// Condition renders a requirement's test: "Overall score ≥ 3".
func (r *Renderer) Condition(rs domain.Reason) string {
	return strings.TrimSpace(r.Field(rs.InterviewID, rs.Field) + " " + Operator(rs.Operator) + " " + rs.Threshold)
}

func aggWord(agg string) string {
	switch agg {
	case domain.AggAvg:
		return "average"
	case domain.AggMin:
		return "lowest"
	case domain.AggMax:
		return "highest"
	}
	return agg
}

func mark(p *bool) string {
	if p == nil {
		return ""
	}
	if *p {
		return " ✓"
	}
	return " ✗"
}

// Short renders one reason compactly for narrow screens:
// "Alan Turing · Overall score 4 (≥ 3) ✓".
func (r *Renderer) Short(rs domain.Reason) string {
	who := r.lookup(KindInterviewer, rs.InterviewerID)
	if who == "" {
		id := rs.InterviewerID
		if len(id) > 8 {
			id = id[:8] + "…"
		}
		who = "unknown interviewer " + Code(id)
	}
	if rs.Code == "feedback_missing" {
		return who + " · feedback owed (" + r.Name(KindInterview, rs.InterviewID) + ")"
	}
	if rs.Field == "" && rs.Operator == "" && rs.Message != "" {
		return who + " · " + Scrub(rs.Message) + mark(rs.Passed)
	}
	switch rs.Code {
	case "interviewer_passed", "interviewer_failed", "interviewer_value":
		s := who + " · " + r.Field(rs.InterviewID, rs.Field) + " " + Value(rs.Value)
		if rs.Operator != "" && rs.Code != "interviewer_value" {
			s += " (" + Operator(rs.Operator) + " " + rs.Threshold + ")"
		}
		return s + mark(rs.Passed)
	case "field_missing":
		return who + " · no " + r.Field(rs.InterviewID, rs.Field) + " ✗"
	}
	return r.Reason(rs, nil)
}

// Reason renders one reason as a sentence. siblings are the decision's
// other reasons (used to count a requirement's interviewers for rows that
// do not carry the counts); nil is fine.
func (r *Renderer) Reason(rs domain.Reason, siblings []domain.Reason) string {
	who := func() string { return r.Name(KindInterviewer, rs.InterviewerID) }
	iv := func() string { return r.Name(KindInterview, rs.InterviewID) }
	switch rs.Code {
	case "interviewer_passed", "interviewer_failed":
		return fmt.Sprintf("%s gave %s %s (needs %s %s)%s", who(), r.Field(rs.InterviewID, rs.Field), Value(rs.Value),
			Operator(rs.Operator), rs.Threshold, mark(rs.Passed))
	case "interviewer_value":
		return fmt.Sprintf("%s gave %s %s", who(), r.Field(rs.InterviewID, rs.Field), Value(rs.Value))
	case "field_missing":
		return fmt.Sprintf("%s gave no %s ✗", who(), r.Field(rs.InterviewID, rs.Field))
	case "non_numeric_value":
		return fmt.Sprintf("%s gave %s %q, not a number ✗", who(), r.Field(rs.InterviewID, rs.Field), Value(rs.Value))
	case "unsupported_value":
		return fmt.Sprintf("%s's %s cannot be compared ✗", who(), r.Field(rs.InterviewID, rs.Field))
	case "feedback_missing":
		return fmt.Sprintf("%s has not submitted feedback for %s", who(), iv())
	case "event_not_ended":
		if rs.At != nil {
			return fmt.Sprintf("%s ends at %s", iv(), Stamp(*rs.At))
		}
		return fmt.Sprintf("%s has not ended yet", iv())
	case "required_interview_not_scheduled":
		return fmt.Sprintf("%s (required) is not scheduled yet", iv())
	case "optional_interview_not_scheduled":
		return fmt.Sprintf("%s (optional) is not scheduled; its requirement is ignored", iv())
	case "no_expected_interviewers":
		return fmt.Sprintf("nobody on %s owes feedback", iv())
	case "min_wait":
		if rs.At != nil {
			return "all feedback is in; waiting until " + Stamp(*rs.At) + " for late edits"
		}
	case "requirement_passed", "requirement_failed":
		return r.requirement(rs, siblings) + mark(rs.Passed)
	case "awaiting_feedback":
		if len(rs.Missing) > 0 {
			return "waiting for feedback from " + r.people(rs.Missing)
		}
	case "feedback_timeout":
		if len(rs.Missing) > 0 {
			return "feedback timed out; still owed by " + r.people(rs.Missing)
		}
		return "feedback timed out"
	case "no_matching_rule":
		if rs.StageID != "" {
			s := "no active rule for " + r.Name(KindStage, rs.StageID)
			if rs.JobID != "" {
				s += " of " + r.Name(KindJob, rs.JobID)
			}
			return s
		}
		return "no active rule for this stage"
	case "rule_has_no_requirements":
		return "the rule has no requirements, so it never advances"
	case "schedule_cancelled":
		return "the interview schedule was cancelled"
	case "no_events":
		return "the schedule has no interviews"
	}
	return Scrub(rs.Message)
}

// requirement renders a requirement's verdict: "1 of 3 interviewers gave
// Overall score ≥ 3 on Panel Interview" or "average Overall score 2.5
// (needs ≥ 3) over 2 interviewers on Panel Interview".
func (r *Renderer) requirement(rs domain.Reason, siblings []domain.Reason) string {
	on := " on " + r.Name(KindInterview, rs.InterviewID)
	agg := rs.Aggregate
	if agg == domain.AggAvg || agg == domain.AggMin || agg == domain.AggMax {
		n := 0
		for _, s := range siblings {
			if s.RequirementID == rs.RequirementID && s.InterviewerID != "" {
				n++
			}
		}
		if rs.Value == nil {
			return fmt.Sprintf("%s %s could not be computed%s", aggWord(agg), r.Field(rs.InterviewID, rs.Field), on)
		}
		return fmt.Sprintf("%s %s %s (needs %s %s) over %d interviewer%s%s", aggWord(agg), r.Field(rs.InterviewID, rs.Field),
			Value(rs.Value), Operator(rs.Operator), rs.Threshold, n, plural(n), on)
	}
	passed, total := 0, 0
	for _, s := range siblings {
		if s.RequirementID == rs.RequirementID && s.InterviewerID != "" {
			total++
			if s.Passed != nil && *s.Passed {
				passed++
			}
		}
	}
	if total == 0 {
		return r.Condition(rs) + on
	}
	s := fmt.Sprintf("%d of %d interviewers gave %s%s", passed, total, r.Condition(rs), on)
	if k, ok := strings.CutPrefix(agg, "count>="); ok {
		s += " (needs " + k + ")"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// People renders interviewer ids as names: "A, B and C".
func (r *Renderer) People(ids []string) string { return r.people(ids) }

func (r *Renderer) people(ids []string) string {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		names = append(names, r.Name(KindInterviewer, id))
	}
	return List(names)
}

// List joins words: "A", "A and B", "A, B and C".
func List(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// Explanation renders why a decision came out as it did, without the
// outcome: for advance and reject the requirements (failed ones only for a
// reject), for wait and timeout who still owes feedback.
func (r *Renderer) Explanation(d domain.Decision) string {
	var parts []string
	switch d.Outcome {
	case domain.OutcomeAdvance, domain.OutcomeReject:
		for _, rs := range d.Reasons {
			if rs.RequirementID == "" || rs.InterviewerID != "" || rs.Code == "optional_interview_not_scheduled" {
				continue
			}
			if d.Outcome == domain.OutcomeReject && rs.Passed != nil && *rs.Passed {
				continue
			}
			if rs.Code == "requirement_passed" || rs.Code == "requirement_failed" {
				parts = append(parts, r.requirement(rs, d.Reasons))
			} else {
				parts = append(parts, r.Reason(rs, d.Reasons))
			}
		}
	case domain.OutcomeWait, domain.OutcomeTimeout:
		for _, rs := range d.Reasons {
			switch rs.Code {
			case "awaiting_feedback", "feedback_timeout", "min_wait", "required_interview_not_scheduled", "no_expected_interviewers":
				parts = append(parts, r.Reason(rs, d.Reasons))
			}
		}
	default:
		if len(d.Reasons) > 0 {
			parts = append(parts, r.Reason(d.Reasons[0], d.Reasons))
		}
	}
	if len(parts) == 0 {
		_, rest, ok := strings.Cut(d.Summary, ": ")
		if !ok {
			rest = d.Summary
		}
		return Scrub(rest)
	}
	return strings.Join(parts, "; ")
}

// Outcome words for Summary.
var outcomeWord = map[string]string{
	domain.OutcomeAdvance: "Advance", domain.OutcomeReject: "Reject", domain.OutcomeWait: "Waiting",
	domain.OutcomeTimeout: "Timed out", domain.OutcomeNoRule: "No rule", domain.OutcomeSkip: "Skipped",
}

// Summary renders a decision in one sentence: "Reject: 1 of 3 interviewers
// gave Overall score ≥ 3 on Panel Interview".
func (r *Renderer) Summary(d domain.Decision) string {
	w := outcomeWord[d.Outcome]
	if w == "" {
		w = d.Outcome
	}
	return w + ": " + r.Explanation(d)
}

// Lines renders every reason of a decision, one sentence each, in order.
func (r *Renderer) Lines(d domain.Decision) []string {
	out := make([]string, 0, len(d.Reasons))
	for _, rs := range d.Reasons {
		out = append(out, r.Reason(rs, d.Reasons))
	}
	return out
}

// Capitalize upper-cases the first letter of a sentence.
func Capitalize(s string) string {
	rs := []rune(s)
	if len(rs) == 0 {
		return s
	}
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}

// Stamp renders a time for people.
func Stamp(t time.Time) string { return t.UTC().Format("15:04 MST, 2 Jan") }

package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// rulesSection checks every active rule against the cached forms and
// stages, and flags shadow rules nobody reviews.
func (r *run) rulesSection(ctx context.Context, dbOK bool) {
	const sec = SectionRules
	if !dbOK {
		return
	}
	rules, err := r.activeRules(ctx)
	if err != nil {
		r.add(sec, "Rules", Fail, fmt.Sprintf("Cannot read the rules: %v", err), "")
		return
	}
	if len(rules) == 0 {
		r.add(sec, "Rules", Warn, "No rule is active: aaa records webhooks and feedback but decides nothing.",
			"Start a rules file with 'aaa rules init --job NAME --stage NAME', then 'aaa rules apply -f FILE'.")
		return
	}
	for _, rl := range rules {
		r.rule(ctx, rl)
	}
}

// rule checks one active rule: its stages exist, each requirement's field
// is still on its interview's feedback form, and a shadow rule is
// reviewed.
func (r *run) rule(ctx context.Context, rl domain.Rule) {
	const sec = SectionRules
	name := fmt.Sprintf("%q", rl.Name)
	var fails, warns, fixes []string

	if _, err := r.o.Store.GetStage(ctx, rl.InterviewStageID); errors.Is(err, domain.ErrNotFound) {
		fails = append(fails, "its stage is no longer in the interview plan")
		fixes = append(fixes, "point the rule at a current stage (aaa metadata stages --job NAME) or deactivate it")
	}
	if rl.TargetStageID != "" {
		if _, err := r.o.Store.GetStage(ctx, rl.TargetStageID); errors.Is(err, domain.ErrNotFound) {
			fails = append(fails, "its target stage is no longer in the interview plan, so an advance fails")
			fixes = append(fixes, "set a current target stage (or none: the next stage)")
		}
	}
	for _, q := range rl.Requirements {
		f, w := r.requirement(ctx, q)
		fails, warns = append(fails, f...), append(warns, w...)
		if len(f) > 0 {
			fixes = append(fixes, "score a field the form has (aaa metadata form-fields --interview NAME), or put the field back on the form in Ashby and sync forms (POST /admin/sync-forms)")
		}
	}
	if rl.Mode == domain.ModeShadow {
		if w := r.shadowReviewed(ctx, rl); w != "" {
			warns = append(warns, w)
			fixes = append(fixes, "review its dry-run decisions (aaa tui, Decisions) and switch it to live, or deactivate it")
		}
	}
	desc := fmt.Sprintf("%s, %s", rl.Mode, plural(len(rl.Requirements), "requirement"))
	switch {
	case len(fails) > 0:
		r.add(sec, rl.Name, Fail, "Rule "+name+": "+strings.Join(append(fails, warns...), "; ")+".", capitalize(strings.Join(dedupe(fixes), "; "))+".")
	case len(warns) > 0:
		r.add(sec, rl.Name, Warn, "Rule "+name+": "+strings.Join(warns, "; ")+".", capitalize(strings.Join(dedupe(fixes), "; "))+".")
	default:
		r.add(sec, rl.Name, Pass, capitalize(desc)+": its stages exist and every scored field is on its form.", "")
	}
}

// requirement checks a requirement's field is on the current feedback form
// of its interview; it returns failures and warnings as sentence parts.
func (r *run) requirement(ctx context.Context, q domain.Requirement) (fails, warns []string) {
	iv, err := r.o.Store.GetInterview(ctx, q.InterviewID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, []string{"one of its interviews is not in the cache, so its field " + q.FieldPath + " could not be checked (sync interviews)"}
	}
	if err != nil {
		return nil, []string{fmt.Sprintf("cannot read an interview: %v", err)}
	}
	if iv.FormID == "" {
		return nil, []string{fmt.Sprintf("the interview %q has no feedback form in the cache (sync interviews and forms)", iv.Title)}
	}
	f, err := r.o.Store.GetForm(ctx, iv.FormID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, []string{fmt.Sprintf("the feedback form of %q is not in the cache (sync forms)", iv.Title)}
	}
	if err != nil {
		return nil, []string{fmt.Sprintf("cannot read the feedback form of %q: %v", iv.Title, err)}
	}
	def, err := ashby.ParseFormDefinition(f.Definition)
	if err != nil {
		return nil, []string{fmt.Sprintf("the cached feedback form of %q cannot be read", iv.Title)}
	}
	for _, fd := range def.Fields() {
		// A dotted path scores a part of the field's value ({"score": 4}).
		if fd.Path == q.FieldPath || strings.HasPrefix(q.FieldPath, fd.Path+".") {
			return nil, nil
		}
	}
	formName := f.Title
	if formName == "" {
		formName = "the feedback form of " + iv.Title
	}
	return []string{fmt.Sprintf("it scores the field %s, which the %q form of the interview %q no longer has, so the rule waits forever",
		q.FieldPath, formName, iv.Title)}, nil
}

// shadowReviewed returns a warning when a shadow rule is older than
// ShadowReviewAge and nobody has reviewed one of its decisions.
func (r *run) shadowReviewed(ctx context.Context, rl domain.Rule) string {
	age := r.o.Now().Sub(rl.CreatedAt)
	if rl.CreatedAt.IsZero() || age < r.o.ShadowReviewAge {
		return ""
	}
	reviews, err := r.o.Store.ListReviews(ctx, rl.ID)
	if err != nil {
		return fmt.Sprintf("cannot read its reviews: %v", err)
	}
	if len(reviews) > 0 {
		return ""
	}
	return fmt.Sprintf("it has been in shadow mode for %d days and none of its decisions has been reviewed", int(age.Hours()/24))
}

func dedupe(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

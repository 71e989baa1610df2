package rules

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// What a rule can name, read from the synced metadata (aaa metadata, aaa
// rules init). Jobs and interviews are found by id or exact title, with the
// same scoping as a rules file.

// ComparableFieldTypes are the feedback form field types a requirement can
// compare.
var ComparableFieldTypes = []string{"Score", "ValueSelect", "MultiValueSelect", "Boolean", "Number"}

// JobInfo is a job and the titles of its interview plans.
type JobInfo struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Status string   `json:"status"`
	Plans  []string `json:"plans"`
}

// StageInfo is a stage of one of a job's plans.
type StageInfo struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Type      string `json:"type"`
	Order     int    `json:"order"`
	PlanID    string `json:"interview_plan_id"`
	PlanTitle string `json:"interview_plan"`
}

// InterviewInfo is an interview a rule of a job can require.
type InterviewInfo struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Shared    bool   `json:"shared"`
	FormID    string `json:"feedback_form_id,omitempty"`
	FormTitle string `json:"feedback_form,omitempty"`
	IsDebrief bool   `json:"is_debrief,omitempty"`
}

// FieldInfo is a comparable field of an interview's feedback form.
type FieldInfo struct {
	Path     string   `json:"path"`
	Title    string   `json:"title"`
	Type     string   `json:"type"`
	Options  []string `json:"options,omitempty"`
	Required bool     `json:"is_required"`
}

// notFound turns a resolution message into an error for people.
func notFound(msg string) error {
	if strings.HasPrefix(msg, "no ") {
		return fmt.Errorf("%s: %w", msg, domain.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", msg, domain.ErrInvalid)
}

// Jobs lists every cached job with its plans' titles.
func Jobs(ctx context.Context, md store.MetadataStore) ([]JobInfo, error) {
	sc, err := newScope(ctx, md)
	if err != nil {
		return nil, err
	}
	out := []JobInfo{}
	for _, j := range sc.jobs {
		ps, err := sc.plansOf(j.ID)
		if err != nil {
			return nil, err
		}
		ji := JobInfo{ID: j.ID, Title: j.Title, Status: j.Status, Plans: []string{}}
		for _, p := range ps {
			ji.Plans = append(ji.Plans, p.Title)
		}
		out = append(out, ji)
	}
	return out, nil
}

// findJob resolves a job by id or exact title.
func (sc *scope) findJob(ref string) (domain.Job, error) {
	id, msg := pickIn("job", ref, jobCands(sc.jobs), sc.jobTiers()...)
	if msg != "" {
		return domain.Job{}, notFound(msg)
	}
	j, _ := sc.job(id)
	return j, nil
}

// Stages lists the stages of the job's plans, in plan order.
func Stages(ctx context.Context, md store.MetadataStore, jobRef string) (domain.Job, []StageInfo, error) {
	sc, err := newScope(ctx, md)
	if err != nil {
		return domain.Job{}, nil, err
	}
	j, err := sc.findJob(jobRef)
	if err != nil {
		return domain.Job{}, nil, err
	}
	ps, err := sc.plansOf(j.ID)
	if err != nil {
		return domain.Job{}, nil, err
	}
	out := []StageInfo{}
	for _, p := range ps {
		stages, err := md.ListStages(ctx, p.ID)
		if err != nil {
			return domain.Job{}, nil, err
		}
		for _, st := range stages {
			out = append(out, StageInfo{ID: st.ID, Title: st.Title, Type: st.Type, Order: st.Order, PlanID: p.ID, PlanTitle: p.Title})
		}
	}
	return j, out, nil
}

// Interviews lists the interviews a rule of the job can require: the job's
// own and the shared ones, not archived.
func Interviews(ctx context.Context, md store.MetadataStore, jobRef string) (domain.Job, []InterviewInfo, error) {
	sc, err := newScope(ctx, md)
	if err != nil {
		return domain.Job{}, nil, err
	}
	j, err := sc.findJob(jobRef)
	if err != nil {
		return domain.Job{}, nil, err
	}
	out := []InterviewInfo{}
	for _, iv := range sc.ivs {
		if iv.IsArchived || (iv.JobID != j.ID && iv.JobID != "") {
			continue
		}
		ii := InterviewInfo{ID: iv.ID, Title: iv.Title, Shared: iv.JobID == "", FormID: iv.FormID, IsDebrief: iv.IsDebrief}
		if iv.FormID != "" {
			if f, err := md.GetForm(ctx, iv.FormID); err == nil {
				ii.FormTitle = f.Title
			} else if !errors.Is(err, domain.ErrNotFound) {
				return domain.Job{}, nil, err
			}
		}
		out = append(out, ii)
	}
	// The job's own interviews first.
	slices.SortStableFunc(out, func(a, b InterviewInfo) int {
		switch {
		case a.Shared == b.Shared:
			return 0
		case b.Shared:
			return -1
		}
		return 1
	})
	return j, out, nil
}

// FormFields lists the comparable fields of an interview's feedback form.
// The interview is found among the job's interviews when jobRef is given,
// else among all (a title two jobs share then needs --job).
func FormFields(ctx context.Context, md store.MetadataStore, interviewRef, jobRef string) (domain.Interview, []FieldInfo, error) {
	sc, err := newScope(ctx, md)
	if err != nil {
		return domain.Interview{}, nil, err
	}
	tiers := []tier{{cands: ivCands(sc.ivs, func(domain.Interview) bool { return true })}}
	if jobRef != "" {
		j, err := sc.findJob(jobRef)
		if err != nil {
			return domain.Interview{}, nil, err
		}
		if tiers, err = sc.interviewTiers(j.ID, ""); err != nil {
			return domain.Interview{}, nil, err
		}
	}
	id, msg := pickIn("interview", interviewRef, tiers[len(tiers)-1].cands, tiers...)
	if msg != "" {
		if jobRef == "" && !strings.HasPrefix(msg, "no ") {
			msg += " (or give --job)"
		}
		return domain.Interview{}, nil, notFound(msg)
	}
	iv, err := md.GetInterview(ctx, id)
	if err != nil {
		return domain.Interview{}, nil, err
	}
	fields, err := formFields(ctx, md, iv)
	return iv, fields, err
}

func formFields(ctx context.Context, md store.MetadataStore, iv domain.Interview) ([]FieldInfo, error) {
	if iv.FormID == "" {
		return nil, fmt.Errorf("interview %q has no feedback form in the cache (sync forms and interviews first): %w", iv.Title, domain.ErrNotFound)
	}
	f, err := md.GetForm(ctx, iv.FormID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, fmt.Errorf("the feedback form of interview %q is not cached (sync forms first): %w", iv.Title, domain.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	def, err := ashby.ParseFormDefinition(f.Definition)
	if err != nil {
		return nil, fmt.Errorf("the cached feedback form of interview %q cannot be read: %w", iv.Title, domain.ErrInvalid)
	}
	out := []FieldInfo{}
	for _, fd := range def.Fields() {
		if !slices.Contains(ComparableFieldTypes, fd.Type) {
			continue
		}
		title := fd.Title
		if title == "" {
			title = fd.HumanReadablePath
		}
		fi := FieldInfo{Path: fd.Path, Title: title, Type: fd.Type, Required: fd.IsRequired}
		for _, o := range fd.SelectableValues {
			fi.Options = append(fi.Options, o.Value)
		}
		out = append(out, fi)
	}
	return out, nil
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Starter is a rules file for one scope (aaa rules init): the job, its
// plan, the stage, and one requirement per interview of the job with a
// feedback form (its first score field, else its first comparable field),
// in shadow mode. The cache does not say which interviews a stage holds, so
// every interview of the job is listed; notes say what to check.
func Starter(ctx context.Context, md store.MetadataStore, jobRef, stageRef string) (Document, []string, error) {
	sc, err := newScope(ctx, md)
	if err != nil {
		return Document{}, nil, err
	}
	j, err := sc.findJob(jobRef)
	if err != nil {
		return Document{}, nil, err
	}
	ps, err := sc.plansOf(j.ID)
	if err != nil {
		return Document{}, nil, err
	}
	var all []candidate
	var stageTiers []tier
	planOf := map[string]domain.Plan{}
	for _, p := range ps {
		cands, _, err := sc.stageTiers(p.ID)
		if err != nil {
			return Document{}, nil, err
		}
		for _, c := range cands {
			planOf[c.id] = p
		}
		all = append(all, cands...)
	}
	stageTiers = append(stageTiers, tier{where: fmt.Sprintf("of job %q", j.Title), cands: all})
	stageID, msg := pickIn("stage", stageRef, all, stageTiers...)
	if msg != "" {
		return Document{}, nil, notFound(msg)
	}
	plan := planOf[stageID]
	r := domain.Rule{JobID: j.ID, InterviewPlanID: plan.ID, InterviewStageID: stageID, Mode: domain.ModeShadow}
	s, err := sc.titled(r, nil)
	if err != nil {
		return Document{}, nil, err
	}
	if len(ps) == 1 {
		s.InterviewPlan = "" // the job's only plan
		delete(s.comments, "interview_plan")
	}
	s.Name = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(j.Title+" "+s.InterviewStage), "-"), "-")
	s.Mode = domain.ModeShadow
	notes := []string{
		fmt.Sprintf("Starter rule for job %q at stage %q, in shadow mode: it decides and notifies, it moves no one.", j.Title, s.InterviewStage),
		"Every interview of the job is listed: keep those this stage holds, set the thresholds, then",
		"preview with: aaa rules apply -f FILE --diff",
	}
	ivTiers, err := sc.interviewTiers(j.ID, plan.ID)
	if err != nil {
		return Document{}, nil, err
	}
	allIvs := ivCands(sc.ivs, func(domain.Interview) bool { return true })
	for _, iv := range sc.ivs {
		if iv.JobID != j.ID || iv.IsArchived || iv.IsDebrief {
			continue
		}
		fields, err := formFields(ctx, md, iv)
		if errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrInvalid) || (err == nil && len(fields) == 0) {
			notes = append(notes, fmt.Sprintf("Interview %q is left out: no comparable feedback form field is cached for it.", iv.Title))
			continue
		}
		if err != nil {
			return Document{}, nil, err
		}
		pick := fields[0]
		if i := slices.IndexFunc(fields, func(f FieldInfo) bool { return f.Type == "Score" }); i >= 0 {
			pick = fields[i]
		}
		op, threshold := ">=", "3"
		switch pick.Type {
		case "Boolean":
			op, threshold = "==", "true"
		case "Number":
			threshold = "1"
		case "ValueSelect", "MultiValueSelect":
			op, threshold = "in", strings.Join(pick.Options, ", ")
		}
		others := []string{}
		for _, f := range fields {
			others = append(others, fmt.Sprintf("%s (%s)", f.Path, f.Type))
		}
		req := true
		rs := RequirementSpec{Interview: titleIn(iv.ID, allIvs, ivTiers), ScoreFieldPath: pick.Path, Operator: op,
			Threshold: threshold, Required: &req, comments: map[string]string{"score_field_path": pick.Title + "; fields: " + strings.Join(others, ", ")}}
		if rs.Interview != iv.ID {
			rs.comments["interview"] = "id " + iv.ID
		}
		s.Requirements = append(s.Requirements, rs)
	}
	if len(s.Requirements) == 0 {
		notes = append(notes, "No interview of the job has a cached feedback form: add requirements by hand (aaa metadata interviews --job ...).")
	}
	return Document{Rules: []Spec{s}}, notes, nil
}

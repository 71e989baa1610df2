package rules

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Refs name a rule's scope and its requirements' interviews by id or exact
// title, as a rules file does and as the admin API's job, interview_plan,
// interview_stage, target_stage and requirements[].interview fields do. An
// empty ref is not given: the rule's id field stands.
type Refs struct {
	Job, InterviewPlan, InterviewStage, TargetStage string
	// Interviews is indexed like the rule's requirements.
	Interviews []string
}

// scope resolves titles within a rule's scope using the synced metadata:
// a job among all jobs, a plan among the job's plans, a stage among the
// plan's stages and an interview among the job's interviews (or, for a rule
// of any job, among the interviews of the jobs using the plan). Ids are
// accepted anywhere; CheckMetadata then checks they fit together.
type scope struct {
	ctx      context.Context
	md       store.MetadataStore
	jobs     []domain.Job
	plans    []domain.Plan
	ivs      []domain.Interview
	jobPlans map[string][]domain.Plan
}

func newScope(ctx context.Context, md store.MetadataStore) (*scope, error) {
	sc := &scope{ctx: ctx, md: md, jobPlans: map[string][]domain.Plan{}}
	var err error
	if sc.plans, err = md.ListPlans(ctx); err != nil {
		return nil, err
	}
	if sc.jobs, err = md.ListJobs(ctx, false); err != nil {
		return nil, err
	}
	if sc.ivs, err = md.ListInterviews(ctx, ""); err != nil {
		return nil, err
	}
	return sc, nil
}

type candidate struct{ id, title string }

// tier is a group of candidates searched for a title, and the words that
// name it in messages ("of job \"Backend Engineer\"").
type tier struct {
	where string
	cands []candidate
}

// choice renders a candidate for an ambiguity message.
func (c candidate) choice() string { return fmt.Sprintf("%q (id %s)", c.title, c.id) }

// pickIn finds ref by id among all, else by exact title in the first tier
// that has it. A title twice in that tier is an error listing the choices.
func pickIn(kind, ref string, all []candidate, tiers ...tier) (string, string) {
	for _, c := range all {
		if c.id == ref {
			return c.id, ""
		}
	}
	for _, tr := range tiers {
		var hits []candidate
		for _, c := range tr.cands {
			if c.title == ref && !slices.ContainsFunc(hits, func(h candidate) bool { return h.id == c.id }) {
				hits = append(hits, c)
			}
		}
		switch len(hits) {
		case 0:
			continue
		case 1:
			return hits[0].id, ""
		}
		choices := make([]string, len(hits))
		for i, h := range hits {
			choices[i] = h.id
		}
		where := ""
		if tr.where != "" {
			where = " " + tr.where
		}
		return "", fmt.Sprintf("%d %ss%s are titled %q; name one by its id: %s", len(hits), kind, where, ref, strings.Join(choices, ", "))
	}
	// Named by the first tier, unless the search ended among all.
	where := ""
	if len(tiers) > 0 && tiers[0].where != "" && tiers[len(tiers)-1].where != "" {
		where = " " + tiers[0].where
	}
	return "", fmt.Sprintf("no %s%s has the id or title %q (list them with aaa metadata; sync metadata first if it is new)", kind, where, ref)
}

func jobCands(jobs []domain.Job) []candidate {
	out := make([]candidate, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, candidate{j.ID, j.Title})
	}
	return out
}

func planCands(plans []domain.Plan) []candidate {
	out := make([]candidate, 0, len(plans))
	for _, p := range plans {
		out = append(out, candidate{p.ID, p.Title})
	}
	return out
}

func ivCands(ivs []domain.Interview, keep func(domain.Interview) bool) []candidate {
	var out []candidate
	for _, iv := range ivs {
		if keep(iv) {
			out = append(out, candidate{iv.ID, iv.Title})
		}
	}
	return out
}

// job returns the cached job with id (false when it is not cached).
func (sc *scope) job(id string) (domain.Job, bool) {
	i := slices.IndexFunc(sc.jobs, func(j domain.Job) bool { return j.ID == id })
	if i < 0 {
		return domain.Job{}, false
	}
	return sc.jobs[i], true
}

func (sc *scope) plansOf(jobID string) ([]domain.Plan, error) {
	if ps, ok := sc.jobPlans[jobID]; ok {
		return ps, nil
	}
	ps, err := sc.md.ListPlansForJob(sc.ctx, jobID)
	if err != nil {
		return nil, err
	}
	sc.jobPlans[jobID] = ps
	return ps, nil
}

func (sc *scope) planTitle(id string) string {
	for _, p := range sc.plans {
		if p.ID == id {
			return p.Title
		}
	}
	return id
}

// jobTiers are where a job's title is looked for.
func (sc *scope) jobTiers() []tier { return []tier{{cands: jobCands(sc.jobs)}} }

// planTiers are where a plan's title is looked for: the job's plans first.
func (sc *scope) planTiers(jobID string) ([]tier, error) {
	var tiers []tier
	if j, ok := sc.job(jobID); ok {
		ps, err := sc.plansOf(jobID)
		if err != nil {
			return nil, err
		}
		if len(ps) > 0 {
			tiers = append(tiers, tier{where: fmt.Sprintf("of job %q", j.Title), cands: planCands(ps)})
		}
	}
	return append(tiers, tier{cands: planCands(sc.plans)}), nil
}

// stageTiers are the plan's stages.
func (sc *scope) stageTiers(planID string) ([]candidate, []tier, error) {
	stages, err := sc.md.ListStages(sc.ctx, planID)
	if err != nil {
		return nil, nil, err
	}
	var cands []candidate
	for _, st := range stages {
		cands = append(cands, candidate{st.ID, st.Title})
	}
	return cands, []tier{{where: fmt.Sprintf("of plan %q", sc.planTitle(planID)), cands: cands}}, nil
}

// interviewTiers are where an interview's title is looked for: the job's
// interviews, then interviews of no job (shared); for a rule of any job, the
// interviews of the jobs using the plan, then shared ones, then all.
func (sc *scope) interviewTiers(jobID, planID string) ([]tier, error) {
	shared := tier{where: "shared by all jobs", cands: ivCands(sc.ivs, func(iv domain.Interview) bool { return iv.JobID == "" })}
	if j, ok := sc.job(jobID); ok {
		own := tier{where: fmt.Sprintf("of job %q", j.Title), cands: ivCands(sc.ivs, func(iv domain.Interview) bool { return iv.JobID == jobID })}
		return []tier{own, shared}, nil
	}
	var tiers []tier
	if planID != "" {
		users := map[string]bool{}
		for _, j := range sc.jobs {
			ps, err := sc.plansOf(j.ID)
			if err != nil {
				return nil, err
			}
			if slices.ContainsFunc(ps, func(p domain.Plan) bool { return p.ID == planID }) {
				users[j.ID] = true
			}
		}
		if len(users) > 0 {
			tiers = append(tiers, tier{where: fmt.Sprintf("of the jobs using plan %q", sc.planTitle(planID)),
				cands: ivCands(sc.ivs, func(iv domain.Interview) bool { return users[iv.JobID] })})
		}
	}
	return append(tiers, shared, tier{cands: ivCands(sc.ivs, func(domain.Interview) bool { return true })}), nil
}

// resolve fills r's ids from refs (a given ref replaces the id field),
// reporting what cannot be resolved through add with the document's field
// names (job, interview_plan, interview_stage, target_stage,
// requirements[k].interview). With a job and no plan, the job's only plan
// is the rule's plan.
func (sc *scope) resolve(r *domain.Rule, refs Refs, add func(typ, msg string, input any, loc ...any)) error {
	one := func(kind, ref, field string, all []candidate, tiers []tier) (string, bool) {
		id, msg := pickIn(kind, ref, all, tiers...)
		if msg != "" {
			add(ProblemNotFound, msg, ref, field)
			return "", false
		}
		return id, true
	}
	if refs.Job != "" {
		r.JobID, _ = one("job", refs.Job, "job", jobCands(sc.jobs), sc.jobTiers())
	}
	switch {
	case refs.InterviewPlan != "":
		tiers, err := sc.planTiers(r.JobID)
		if err != nil {
			return err
		}
		r.InterviewPlanID, _ = one("interview plan", refs.InterviewPlan, "interview_plan", planCands(sc.plans), tiers)
	case r.InterviewPlanID == "" && r.JobID != "":
		j, ok := sc.job(r.JobID)
		if !ok {
			break
		}
		ps, err := sc.plansOf(r.JobID)
		if err != nil {
			return err
		}
		switch len(ps) {
		case 1:
			r.InterviewPlanID = ps[0].ID
		case 0:
			add(ProblemMissing, fmt.Sprintf("job %q has no interview plan in the cache: name the plan (or sync metadata)", j.Title), nil, "interview_plan")
		default:
			choices := make([]string, len(ps))
			for i, p := range ps {
				choices[i] = candidate{p.ID, p.Title}.choice()
			}
			add(ProblemMissing, fmt.Sprintf("job %q has %d interview plans; name one: %s", j.Title, len(ps), strings.Join(choices, ", ")), nil, "interview_plan")
		}
	}
	if (refs.InterviewStage != "" || refs.TargetStage != "") && r.InterviewPlanID != "" && !badText(r.InterviewPlanID) {
		cands, tiers, err := sc.stageTiers(r.InterviewPlanID)
		if err != nil {
			return err
		}
		if refs.InterviewStage != "" {
			r.InterviewStageID, _ = one("stage", refs.InterviewStage, "interview_stage", cands, tiers)
		}
		if refs.TargetStage != "" {
			r.TargetStageID, _ = one("stage", refs.TargetStage, "target_stage", cands, tiers)
		}
	}
	var ivTiers []tier
	for k, ref := range refs.Interviews {
		if ref == "" || k >= len(r.Requirements) {
			continue
		}
		if ivTiers == nil {
			var err error
			if ivTiers, err = sc.interviewTiers(r.JobID, r.InterviewPlanID); err != nil {
				return err
			}
		}
		id, msg := pickIn("interview", ref, ivCands(sc.ivs, func(domain.Interview) bool { return true }), ivTiers...)
		if msg != "" {
			add(ProblemNotFound, msg, ref, "requirements", k, "interview")
		}
		r.Requirements[k].InterviewID = id
	}
	return nil
}

// badText reports an id a store cannot be asked about (NUL, invalid UTF-8).
func badText(s string) bool {
	return len(textProblems(domain.Rule{JobID: s})) > 0
}

// ResolveRefs fills r's ids from refs within the rule's scope (see Refs),
// for the admin API; a rule with a job and no plan gets the job's only
// plan. Problems are located under prefix with the refs' field names.
func ResolveRefs(ctx context.Context, md store.MetadataStore, r *domain.Rule, refs Refs, prefix ...any) ([]Problem, error) {
	if refs.Job == "" && refs.InterviewPlan == "" && refs.InterviewStage == "" && refs.TargetStage == "" &&
		!slices.ContainsFunc(refs.Interviews, func(s string) bool { return s != "" }) && (r.InterviewPlanID != "" || r.JobID == "") {
		return nil, nil
	}
	sc, err := newScope(ctx, md)
	if err != nil {
		return nil, err
	}
	var ps []Problem
	add := func(typ, msg string, input any, loc ...any) {
		ps = append(ps, Problem{Type: typ, Loc: append(slices.Clone(prefix), loc...), Msg: msg, Input: input})
	}
	if err := sc.resolve(r, refs, add); err != nil {
		return nil, err
	}
	return ps, nil
}

// titleIn is the title that names id in the tiers (so that resolving it
// finds id again), else id itself.
func titleIn(id string, all []candidate, tiers []tier) string {
	i := slices.IndexFunc(all, func(c candidate) bool { return c.id == id })
	if i < 0 || all[i].title == "" {
		return id
	}
	if got, msg := pickIn("x", all[i].title, nil, tiers...); msg == "" && got == id {
		// A title equal to another object's id would resolve to that object.
		if !slices.ContainsFunc(all, func(c candidate) bool { return c.id == all[i].title }) {
			return all[i].title
		}
	}
	return id
}

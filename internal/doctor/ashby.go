package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
)

// Permission is an Ashby API key permission and the methods aaa calls that
// need it.
type Permission struct {
	// Name is the permission as Ashby's API key settings show it, e.g.
	// "Candidates: read".
	Name string
	// Methods are the read methods aaa uses that need it.
	Methods []string
}

// noID is a well-formed id no object has: methods that read one object are
// probed with it and answer *_not_found when the key may call them.
const noID = "00000000-0000-0000-0000-000000000000"

// Permissions are the read permissions aaa's key needs, with the methods
// aaa calls (each endpoint's permission from Ashby's API reference).
// application.changeStage needs Candidates: write; it is never called
// to check it (see WritePermission).
var Permissions = []Permission{
	{Name: "Candidates: read", Methods: []string{"application.info", "application.listHistory", "applicationFeedback.list", "candidate.info"}},
	{Name: "Jobs: read", Methods: []string{"job.info", "job.list"}},
	{Name: "Interviews: read", Methods: []string{"interviewStage.info", "interviewStage.list", "interviewPlan.list", "interview.info", "interview.list"}},
	{Name: "Hiring Process Metadata: read", Methods: []string{"feedbackFormDefinition.list", "feedbackFormDefinition.info", "archiveReason.list", "communicationTemplate.list"}},
	{Name: "Organization: read", Methods: []string{"user.list"}},
}

// WritePermission is what application.changeStage (advance and archive)
// needs.
const WritePermission = "Candidates: write"

// probeParams are the harmless parameters each method is called with: a
// one-item page of a list, or an id no object has.
var probeParams = map[string]map[string]any{
	"application.info":            {"applicationId": noID},
	"application.listHistory":     {"applicationId": noID, "limit": 1},
	"applicationFeedback.list":    {"limit": 1},
	"candidate.info":              {"id": noID},
	"job.info":                    {"id": noID},
	"job.list":                    {"limit": 1},
	"interviewStage.info":         {"interviewStageId": noID},
	"interviewStage.list":         {"interviewPlanId": noID},
	"interviewPlan.list":          {"limit": 1},
	"interview.info":              {"id": noID},
	"interview.list":              {"limit": 1},
	"feedbackFormDefinition.list": {"limit": 1},
	"feedbackFormDefinition.info": {"feedbackFormDefinitionId": noID},
	"archiveReason.list":          {},
	"communicationTemplate.list":  {},
	"user.list":                   {"limit": 1},
}

// apiKeyFix is what to do about a refused key.
const apiKeyFix = "Create an API key in Ashby (Admin > Integrations > API Keys) with the permissions below and set ASHBY_API_KEY to it."

// ashby checks the key, its permissions, the cached metadata and the
// archive reasons and templates settings and rules name.
func (r *run) ashby(ctx context.Context, dbOK bool) {
	const sec = SectionAshby
	if r.o.ATS == nil {
		r.add(sec, "API key", Fail, "ASHBY_API_KEY is not set: aaa cannot read schedules, feedback or stages, nor move candidates.",
			apiKeyFix)
		if dbOK {
			r.metadata(ctx)
		}
		return
	}
	if !r.permissions(ctx) {
		if dbOK {
			r.metadata(ctx)
		}
		return
	}
	if dbOK {
		r.metadata(ctx)
		r.archiveReasons(ctx)
		r.templates(ctx)
	}
}

// permissions probes every read method; it reports whether Ashby accepted
// the key.
func (r *run) permissions(ctx context.Context) bool {
	const sec = SectionAshby
	type outcome struct {
		denied []string
		failed []string
	}
	results := make([]outcome, len(Permissions))
	answered := false
	for i, p := range Permissions {
		for _, m := range p.Methods {
			cctx, cancel := r.timeout(ctx)
			err := r.o.ATS.Probe(cctx, m, probeParams[m])
			cancel()
			switch {
			case err == nil:
			case ashby.IsMissingPermission(err):
				results[i].denied = append(results[i].denied, m)
			case ashby.IsAuth(err):
				var ae *ashby.APIError
				status := ""
				if errors.As(err, &ae) {
					status = fmt.Sprintf(" (HTTP %d)", ae.StatusCode)
				}
				r.add(sec, "API key", Fail, "Ashby refused ASHBY_API_KEY"+status+": the key is wrong, deactivated or missing.", apiKeyFix)
				return false
			case isAnswer(err):
				// The method ran (e.g. *_not_found for the made-up id): the
				// key may call it.
			case !answered:
				// Not one answer yet: Ashby is unreachable, and every other
				// call would wait for its timeout too.
				r.add(sec, "API key", Fail, fmt.Sprintf("Ashby did not answer: %v", err),
					"Check the network and ASHBY_API_URL (unset means Ashby's own API).")
				return false
			default:
				results[i].failed = append(results[i].failed, m)
			}
			answered = answered || err == nil || ashby.IsMissingPermission(err) || isAnswer(err)
		}
	}
	r.add(sec, "API key", Pass, "Ashby accepts ASHBY_API_KEY.", "")
	for i, p := range Permissions {
		o := results[i]
		switch {
		case len(o.denied) > 0:
			r.add(sec, p.Name, Fail,
				fmt.Sprintf("The API key lacks %s: Ashby refuses %s.", p.Name, strings.Join(o.denied, ", ")),
				fmt.Sprintf("In Ashby, Admin > Integrations > API Keys, edit the key and enable %s.", p.Name))
		case len(o.failed) > 0:
			r.add(sec, p.Name, Warn,
				fmt.Sprintf("Ashby did not answer %s, so %s could not be checked.", strings.Join(o.failed, ", "), p.Name),
				"Run aaa doctor again; if it persists, check Ashby's status page.")
		default:
			r.add(sec, p.Name, Pass, fmt.Sprintf("Permitted (%s).", strings.Join(p.Methods, ", ")), "")
		}
	}
	r.add(sec, WritePermission, Pass,
		"Not called: application.changeStage moves a candidate, so only a real move by a live rule can verify it. "+
			"Enable "+WritePermission+" on the key before switching a rule to live.", "")
	return true
}

// isAnswer reports whether err is Ashby answering the request with an
// error of the method itself (not found, invalid input), which means the
// key was allowed to call it.
func isAnswer(err error) bool {
	var ae *ashby.APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.StatusCode == http.StatusOK || ashby.IsNotFound(err) || ae.StatusCode == http.StatusBadRequest
}

// metadataFix is how metadata gets into the cache.
const metadataFix = "'aaa serve' syncs metadata on start and every 6 hours; to sync now, POST /admin/sync-metadata and /admin/sync-interviews (or restart aaa serve)."

// metadata counts the cached jobs, plans, stages, interviews and forms.
func (r *run) metadata(ctx context.Context) {
	const sec = SectionAshby
	c, err := r.o.Store.MetadataCounts(ctx)
	if err != nil {
		r.add(sec, "Metadata", Fail, fmt.Sprintf("Cannot read the metadata cache: %v", err), "")
		return
	}
	ivs, err := r.o.Store.ListInterviews(ctx, "")
	if err != nil {
		r.add(sec, "Metadata", Fail, fmt.Sprintf("Cannot read the cached interviews: %v", err), "")
		return
	}
	forms, withForm := 0, 0
	for _, iv := range ivs {
		if iv.FormID == "" {
			continue
		}
		withForm++
		if _, err := r.o.Store.GetForm(ctx, iv.FormID); err == nil {
			forms++
		}
	}
	counts := strings.Join([]string{plural(c.Jobs, "job"), plural(c.Plans, "plan"), plural(c.Stages, "stage"),
		plural(len(ivs), "interview"), plural(forms, "feedback form")}, ", ")
	var empty []string
	for _, e := range []struct {
		n    int
		name string
	}{{c.Jobs, "jobs"}, {c.Plans, "plans"}, {c.Stages, "stages"}, {len(ivs), "interviews"}, {forms, "feedback forms"}} {
		if e.n == 0 {
			empty = append(empty, e.name)
		}
	}
	switch {
	case len(empty) > 0:
		r.add(sec, "Metadata", Warn, fmt.Sprintf("Cached: %s. No %s yet: rules cannot name them.", counts, strings.Join(empty, ", ")), metadataFix)
	case forms < withForm:
		r.add(sec, "Metadata", Warn, fmt.Sprintf("Cached: %s; %d interviews' forms are missing.", counts, withForm-forms), metadataFix)
	default:
		r.add(sec, "Metadata", Pass, "Cached: "+counts+".", "")
	}
}

// archiveReasons checks DEFAULT_ARCHIVE_REASON_ID and each active rule's
// archive reason exist in Ashby and are not archived.
func (r *run) archiveReasons(ctx context.Context) {
	const sec = SectionAshby
	rules, err := r.activeRules(ctx)
	if err != nil {
		r.add(sec, "Archive reasons", Fail, fmt.Sprintf("Cannot read the rules: %v", err), "")
		return
	}
	type use struct{ id, by string }
	var uses []use
	if r.o.DefaultArchiveReasonID != "" {
		uses = append(uses, use{r.o.DefaultArchiveReasonID, "DEFAULT_ARCHIVE_REASON_ID"})
	}
	var noReason []string
	for _, rl := range rules {
		if rl.ArchiveReasonID != "" {
			uses = append(uses, use{rl.ArchiveReasonID, fmt.Sprintf("rule %q", rl.Name)})
		} else if r.o.DefaultArchiveReasonID == "" {
			noReason = append(noReason, fmt.Sprintf("%q", rl.Name))
		}
	}
	if len(uses) == 0 && len(noReason) == 0 {
		r.add(sec, "Archive reasons", Pass, "No setting or active rule names an archive reason.", "")
		return
	}
	cctx, cancel := r.timeout(ctx)
	reasons, err := r.o.ATS.ArchiveReasonList(cctx, true)
	cancel()
	if err != nil {
		r.add(sec, "Archive reasons", Warn, fmt.Sprintf("Cannot list Ashby's archive reasons: %v", err), "Run aaa doctor again.")
		return
	}
	byID := map[string]ashby.ArchiveReason{}
	for _, ar := range reasons {
		byID[ar.ID] = ar
	}
	var problems, named []string
	for _, u := range uses {
		ar, ok := byID[u.id]
		switch {
		case !ok:
			problems = append(problems, u.by+" names an archive reason Ashby does not have")
		case ar.IsArchived:
			problems = append(problems, fmt.Sprintf("%s names the archive reason %q, which is archived in Ashby", u.by, ar.Text))
		default:
			named = append(named, fmt.Sprintf("%s: %q", u.by, ar.Text))
		}
	}
	if len(problems) > 0 {
		r.add(sec, "Archive reasons", Fail, strings.Join(problems, "; ")+": archiving with it fails.",
			"Pick a current reason with 'aaa metadata archive-reasons' and set it (DEFAULT_ARCHIVE_REASON_ID, or the rule's archive_reason_id).")
		return
	}
	if len(noReason) > 0 {
		r.add(sec, "Archive reasons", Warn,
			fmt.Sprintf("Rules %s name no archive reason and DEFAULT_ARCHIVE_REASON_ID is not set: their Archive button cannot archive.", strings.Join(noReason, ", ")),
			"Set DEFAULT_ARCHIVE_REASON_ID (see 'aaa metadata archive-reasons'), or give each rule an archive_reason_id.")
		return
	}
	r.add(sec, "Archive reasons", Pass, "Exist in Ashby: "+strings.Join(named, "; ")+".", "")
}

// templates checks the communication templates active rules name exist in
// Ashby and can be emailed.
func (r *run) templates(ctx context.Context) {
	const sec = SectionAshby
	rules, err := r.activeRules(ctx)
	if err != nil {
		return // archiveReasons said so
	}
	var named []int
	for i, rl := range rules {
		if rl.CommunicationTemplateID != "" {
			named = append(named, i)
		}
	}
	if len(named) == 0 {
		r.add(sec, "Email templates", Pass, "No active rule sends a rejection email.", "")
		return
	}
	cctx, cancel := r.timeout(ctx)
	tpls, err := r.o.ATS.CommunicationTemplateList(cctx)
	cancel()
	if err != nil {
		r.add(sec, "Email templates", Warn, fmt.Sprintf("Cannot list Ashby's communication templates: %v", err), "Run aaa doctor again.")
		return
	}
	var problems, ok []string
	for _, i := range named {
		rl := rules[i]
		j := slices.IndexFunc(tpls, func(t ashby.CommunicationTemplate) bool { return t.ID == rl.CommunicationTemplateID })
		switch {
		case j < 0:
			problems = append(problems, fmt.Sprintf("rule %q names an email template Ashby does not have (or has disabled)", rl.Name))
		case len(tpls[j].IntendedTypes) > 0 && !slices.Contains(tpls[j].IntendedTypes, "email"):
			problems = append(problems, fmt.Sprintf("rule %q names the template %q, which is not an email template", rl.Name, tpls[j].Title))
		default:
			ok = append(ok, fmt.Sprintf("rule %q: %q", rl.Name, tpls[j].Title))
		}
	}
	if len(problems) > 0 {
		r.add(sec, "Email templates", Fail, strings.Join(problems, "; ")+": archiving with an email fails.",
			"Set the rule's communication_template_id to an enabled email template (Ashby: Admin > Communication Templates), or remove it to archive without an email.")
		return
	}
	r.add(sec, "Email templates", Pass, "Exist in Ashby: "+strings.Join(ok, "; ")+".", "")
}

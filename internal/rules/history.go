package rules

import (
	"context"
	"fmt"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Titles maps the ids of plans, stages, jobs and interviews to their
// titles, so that a history reads with names.
type Titles map[string]string

// Title is id's title, or id itself when it is not known.
func (t Titles) Title(id string) string {
	if s, ok := t[id]; ok && s != "" {
		return s
	}
	return id
}

// LoadTitles reads the titles of the synced metadata.
func LoadTitles(ctx context.Context, md store.MetadataStore) (Titles, error) {
	t := Titles{}
	plans, err := md.ListPlans(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range plans {
		t[p.ID] = p.Title
		stages, err := md.ListStages(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, s := range stages {
			t[s.ID] = s.Title
		}
	}
	jobs, err := md.ListJobs(ctx, false)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		t[j.ID] = j.Title
	}
	ivs, err := md.ListInterviews(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, iv := range ivs {
		t[iv.ID] = iv.Title
	}
	return t, nil
}

// Titles loads the metadata titles (see LoadTitles).
func (s *Service) Titles(ctx context.Context) (Titles, error) { return LoadTitles(ctx, s.st) }

// titled fields hold an id of the metadata.
func titled(field string) bool {
	switch field {
	case "job", "interview_plan", "interview_stage", "target_stage":
		return true
	}
	return strings.HasSuffix(field, "].interview")
}

func (t Titles) value(field string, v *string) string {
	switch {
	case v == nil:
		return "(none)"
	case *v == "":
		return `""`
	case titled(field):
		return t.Title(*v)
	}
	return *v
}

// Describe renders a revision's changes on one line for people: a created
// rule by its scope and mode, a delete as such, any other change as
// "field: old -> new" pairs, with titles for ids.
func Describe(rev domain.RuleRevision, t Titles) string {
	get := func(field string) string {
		for _, c := range rev.Changes {
			if c.Field == field {
				return t.value(field, c.New)
			}
		}
		return ""
	}
	switch rev.Action {
	case domain.RevisionCreate:
		job := get("job")
		if job == `""` || job == "" {
			job = "all jobs"
		}
		out := fmt.Sprintf("created for %s / %s / %s in %s mode, %s requirement(s)",
			job, get("interview_plan"), get("interview_stage"), get("mode"), get("requirements"))
		if get("active") == "false" {
			out += ", inactive"
		}
		return out
	case domain.RevisionDelete:
		return "deleted (deactivated)"
	}
	parts := make([]string, 0, len(rev.Changes))
	for _, c := range rev.Changes {
		parts = append(parts, fmt.Sprintf("%s: %s -> %s", c.Field, t.value(c.Field, c.Old), t.value(c.Field, c.New)))
	}
	return strings.Join(parts, "; ")
}

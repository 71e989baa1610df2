package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// PeopleStore lists the Ashby people aaa writes to in Slack for a set of
// jobs: `aaa doctor` checks each maps to a Slack user.
type PeopleStore interface {
	// JobPeople returns the distinct people (by lower-cased email) who are
	// assigned with feedback required on the stored schedules of these jobs
	// or plans (interviewers), or are the recruiter of their stored
	// applications (recruiters), ordered by email. People without an email
	// are left out.
	JobPeople(ctx context.Context, jobIDs, planIDs []string) ([]Person, error)
}

// Person is someone aaa may message: an interviewer or a recruiter.
type Person struct {
	Email string `json:"email"`
	// Name is the interviewer's name as Ashby sent it (empty for a
	// recruiter known only by email).
	Name string `json:"name"`
	// Role is "interviewer" or "recruiter" ("interviewer" when both).
	Role string `json:"role"`
}

// Person roles.
const (
	RoleInterviewer = "interviewer"
	RoleRecruiter   = "recruiter"
)

// JobPeople implements PeopleStore.
func (db *DB) JobPeople(ctx context.Context, jobIDs, planIDs []string) ([]Person, error) {
	if len(jobIDs) == 0 && len(planIDs) == 0 {
		return []Person{}, nil
	}
	var args []any
	in := func(ids []string) string {
		if len(ids) == 0 {
			return "(NULL)"
		}
		ph := make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		return "(" + strings.Join(ph, ", ") + ")"
	}
	jobs, plans := in(jobIDs), in(planIDs)
	q := `
SELECT a.email, a.first_name, a.last_name, 'interviewer'
FROM interview_assignments a
JOIN interview_events e ON e.event_id = a.event_id
JOIN interview_schedules s ON s.schedule_id = e.schedule_id
WHERE a.email <> '' AND a.is_feedback_required = TRUE AND (s.job_id IN ` + jobs + ` OR s.interview_plan_id IN ` + plans + `)
UNION
SELECT ap.recruiter_email, '', '', 'recruiter'
FROM applications ap
WHERE ap.recruiter_email <> '' AND (ap.job_id IN ` + jobs + ` OR ap.application_id IN (
    SELECT s.application_id FROM interview_schedules s WHERE s.interview_plan_id IN ` + plans + `))`
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list job people: %w", db.mapErr(err))
	}
	defer rows.Close()
	byEmail := map[string]*Person{}
	var order []string
	for rows.Next() {
		var email, first, last, role string
		if err := rows.Scan(&email, &first, &last, &role); err != nil {
			return nil, fmt.Errorf("scan job person: %w", db.mapErr(err))
		}
		key := strings.ToLower(strings.TrimSpace(email))
		name := strings.TrimSpace(first + " " + last)
		p, ok := byEmail[key]
		if !ok {
			p = &Person{Email: key, Role: role}
			byEmail[key] = p
			order = append(order, key)
		}
		if p.Name == "" {
			p.Name = name
		}
		if role == RoleInterviewer {
			p.Role = RoleInterviewer
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list job people: %w", db.mapErr(err))
	}
	out := make([]Person, 0, len(order))
	for _, k := range order {
		out = append(out, *byEmail[k])
	}
	slices.SortFunc(out, func(a, b Person) int { return cmp.Compare(a.Email, b.Email) })
	return out, nil
}

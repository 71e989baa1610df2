// Package catalog reads the Ashby objects aaa needs to name and place a
// candidate (applications, stages and their plans, interviews) through the
// store's cache, asking Ashby on a miss and refreshing the cache with what it
// answers. Every use case that needs one of these reads goes through it, so a
// cache miss is handled the same way wherever it happens.
//
// Reads use the store's pool: never call a Catalog inside a store
// transaction on SQLite (the writer pool has one connection).
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// ATS is the part of Ashby's API the catalog reads (implemented by
// *ashby.Client).
type ATS interface {
	ApplicationInfo(ctx context.Context, applicationID string) (ashby.Application, error)
	InterviewStageInfo(ctx context.Context, stageID string) (ashby.InterviewStage, error)
	InterviewStageList(ctx context.Context, planID string) ([]ashby.InterviewStage, error)
	InterviewInfo(ctx context.Context, interviewID string) (ashby.Interview, error)
}

// Options configures a Catalog.
type Options struct {
	Store store.MetadataStore
	// ATS is nil when no Ashby key is configured: reads that miss the cache
	// then fail with domain.ErrAshbyNotConfigured.
	ATS    ATS
	Logger *slog.Logger
	Now    func() time.Time
}

// Catalog is the cache-through reader of Ashby objects.
type Catalog struct {
	st  store.MetadataStore
	ats ATS
	log *slog.Logger
	now func() time.Time
}

// New returns a Catalog.
func New(opts Options) *Catalog {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Catalog{st: opts.Store, ats: opts.ATS, log: opts.Logger.With("component", "catalog"), now: opts.Now}
}

// Configured reports whether Ashby can be asked at all.
func (c *Catalog) Configured() bool { return c.ats != nil }

// PlanOfStage returns a stage's plan from the cache, else from Ashby.
func (c *Catalog) PlanOfStage(ctx context.Context, stageID string) (string, error) {
	if st, err := c.st.GetStage(ctx, stageID); err == nil {
		return st.PlanID, nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return "", err
	}
	if c.ats == nil {
		return "", domain.ErrAshbyNotConfigured
	}
	info, err := c.ats.InterviewStageInfo(ctx, stageID)
	if err != nil {
		return "", fmt.Errorf("resolve plan of stage %s: %w", stageID, err)
	}
	st := domain.Stage{ID: info.ID, PlanID: info.InterviewPlanID, Title: info.Title, Type: info.Type, Order: info.OrderInInterviewPlan}
	if err := c.st.UpsertStages(ctx, st.PlanID, []domain.Stage{st}, c.now()); err != nil {
		return "", err
	}
	return info.InterviewPlanID, nil
}

// ResolveSchedules fills in the plan and job of each schedule that is not
// cancelled and names a stage: from the caches, with one read per distinct
// stage and one for every application, calling Ashby only on a miss (once
// per stage or application, however many schedules share it). It caches
// the interviews of their events the same way. errs[i] is why schedule i
// could not be resolved (nil when it was or needed nothing).
func (c *Catalog) ResolveSchedules(ctx context.Context, scheds []domain.Schedule, log *slog.Logger) (errs []error) {
	errs = make([]error, len(scheds))
	needs := func(s domain.Schedule) bool { return !s.Cancelled && s.InterviewStageID != "" }
	var appIDs []string
	seen := map[string]bool{}
	for _, s := range scheds {
		if needs(s) && !seen[s.ApplicationID] {
			seen[s.ApplicationID] = true
			appIDs = append(appIDs, s.ApplicationID)
		}
	}
	cached, err := c.st.GetApplications(ctx, appIDs)
	if err != nil {
		for i, s := range scheds {
			if needs(s) {
				errs[i] = err
			}
		}
		return errs
	}
	type resolved struct {
		id  string
		err error
	}
	jobs := make(map[string]resolved, len(appIDs))
	for _, a := range cached {
		if a.JobID != "" {
			jobs[a.ID] = resolved{id: a.JobID}
		}
	}
	plans := map[string]resolved{}
	var events []domain.Event
	interviews := map[string]bool{}
	for i := range scheds {
		s := &scheds[i]
		if !needs(*s) {
			continue
		}
		plan, ok := plans[s.InterviewStageID]
		if !ok {
			plan.id, plan.err = c.PlanOfStage(ctx, s.InterviewStageID)
			plans[s.InterviewStageID] = plan
		}
		job, ok := jobs[s.ApplicationID]
		if !ok {
			app, err := c.Application(ctx, s.ApplicationID)
			if err != nil {
				err = fmt.Errorf("resolve job of application %s: %w", s.ApplicationID, err)
			}
			job = resolved{id: app.Job.ID, err: err}
			jobs[s.ApplicationID] = job
		}
		if errs[i] = errors.Join(plan.err, job.err); errs[i] != nil {
			continue
		}
		s.InterviewPlanID, s.JobID = plan.id, job.id
		for _, e := range s.Events {
			if !interviews[e.InterviewID] {
				interviews[e.InterviewID] = true
				events = append(events, e)
			}
		}
	}
	c.CacheInterviews(ctx, domain.Schedule{Events: events}, log)
	return errs
}

// Application reads an application from Ashby (always: the stale-stage guard
// needs its current stage) and refreshes the cache with it.
func (c *Catalog) Application(ctx context.Context, applicationID string) (ashby.Application, error) {
	if c.ats == nil {
		return ashby.Application{}, domain.ErrAshbyNotConfigured
	}
	app, err := c.ats.ApplicationInfo(ctx, applicationID)
	if err != nil {
		return ashby.Application{}, err
	}
	cached := domain.Application{
		ID: app.ID, CandidateID: app.Candidate.ID, JobID: app.Job.ID, CurrentStageID: app.StageID(),
		Status: app.Status, CandidateName: app.Candidate.Name, UpdatedAt: c.now(),
	}
	if r, ok := app.Recruiter(); ok {
		cached.RecruiterEmail = r.Email
	}
	if err := c.st.UpsertApplication(ctx, cached); err != nil {
		c.log.WarnContext(ctx, "application_cache_failed", "application_id", app.ID, "error", err)
	}
	if app.Job.ID != "" && app.Job.Title != "" {
		if _, err := c.st.GetJob(ctx, app.Job.ID); errors.Is(err, domain.ErrNotFound) {
			_ = c.st.UpsertJob(ctx, domain.Job{ID: app.Job.ID, Title: app.Job.Title}, c.now())
		}
	}
	return app, nil
}

// RefreshStages reloads a plan's stages from Ashby into the cache and
// returns them in plan order.
func (c *Catalog) RefreshStages(ctx context.Context, planID string) ([]domain.Stage, error) {
	if c.ats == nil {
		return nil, domain.ErrAshbyNotConfigured
	}
	list, err := c.ats.InterviewStageList(ctx, planID)
	if err != nil {
		return nil, fmt.Errorf("list stages of plan %s: %w", planID, err)
	}
	stages := make([]domain.Stage, 0, len(list))
	for _, st := range list {
		stages = append(stages, domain.Stage{ID: st.ID, PlanID: planID, Title: st.Title, Type: st.Type, Order: st.OrderInInterviewPlan})
	}
	if err := c.st.UpsertStages(ctx, planID, stages, c.now()); err != nil {
		return nil, err
	}
	return c.st.ListStages(ctx, planID)
}

// CacheInterviews fetches the schedule's unknown interview definitions
// (their titles are what people read); failures are logged and tolerated.
func (c *Catalog) CacheInterviews(ctx context.Context, sched domain.Schedule, log *slog.Logger) {
	if c.ats == nil {
		return
	}
	for _, e := range sched.Events {
		if _, err := c.st.GetInterview(ctx, e.InterviewID); err == nil {
			continue
		}
		iv, err := c.ats.InterviewInfo(ctx, e.InterviewID)
		if err != nil {
			log.WarnContext(ctx, "interview_fetch_failed", "interview_id", e.InterviewID, "error", err.Error())
			continue
		}
		_ = c.st.UpsertInterview(ctx, InterviewFromAshby(iv), c.now())
	}
}

// InterviewFromAshby converts Ashby's interview to the cached definition.
func InterviewFromAshby(iv ashby.Interview) domain.Interview {
	return domain.Interview{ID: iv.ID, Title: iv.Title, JobID: iv.JobID, FormID: iv.FeedbackFormDefinitionID,
		IsArchived: iv.IsArchived, IsDebrief: iv.IsDebrief}
}

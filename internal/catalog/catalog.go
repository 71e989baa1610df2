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

// JobOfApplication returns an application's job from the cache, else from Ashby.
func (c *Catalog) JobOfApplication(ctx context.Context, applicationID string) (string, error) {
	if a, err := c.st.GetApplication(ctx, applicationID); err == nil && a.JobID != "" {
		return a.JobID, nil
	} else if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return "", err
	}
	app, err := c.Application(ctx, applicationID)
	if err != nil {
		return "", fmt.Errorf("resolve job of application %s: %w", applicationID, err)
	}
	return app.Job.ID, nil
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

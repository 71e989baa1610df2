package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/catalog"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Sync names in sync_state.
const (
	SyncFeedback   = "feedback"
	SyncJobs       = "jobs"
	SyncPlans      = "interview_plans"
	SyncStages     = "interview_stages"
	SyncForms      = "feedback_forms"
	SyncReasons    = "archive_reasons"
	SyncUsers      = "ashby_users"
	SyncInterviews = "interviews"
	SyncSlackUsers = "slack_users"
	SyncSweep      = "evaluation_sweep"
)

// Tracker records each run of a sync (or of the evaluation sweep) in
// sync_state: when it started and finished, how many items, and its error.
type Tracker struct {
	Store store.SyncStore
	Log   *slog.Logger
	Now   func() time.Time
}

// Run runs fn as the sync called name and records the run; fn's error is
// logged as <name>_sync_failed and returned.
func (t Tracker) Run(ctx context.Context, name string, fn func(st *store.SyncState) (int, error)) error {
	st, err := t.Store.GetSyncState(ctx, name)
	if err != nil {
		return err
	}
	started := t.Now()
	st.LastStartedAt = &started
	n, runErr := fn(&st)
	finished := t.Now()
	st.LastFinishedAt, st.Items = &finished, n
	st.LastStatus, st.LastError = "ok", ""
	if runErr != nil {
		st.LastStatus, st.LastError = "failed", runErr.Error()
		t.Log.ErrorContext(ctx, name+"_sync_failed", "error", runErr.Error())
	}
	if err := t.Store.SaveSyncState(ctx, st); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}

// SyncFeedback pulls new and edited feedback (DESIGN.md step 3): org-wide and
// incremental with the stored syncToken, a full resync when Ashby says the
// token is no longer usable, and per-application polling of open
// applications when the org-wide listing is refused.
func (s *Service) SyncFeedback(ctx context.Context) error {
	if s.ats == nil {
		return domain.ErrAshbyNotConfigured
	}
	s.log.InfoContext(ctx, "feedback_sync_started")
	return s.track.Run(ctx, SyncFeedback, func(st *store.SyncState) (int, error) {
		subs, token, err := s.ats.FeedbackSync(ctx, st.SyncToken)
		if err != nil && ashby.IsResync(err) {
			s.log.WarnContext(ctx, "feedback_sync_token_reset", "error", err.Error())
			subs, token, err = s.ats.FeedbackSync(ctx, "")
		}
		if err != nil && isPermission(err) {
			s.log.WarnContext(ctx, "feedback_sync_fallback_per_application", "error", err.Error())
			return s.pollOpenApplications(ctx)
		}
		if err != nil {
			return 0, err
		}
		n, err := s.storeFeedback(ctx, subs)
		if err != nil {
			return n, err
		}
		st.SyncToken = token
		s.log.InfoContext(ctx, "feedback_sync_completed", "submissions", len(subs), "changed", n)
		return n, nil
	})
}

// isPermission reports that the key may not list feedback org-wide.
func isPermission(err error) bool {
	var ae *ashby.APIError
	return errors.As(err, &ae) && ae.Code == ashby.CodeMissingEndpointPermission
}

func (s *Service) pollOpenApplications(ctx context.Context) (int, error) {
	apps, err := s.st.ListOpenApplications(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, id := range apps {
		subs, err := s.ats.FeedbackList(ctx, id)
		if err != nil {
			s.log.WarnContext(ctx, "feedback_sync_application_error", "application_id", id, "error", err.Error())
			errs = append(errs, err)
			continue
		}
		n, err := s.storeFeedback(ctx, subs)
		total += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// storeFeedback upserts submissions and, in the same transaction per
// application, marks that application's schedules changed and enqueues
// their evaluation: an edit is never stored without its re-evaluation.
func (s *Service) storeFeedback(ctx context.Context, subs []ashby.Feedback) (int, error) {
	byApp := map[string][]domain.Feedback{}
	var apps []string
	for _, f := range subs {
		fb, ok := feedbackFromAshby(f, s.now())
		if !ok {
			s.log.DebugContext(ctx, "feedback_skipped_incomplete", "feedback_id", f.ID)
			continue
		}
		if _, seen := byApp[fb.ApplicationID]; !seen {
			apps = append(apps, fb.ApplicationID)
		}
		byApp[fb.ApplicationID] = append(byApp[fb.ApplicationID], fb)
	}
	sort.Strings(apps)
	n := 0
	for _, app := range apps {
		err := s.st.InTx(ctx, func(tx store.Store) error {
			changed := 0
			for _, fb := range byApp[app] {
				ok, err := tx.UpsertFeedback(ctx, fb)
				if err != nil {
					return err
				}
				if ok {
					changed++
				}
			}
			if changed == 0 {
				return nil
			}
			n += changed
			at := s.now()
			ids, err := tx.TouchSchedulesByApplication(ctx, app, at)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if err := s.queue.EnqueueEvaluate(ctx, tx.SQLTx(), id, time.Time{}, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func feedbackFromAshby(f ashby.Feedback, now time.Time) (domain.Feedback, bool) {
	if f.ID == "" || f.ApplicationID == "" || f.InterviewEventID == "" || f.SubmittedByUser.ID == "" || f.SubmittedAt == nil {
		return domain.Feedback{}, false
	}
	values, err := json.Marshal(f.SubmittedValues)
	if err != nil || f.SubmittedValues == nil {
		values = []byte("{}")
	}
	return domain.Feedback{
		ID: f.ID, ApplicationID: f.ApplicationID, EventID: f.InterviewEventID, InterviewID: f.InterviewID,
		InterviewerID: f.SubmittedByUser.ID, FormID: f.FeedbackFormDefinitionID, SubmittedAt: *f.SubmittedAt,
		Values: values, CreatedAt: now, UpdatedAt: now,
	}, true
}

// SyncMetadata refreshes jobs, plans, stages, feedback forms, archive
// reasons and Ashby users. One failing part is logged and does not stop the
// others; the joined error is returned.
func (s *Service) SyncMetadata(ctx context.Context) error {
	if s.ats == nil {
		return domain.ErrAshbyNotConfigured
	}
	return errors.Join(
		s.track.Run(ctx, SyncJobs, func(*store.SyncState) (int, error) { return s.syncJobs(ctx) }),
		s.track.Run(ctx, SyncPlans, func(*store.SyncState) (int, error) { return s.syncPlans(ctx) }),
		s.track.Run(ctx, SyncForms, func(*store.SyncState) (int, error) { return s.syncForms(ctx) }),
		s.track.Run(ctx, SyncReasons, func(*store.SyncState) (int, error) { return s.syncReasons(ctx) }),
		s.track.Run(ctx, SyncUsers, func(*store.SyncState) (int, error) { return s.syncUsers(ctx) }),
	)
}

func (s *Service) syncJobs(ctx context.Context) (int, error) {
	jobs, _, err := s.ats.JobList(ctx, ashby.JobListOptions{})
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		sj := domain.Job{ID: j.ID, Title: j.Title, Status: j.Status, DepartmentID: j.DepartmentID,
			DefaultInterviewPlanID: j.DefaultInterviewPlanID, EmploymentType: j.EmploymentType, PlanIDs: j.InterviewPlanIDs}
		if sj.PlanIDs == nil {
			sj.PlanIDs = []string{}
		}
		if j.Location != nil {
			sj.LocationName = j.Location.Name
		}
		if err := s.st.UpsertJob(ctx, sj, s.now()); err != nil {
			return 0, err
		}
	}
	return len(jobs), nil
}

func (s *Service) syncPlans(ctx context.Context) (int, error) {
	plans, _, err := s.ats.InterviewPlanList(ctx, ashby.ListOptions{IncludeArchived: true})
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, p := range plans {
		if err := s.st.UpsertPlan(ctx, domain.Plan{ID: p.ID, Title: p.Title, IsArchived: p.IsArchived}, s.now()); err != nil {
			return 0, err
		}
		if p.IsArchived {
			continue
		}
		if _, err := s.catalog.RefreshStages(ctx, p.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return len(plans), errors.Join(errs...)
}

func (s *Service) syncForms(ctx context.Context) (int, error) {
	forms, _, err := s.ats.FeedbackFormList(ctx, ashby.ListOptions{IncludeArchived: true})
	if err != nil {
		return 0, err
	}
	for _, f := range forms {
		def, err := json.Marshal(f)
		if err != nil {
			return 0, fmt.Errorf("encode form %s: %w", f.ID, err)
		}
		if err := s.st.UpsertForm(ctx, domain.Form{ID: f.ID, Title: f.Title, Definition: def, IsArchived: f.IsArchived}, s.now()); err != nil {
			return 0, err
		}
	}
	return len(forms), nil
}

func (s *Service) syncReasons(ctx context.Context) (int, error) {
	reasons, err := s.ats.ArchiveReasonList(ctx, true)
	if err != nil {
		return 0, err
	}
	for _, r := range reasons {
		if err := s.st.UpsertArchiveReason(ctx, domain.ArchiveReason{ID: r.ID, Text: r.Text, ReasonType: r.ReasonType, IsArchived: r.IsArchived}, s.now()); err != nil {
			return 0, err
		}
	}
	return len(reasons), nil
}

func (s *Service) syncUsers(ctx context.Context) (int, error) {
	users, _, err := s.ats.UserList(ctx, ashby.ListOptions{})
	if err != nil {
		return 0, err
	}
	for _, u := range users {
		if err := s.st.UpsertAshbyUser(ctx, domain.AshbyUser{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName,
			Email: u.Email, GlobalRole: u.GlobalRole, IsEnabled: u.IsEnabled}, s.now()); err != nil {
			return 0, err
		}
	}
	return len(users), nil
}

// SyncInterviews refreshes interview definitions.
func (s *Service) SyncInterviews(ctx context.Context) error {
	if s.ats == nil {
		return domain.ErrAshbyNotConfigured
	}
	return s.track.Run(ctx, SyncInterviews, func(*store.SyncState) (int, error) {
		ivs, _, err := s.ats.InterviewList(ctx, ashby.ListOptions{IncludeArchived: true})
		if err != nil {
			return 0, err
		}
		for _, iv := range ivs {
			if err := s.st.UpsertInterview(ctx, catalog.InterviewFromAshby(iv), s.now()); err != nil {
				return 0, err
			}
		}
		return len(ivs), nil
	})
}

// SyncSlackUsers refreshes the Slack user directory.
func (s *Service) SyncSlackUsers(ctx context.Context) error {
	if s.slack == nil {
		return nil
	}
	return s.track.Run(ctx, SyncSlackUsers, func(*store.SyncState) (int, error) {
		users, err := s.slack.ListUsers(ctx)
		if err != nil {
			return 0, err
		}
		for _, u := range users {
			if err := s.st.UpsertSlackUser(ctx, domain.SlackUser{ID: u.ID, Email: u.Email, RealName: u.RealName,
				DisplayName: u.DisplayName, IsBot: u.IsBot, Deleted: u.Deleted}, s.now()); err != nil {
				return 0, err
			}
		}
		return len(users), nil
	})
}

// SyncForms refreshes the feedback form definitions only.
func (s *Service) SyncForms(ctx context.Context) error {
	if s.ats == nil {
		return domain.ErrAshbyNotConfigured
	}
	return s.track.Run(ctx, SyncForms, func(*store.SyncState) (int, error) { return s.syncForms(ctx) })
}

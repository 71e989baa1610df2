package ashby

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ListOptions are the common filters of sync-capable list methods.
type ListOptions struct {
	// SyncToken, when set, asks only for records changed since the token was
	// issued (incremental sync). An expired token fails with IsResync.
	SyncToken string
	// IncludeArchived includes archived records (plans, forms, interviews,
	// archive reasons) or deactivated users (user.list).
	IncludeArchived bool
}

// listAll pages through method until moreDataAvailable is false and returns
// every item plus the final syncToken.
func listAll[T any](ctx context.Context, c *Client, method string, params map[string]any) ([]T, string, error) {
	if params == nil {
		params = map[string]any{}
	}
	params["limit"] = c.pageSize
	var out []T
	for page := 1; ; page++ {
		env, err := c.call(ctx, method, params, nil)
		if err != nil {
			return nil, "", fmt.Errorf("list %s page %d: %w", method, page, err)
		}
		var items []T
		if len(env.Results) > 0 {
			if err := decodeResults(method, env.Results, &items); err != nil {
				return nil, "", err
			}
		}
		out = append(out, items...)
		if !env.MoreDataAvailable {
			return out, env.SyncToken, nil
		}
		if env.NextCursor == "" {
			return nil, "", fmt.Errorf("list %s page %d: moreDataAvailable without nextCursor", method, page)
		}
		params["cursor"] = env.NextCursor
	}
}

func syncParams(opts ListOptions, archivedKey string) map[string]any {
	p := map[string]any{}
	if opts.SyncToken != "" {
		p["syncToken"] = opts.SyncToken
	}
	if opts.IncludeArchived && archivedKey != "" {
		p[archivedKey] = true
	}
	return p
}

// InterviewStageInfo calls interviewStage.info.
func (c *Client) InterviewStageInfo(ctx context.Context, stageID string) (InterviewStage, error) {
	var s InterviewStage
	_, err := c.call(ctx, "interviewStage.info", map[string]any{"interviewStageId": stageID}, &s)
	return s, err
}

// InterviewStageList calls interviewStage.list for a plan and returns its
// stages sorted by OrderInInterviewPlan. The method is not paginated.
func (c *Client) InterviewStageList(ctx context.Context, planID string) ([]InterviewStage, error) {
	var stages []InterviewStage
	if _, err := c.call(ctx, "interviewStage.list", map[string]any{"interviewPlanId": planID}, &stages); err != nil {
		return nil, err
	}
	SortStages(stages)
	return stages, nil
}

// InterviewPlanList calls interviewPlan.list (published plans only) and
// returns all plans and the new sync token.
func (c *Client) InterviewPlanList(ctx context.Context, opts ListOptions) ([]InterviewPlan, string, error) {
	return listAll[InterviewPlan](ctx, c, "interviewPlan.list", syncParams(opts, "includeArchived"))
}

// JobInfo calls job.info.
func (c *Client) JobInfo(ctx context.Context, jobID string) (Job, error) {
	var j Job
	_, err := c.call(ctx, "job.info", map[string]any{"id": jobID}, &j)
	return j, err
}

// JobListOptions filters job.list.
type JobListOptions struct {
	ListOptions
	// Status restricts the job statuses (Draft, Open, Closed, Archived);
	// empty means Ashby's default (everything but drafts).
	Status []string
}

// JobList calls job.list and returns all jobs and the new sync token.
func (c *Client) JobList(ctx context.Context, opts JobListOptions) ([]Job, string, error) {
	p := syncParams(opts.ListOptions, "")
	if len(opts.Status) > 0 {
		p["status"] = opts.Status
	}
	return listAll[Job](ctx, c, "job.list", p)
}

// ApplicationInfo calls application.info.
func (c *Client) ApplicationInfo(ctx context.Context, applicationID string) (Application, error) {
	var a Application
	_, err := c.call(ctx, "application.info", map[string]any{"applicationId": applicationID}, &a)
	return a, err
}

// ArchiveEmail asks Ashby to send a rejection email when archiving.
type ArchiveEmail struct {
	CommunicationTemplateID string `json:"communicationTemplateId"`
	// SendAt is when to send; zero means Ashby's default (next morning 9:32
	// in the org's timezone). Pass now to send immediately.
	SendAt time.Time `json:"-"`
}

// MarshalJSON encodes sendAt as ISO-8601 UTC and omits it when zero.
func (e ArchiveEmail) MarshalJSON() ([]byte, error) {
	v := map[string]string{"communicationTemplateId": e.CommunicationTemplateID}
	if !e.SendAt.IsZero() {
		v["sendAt"] = e.SendAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return json.Marshal(v)
}

// ChangeStageRequest is the body of application.changeStage.
type ChangeStageRequest struct {
	ApplicationID    string `json:"applicationId"`
	InterviewStageID string `json:"interviewStageId"`
	// ArchiveReasonID is required when InterviewStageID is the plan's
	// Archived-type stage and refused otherwise.
	ArchiveReasonID string `json:"archiveReasonId,omitempty"`
	// ArchiveEmail is only allowed when archiving.
	ArchiveEmail *ArchiveEmail `json:"archiveEmail,omitempty"`
}

// ChangeStage calls application.changeStage exactly once. It is never
// retried: on failure the caller must re-read the application (IsUncertain
// tells whether the move may have happened anyway).
func (c *Client) ChangeStage(ctx context.Context, req ChangeStageRequest) (Application, error) {
	const method = "application.changeStage"
	env, err := c.do(ctx, method, req, false)
	if err != nil {
		return Application{}, err
	}
	var a Application
	if err := decodeResults(method, env.Results, &a); err != nil {
		return Application{}, err
	}
	return a, nil
}

// AdvanceApplication moves an application to stageID (no retries; see
// ChangeStage).
func (c *Client) AdvanceApplication(ctx context.Context, applicationID, stageID string) (Application, error) {
	return c.ChangeStage(ctx, ChangeStageRequest{ApplicationID: applicationID, InterviewStageID: stageID})
}

// ArchiveApplication archives an application: it reads the application,
// lists its plan's stages, and moves it to the Archived-type stage with
// reasonID (and email when non-nil). The reads are retried; the write is not.
func (c *Client) ArchiveApplication(ctx context.Context, applicationID, reasonID string, email *ArchiveEmail) (Application, error) {
	app, err := c.ApplicationInfo(ctx, applicationID)
	if err != nil {
		return Application{}, fmt.Errorf("archive application %s: %w", applicationID, err)
	}
	stages, err := c.InterviewStageList(ctx, app.PlanID())
	if err != nil {
		return Application{}, fmt.Errorf("archive application %s: %w", applicationID, err)
	}
	archived, ok := ArchivedStage(stages)
	if !ok {
		return Application{}, fmt.Errorf("archive application %s: plan %s has no Archived stage", applicationID, app.PlanID())
	}
	return c.ChangeStage(ctx, ChangeStageRequest{
		ApplicationID:    applicationID,
		InterviewStageID: archived.ID,
		ArchiveReasonID:  reasonID,
		ArchiveEmail:     email,
	})
}

// FeedbackList calls applicationFeedback.list for one application and returns
// all its submissions.
func (c *Client) FeedbackList(ctx context.Context, applicationID string) ([]Feedback, error) {
	items, _, err := listAll[Feedback](ctx, c, "applicationFeedback.list", map[string]any{"applicationId": applicationID})
	return items, err
}

// FeedbackSync calls applicationFeedback.list org-wide. With an empty
// syncToken it returns every submission; otherwise only those submitted or
// edited since the token. It returns the token to store for next time. On
// IsResync(err) drop the token and call again with "".
func (c *Client) FeedbackSync(ctx context.Context, syncToken string) ([]Feedback, string, error) {
	return listAll[Feedback](ctx, c, "applicationFeedback.list", syncParams(ListOptions{SyncToken: syncToken}, ""))
}

// FeedbackFormList calls feedbackFormDefinition.list.
func (c *Client) FeedbackFormList(ctx context.Context, opts ListOptions) ([]FeedbackForm, string, error) {
	return listAll[FeedbackForm](ctx, c, "feedbackFormDefinition.list", syncParams(opts, "includeArchived"))
}

// FeedbackFormInfo calls feedbackFormDefinition.info.
func (c *Client) FeedbackFormInfo(ctx context.Context, formID string) (FeedbackForm, error) {
	var f FeedbackForm
	_, err := c.call(ctx, "feedbackFormDefinition.info", map[string]any{"feedbackFormDefinitionId": formID}, &f)
	return f, err
}

// InterviewInfo calls interview.info.
func (c *Client) InterviewInfo(ctx context.Context, interviewID string) (Interview, error) {
	var i Interview
	_, err := c.call(ctx, "interview.info", map[string]any{"id": interviewID}, &i)
	return i, err
}

// InterviewList calls interview.list. It always sets
// includeNonSharedInterviews, so job-specific interviews are included.
func (c *Client) InterviewList(ctx context.Context, opts ListOptions) ([]Interview, string, error) {
	p := syncParams(opts, "includeArchived")
	p["includeNonSharedInterviews"] = true
	return listAll[Interview](ctx, c, "interview.list", p)
}

// UserList calls user.list; IncludeArchived maps to includeDeactivated.
func (c *Client) UserList(ctx context.Context, opts ListOptions) ([]User, string, error) {
	return listAll[User](ctx, c, "user.list", syncParams(opts, "includeDeactivated"))
}

// ArchiveReasonList calls archiveReason.list (not paginated).
func (c *Client) ArchiveReasonList(ctx context.Context, includeArchived bool) ([]ArchiveReason, error) {
	p := map[string]any{}
	if includeArchived {
		p["includeArchived"] = true
	}
	var out []ArchiveReason
	if _, err := c.call(ctx, "archiveReason.list", p, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// CandidateInfo calls candidate.info.
func (c *Client) CandidateInfo(ctx context.Context, candidateID string) (Candidate, error) {
	var cand Candidate
	_, err := c.call(ctx, "candidate.info", map[string]any{"id": candidateID}, &cand)
	return cand, err
}

// CommunicationTemplateList calls communicationTemplate.list (not paginated;
// enabled templates only).
func (c *Client) CommunicationTemplateList(ctx context.Context) ([]CommunicationTemplate, error) {
	var out []CommunicationTemplate
	if _, err := c.call(ctx, "communicationTemplate.list", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

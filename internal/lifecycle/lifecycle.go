// Package lifecycle follows a candidate's life in Ashby beyond interview
// schedules: stage changes and hires (the stage history backtests read, and
// the retirement of rejection notices for candidates moved by hand),
// erasure (candidateDelete, or a request that arrives outside Ashby) and
// merges of duplicate candidates.
//
// Erasure deletes or scrubs every row and stored payload that identifies
// the candidate, in one transaction, after editing the Slack messages that
// named them; it keeps what counts need without identity (each decision's
// outcome, mode, rule and time), so stats and rule agreement figures do not
// change. It is idempotent: a second erasure finds nothing.
package lifecycle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Rejections retires the rejection notices of an application moved out of
// their stage (implemented by *advance.Service).
type Rejections interface {
	RetireMoved(ctx context.Context, applicationID, nowStageID, nowStageTitle string)
}

// Messages edits Slack messages that named an erased candidate
// (implemented by *notify.Service).
type Messages interface {
	EraseMessages(ctx context.Context, msgs []store.PostedMessage) error
}

// Candidates reads a candidate's name from Ashby (implemented by
// *ashby.Client); nil keeps the cached names.
type Candidates interface {
	CandidateInfo(ctx context.Context, candidateID string) (ashby.Candidate, error)
}

// Options configures a Service.
type Options struct {
	Store      store.Store
	Rejections Rejections
	Messages   Messages
	Candidates Candidates
	Logger     *slog.Logger
	Now        func() time.Time
}

// Service implements the lifecycle use cases.
type Service struct {
	opts Options
	st   store.Store
	log  *slog.Logger
	now  func() time.Time
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{opts: opts, st: opts.Store, log: opts.Logger.With("component", "lifecycle"), now: opts.Now}
}

// Moved says what a stage change did, for the delivery's Activity line.
type Moved struct {
	StageTitle string
	Status     string
	// Recorded is true when the stage history gained the visit.
	Recorded bool
}

// Note is the delivery's Activity line: where the candidate went (stage
// titles only, never the candidate's name).
func (m Moved) Note() string {
	if m.StageTitle == "" {
		return "application " + strings.ToLower(m.Status)
	}
	if m.Status != "" && m.Status != ashby.ApplicationStatusActive {
		return fmt.Sprintf("moved to %s (%s)", m.StageTitle, strings.ToLower(m.Status))
	}
	return "moved to " + m.StageTitle
}

// ApplicationChanged applies a candidateStageChange, applicationUpdate or
// candidateHire: the application cache takes the new stage and status, the
// stage history gains the visit (so backtests need no backfill), and
// rejections of the stage the candidate left are retired (their Slack
// notices lose their buttons; a scheduled archive does not run). at is when
// Ashby changed the application (its updatedAt), else when the webhook came.
func (s *Service) ApplicationChanged(ctx context.Context, app ashby.Application, at time.Time) (Moved, error) {
	if !app.UpdatedAt.IsZero() {
		at = app.UpdatedAt
	}
	at = at.UTC()
	stageID := app.StageID()
	m := Moved{Status: app.Status}
	if app.CurrentInterviewStage != nil {
		m.StageTitle = app.CurrentInterviewStage.Title
	}
	if m.StageTitle == "" && stageID != "" {
		if st, err := s.st.GetStage(ctx, stageID); err == nil {
			m.StageTitle = st.Title
		}
	}
	prev, err := s.st.GetApplication(ctx, app.ID)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return m, err
	}
	if prev.UpdatedAt.After(at) && prev.CurrentStageID != "" {
		// An older state arriving late: the cache keeps the newer one.
		s.log.InfoContext(ctx, "application_change_superseded", "application_id", app.ID)
	} else {
		cached := domain.Application{ID: app.ID, CandidateID: app.Candidate.ID, JobID: app.Job.ID, CurrentStageID: stageID,
			Status: app.Status, CandidateName: app.Candidate.Name, RecruiterEmail: prev.RecruiterEmail, UpdatedAt: at}
		if r, ok := app.Recruiter(); ok {
			cached.RecruiterEmail = r.Email
		}
		if cached.JobID == "" {
			cached.JobID = prev.JobID
		}
		if err := s.st.UpsertApplication(ctx, cached); err != nil {
			return m, err
		}
	}
	if stageID == "" {
		return m, nil
	}
	change := store.StageChange{ApplicationID: app.ID, StageID: stageID, StageTitle: m.StageTitle, At: at,
		PreviousStageID: prev.CurrentStageID}
	if change.PreviousStageID == "" || change.PreviousStageID == stageID {
		change.PreviousStageID, change.PreviousEnteredAt = s.stageBefore(ctx, app.ID, stageID)
	}
	if m.Recorded, err = s.st.RecordStageChange(ctx, change); err != nil {
		return m, err
	}
	s.log.InfoContext(ctx, "application_stage_changed", "application_id", app.ID, "stage_id", stageID,
		"status", app.Status, "recorded", m.Recorded)
	if s.opts.Rejections != nil {
		s.opts.Rejections.RetireMoved(ctx, app.ID, stageID, m.StageTitle)
	}
	return m, nil
}

// stageBefore guesses the stage an application was in before aaa heard of
// a change when the cache does not know it, from its newest decision in
// another stage: the visit that backtests judge.
func (s *Service) stageBefore(ctx context.Context, applicationID, now string) (string, time.Time) {
	list, err := s.st.ListExecutions(ctx, store.ExecutionFilter{ApplicationID: applicationID, Limit: 1})
	if err == nil && len(list) > 0 && list[0].FromStageID != "" && list[0].FromStageID != now {
		return list[0].FromStageID, time.Time{}
	}
	return "", time.Time{}
}

// Erase deletes or scrubs everything aaa holds that identifies a candidate
// (see the package comment). via says where the request came from
// ("ashby" for candidateDelete, "api:<token>", "cli:<actor>"); the log line
// names neither the candidate nor their data, only a one-way reference.
func (s *Service) Erase(ctx context.Context, candidateID, via string) (store.Erasure, error) {
	candidateID = strings.TrimSpace(candidateID)
	if candidateID == "" {
		return store.Erasure{}, fmt.Errorf("erase: a candidate id is required: %w", domain.ErrInvalid)
	}
	apps, err := s.st.CandidateApplications(ctx, candidateID)
	if err != nil {
		return store.Erasure{}, err
	}
	var names []string
	for _, id := range apps {
		if a, err := s.st.GetApplication(ctx, id); err == nil && a.CandidateName != "" {
			names = append(names, a.CandidateName)
		}
	}
	msgs, err := s.st.CandidateMessages(ctx, apps, names)
	if err != nil {
		return store.Erasure{}, err
	}
	// Slack first: its messages are found through the rows the erasure
	// scrubs. A transient failure leaves everything for the retry.
	if s.opts.Messages != nil && len(msgs) > 0 {
		if err := s.opts.Messages.EraseMessages(ctx, msgs); err != nil {
			return store.Erasure{}, fmt.Errorf("erase: edit Slack messages: %w", err)
		}
	}
	res, err := s.st.EraseCandidate(ctx, candidateID, s.now())
	if err != nil {
		return store.Erasure{}, err
	}
	s.log.InfoContext(ctx, "candidate_erased", "reference", Reference(candidateID), "via", via,
		"applications", res.Applications, "schedules", res.Schedules, "feedback", res.Feedback,
		"notifications", res.Notifications, "reminders", res.Reminders, "deliveries", res.Deliveries,
		"visits", res.Visits, "decisions", res.Decisions, "reviews", res.Reviews, "slack_messages", len(msgs))
	return res, nil
}

// Reference is a one-way reference to a candidate id for logs: the same id
// gives the same reference, and the reference does not give the id back.
func Reference(candidateID string) string {
	sum := sha256.Sum256([]byte("aaa-erasure:" + candidateID))
	return hex.EncodeToString(sum[:8])
}

// Merge moves the rows of a candidate merged away in Ashby (deletedID) to
// the one that remains (mergedID), with that candidate's name. It is
// idempotent.
func (s *Service) Merge(ctx context.Context, deletedID, mergedID string) (int, error) {
	if deletedID == "" || mergedID == "" || deletedID == mergedID {
		return 0, fmt.Errorf("merge: two different candidate ids are required: %w", domain.ErrInvalid)
	}
	name := ""
	if s.opts.Candidates != nil {
		// Best effort: without the name, the rows move and keep theirs.
		if c, err := s.opts.Candidates.CandidateInfo(ctx, mergedID); err == nil {
			name = c.Name
		} else {
			s.log.WarnContext(ctx, "merged_candidate_unread", "merged_candidate_id", mergedID, "error", err.Error())
		}
	}
	n, err := s.st.MergeCandidates(ctx, deletedID, mergedID, name)
	if err != nil {
		return 0, err
	}
	s.log.InfoContext(ctx, "candidates_merged", "deleted_candidate_id", deletedID, "merged_candidate_id", mergedID, "rows", n)
	return n, nil
}

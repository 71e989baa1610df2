package syncer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// SyncHistoryName names the history backfill in sync_state and
// history_backfill.
const SyncHistoryName = "history"

// historyBatch is how many applications are listed from the store at once;
// flushEvery how many applications' histories are written per transaction.
const (
	historyBatch = 200
	flushEvery   = 20
)

// HistoryATS is the part of Ashby's API the history backfill uses
// (implemented by *ashby.Client).
type HistoryATS interface {
	ApplicationListHistory(ctx context.Context, applicationID string) ([]ashby.ApplicationHistory, error)
	FeedbackListPage(ctx context.Context, createdAfter time.Time, cursor string) (ashby.FeedbackPage, error)
}

// HistoryResult sums up one SyncHistory run (the run that completed the
// backfill, counting what earlier interrupted runs stored too).
type HistoryResult struct {
	// Resumed is true when the run continued an interrupted backfill.
	Resumed      bool      `json:"resumed"`
	Since        time.Time `json:"since"`
	Applications int       `json:"applications"`
	Visits       int       `json:"visits"`
	Feedback     int       `json:"feedback"`
}

func (s *Service) historyDeps() (HistoryATS, store.HistoryStore, error) {
	if s.ats == nil {
		return nil, nil, domain.ErrAshbyNotConfigured
	}
	return s.ats, s.st, nil
}

// SyncHistory backfills the stage history of every application with a
// schedule aaa knows created or updated since `since`
// (application.listHistory, one application at a time through the client's
// rate limiter and retries), then the feedback submitted since then
// (org-wide applicationFeedback.list with createdAfter, page by page).
// Progress is stored after each application and each page, so a run cut
// short (cancelled, or failing after the client gave up retrying) resumes
// where it stopped; re-fetched rows update, never duplicate. A resumed run
// keeps the earlier of the two since times. Stored feedback does not
// trigger evaluations: the backfill is for backtests and never acts.
func (s *Service) SyncHistory(ctx context.Context, since time.Time) (HistoryResult, error) {
	ha, hs, err := s.historyDeps()
	if err != nil {
		return HistoryResult{}, err
	}
	var res HistoryResult
	err = s.track.Run(ctx, SyncHistoryName, func(_ *store.SyncState) (int, error) {
		var n int
		res, n, err = s.syncHistory(ctx, ha, hs, since)
		return n, err
	})
	return res, err
}

func (s *Service) syncHistory(ctx context.Context, ha HistoryATS, hs store.HistoryStore, since time.Time) (HistoryResult, int, error) {
	now := s.now()
	prog, err := hs.GetHistoryProgress(ctx, SyncHistoryName)
	switch {
	case err == nil && prog.FinishedAt == nil:
		if since.Before(prog.Since) {
			prog.Since = since.UTC()
		}
	case err == nil || errors.Is(err, domain.ErrNotFound):
		prog = store.HistoryProgress{Name: SyncHistoryName, Since: since.UTC(), StartedAt: now}
	default:
		return HistoryResult{}, 0, err
	}
	res := HistoryResult{Resumed: prog.Applications > 0 || prog.FeedbackCursor != "" || prog.FeedbackDone, Since: prog.Since}
	log := s.log.With("since", prog.Since)
	log.InfoContext(ctx, "history_sync_started", "resumed", res.Resumed, "after_application", prog.AfterApplication)
	save := func() error {
		prog.UpdatedAt = s.now()
		// Save even when ctx was cancelled: that is when the progress matters.
		return hs.SaveHistoryProgress(context.WithoutCancel(ctx), prog)
	}
	fail := func(err error) (HistoryResult, int, error) {
		res.Applications, res.Visits, res.Feedback = prog.Applications, prog.Visits, prog.Feedback
		return res, prog.Visits + prog.Feedback, errors.Join(err, save())
	}
	if err := save(); err != nil {
		return res, 0, err
	}

	// Histories are written, with the progress, one transaction per
	// flushEvery applications: an interruption re-fetches at most that many.
	var pending []domain.StageVisit
	var pendingApps int
	lastApp := prog.AfterApplication
	flush := func() error {
		if pendingApps == 0 {
			return nil
		}
		next := prog
		next.AfterApplication, next.Applications, next.Visits = lastApp, prog.Applications+pendingApps, prog.Visits+len(pending)
		next.UpdatedAt = s.now()
		// Written even when ctx was cancelled: what was fetched is kept.
		wctx := context.WithoutCancel(ctx)
		err := s.st.InTx(wctx, func(tx store.Store) error {
			if err := tx.UpsertStageHistory(wctx, pending, s.now()); err != nil {
				return err
			}
			return tx.SaveHistoryProgress(wctx, next)
		})
		if err != nil {
			return err
		}
		prog, pending, pendingApps = next, pending[:0], 0
		return nil
	}
	failFlush := func(err error) (HistoryResult, int, error) {
		return fail(errors.Join(err, flush()))
	}
	for {
		apps, err := hs.ListHistoryApplications(ctx, prog.Since, lastApp, historyBatch)
		if err != nil {
			return failFlush(err)
		}
		if len(apps) == 0 {
			break
		}
		for _, app := range apps {
			if err := ctx.Err(); err != nil {
				return failFlush(err)
			}
			items, err := ha.ApplicationListHistory(ctx, app)
			switch {
			case ashby.IsNotFound(err):
				log.WarnContext(ctx, "history_application_not_found", "application_id", app)
			case err != nil:
				return failFlush(err)
			default:
				pending = append(pending, visitsFromAshby(app, items)...)
			}
			lastApp = app
			if pendingApps++; pendingApps >= flushEvery {
				if err := flush(); err != nil {
					return fail(err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return fail(err)
	}

	restarts := 0
	for !prog.FeedbackDone {
		page, err := ha.FeedbackListPage(ctx, prog.Since, prog.FeedbackCursor)
		if err != nil && ashby.IsCursorExpired(err) && restarts < 3 {
			// Upserts are idempotent: restarting the listing only re-reads.
			restarts++
			log.WarnContext(ctx, "history_feedback_cursor_reset", "error", err.Error())
			prog.FeedbackCursor = ""
			continue
		}
		if err != nil {
			return fail(err)
		}
		next := prog
		next.FeedbackCursor = page.NextCursor
		if !page.More {
			next.FeedbackDone, next.FeedbackCursor = true, ""
		}
		// One transaction per page: its feedback and the cursor after it.
		err = s.st.InTx(ctx, func(tx store.Store) error {
			for _, f := range page.Items {
				fb, ok := feedbackFromAshby(f, s.now())
				if !ok {
					continue
				}
				if _, err := tx.UpsertFeedback(ctx, fb); err != nil {
					return err
				}
				next.Feedback++
			}
			next.UpdatedAt = s.now()
			return tx.SaveHistoryProgress(ctx, next)
		})
		if err != nil {
			return fail(err)
		}
		prog = next
	}
	finished := s.now()
	prog.FinishedAt = &finished
	if err := save(); err != nil {
		return fail(err)
	}
	res.Applications, res.Visits, res.Feedback = prog.Applications, prog.Visits, prog.Feedback
	log.InfoContext(ctx, "history_sync_completed", "applications", res.Applications, "visits", res.Visits, "feedback", res.Feedback)
	return res, res.Visits + res.Feedback, nil
}

func visitsFromAshby(applicationID string, items []ashby.ApplicationHistory) []domain.StageVisit {
	out := make([]domain.StageVisit, 0, len(items))
	for _, h := range items {
		if h.StageID == "" || h.EnteredStageAt.IsZero() {
			continue
		}
		out = append(out, domain.StageVisit{
			ApplicationID: applicationID, StageID: h.StageID, Title: h.Title, EnteredAt: h.EnteredStageAt,
			LeftAt: h.LeftStageAt, HistoryID: h.ID, StageNumber: h.StageNumber, ActorID: h.ActorID, Source: "api",
		})
	}
	return out
}

// String describes a result for the command line.
func (r HistoryResult) String() string {
	verb := "stored"
	if r.Resumed {
		verb = "stored (resumed)"
	}
	return fmt.Sprintf("history since %s %s: %d applications, %d stage visits, %d feedback submissions",
		r.Since.UTC().Format("2006-01-02"), verb, r.Applications, r.Visits, r.Feedback)
}

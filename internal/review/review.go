// Package review records dry-run reviews: a person's verdict (agree or
// disagree, with an optional note) on a decision a shadow rule made. It is
// the only writer of shadow_reviews; the dashboard (and any API route that
// saves reviews) calls Save.
//
// Save checks the verdict, the reviewer and the note, then in one
// transaction reads the decision, refuses one that is not a shadow decision
// and stores the review under the decision's own rule. A second review of
// the same decision replaces the first.
package review

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Limits of a review's free text.
const (
	MaxReviewer = 100
	MaxNote     = 2000
)

// Store is what reviews need: a transaction over the decisions and reviews
// (implemented by *store.DB).
type Store interface {
	InTx(ctx context.Context, fn func(tx store.Store) error) error
}

// Options configures a Service.
type Options struct {
	Store Store
	// Logger is the base logger; the service adds component=review.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service saves reviews.
type Service struct {
	st  Store
	log *slog.Logger
	now func() time.Time
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{st: opts.Store, log: opts.Logger.With("component", "review"), now: opts.Now}
}

// Input is one review to save.
type Input struct {
	ExecutionID string
	// Verdict is domain.VerdictAgree or domain.VerdictDisagree.
	Verdict  string
	Note     string
	Reviewer string
}

// Save validates in and stores it as the review of its decision. Bad input
// or a decision that is not a shadow one is domain.ErrInvalid; an unknown
// decision is domain.ErrNotFound.
func (s *Service) Save(ctx context.Context, in Input) (domain.Review, error) {
	r := domain.Review{ExecutionID: strings.TrimSpace(in.ExecutionID), Verdict: strings.TrimSpace(in.Verdict),
		Note: strings.TrimSpace(in.Note), Reviewer: strings.TrimSpace(in.Reviewer), CreatedAt: s.now().UTC()}
	switch {
	case r.ExecutionID == "":
		return domain.Review{}, fmt.Errorf("a review needs the decision it is about: %w", domain.ErrInvalid)
	case r.Verdict != domain.VerdictAgree && r.Verdict != domain.VerdictDisagree:
		return domain.Review{}, fmt.Errorf("verdict %q: want %s or %s: %w", in.Verdict, domain.VerdictAgree, domain.VerdictDisagree, domain.ErrInvalid)
	case r.Reviewer == "":
		return domain.Review{}, fmt.Errorf("a review needs a reviewer: %w", domain.ErrInvalid)
	case utf8.RuneCountInString(r.Reviewer) > MaxReviewer:
		return domain.Review{}, fmt.Errorf("reviewer: at most %d characters: %w", MaxReviewer, domain.ErrInvalid)
	case utf8.RuneCountInString(r.Note) > MaxNote:
		return domain.Review{}, fmt.Errorf("note: at most %d characters: %w", MaxNote, domain.ErrInvalid)
	case !utf8.ValidString(r.Note) || strings.ContainsRune(r.Note, 0) || !utf8.ValidString(r.Reviewer) || strings.ContainsRune(r.Reviewer, 0):
		return domain.Review{}, fmt.Errorf("reviewer and note must be text: %w", domain.ErrInvalid)
	}
	err := s.st.InTx(ctx, func(tx store.Store) error {
		e, err := tx.GetExecution(ctx, r.ExecutionID)
		if err != nil {
			return fmt.Errorf("decision %s: %w", r.ExecutionID, err)
		}
		if e.Mode != domain.ModeShadow {
			return fmt.Errorf("decision %s was made in %s mode: only shadow (dry-run) decisions are reviewed: %w", e.ID, e.Mode, domain.ErrInvalid)
		}
		// The rule is the decision's own, never the caller's say.
		r.ID, r.RuleID = store.NewID(), e.RuleID
		return tx.SaveReview(ctx, r)
	})
	if err != nil {
		return domain.Review{}, err
	}
	s.log.InfoContext(ctx, "review_saved", "execution_id", r.ExecutionID, "rule_id", r.RuleID, "verdict", r.Verdict, "reviewer", r.Reviewer)
	return r, nil
}

// Override records, in tx, a person's override of a live decision (a
// recruiter who kept a rejected candidate in process) as a disagreeing
// review of it: it counts in the rule's agreement figures like a dry-run
// review does. It replaces an earlier review of the same decision.
func Override(ctx context.Context, tx store.Store, e domain.Execution, by, note string, at time.Time) error {
	if by == "" {
		by = "unknown"
	}
	if utf8.RuneCountInString(by) > MaxReviewer {
		by = string([]rune(by)[:MaxReviewer])
	}
	return tx.SaveReview(ctx, domain.Review{ID: store.NewID(), ExecutionID: e.ID, RuleID: e.RuleID,
		Verdict: domain.VerdictDisagree, Note: note, Reviewer: by, CreatedAt: at.UTC()})
}

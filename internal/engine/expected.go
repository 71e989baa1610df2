package engine

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// Owed is one expected piece of feedback: an interviewer who owes feedback
// for an interview of the schedule, and whether it has arrived.
//
// There is one Owed per (InterviewID, interviewer id): someone on two events
// of the same interview owes it once. EventID and EventEnd name the event of
// the counted submission when Submitted, else the latest-ending event of that
// interview the interviewer is assigned to.
type Owed struct {
	EventID     string
	InterviewID string
	EventEnd    time.Time
	// Interviewer is the assignment that makes the feedback owed.
	Interviewer domain.Assignment
	// Submitted reports whether a counted submission exists; SubmittedAt and
	// FeedbackID describe the newest one.
	Submitted   bool
	SubmittedAt time.Time
	FeedbackID  string
}

// seat is an Owed with the counted submission's values, for the engine.
type seat struct {
	Owed
	values json.RawMessage
	fb     *domain.Feedback
}

// Expected returns the feedback the schedule's events call for and which of
// it has arrived, sorted by EventEnd, then InterviewID, then interviewer id.
// It is the single definition of "expected feedback" shared by Evaluate, the
// reminder job and the dashboard; see the package documentation for the
// rules. feedback may hold other schedules' submissions: only those whose
// EventID is an event of s count.
func Expected(s domain.Schedule, feedback []domain.Feedback) []Owed {
	seats := expectedSeats(s, feedback)
	out := make([]Owed, len(seats))
	for i, st := range seats {
		out[i] = st.Owed
	}
	return out
}

type seatKey struct{ interview, interviewer string }

func expectedSeats(s domain.Schedule, feedback []domain.Feedback) []seat {
	events := sortedEvents(s.Events)
	// The first event in sorted order wins a duplicated id, so the mapping
	// does not depend on input order.
	byID := make(map[string]domain.Event, len(events))
	seats := make(map[seatKey]*seat)
	for _, e := range events {
		if _, dup := byID[e.ID]; !dup {
			byID[e.ID] = e
		}
		for _, a := range e.Interviewers {
			if !a.OwesFeedback() {
				continue
			}
			k := seatKey{e.InterviewID, a.InterviewerID}
			cand := seat{Owed: Owed{EventID: e.ID, InterviewID: e.InterviewID, EventEnd: e.EndTime, Interviewer: a}}
			if cur := seats[k]; cur == nil || betterAssignment(cand.Owed, cur.Owed) {
				seats[k] = &cand
			}
		}
	}
	for i := range feedback {
		f := &feedback[i]
		if f.InterviewerID == "" {
			continue
		}
		e, ok := byID[f.EventID]
		if !ok {
			continue
		}
		st := seats[seatKey{e.InterviewID, f.InterviewerID}]
		if st == nil {
			// Not expected: does not fill anyone's seat.
			continue
		}
		if st.fb != nil && !newerFeedback(f, st.fb) {
			continue
		}
		st.fb = f
		st.values = f.Values
		st.Submitted = true
		st.SubmittedAt = f.SubmittedAt
		st.FeedbackID = f.ID
		st.EventID = e.ID
		st.EventEnd = e.EndTime
	}
	out := make([]seat, 0, len(seats))
	for _, st := range seats {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b seat) int {
		return cmp.Or(
			a.EventEnd.Compare(b.EventEnd),
			strings.Compare(a.InterviewID, b.InterviewID),
			strings.Compare(a.Interviewer.InterviewerID, b.Interviewer.InterviewerID),
		)
	})
	return out
}

// sortedEvents returns a copy of events in a canonical order.
func sortedEvents(events []domain.Event) []domain.Event {
	out := slices.Clone(events)
	slices.SortFunc(out, func(a, b domain.Event) int {
		return cmp.Or(
			strings.Compare(a.ID, b.ID),
			strings.Compare(a.InterviewID, b.InterviewID),
			a.EndTime.Compare(b.EndTime),
			a.StartTime.Compare(b.StartTime),
		)
	})
	return out
}

// betterAssignment prefers the latest-ending event for an unsubmitted seat,
// then a total order on the assignment so duplicates resolve the same way
// whatever their order.
func betterAssignment(a, b Owed) bool {
	return cmp.Or(
		a.EventEnd.Compare(b.EventEnd),
		strings.Compare(a.EventID, b.EventID),
		strings.Compare(a.Interviewer.TrainingRole, b.Interviewer.TrainingRole),
		strings.Compare(a.Interviewer.Email, b.Interviewer.Email),
		strings.Compare(a.Interviewer.FirstName, b.Interviewer.FirstName),
		strings.Compare(a.Interviewer.LastName, b.Interviewer.LastName),
		strings.Compare(a.Interviewer.GlobalRole, b.Interviewer.GlobalRole),
		strings.Compare(a.Interviewer.PoolID, b.Interviewer.PoolID),
		strings.Compare(a.Interviewer.PoolTitle, b.Interviewer.PoolTitle),
		strings.Compare(a.Interviewer.EventID, b.Interviewer.EventID),
		boolCompare(a.Interviewer.IsEnabled, b.Interviewer.IsEnabled),
	) > 0
}

// newerFeedback reports whether a is a newer submission than b; the order is
// total over the fields the engine reads.
func newerFeedback(a, b *domain.Feedback) bool {
	return cmp.Or(
		a.SubmittedAt.Compare(b.SubmittedAt),
		a.UpdatedAt.Compare(b.UpdatedAt),
		strings.Compare(a.ID, b.ID),
		strings.Compare(a.EventID, b.EventID),
		bytes.Compare(a.Values, b.Values),
	) > 0
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

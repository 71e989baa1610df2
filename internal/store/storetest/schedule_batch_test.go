package storetest_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestUpsertSchedulesEqualsOneByOne: writing schedules in one batch
// (UpsertSchedules) leaves the store exactly as writing them one after the
// other with UpsertSchedule: the same stale ones refused, the same rows,
// events replaced (one dropped, one moved to another schedule, one new) and
// assignments replaced. Batch and sequence run side by side on the same
// database under two id prefixes and are compared.
func TestUpsertSchedulesEqualsOneByOne(t *testing.T) {
	t.Parallel()
	// stored states, then the incoming ones (p is the id prefix).
	stored := func(p string) []domain.Schedule {
		newer := sched(p+"s1", p+"a1", t0)
		newer.SourceUpdatedAt = t0.Add(time.Hour)
		older := sched(p+"s2", p+"a2", t0)
		older.SourceUpdatedAt = t0
		older.Events = append(older.Events, domain.Event{ID: p + "ev-dropped", InterviewID: "iv-2",
			Interviewers: []domain.Assignment{{InterviewerID: "u9", FirstName: "Old"}}})
		return []domain.Schedule{newer, older, sched(p+"s4", p+"a4", t0)}
	}
	incoming := func(p string) []domain.Schedule {
		late := sched(p+"s1", p+"a1", t0.Add(time.Minute)) // older by Ashby's time: refused
		late.SourceUpdatedAt, late.Status = t0, domain.StatusCancelled
		next := sched(p+"s2", p+"a2", t0.Add(time.Minute))
		next.SourceUpdatedAt, next.Status = t0.Add(time.Minute), domain.StatusScheduled
		next.InterviewPlanID = "" // keeps the stored plan (same stage)
		next.Events[0].Interviewers = []domain.Assignment{{InterviewerID: "u3", FirstName: "Kim", IsFeedbackRequired: true}}
		fresh := sched(p+"s3", p+"a3", t0.Add(time.Minute))
		// s4's event moves to s3 (listed by both: the later one has it).
		fresh.Events = append(fresh.Events, domain.Event{ID: "ev-" + p + "s4", InterviewID: "iv-1",
			Interviewers: []domain.Assignment{{InterviewerID: "u4", FirstName: "Moved"}}})
		return []domain.Schedule{late, next, fresh}
	}
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, p := range []string{"q-", "b-"} {
			for _, s := range stored(p) {
				testkit.Must(t, db.UpsertSchedule(ctx, s))
			}
		}
		seqStale := map[string]bool{}
		for _, s := range incoming("q-") {
			err := db.UpsertSchedule(ctx, s)
			if errors.Is(err, store.ErrStaleUpdate) {
				seqStale[strings.TrimPrefix(s.ID, "q-")] = true
			} else {
				testkit.Must(t, err)
			}
		}
		stale, err := db.UpsertSchedules(ctx, incoming("b-"))
		testkit.Must(t, err)
		batchStale := map[string]bool{}
		for id := range stale {
			batchStale[strings.TrimPrefix(id, "b-")] = true
		}
		if !reflect.DeepEqual(batchStale, seqStale) || !seqStale["s1"] || len(seqStale) != 1 {
			t.Fatalf("stale in the batch %v, one by one %v, want only s1", batchStale, seqStale)
		}
		for _, id := range []string{"s1", "s2", "s3", "s4"} {
			q, err := db.GetSchedule(ctx, "q-"+id)
			testkit.Must(t, err)
			b, err := db.GetSchedule(ctx, "b-"+id)
			testkit.Must(t, err)
			if got, want := unprefixed(b, "b-"), unprefixed(q, "q-"); !reflect.DeepEqual(got, want) {
				t.Errorf("%s written in a batch:\n%+v\none by one:\n%+v", id, got, want)
			}
		}
		s2, _ := db.GetSchedule(ctx, "b-s2")
		if s2.Status != domain.StatusScheduled || s2.InterviewPlanID != "plan-1" || len(s2.Events) != 1 ||
			len(s2.Events[0].Interviewers) != 1 || s2.Events[0].Interviewers[0].InterviewerID != "u3" {
			t.Errorf("s2 after the batch = %+v, want Scheduled, plan kept, one event with only u3", s2)
		}
		s3, _ := db.GetSchedule(ctx, "b-s3")
		for _, e := range s3.Events {
			if e.ID == "ev-b-s4" && (len(e.Interviewers) != 1 || e.Interviewers[0].InterviewerID != "u4") {
				t.Errorf("the event moved to s3 has interviewers %+v, want only u4", e.Interviewers)
			}
		}
		if s4, _ := db.GetSchedule(ctx, "b-s4"); len(s4.Events) != 0 {
			t.Errorf("s4 still lists %d events after its event moved to s3", len(s4.Events))
		}
		if _, err := db.UpsertSchedules(ctx, []domain.Schedule{sched("d1", "a", t0), sched("d1", "a", t0)}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("a batch naming one schedule twice = %v, want ErrInvalid", err)
		}
		if stale, err := db.UpsertSchedules(ctx, nil); err != nil || len(stale) != 0 {
			t.Errorf("an empty batch = %v, %v", stale, err)
		}
	})
}

// unprefixed is s with the prefix taken off its ids, for comparison.
func unprefixed(s domain.Schedule, p string) domain.Schedule {
	trim := func(v string) string { return strings.ReplaceAll(v, p, "") }
	s.ID, s.ApplicationID, s.CandidateID = trim(s.ID), trim(s.ApplicationID), trim(s.CandidateID)
	events := make([]domain.Event, len(s.Events))
	for i, e := range s.Events {
		e.ID, e.ScheduleID = trim(e.ID), trim(e.ScheduleID)
		as := make([]domain.Assignment, len(e.Interviewers))
		for j, a := range e.Interviewers {
			a.EventID = trim(a.EventID)
			as[j] = a
		}
		e.Interviewers = as
		events[i] = e
	}
	s.Events = events
	return s
}

// TestMarkDeliveriesInOneStatement: MarkDeliveries records one result for
// many deliveries (status, note, processed time, one more attempt each),
// GetDeliveries reads many back and leaves missing ids out,
// PendingDeliveryIDs offers pending ones never attempted, and marking an id
// that does not exist is ErrNotFound.
func TestMarkDeliveriesInOneStatement(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ds []domain.Delivery
		for _, k := range []string{"k1", "k2", "k3"} {
			ds = append(ds, domain.Delivery{ID: "d-" + k, DedupeKey: k, Action: "interviewScheduleUpdate",
				Payload: []byte(`{}`), ReceivedAt: t0, Status: domain.DeliveryPending})
		}
		_, err := db.InsertDeliveries(ctx, ds)
		testkit.Must(t, err)
		at := t0.Add(time.Minute)
		testkit.Must(t, db.MarkDeliveries(ctx, []string{"d-k1", "d-k3"}, domain.DeliveryProcessed, "superseded by a newer delivery", at))
		got, err := db.GetDeliveries(ctx, []string{"d-k1", "d-k2", "d-k3", "d-missing"})
		testkit.Must(t, err)
		if len(got) != 3 {
			t.Fatalf("GetDeliveries returned %d, want the 3 that exist", len(got))
		}
		for _, d := range got {
			marked := d.ID != "d-k2"
			if marked && (d.Status != domain.DeliveryProcessed || d.LastError != "superseded by a newer delivery" ||
				d.Attempts != 1 || d.ProcessedAt == nil || !d.ProcessedAt.Equal(at)) {
				t.Errorf("marked %s = %+v", d.ID, d)
			}
			if !marked && (d.Status != domain.DeliveryPending || d.Attempts != 0 || d.ProcessedAt != nil) {
				t.Errorf("unmarked %s changed: %+v", d.ID, d)
			}
		}
		// Pending and never attempted on its own: only k2; a pending one a
		// single job tried (attempts > 0) is not offered.
		if got, err := db.PendingDeliveryIDs(ctx, 10); err != nil || len(got) != 1 || got[0] != "d-k2" {
			t.Errorf("PendingDeliveryIDs = %v, %v, want [d-k2]", got, err)
		}
		testkit.Must(t, db.MarkDeliveries(ctx, []string{"d-k1"}, domain.DeliveryPending, "retry", at))
		if got, _ := db.PendingDeliveryIDs(ctx, 10); len(got) != 1 || got[0] != "d-k2" {
			t.Errorf("PendingDeliveryIDs after a single attempt of k1 = %v, want [d-k2]", got)
		}
		if err := db.MarkDeliveries(ctx, []string{"d-k2", "d-missing"}, domain.DeliveryProcessed, "", at); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("marking a missing delivery = %v, want ErrNotFound", err)
		}
		testkit.Must(t, db.MarkDeliveries(ctx, nil, domain.DeliveryProcessed, "", at))
	})
}

// TestAcceptDeliveries: deliveries are stored with what enqueue writes in
// the same transaction (on Postgres a pgx one, on SQLite database/sql's);
// a known dedupe key is skipped and not passed on; when enqueue fails,
// nothing of the batch is stored.
func TestAcceptDeliveries(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mk := func(id, key string) domain.Delivery {
			return domain.Delivery{ID: id, DedupeKey: key, Action: "interviewScheduleUpdate", Payload: []byte(`{"a":1}`),
				ReceivedAt: t0, Status: domain.DeliveryPending}
		}
		_, err := db.InsertDeliveries(ctx, []domain.Delivery{mk("old", "k-old")})
		testkit.Must(t, err)
		var seen map[string]bool
		inserted, err := db.AcceptDeliveries(ctx, []domain.Delivery{mk("a1", "k1"), mk("dup", "k-old"), mk("a2", "k2")},
			func(ctx context.Context, tx store.JobTx, in map[string]bool) error {
				if (tx.Pgx != nil) != (db.Dialect() == store.DialectPostgres) || (tx.SQL != nil) == (tx.Pgx != nil) {
					t.Errorf("%s: enqueue got %+v", db.Dialect(), tx)
				}
				seen = in
				return nil
			})
		testkit.Must(t, err)
		want := map[string]bool{"a1": true, "a2": true}
		if !reflect.DeepEqual(inserted, want) || !reflect.DeepEqual(seen, want) {
			t.Fatalf("inserted %v, enqueue saw %v, want %v", inserted, seen, want)
		}
		got, err := db.GetDeliveries(ctx, []string{"a1", "a2", "dup"})
		testkit.Must(t, err)
		if len(got) != 2 || got[0].ReceivedAt.IsZero() || string(got[0].Payload) != `{"a":1}` {
			t.Fatalf("stored %+v", got)
		}
		boom := errors.New("enqueue failed")
		if _, err := db.AcceptDeliveries(ctx, []domain.Delivery{mk("b1", "k3")},
			func(context.Context, store.JobTx, map[string]bool) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("accept with a failing enqueue = %v", err)
		}
		if got, _ := db.GetDeliveries(ctx, []string{"b1"}); len(got) != 0 {
			t.Fatal("a delivery was stored although its job was not")
		}
	})
}

// TestGetApplications: many cached applications in one read, missing ids
// left out, the same rows GetApplication returns.
func TestGetApplications(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, id := range []string{"a1", "a2"} {
			testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: id, CandidateID: "c-" + id, JobID: "job-" + id,
				CurrentStageID: "st", Status: "Active", CandidateName: "Name " + id, UpdatedAt: t0}))
		}
		got, err := db.GetApplications(ctx, []string{"a1", "missing", "a2"})
		testkit.Must(t, err)
		if len(got) != 2 {
			t.Fatalf("GetApplications = %d rows, want 2", len(got))
		}
		for _, a := range got {
			one, err := db.GetApplication(ctx, a.ID)
			testkit.Must(t, err)
			if !reflect.DeepEqual(a, one) {
				t.Errorf("GetApplications row %+v, GetApplication %+v", a, one)
			}
		}
		if got, err := db.GetApplications(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("no ids = %v, %v", got, err)
		}
	})
}

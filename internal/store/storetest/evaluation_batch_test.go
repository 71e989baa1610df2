package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestRecordEvaluations: many stamps in one call mean what the same stamps
// one after the other mean, past one statement's rows too; a schedule named
// twice keeps its last stamp; a missing schedule is ErrNotFound, by name,
// while the others are stamped.
func TestRecordEvaluations(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 620 // more than one statement's rows
		var stamps []store.EvaluationStamp
		for i := range n {
			id := fmt.Sprintf("s%03d", i)
			testkit.Must(t, db.UpsertSchedule(ctx, sched(id, "a"+id, t0)))
			st := store.EvaluationStamp{ScheduleID: id, Outcome: domain.OutcomeAdvance, Summary: "passed " + id, At: t0.Add(time.Duration(i) * time.Microsecond)}
			if i%2 == 0 {
				due := t0.Add(time.Hour + time.Duration(i)*time.Second)
				st.Outcome, st.DueAt = domain.OutcomeWait, &due
			}
			stamps = append(stamps, st)
		}
		// s001 first waits, then its last stamp (an advance) wins.
		early := t0.Add(-time.Hour)
		stamps = append([]store.EvaluationStamp{{ScheduleID: "s001", Outcome: domain.OutcomeWait, DueAt: &early, At: t0}}, stamps...)
		testkit.Must(t, db.RecordEvaluations(ctx, stamps))
		got, err := db.GetSchedules(ctx, []string{"s000", "s001", "s619"})
		testkit.Must(t, err)
		byID := map[string]domain.Schedule{}
		for _, s := range got {
			byID[s.ID] = s
		}
		if s := byID["s000"]; s.LastOutcome != domain.OutcomeWait || s.LastSummary != "passed s000" || s.DueAt == nil || !s.DueAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("s000 = outcome %q summary %q due %v", s.LastOutcome, s.LastSummary, s.DueAt)
		}
		if s := byID["s001"]; s.LastOutcome != domain.OutcomeAdvance || s.DueAt != nil {
			t.Fatalf("s001 = outcome %q due %v, want its last stamp (advance, no due time)", s.LastOutcome, s.DueAt)
		}
		if s := byID["s619"]; s.LastOutcome != domain.OutcomeAdvance || s.LastSummary != "passed s619" {
			t.Fatalf("s619 (second statement) = outcome %q summary %q", s.LastOutcome, s.LastSummary)
		}
		// Only the waits are still open (s001's advance is final).
		open, err := db.ListOpenSchedules(ctx, 0)
		testkit.Must(t, err)
		if len(open) != n/2 {
			t.Fatalf("open = %d, want %d", len(open), n/2)
		}

		err = db.RecordEvaluations(ctx, []store.EvaluationStamp{
			{ScheduleID: "s002", Outcome: domain.OutcomeReject, Summary: "failed", At: t0},
			{ScheduleID: "nope", Outcome: domain.OutcomeReject, At: t0},
		})
		if !errors.Is(err, domain.ErrNotFound) || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("missing schedule: %v, want ErrNotFound naming it", err)
		}
		if s, _ := db.GetSchedule(ctx, "s002"); s.LastOutcome != domain.OutcomeReject || s.DueAt != nil {
			t.Fatalf("s002 beside a missing schedule = %q due %v, want stamped", s.LastOutcome, s.DueAt)
		}
		testkit.Must(t, db.RecordEvaluations(ctx, nil))
	})
}

// TestClaimExecutions: a multi-row claim creates the rows whose keys are
// free and returns, for the others, the row that holds the key, exactly as
// ClaimExecution one after the other would: a key taken before, a key
// claimed twice in the call (the first claim creates it), no key at all.
// Inside a transaction the claims roll back with it.
func TestClaimExecutions(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		exec := func(app, status string) domain.Execution {
			return domain.Execution{ScheduleID: "s-" + app, ApplicationID: app, RuleID: "r1", RuleVersion: 2, Mode: domain.ModeLive,
				Outcome: domain.OutcomeAdvance, Status: status, FromStageID: "stage-1", ToStageID: "stage-2", Summary: "passed",
				Reasons: []byte(`{"outcome":"advance"}`), ExecutedAt: t0.Add(123 * time.Nanosecond)}
		}
		key := func(app string) string { return store.ClaimKey("advance", app, "stage-1", "r1", 2) }
		before, created, err := db.ClaimExecution(ctx, exec("a0", domain.ExecSuccess), key("a0"))
		testkit.Must(t, err)
		if !created {
			t.Fatal("first claim not created")
		}

		claims := []store.ExecutionClaim{
			{Execution: exec("a0", domain.ExecPending), Key: key("a0")}, // taken before
			{Execution: exec("a1", domain.ExecPending), Key: key("a1")},
			{Execution: exec("a1", domain.ExecFailed), Key: key("a1")}, // the same key again
			{Execution: exec("a2", domain.ExecScheduled), Key: key("a2")},
			{Execution: exec("a3", domain.ExecDryRun)}, // no key: always created
		}
		claims[3].Execution.ActAt = t0.Add(time.Hour)
		for i := range 600 { // past one statement's rows
			app := fmt.Sprintf("b%03d", i)
			claims = append(claims, store.ExecutionClaim{Execution: exec(app, domain.ExecPending), Key: key(app)})
		}
		res, err := db.ClaimExecutions(ctx, claims)
		testkit.Must(t, err)
		if len(res) != len(claims) {
			t.Fatalf("%d results for %d claims", len(res), len(claims))
		}
		if r := res[0]; r.Created || r.Execution.ID != before.ID || r.Execution.Status != domain.ExecSuccess {
			t.Fatalf("taken key: created %v, %s/%s, want the earlier row %s/success", r.Created, r.Execution.ID, r.Execution.Status, before.ID)
		}
		if r := res[1]; !r.Created || r.Execution.Status != domain.ExecPending || r.Execution.ID == "" ||
			!r.Execution.ExecutedAt.Equal(t0.Truncate(time.Microsecond)) || !r.Execution.UpdatedAt.Equal(r.Execution.ExecutedAt) ||
			r.Execution.ExecutedBy != "system" {
			t.Fatalf("new claim: %+v", r)
		}
		if r := res[2]; r.Created || r.Execution.ID != res[1].Execution.ID || r.Execution.Status != domain.ExecPending {
			t.Fatalf("key claimed twice: created %v, %s/%s, want the first claim's row %s", r.Created, r.Execution.ID, r.Execution.Status, res[1].Execution.ID)
		}
		if r := res[4]; !r.Created {
			t.Fatalf("claim without a key not created: %+v", r)
		}
		for i, r := range res[5:] {
			if !r.Created {
				t.Fatalf("claim %d of the second statement not created", i)
			}
		}
		for _, i := range []int{1, 3, 4, len(res) - 1} {
			got, err := db.GetExecution(ctx, res[i].Execution.ID)
			testkit.Must(t, err)
			want := claims[i].Execution
			if got.Status != want.Status || got.ApplicationID != want.ApplicationID || got.ToStageID != "stage-2" || got.RuleVersion != 2 ||
				string(got.Reasons) != string(want.Reasons) || !got.ActAt.Equal(want.ActAt) || got.ExecutedBy != "system" {
				t.Fatalf("stored claim %d = %+v", i, got)
			}
		}
		if got, err := db.GetExecutionByClaim(ctx, key("a2")); err != nil || got.ID != res[3].Execution.ID {
			t.Fatalf("by claim a2: %v %+v", err, got)
		}

		// Claimed again: every keyed claim finds its row.
		again, err := db.ClaimExecutions(ctx, claims[:4])
		testkit.Must(t, err)
		for i, r := range again {
			if r.Created || r.Execution.ID != res[i].Execution.ID {
				t.Fatalf("claim %d again: created %v id %s, want %s", i, r.Created, r.Execution.ID, res[i].Execution.ID)
			}
		}

		// In a transaction that fails, nothing is claimed.
		boom := errors.New("boom")
		err = db.InTx(ctx, func(tx store.Store) error {
			r, err := tx.ClaimExecutions(ctx, []store.ExecutionClaim{{Execution: exec("c1", domain.ExecPending), Key: key("c1")}})
			if err != nil {
				return err
			}
			if !r[0].Created {
				return errors.New("not created in the transaction")
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("transaction: %v", err)
		}
		if _, err := db.GetExecutionByClaim(ctx, key("c1")); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("claim of a rolled back transaction: %v", err)
		}
		if res, err := db.ClaimExecutions(ctx, nil); err != nil || len(res) != 0 {
			t.Fatalf("no claims: %v %v", res, err)
		}
	})
}

// TestUpdateExecutionStatuses: each update means what UpdateExecutionStatus
// means (compare-and-set on FromStatus, fields kept when unset, acted_at
// and reverted_at stamped), with one result per update: nil, ErrConflict
// or ErrNotFound.
func TestUpdateExecutionStatuses(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ids []string
		for i := range 4 {
			app := fmt.Sprintf("a%d", i)
			e, err := db.InsertExecution(ctx, domain.Execution{ScheduleID: "s-" + app, ApplicationID: app, RuleID: "r1", Mode: domain.ModeLive,
				Outcome: domain.OutcomeAdvance, Status: domain.ExecPending, FromStageID: "stage-1", ToStageID: "stage-2",
				FailureReason: "changeStage sent", ExecutedAt: t0}, store.ClaimKey("advance", app, "stage-1", "r1", 1))
			testkit.Must(t, err)
			ids = append(ids, e.ID)
		}
		testkit.Must(t, db.UpdateExecutionStatus(ctx, store.ExecutionUpdate{ID: ids[2], Status: domain.ExecSuccess, At: t0}))
		at := t0.Add(time.Minute)
		ups := []store.ExecutionUpdate{
			{ID: ids[0], FromStatus: domain.ExecPending, Status: domain.ExecSuccess, At: at, Acted: true},
			{ID: ids[1], FromStatus: domain.ExecPending, Status: domain.ExecStale, FailureReason: "moved by hand", At: at},
			{ID: ids[2], FromStatus: domain.ExecPending, Status: domain.ExecFailed, At: at}, // finished already
			{ID: "nope", FromStatus: domain.ExecPending, Status: domain.ExecFailed, At: at},
			{ID: ids[3], Status: domain.ExecRejected, ExecutedBy: "slack:U1 (ann)", RevertedBy: "ann", ToStageID: "stage-9", ActAt: t0.Add(time.Hour), At: at},
		}
		results, err := db.UpdateExecutionStatuses(ctx, ups)
		testkit.Must(t, err)
		if results[0] != nil || results[1] != nil || results[4] != nil {
			t.Fatalf("results = %v", results)
		}
		if !errors.Is(results[2], domain.ErrConflict) {
			t.Fatalf("compare-and-set on a finished execution: %v", results[2])
		}
		if !errors.Is(results[3], domain.ErrNotFound) {
			t.Fatalf("missing execution: %v", results[3])
		}
		e0, _ := db.GetExecution(ctx, ids[0])
		if e0.Status != domain.ExecSuccess || e0.FailureReason != "" || !e0.ActedAt.Equal(at) || !e0.UpdatedAt.Equal(at) || e0.ToStageID != "stage-2" {
			t.Fatalf("success = %+v", e0)
		}
		e1, _ := db.GetExecution(ctx, ids[1])
		if e1.Status != domain.ExecStale || e1.FailureReason != "moved by hand" || !e1.ActedAt.IsZero() {
			t.Fatalf("stale = %+v", e1)
		}
		if e2, _ := db.GetExecution(ctx, ids[2]); e2.Status != domain.ExecSuccess {
			t.Fatalf("finished execution changed: %+v", e2)
		}
		e3, _ := db.GetExecution(ctx, ids[3])
		if e3.Status != domain.ExecRejected || e3.ExecutedBy != "slack:U1 (ann)" || e3.RevertedBy != "ann" || !e3.RevertedAt.Equal(at) ||
			e3.ToStageID != "stage-9" || !e3.ActAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("unconditional update = %+v", e3)
		}
		if _, err := db.UpdateExecutionStatuses(ctx, []store.ExecutionUpdate{ups[0], ups[0]}); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("an id named twice: %v, want ErrInvalid", err)
		}
	})
}

// TestUpsertApplications: many applications in one call are stored as
// UpsertApplication stores each (empty names and profile URLs keep the
// stored ones), the last row of an application named twice winning.
func TestUpsertApplications(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		testkit.Must(t, db.UpsertApplication(ctx, domain.Application{ID: "a1", CandidateID: "c1", JobID: "j1", CurrentStageID: "stage-1",
			Status: "Active", CandidateName: "Ada", ProfileURL: "https://ashby/c1", RecruiterEmail: "r@x", UpdatedAt: t0}))
		apps := []domain.Application{
			{ID: "a1", CandidateID: "c1", JobID: "j1", CurrentStageID: "stage-1", Status: "Active", UpdatedAt: t0},
			{ID: "a2", CandidateID: "c2", JobID: "j1", CurrentStageID: "stage-1", Status: "Active", CandidateName: "Sam", UpdatedAt: t0},
			{ID: "a1", CandidateID: "c1", JobID: "j1", CurrentStageID: "stage-2", Status: "Active", UpdatedAt: t0.Add(time.Minute)},
		}
		for i := range 600 { // past one statement's rows
			apps = append(apps, domain.Application{ID: fmt.Sprintf("b%03d", i), CandidateID: "c", JobID: "j1", CurrentStageID: "stage-1", UpdatedAt: t0})
		}
		testkit.Must(t, db.UpsertApplications(ctx, apps))
		a1, err := db.GetApplication(ctx, "a1")
		testkit.Must(t, err)
		if a1.CurrentStageID != "stage-2" || a1.CandidateName != "Ada" || a1.ProfileURL != "https://ashby/c1" || a1.RecruiterEmail != "" ||
			!a1.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("a1 = %+v", a1)
		}
		if a2, err := db.GetApplication(ctx, "a2"); err != nil || a2.CandidateName != "Sam" {
			t.Fatalf("a2 = %+v, %v", a2, err)
		}
		if b, err := db.GetApplication(ctx, "b599"); err != nil || b.CurrentStageID != "stage-1" {
			t.Fatalf("b599 = %+v, %v", b, err)
		}
		testkit.Must(t, db.UpsertApplications(ctx, nil))
	})
}

// TestApplicationsWithExecutions names the applications that have an
// execution of an outcome in one of the statuses, and no other.
func TestApplicationsWithExecutions(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, e := range []struct{ app, outcome, status string }{
			{"a1", domain.OutcomeReject, domain.ExecNotified},
			{"a2", domain.OutcomeReject, domain.ExecScheduled},
			{"a3", domain.OutcomeReject, domain.ExecRejected},
			{"a4", domain.OutcomeAdvance, domain.ExecNotified},
		} {
			_, err := db.InsertExecution(ctx, domain.Execution{ScheduleID: "s-" + e.app, ApplicationID: e.app, Mode: domain.ModeLive,
				Outcome: e.outcome, Status: e.status, ExecutedAt: t0}, "")
			testkit.Must(t, err)
		}
		ids := []string{"a1", "a2", "a3", "a4", "a5"}
		for i := range 600 {
			ids = append(ids, fmt.Sprintf("b%03d", i))
		}
		got, err := db.ApplicationsWithExecutions(ctx, ids, domain.OutcomeReject, domain.ExecNotified, domain.ExecScheduled)
		testkit.Must(t, err)
		if len(got) != 2 || !got["a1"] || !got["a2"] {
			t.Fatalf("got %v, want a1 and a2", got)
		}
		if got, err := db.ApplicationsWithExecutions(ctx, nil, domain.OutcomeReject, domain.ExecNotified); err != nil || len(got) != 0 {
			t.Fatalf("no applications: %v %v", got, err)
		}
	})
}

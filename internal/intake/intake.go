package intake

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/notify"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// Webhook actions aaa processes.
const (
	ActionScheduleUpdate = "interviewScheduleUpdate"
	ActionScheduleCreate = "interviewScheduleCreate"
)

// AcceptWebhook stores a verified delivery and enqueues its processing in one
// transaction, and returns once that transaction committed. It returns
// duplicate=true when the same delivery (by webhookActionId, else by body
// hash) was already stored; nothing is then enqueued again.
//
// Concurrent calls are committed together (group commit): while one
// transaction commits, the next requests queue up and share the next one.
// Each caller still returns only after its own delivery is durable.
func (s *Service) AcceptWebhook(ctx context.Context, w ashby.Webhook, body []byte) (deliveryID string, duplicate bool, err error) {
	in := Incoming{Action: w.Action, WebhookActionID: w.WebhookActionID}
	if sched, err := w.Schedule(); err == nil {
		in.ScheduleID = sched.ID
	}
	return s.Accept(ctx, in, body)
}

// Incoming is what the webhook handler learned from a verified body in its
// one decoding pass.
type Incoming struct {
	Action          string
	WebhookActionID string
	// ScheduleID is data.interviewSchedule.id when present.
	ScheduleID string
}

// Accept is AcceptWebhook for a body already decoded by the caller.
func (s *Service) Accept(ctx context.Context, in Incoming, body []byte) (deliveryID string, duplicate bool, err error) {
	d, known := s.newDelivery(in, body)
	req := &acceptReq{d: d, known: known, done: make(chan struct{})}
	s.accept.submit(req, s.commitAccepts)
	select {
	case <-req.done:
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
	if req.err != nil {
		// The cause (a store that stopped taking writes, its file gone)
		// is logged here: the sender only learns to retry.
		s.log.ErrorContext(ctx, "webhook_store_failed", "error", req.err.Error())
		return "", false, fmt.Errorf("accept webhook: %w", req.err)
	}
	return d.ID, !req.inserted, nil
}

func (s *Service) newDelivery(in Incoming, body []byte) (domain.Delivery, bool) {
	key := "body:" + hashHex(body)
	if in.WebhookActionID != "" {
		key = "action:" + in.WebhookActionID
	}
	d := domain.Delivery{
		ID: store.NewID(), DedupeKey: key, WebhookActionID: in.WebhookActionID, Action: in.Action,
		ScheduleID: in.ScheduleID, Payload: body, ReceivedAt: s.now(), Status: domain.DeliveryPending,
	}
	known := ashby.IsScheduleAction(in.Action) || (s.lifecycle != nil && ashby.IsLifecycleAction(in.Action))
	if !known {
		d.Status = domain.DeliveryIgnored
	}
	return d, known
}

// acceptReq is one delivery waiting for a group commit.
type acceptReq struct {
	d        domain.Delivery
	known    bool
	inserted bool
	err      error
	done     chan struct{}
}

// groupCommit batches concurrent requests. A caller that finds fewer than
// limit commits running commits a batch (its own request and whatever
// waits) itself; requests arriving meanwhile wait and are committed by a
// background committer started when that batch is done, so no caller
// waits for more than its own batch and the one before it.
type groupCommit struct {
	mu      sync.Mutex
	pending []*acceptReq
	running int
	limit   int
}

const maxAcceptBatch = 512

// take removes the next batch; g.mu must be held.
func (g *groupCommit) take() []*acceptReq {
	n := min(len(g.pending), maxAcceptBatch)
	batch := g.pending[:n:n]
	g.pending = g.pending[n:]
	return batch
}

func (g *groupCommit) submit(r *acceptReq, commit func([]*acceptReq)) {
	g.mu.Lock()
	g.pending = append(g.pending, r)
	if g.running >= g.limit {
		g.mu.Unlock()
		return
	}
	g.running++
	batch := g.take()
	g.mu.Unlock()
	commit(batch)
	g.finish(commit)
}

// finish hands the requests that queued up meanwhile to a background
// committer, or ends this committer's turn.
func (g *groupCommit) finish(commit func([]*acceptReq)) {
	g.mu.Lock()
	if len(g.pending) == 0 {
		g.running--
		g.mu.Unlock()
		return
	}
	batch := g.take()
	g.mu.Unlock()
	go func() {
		commit(batch)
		g.finish(commit)
	}()
}

// commitAccepts stores a batch of deliveries and the one job that ingests
// them in one durable transaction (store.AcceptDeliveries: on SQLite the one
// commit that pays an fsync, spread over the batch; on Postgres one insert
// over pgx). If the batch fails, each delivery is retried on its own so one
// bad row cannot fail the others.
func (s *Service) commitAccepts(batch []*acceptReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := s.acceptBatch(ctx, batch)
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			r.err = s.acceptBatch(ctx, []*acceptReq{r})
			close(r.done)
		}
		return
	}
	for _, r := range batch {
		r.err = err
		close(r.done)
	}
}

func (s *Service) acceptBatch(ctx context.Context, batch []*acceptReq) error {
	ds := make([]domain.Delivery, len(batch))
	for i, r := range batch {
		ds[i] = r.d
	}
	inserted, err := s.st.AcceptDeliveries(ctx, ds, func(ctx context.Context, tx store.JobTx, inserted map[string]bool) error {
		ids := make([]string, 0, len(batch))
		for _, r := range batch {
			if inserted[r.d.ID] && r.known {
				ids = append(ids, r.d.ID)
			}
		}
		return s.queue.EnqueueIngestBatch(ctx, tx, ids)
	})
	for _, r := range batch {
		r.inserted = err == nil && inserted[r.d.ID]
	}
	return err
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ingestChunk is how many deliveries IngestBatch writes in one
// transaction: on SQLite few enough that a webhook acknowledgement waiting
// for the one writer (which it gets next, see store's write gate) waits a
// few milliseconds at most; on Postgres, where acks do not wait for it,
// more.
func (s *Service) ingestChunk() int {
	if s.st.Dialect() == store.DialectPostgres {
		return 100
	}
	return 25
}

// IngestBatch applies deliveries stored together (one acknowledgement's
// group commit): each chunk of schedule deliveries is resolved from the
// caches and written in one transaction (UpsertSchedules, MarkDeliveries,
// one evaluate_schedules job). What it does not do itself goes to an
// ingest_delivery job of its own, IngestDelivery's retries and failure
// handling unchanged: lifecycle deliveries, a delivery that cannot be
// decoded or resolved in time (Ashby down or slow, a cache miss that
// fails), and every delivery of a chunk whose transaction failed.
// Deliveries already processed are skipped, so a batch run again after a
// crash does only what is left. An error means a chunk could not even be
// handed on (the database is unreachable): the job is then retried.
func (s *Service) IngestBatch(ctx context.Context, deliveryIDs []string) error {
	for chunk := range slices.Chunk(deliveryIDs, s.ingestChunk()) {
		if err := s.ingestSome(ctx, chunk); err != nil {
			s.log.WarnContext(ctx, "webhook_batch_retry", "deliveries", len(deliveryIDs), "error", err.Error())
			return err
		}
	}
	return nil
}

// resolveBudget bounds how long a chunk waits for Ashby to resolve plans
// and jobs before handing what is left to single-delivery jobs (which wait
// for Ashby with backoff, without using attempts up).
const resolveBudget = 20 * time.Second

func (s *Service) ingestSome(ctx context.Context, ids []string) error {
	// On SQLite a short batch takes along other pending deliveries, oldest
	// first: acks commit a few deliveries at a time, and writing them in
	// bigger batches on the one writer is what lets ingestion keep up.
	// Only deliveries no other batch of this process is writing (one
	// `aaa serve` works a SQLite file); their own jobs then find them
	// processed and do nothing. A batch always does its own deliveries,
	// whoever else took them along: if that one fails, they are not left
	// to nobody. (On Postgres acks commit in parallel and several servers
	// ingest: batches keep to their own.)
	if n := s.ingestChunk(); len(ids) < n && s.st.Dialect() != store.DialectPostgres {
		more, err := s.st.PendingDeliveryIDs(ctx, 4*n)
		if err != nil {
			return fmt.Errorf("ingest batch: %w", err)
		}
		ids = s.inFlight.takeAlong(ids, more, n)
	} else {
		s.inFlight.hold(ids)
	}
	defer s.inFlight.release(ids)
	ds, err := s.st.GetDeliveries(ctx, ids)
	if err != nil {
		return fmt.Errorf("ingest batch: %w", err)
	}
	// Arrival order: of two states of one schedule, the later-arrived is
	// applied after the other, as one by one.
	slices.SortFunc(ds, func(a, b domain.Delivery) int {
		return cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), cmp.Compare(a.ID, b.ID))
	})
	var in []decoded
	var alone []string
	for _, d := range ds {
		if d.Status != domain.DeliveryPending {
			continue
		}
		env, err := ashby.DecodeEnvelope(d.Payload)
		if err == nil {
			err = env.Check()
		}
		if err != nil || ashby.IsLifecycleAction(env.Action) {
			alone = append(alone, d.ID)
			continue
		}
		in = append(in, decoded{d: d, env: env, log: s.log.With("delivery_id", d.ID, "action", d.Action)})
	}
	if len(in) == 0 && len(alone) == 0 {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, resolveBudget)
	ps, errs := s.prepare(rctx, in)
	cancel()
	for i, err := range errs {
		if err != nil {
			alone = append(alone, in[i].d.ID)
		}
	}
	var done []func()
	err = s.st.InTx(ctx, func(tx store.Store) error {
		if done, err = s.apply(ctx, tx, ps); err != nil {
			return err
		}
		return s.queue.EnqueueIngestHandoff(ctx, tx.SQLTx(), alone...)
	})
	if err == nil {
		for _, f := range done {
			f()
		}
		return nil
	}
	// Written together, failed together: each goes on in a job of its own,
	// so one bad delivery cannot hold up the others. Handed on even when
	// the job's time ran out meanwhile.
	s.log.WarnContext(ctx, "webhook_batch_split", "deliveries", len(ps)+len(alone), "error", err.Error())
	for _, p := range ps {
		alone = append(alone, p.d.ID)
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	return s.queue.EnqueueIngestHandoff(hctx, nil, alone...)
}

// IngestDelivery applies a stored interviewScheduleUpdate delivery (DESIGN.md
// step 2). final marks the last attempt: its failure is recorded for good.
// A transient failure (Ashby unreachable, 5xx, 429) is never final: the
// delivery stays pending and the error wraps domain.ErrUnavailable, which
// the queue retries with capped backoff without counting an attempt.
func (s *Service) IngestDelivery(ctx context.Context, deliveryID string, final bool) error {
	d, err := s.st.GetDelivery(ctx, deliveryID)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if d.Status == domain.DeliveryProcessed || d.Status == domain.DeliveryIgnored {
		return nil
	}
	log := s.log.With("delivery_id", d.ID, "action", d.Action)
	if err := s.ingest(ctx, d, log); err != nil {
		if transient(err) {
			// Never given up: the queue retries with capped backoff for as
			// long as Ashby stays away, and the delivery stays pending.
			if merr := s.st.MarkDelivery(ctx, d.ID, domain.DeliveryPending, err.Error(), s.now()); merr != nil {
				log.ErrorContext(ctx, "webhook_delivery_mark_failed", "error", merr)
			}
			log.WarnContext(ctx, "webhook_delivery_retry", "error", err.Error(), "transient", true)
			return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
		}
		status := domain.DeliveryPending
		if final || errors.Is(err, domain.ErrInvalid) {
			status = domain.DeliveryFailed
		}
		if merr := s.st.MarkDelivery(ctx, d.ID, status, err.Error(), s.now()); merr != nil {
			log.ErrorContext(ctx, "webhook_delivery_mark_failed", "error", merr)
		}
		if status == domain.DeliveryFailed {
			log.ErrorContext(ctx, "webhook_delivery_failed", "error", err.Error())
			s.notices.Alert(ctx, notify.WebhookFailedAlert(d, err))
			return nil
		}
		log.WarnContext(ctx, "webhook_delivery_retry", "error", err.Error())
		return err
	}
	return nil
}

// transient reports whether a failed ingest may succeed later unchanged:
// Ashby unreachable or timing out, failing (5xx), rate limiting (429),
// refusing the key (fixed by an operator), or not configured yet.
func transient(err error) bool {
	if errors.Is(err, domain.ErrInvalid) {
		return false
	}
	var te *ashby.TransportError
	return errors.As(err, &te) || ashby.IsUncertain(err) || ashby.IsRateLimited(err) || ashby.IsAuth(err) ||
		errors.Is(err, domain.ErrAshbyNotConfigured) || errors.Is(err, domain.ErrUnavailable) ||
		errors.Is(err, context.DeadlineExceeded)
}

func (s *Service) ingest(ctx context.Context, d domain.Delivery, log *slog.Logger) error {
	// The same decoding and checks as the webhook door: a delivery it
	// accepted fails here only if it was stored before the door checked.
	env, err := ashby.DecodeEnvelope(d.Payload)
	if err == nil {
		err = env.Check()
	}
	if err != nil {
		return fmt.Errorf("%w: %v", domain.ErrInvalid, err)
	}
	if ashby.IsLifecycleAction(env.Action) && s.lifecycle != nil {
		return s.ingestLifecycle(ctx, d, env, log)
	}
	ps, errs := s.prepare(ctx, []decoded{{d: d, env: env, log: log}})
	if errs[0] != nil {
		return errs[0]
	}
	var done []func()
	if err := s.st.InTx(ctx, func(tx store.Store) error {
		done, err = s.apply(ctx, tx, ps)
		return err
	}); err != nil {
		return err
	}
	for _, f := range done {
		f()
	}
	return nil
}

// prepared is a schedule delivery decoded, with its plan and job resolved:
// ready to be written.
type prepared struct {
	d     domain.Delivery
	sched domain.Schedule
	log   *slog.Logger
}

// prepare turns decoded schedule deliveries into the schedules to store,
// resolving plans and jobs from the caches in bulk (calling Ashby only on a
// miss, once per stage or application). errs[i] is why delivery i could not
// be prepared; ps holds the others, in order. It runs before the
// transaction: no network call holds a write lock.
func (s *Service) prepare(ctx context.Context, in []decoded) (ps []prepared, errs []error) {
	scheds := make([]domain.Schedule, len(in))
	for i, x := range in {
		as := *x.env.Data.InterviewSchedule
		x.log.InfoContext(ctx, "processing_schedule_update", "schedule_id", as.ID, "status", as.Status)
		scheds[i] = scheduleFromAshby(as, s.now())
		scheds[i].SourceUpdatedAt, scheds[i].SourceAt = as.SourceTime(), x.d.ReceivedAt
	}
	errs = s.catalog.ResolveSchedules(ctx, scheds, s.log)
	for i, x := range in {
		if errs[i] == nil {
			ps = append(ps, prepared{d: x.d, sched: scheds[i], log: x.log})
		}
	}
	return ps, errs
}

// decoded is a stored schedule delivery with its decoded body.
type decoded struct {
	d   domain.Delivery
	env ashby.Envelope
	log *slog.Logger
}

// apply writes prepared deliveries in tx: their schedules with a few
// multi-row statements, the deliveries marked processed, and one job that
// evaluates the schedules written, together. Newest wins by Ashby's time,
// arrival breaking ties (the store decides, UpsertSchedules): a state older
// than the stored one is recorded as superseded and changes nothing. Two
// states of one schedule in ps are written in rounds, in ps's order, as if
// one after the other. It returns the log lines to write once tx committed.
func (s *Service) apply(ctx context.Context, tx store.Store, ps []prepared) ([]func(), error) {
	var rounds [][]prepared
	seen := make(map[string]int, len(ps)) // schedule id -> states so far
	for _, p := range ps {
		k := seen[p.sched.ID]
		seen[p.sched.ID]++
		if k == len(rounds) {
			rounds = append(rounds, nil)
		}
		rounds[k] = append(rounds[k], p)
	}
	var done []func()
	var processed, old, evals []string
	for _, round := range rounds {
		scheds := make([]domain.Schedule, len(round))
		for i, p := range round {
			scheds[i] = p.sched
		}
		stale, err := tx.UpsertSchedules(ctx, scheds)
		if err != nil {
			return nil, err
		}
		for _, p := range round {
			if stale[p.sched.ID] {
				old = append(old, p.d.ID)
				done = append(done, func() { p.log.InfoContext(ctx, "schedule_update_superseded", "schedule_id", p.sched.ID) })
				continue
			}
			processed = append(processed, p.d.ID)
			done = append(done, func() {
				p.log.InfoContext(ctx, "schedule_updated", "schedule_id", p.sched.ID, "events", len(p.sched.Events), "cancelled", p.sched.Cancelled)
			})
			if !p.sched.Cancelled && !slices.Contains(evals, p.sched.ID) {
				evals = append(evals, p.sched.ID)
			}
		}
	}
	now := s.now()
	if err := tx.MarkDeliveries(ctx, processed, domain.DeliveryProcessed, "", now); err != nil {
		return nil, err
	}
	if err := tx.MarkDeliveries(ctx, old, domain.DeliveryProcessed, "superseded by a newer delivery", now); err != nil {
		return nil, err
	}
	return done, s.queue.EnqueueEvaluateBatch(ctx, tx.SQLTx(), evals)
}

// ingestLifecycle applies a stage change, hire, erasure or merge and marks
// the delivery processed with a line for the Activity view (stage titles
// and counts, never the candidate's name).
func (s *Service) ingestLifecycle(ctx context.Context, d domain.Delivery, env ashby.Envelope, log *slog.Logger) error {
	var note string
	switch {
	case ashby.IsApplicationAction(env.Action):
		m, err := s.lifecycle.ApplicationChanged(ctx, *env.Data.Application, d.ReceivedAt)
		if err != nil {
			return err
		}
		note = m.Note()
	case env.Action == ashby.ActionCandidateDelete:
		res, err := s.lifecycle.Erase(ctx, env.Data.Candidate.ID, "ashby")
		if err != nil {
			return err
		}
		note = fmt.Sprintf("candidate erased (%d applications, %d decisions kept without identity)", res.Applications, res.Decisions)
	case env.Action == ashby.ActionCandidateMerge:
		n, err := s.lifecycle.Merge(ctx, env.Data.DeletedCandidate.ID, env.Data.MergedCandidate.ID)
		if err != nil {
			return err
		}
		note = fmt.Sprintf("duplicate candidate merged (%d rows moved)", n)
	}
	if err := s.st.MarkDelivery(ctx, d.ID, domain.DeliveryProcessed, note, s.now()); err != nil {
		// An erasure scrubbed this very delivery: nothing left to mark
		// but its status.
		return err
	}
	log.InfoContext(ctx, "lifecycle_webhook_processed", "note", note)
	return nil
}

func scheduleFromAshby(as ashby.InterviewSchedule, now time.Time) domain.Schedule {
	s := domain.Schedule{
		ID: as.ID, ApplicationID: as.ApplicationID, CandidateID: as.CandidateID,
		InterviewStageID: as.InterviewStageID, Status: as.Status,
		Cancelled: as.Status == domain.StatusCancelled, UpdatedAt: now, CreatedAt: now,
	}
	for _, e := range as.InterviewEvents {
		if e.ID == "" || e.InterviewID == "" {
			continue
		}
		ev := domain.Event{
			ID: e.ID, ScheduleID: as.ID, InterviewID: e.InterviewID, StartTime: e.StartTime.Time, EndTime: e.EndTime.Time,
			FeedbackLink: e.FeedbackLink, Location: e.Location, MeetingLink: e.MeetingLink,
			HasSubmittedFeedback: e.HasSubmittedFeedback, CreatedAt: e.CreatedAt.Time, UpdatedAt: e.UpdatedAt.Time,
		}
		seen := map[string]bool{}
		for _, iv := range e.Interviewers {
			if iv.ID == "" || seen[iv.ID] {
				continue
			}
			seen[iv.ID] = true
			a := domain.Assignment{
				EventID: e.ID, InterviewerID: iv.ID, FirstName: iv.FirstName, LastName: iv.LastName,
				Email: iv.Email, GlobalRole: iv.GlobalRole, TrainingRole: iv.TrainingRole,
				IsEnabled: iv.IsEnabled, IsFeedbackRequired: iv.FeedbackRequired(),
			}
			if iv.InterviewerPool != nil {
				a.PoolID, a.PoolTitle = iv.InterviewerPool.ID, iv.InterviewerPool.Title
			}
			ev.Interviewers = append(ev.Interviewers, a)
		}
		s.Events = append(s.Events, ev)
	}
	return s
}

// RetryDelivery puts a delivery back in the queue (after it failed for
// good, or to re-apply it), in one transaction.
func (s *Service) RetryDelivery(ctx context.Context, deliveryID string) error {
	return s.st.InTx(ctx, func(tx store.Store) error {
		d, err := tx.GetDelivery(ctx, deliveryID)
		if err != nil {
			return err
		}
		if !ashby.IsScheduleAction(d.Action) && !(s.lifecycle != nil && ashby.IsLifecycleAction(d.Action)) {
			return fmt.Errorf("delivery %s has action %q, which aaa does not process: %w", d.ID, d.Action, domain.ErrInvalid)
		}
		if len(d.Payload) == 0 {
			return fmt.Errorf("delivery %s was processed and its payload pruned after DELIVERY_RETENTION: there is nothing to re-apply: %w", d.ID, domain.ErrInvalid)
		}
		if err := tx.MarkDelivery(ctx, d.ID, domain.DeliveryPending, "retry requested", s.now()); err != nil {
			return err
		}
		return s.queue.EnqueueIngest(ctx, tx.SQLTx(), d.ID)
	})
}

// inFlight is the set of deliveries this process's ingestion batches are
// writing.
type inFlight struct {
	mu  sync.Mutex
	ids map[string]bool
}

// takeAlong returns own followed by the deliveries of more that no batch
// holds, up to n in all, and holds them all.
func (f *inFlight) takeAlong(own, more []string, n int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(own)
	for _, id := range more {
		if len(out) >= n {
			break
		}
		if !f.ids[id] && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	f.holdLocked(out)
	return out
}

func (f *inFlight) hold(ids []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.holdLocked(ids)
}

func (f *inFlight) holdLocked(ids []string) {
	if f.ids == nil {
		f.ids = map[string]bool{}
	}
	for _, id := range ids {
		f.ids[id] = true
	}
}

// release lets go of ids (a delivery two batches held is released by the
// first to finish; the other only ever took it as its own).
func (f *inFlight) release(ids []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		delete(f.ids, id)
	}
}

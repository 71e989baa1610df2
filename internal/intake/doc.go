// Package intake is where Ashby's webhooks enter aaa. Accept stores a
// verified delivery and what wakes its processing in one transaction (group
// commit: concurrent requests share a commit, each caller returns once its
// own delivery is durable), deduplicated on webhookActionId, else on the body
// hash. A group commit enqueues one ingest_deliveries job for all the
// deliveries it stored (store.AcceptDeliveries: on Postgres over pgx
// directly).
//
// IngestBatch, that job, turns the schedule deliveries of a batch into
// schedules, events and interviewer assignments with a few multi-row
// statements in one transaction per chunk (25 deliveries on SQLite, 100 on
// Postgres), resolving plan and job through the catalog, and enqueues their
// evaluations with one insert.
// IngestDelivery does the same for one delivery, with the per-delivery
// retries and failure handling (transient causes retried without counting
// an attempt, `failed` and an alert after the last one); a batch hands it
// what it does not do itself: lifecycle deliveries, one it cannot decode or
// resolve, and the deliveries of a chunk whose transaction failed. Of two
// states of a schedule the one with the newer Ashby time (the schedule's
// updatedAt, else its newest event's) is kept, whatever order they arrive or
// are processed in, within a batch as across batches; arrival only breaks a
// tie.
// RetryDelivery puts a delivery back in the queue, refusing actions aaa does
// not process; the admin API and `aaa webhooks retry` both call it.
//
// Ingestion runs at least once: it is idempotent, and a delivery that fails
// for good is marked failed and alerted, never dropped.
package intake

// Package intake is where Ashby's webhooks enter aaa. Accept stores a
// verified delivery and what wakes its processing in one transaction (group
// commit: concurrent requests share a commit, each caller returns once its
// own delivery is durable), deduplicated on webhookActionId, else on the body
// hash. IngestDelivery turns a stored interview-schedule delivery into the
// schedule, its events and interviewer assignments, resolving plan and job
// through the catalog, and enqueues the schedule's evaluation. Of two states
// of a schedule the one with the newer Ashby time (the schedule's updatedAt,
// else its newest event's) is kept, whatever order they arrive or are
// processed in; arrival only breaks a tie.
// RetryDelivery puts a delivery back in the queue, refusing actions aaa does
// not process; the admin API and `aaa webhooks retry` both call it.
//
// Ingestion runs at least once: it is idempotent, and a delivery that fails
// for good is marked failed and alerted, never dropped.
package intake

// Package jobs runs aaa's durable work on River: webhook ingestion,
// evaluations, Slack actions and the periodic syncs. Workers are thin: each
// calls one use case of package advance.
//
// On SQLite one River client (riversqlite) both inserts and works jobs over
// the store's single-connection writer pool. On Postgres the worker client
// uses riverpgxv5 over the pgx pool (LISTEN/NOTIFY, leader election), and a
// second, insert-only client (riverdatabasesql) enqueues inside the store's
// database/sql transactions, so a webhook delivery and its job commit
// together. Periodic jobs run on the elected leader only, so N instances run
// each sync once per interval.
//
// Jobs run at least once; every use case they call is idempotent.
package jobs

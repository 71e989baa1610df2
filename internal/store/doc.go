// Package store is aaa's persistence: one Store interface made of small
// per-aggregate interfaces, and one SQL implementation (DB) shared by both
// backends. Queries are written once in the portable subset (see
// database/migrations) with $N placeholders, which both SQLite (modernc) and
// Postgres (pgx stdlib) accept.
//
// Backends live in store/sqlite and store/postgres: each opens its pools and
// maps its driver errors to the domain sentinels in exactly one function.
// Transactions are closures (InTx); inside one, use only the tx-bound Store
// passed to the closure. On SQLite the writer pool has a single connection,
// so touching the outer Store inside a transaction would deadlock.
//
// Durability: InDurableTx is InTx for the commits that acknowledge webhook
// deliveries (the intake's group commit); it returns only once the commit
// is on disk, even across a power loss. On SQLite it commits with
// synchronous=FULL on the pinned writer connection, and every other commit
// runs NORMAL (WAL mode: a FULL commit syncs the WAL, so every earlier
// commit is then durable too); on Postgres every commit is durable.
//
// Every time is written as UTC by Go; SQL never calls now().
package store

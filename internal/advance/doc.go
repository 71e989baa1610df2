// Package advance holds aaa's use cases: accept and ingest webhooks, sync
// feedback and metadata from Ashby, evaluate schedules with the engine, act
// on decisions safely, and handle recruiters' Slack clicks. It owns the
// small interfaces it needs from the outside (ATS for Ashby, Slack, Queue);
// cmd/aaa wires the concrete clients and package jobs calls these use cases
// from River workers.
//
// Safety rules (DESIGN.md, Safety):
//   - A live action is claimed before Ashby is called: one
//     advancement_executions row per (action, application, from stage, rule,
//     version) holds a unique claim key. A second evaluation finds the claim
//     and does nothing; a worker that died mid-action is taken over after a
//     lease, and the taker re-reads the application before writing.
//   - Before any write the application is re-read from Ashby (stale-stage
//     guard); a candidate no longer in the rule's stage is recorded `stale`.
//   - application.changeStage is never retried blindly: after an error the
//     application is re-read, and only a candidate still in the from-stage is
//     moved again.
//   - Shadow mode (per rule, or ADVANCEMENT_DRY_RUN_MODE for all) records
//     `dry_run` and never writes to Ashby.
//
// Every use case is idempotent: jobs run at least once.
package advance

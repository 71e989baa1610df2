// Package advance evaluates schedules and acts on the decisions: one
// evaluation path (a single schedule is a batch of one: decide, record, act),
// the periodic sweep, and the actions themselves (advance through
// application.changeStage, archive after a recruiter's click or by the
// rule). Notices go through package notify, cache-through reads of Ashby
// through package catalog; package app wires it, package jobs and the HTTP
// server call it.
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

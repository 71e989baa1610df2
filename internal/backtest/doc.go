// Package backtest replays a rule over past schedules and compares its
// decisions with what recruiters actually did.
//
// For every stored schedule the rule would have matched (same plan, stage
// and job scope, decided by [engine.Match]), the backtest finds the
// application's visit to the stage in the stored stage history
// (application_stage_history, filled by `aaa sync history`). The decision
// time is when the application left the stage. The engine then runs,
// through the same [engine.Evaluate] as live evaluation, with:
//   - Now = the decision time, and only the feedback submitted by then;
//   - when the answer is a min-wait wait, once more at the end of the min
//     wait (with the same feedback), which is when aaa would have decided.
//
// What actually happened is read from the visit after it: the Archived
// stage means archived; a later stage of the plan (Hired included) means
// advanced; anything else (an earlier stage, no next visit) is "other".
// Stage types and order come from the cached interview_stages; for a stage
// not in the cache, a title of "Archived" means archived and anything else
// advanced.
//
// The report counts would-advance / would-reject / would-wait / timeout /
// skip decisions, a confusion table (predicted outcome x actual outcome),
// the disagreements (advance but archived, reject but advanced) by
// candidate with the engine's reasons, most recent first, and in diff mode
// the schedules whose decision flips between the current version of a rule
// and an edit. Schedules still in the stage and applications without stored
// history are counted, not judged.
//
// [Runner] is the use case the doors call: cmd/aaa builds one with the
// global engine settings of live evaluation (min wait, feedback timeout) and
// gives the same to the admin API, the dashboard and `aaa backtest`.
//
// A backtest only reads the store: it never calls Ashby or Slack and never
// records decisions.
package backtest

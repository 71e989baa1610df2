// Package syncer keeps aaa's copy of Ashby and Slack current: feedback
// (incremental and org-wide through applicationFeedback.list's syncToken,
// a full resync when Ashby refuses the token, per-application polling when
// the org-wide listing is not permitted), metadata (jobs, plans, stages,
// forms, archive reasons, users), interview definitions, the Slack user
// directory, and the resumable backfill of stage history for backtests.
// Every run is recorded in sync_state (Track). Feedback that changed
// enqueues its schedule's evaluation.
package syncer

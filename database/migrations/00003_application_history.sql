-- +goose Up
-- Stage history of applications (application.listHistory / application.info
-- applicationHistory), kept for backtesting rules against what recruiters
-- actually did. A visit is keyed by (application, stage, entered_at), so a
-- re-fetch updates the row (left_at filled in later) and never duplicates it.
CREATE TABLE application_stage_history (
    application_id TEXT NOT NULL,
    stage_id TEXT NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    left_at TIMESTAMP,
    history_id TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    stage_number INTEGER NOT NULL DEFAULT 0,
    actor_id TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'api',
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, stage_id, entered_at)
);
CREATE INDEX idx_application_stage_history_stage ON application_stage_history (stage_id, left_at);

-- Progress of a history backfill (aaa sync history), so an interrupted run
-- resumes where it stopped: applications are fetched in id order and
-- after_application_id is the last one stored; feedback pages resume from
-- feedback_cursor.
CREATE TABLE history_backfill (
    name TEXT PRIMARY KEY,
    since TIMESTAMP NOT NULL,
    after_application_id TEXT NOT NULL DEFAULT '',
    applications_done INTEGER NOT NULL DEFAULT 0,
    visits INTEGER NOT NULL DEFAULT 0,
    feedback_cursor TEXT NOT NULL DEFAULT '',
    feedback_done BOOLEAN NOT NULL DEFAULT FALSE,
    feedback INTEGER NOT NULL DEFAULT 0,
    started_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

-- +goose Up
-- Second thoughts (DESIGN.md, Safety): a rule may delay its archives
-- (reject_delay_seconds), hold live actions to working hours
-- (act_in_work_hours) and tell the recruiter of each advance with an Undo
-- button (notify_on_advance).
ALTER TABLE advancement_rules ADD COLUMN reject_delay_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE advancement_rules ADD COLUMN act_in_work_hours BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE advancement_rules ADD COLUMN notify_on_advance BOOLEAN NOT NULL DEFAULT FALSE;
-- act_at is when a scheduled action (a delayed archive, an action held to
-- working hours) runs; acted_at is when aaa's move landed in Ashby (the undo
-- window starts there); reverted_by/reverted_at say who cancelled, undid or
-- kept the candidate in process, and when.
ALTER TABLE advancement_executions ADD COLUMN act_at TIMESTAMP;
ALTER TABLE advancement_executions ADD COLUMN acted_at TIMESTAMP;
ALTER TABLE advancement_executions ADD COLUMN reverted_by TEXT;
ALTER TABLE advancement_executions ADD COLUMN reverted_at TIMESTAMP;

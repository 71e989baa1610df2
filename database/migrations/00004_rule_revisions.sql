-- +goose Up
-- Every change to a rule (create, edit, mode, activate, deactivate, delete,
-- apply) as one row: the rule's version after the change, who made it
-- (admin token name, --as/AAA_ACTOR or the OS user), the door it came
-- through (api, cli, tui) and the fields that changed as a JSON list of
-- {"field", "old", "new"}. No foreign key: the history outlives the rule.
CREATE TABLE advancement_rule_revisions (
    revision_id TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    changes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_advancement_rule_revisions_rule ON advancement_rule_revisions (rule_id, created_at);

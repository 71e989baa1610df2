-- +goose Up
-- Core ingestion. Table and key column names are the seed's, so its
-- troubleshooting SQL runs unchanged.
CREATE TABLE interview_schedules (
    schedule_id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    candidate_id TEXT,
    interview_stage_id TEXT,
    interview_plan_id TEXT,
    job_id TEXT,
    status TEXT NOT NULL,
    is_cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    last_evaluated_for_advancement_at TIMESTAMP,
    last_outcome TEXT NOT NULL DEFAULT '',
    last_summary TEXT NOT NULL DEFAULT '',
    due_at TIMESTAMP,
    source_received_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_interview_schedules_application ON interview_schedules (application_id);
CREATE INDEX idx_interview_schedules_job ON interview_schedules (job_id);
CREATE INDEX idx_interview_schedules_status ON interview_schedules (status, last_evaluated_for_advancement_at);

CREATE TABLE interviews (
    interview_id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    external_title TEXT NOT NULL DEFAULT '',
    is_archived BOOLEAN NOT NULL DEFAULT FALSE,
    is_debrief BOOLEAN NOT NULL DEFAULT FALSE,
    job_id TEXT,
    feedback_form_definition_id TEXT,
    updated_at TIMESTAMP NOT NULL
);

-- Events are fully replaced on every schedule update; feedback and audit rows
-- reference them by id only (no cascade), so a replace never loses them.
CREATE TABLE interview_events (
    event_id TEXT PRIMARY KEY,
    schedule_id TEXT NOT NULL REFERENCES interview_schedules (schedule_id) ON DELETE CASCADE,
    interview_id TEXT NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    start_time TIMESTAMP,
    end_time TIMESTAMP,
    feedback_link TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    meeting_link TEXT NOT NULL DEFAULT '',
    has_submitted_feedback BOOLEAN NOT NULL DEFAULT FALSE,
    extra_data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_interview_events_schedule ON interview_events (schedule_id);
CREATE INDEX idx_interview_events_interview ON interview_events (interview_id);
CREATE INDEX idx_interview_events_start ON interview_events (start_time);

CREATE TABLE interview_assignments (
    event_id TEXT NOT NULL REFERENCES interview_events (event_id) ON DELETE CASCADE,
    interviewer_id TEXT NOT NULL,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    global_role TEXT NOT NULL DEFAULT '',
    training_role TEXT NOT NULL DEFAULT '',
    is_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    is_feedback_required BOOLEAN NOT NULL DEFAULT TRUE,
    interviewer_pool_id TEXT NOT NULL DEFAULT '',
    interviewer_pool_title TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, interviewer_id)
);
CREATE INDEX idx_interview_assignments_email ON interview_assignments (email);

CREATE TABLE feedback_submissions (
    feedback_id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    interviewer_id TEXT NOT NULL,
    interview_id TEXT NOT NULL DEFAULT '',
    form_definition_id TEXT NOT NULL DEFAULT '',
    submitted_at TIMESTAMP NOT NULL,
    submitted_values TEXT NOT NULL,
    processed_for_advancement_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_feedback_submissions_event ON feedback_submissions (event_id);
CREATE INDEX idx_feedback_submissions_application ON feedback_submissions (application_id);

CREATE TABLE feedback_form_definitions (
    form_definition_id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    definition TEXT NOT NULL,
    is_archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE slack_users (
    slack_user_id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    real_name TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    is_bot BOOLEAN NOT NULL DEFAULT FALSE,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Advancement rules. mode/version/priority/on_reject are aaa's additions.
CREATE TABLE advancement_rules (
    rule_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    job_id TEXT,
    interview_plan_id TEXT NOT NULL,
    interview_stage_id TEXT NOT NULL,
    target_stage_id TEXT,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    mode TEXT NOT NULL DEFAULT 'shadow',
    on_reject TEXT NOT NULL DEFAULT 'notify',
    priority INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    archive_reason_id TEXT NOT NULL DEFAULT '',
    communication_template_id TEXT NOT NULL DEFAULT '',
    notify_in_shadow BOOLEAN NOT NULL DEFAULT FALSE,
    timeout_days INTEGER NOT NULL DEFAULT 0,
    min_wait_minutes INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_advancement_rules_scope ON advancement_rules (interview_plan_id, interview_stage_id, is_active);

CREATE TABLE advancement_rule_requirements (
    requirement_id TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL REFERENCES advancement_rules (rule_id) ON DELETE CASCADE,
    interview_id TEXT NOT NULL,
    score_field_path TEXT NOT NULL,
    operator TEXT NOT NULL,
    threshold_value TEXT NOT NULL,
    aggregate TEXT NOT NULL DEFAULT 'each',
    is_required BOOLEAN NOT NULL DEFAULT TRUE,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_advancement_rule_requirements_rule ON advancement_rule_requirements (rule_id);

CREATE TABLE advancement_rule_actions (
    action_id TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL REFERENCES advancement_rules (rule_id) ON DELETE CASCADE,
    action_type TEXT NOT NULL,
    action_config TEXT,
    execution_order INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_advancement_rule_actions_rule ON advancement_rule_actions (rule_id, execution_order);

-- The audit trail. No foreign key to schedules: cancelling or re-ingesting a
-- schedule never removes a decision. claim_key makes a live action
-- exactly-once: (application, from stage, rule, version, action).
CREATE TABLE advancement_executions (
    execution_id TEXT PRIMARY KEY,
    schedule_id TEXT NOT NULL,
    application_id TEXT NOT NULL,
    rule_id TEXT,
    rule_version INTEGER NOT NULL DEFAULT 0,
    mode TEXT NOT NULL DEFAULT 'live',
    outcome TEXT NOT NULL DEFAULT '',
    from_stage_id TEXT,
    to_stage_id TEXT,
    execution_status TEXT NOT NULL,
    failure_reason TEXT,
    summary TEXT NOT NULL DEFAULT '',
    evaluation_results TEXT,
    claim_key TEXT UNIQUE,
    executed_at TIMESTAMP NOT NULL,
    executed_by TEXT NOT NULL DEFAULT 'system',
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_advancement_executions_schedule ON advancement_executions (schedule_id, executed_at);
CREATE INDEX idx_advancement_executions_status ON advancement_executions (execution_status, executed_at);
CREATE INDEX idx_advancement_executions_application ON advancement_executions (application_id, executed_at);

-- Metadata caches.
CREATE TABLE jobs (
    job_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT '',
    department_id TEXT,
    default_interview_plan_id TEXT,
    location_name TEXT NOT NULL DEFAULT '',
    employment_type TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    synced_at TIMESTAMP NOT NULL
);

CREATE TABLE interview_plans (
    interview_plan_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    is_archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    synced_at TIMESTAMP NOT NULL
);

CREATE TABLE job_interview_plans (
    job_id TEXT NOT NULL,
    interview_plan_id TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (job_id, interview_plan_id)
);

CREATE TABLE interview_stages (
    interview_stage_id TEXT PRIMARY KEY,
    interview_plan_id TEXT NOT NULL,
    title TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT '',
    order_in_plan INTEGER NOT NULL,
    interview_stage_group_id TEXT,
    synced_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_interview_stages_plan ON interview_stages (interview_plan_id, order_in_plan);

-- aaa's additions.
CREATE TABLE webhook_deliveries (
    delivery_id TEXT PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    webhook_action_id TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    schedule_id TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    received_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP
);
CREATE INDEX idx_webhook_deliveries_status ON webhook_deliveries (status, received_at);

CREATE TABLE applications (
    application_id TEXT PRIMARY KEY,
    candidate_id TEXT NOT NULL DEFAULT '',
    job_id TEXT NOT NULL DEFAULT '',
    current_stage_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    candidate_name TEXT NOT NULL DEFAULT '',
    profile_url TEXT NOT NULL DEFAULT '',
    recruiter_email TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE archive_reasons (
    archive_reason_id TEXT PRIMARY KEY,
    text TEXT NOT NULL DEFAULT '',
    reason_type TEXT NOT NULL DEFAULT '',
    is_archived BOOLEAN NOT NULL DEFAULT FALSE,
    synced_at TIMESTAMP NOT NULL
);

CREATE TABLE ashby_users (
    user_id TEXT PRIMARY KEY,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    global_role TEXT NOT NULL DEFAULT '',
    is_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    synced_at TIMESTAMP NOT NULL
);

CREATE TABLE sync_state (
    name TEXT PRIMARY KEY,
    sync_token TEXT NOT NULL DEFAULT '',
    last_started_at TIMESTAMP,
    last_finished_at TIMESTAMP,
    last_status TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    items INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE shadow_reviews (
    review_id TEXT PRIMARY KEY,
    execution_id TEXT NOT NULL,
    rule_id TEXT NOT NULL DEFAULT '',
    verdict TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (execution_id)
);

CREATE TABLE notifications (
    notification_id TEXT PRIMARY KEY,
    execution_id TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    message_ts TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_notifications_execution ON notifications (execution_id);

-- At most one active rule per scope (job or all jobs, plan, stage).
CREATE UNIQUE INDEX uq_advancement_rules_active_scope
    ON advancement_rules (COALESCE(job_id, ''), interview_plan_id, interview_stage_id)
    WHERE is_active;

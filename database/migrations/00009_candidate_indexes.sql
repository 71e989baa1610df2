-- +goose Up
-- A candidate's applications and schedules, for erasure and merges
-- (issue 22): both are read by candidate id.
CREATE INDEX idx_applications_candidate ON applications (candidate_id);
CREATE INDEX idx_interview_schedules_candidate ON interview_schedules (candidate_id);

-- +goose Up
-- Newest wins by Ashby's own time: source_updated_at is the updatedAt of
-- the schedule a stored state came from (else its newest event's), NULL
-- when Ashby sent neither. source_received_at (arrival) only breaks ties.
-- Rows written before this column existed keep NULL and are compared by
-- arrival, as they were.
ALTER TABLE interview_schedules ADD COLUMN source_updated_at TIMESTAMP;

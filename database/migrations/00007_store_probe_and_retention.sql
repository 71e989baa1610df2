-- +goose Up
-- store_probe takes the write probe of /health and of `aaa serve`'s start:
-- one row inserted and deleted again in a committed transaction, so the
-- table stays empty.
CREATE TABLE store_probe (
    probe_id TEXT PRIMARY KEY
);
-- Retention (DELIVERY_RETENTION) empties the payloads of old processed
-- deliveries and keeps their rows. This index holds only the deliveries
-- whose payload is still kept, so each run reads its candidates and not
-- every delivery it pruned before.
CREATE INDEX idx_webhook_deliveries_payload_kept ON webhook_deliveries (received_at) WHERE payload <> '';

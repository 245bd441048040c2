ALTER TABLE sps_connect_webhook_events ADD COLUMN last_status INTEGER;
ALTER TABLE sps_connect_webhook_events ADD COLUMN last_attempt_at BIGINT;

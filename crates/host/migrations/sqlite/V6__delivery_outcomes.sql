ALTER TABLE webhook_events ADD COLUMN last_status INTEGER;
ALTER TABLE webhook_events ADD COLUMN last_attempt_at INTEGER;

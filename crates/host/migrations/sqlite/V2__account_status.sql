ALTER TABLE accounts ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE accounts ADD COLUMN status_reason TEXT;
ALTER TABLE accounts ADD COLUMN last_verified_at TEXT;
ALTER TABLE accounts ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
UPDATE accounts SET last_verified_at = connected_at;

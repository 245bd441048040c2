CREATE TABLE account_activity (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  client_address TEXT,
  status TEXT,
  error_code TEXT,
  at INTEGER NOT NULL,
  hour INTEGER,
  count INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX account_activity_by_account ON account_activity (account_id, seq);
CREATE UNIQUE INDEX account_activity_per_hour ON account_activity (account_id, kind, actor, hour);
CREATE INDEX account_activity_by_time ON account_activity (at);

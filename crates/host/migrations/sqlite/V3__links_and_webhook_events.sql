CREATE TABLE links (
   id TEXT PRIMARY KEY,
   token_hash BLOB NOT NULL UNIQUE,
   user_id TEXT NOT NULL,
   account_id TEXT,
   environment TEXT,
   locale TEXT,
   return_url TEXT,
   created_at INTEGER NOT NULL,
   expires_at INTEGER NOT NULL,
   used_at INTEGER,
   revoked_at INTEGER
);
CREATE INDEX links_by_user ON links (user_id);
CREATE TABLE webhook_events (
   id TEXT PRIMARY KEY,
   body TEXT NOT NULL,
   created_at INTEGER NOT NULL,
   attempts INTEGER NOT NULL DEFAULT 0,
   next_attempt_at INTEGER NOT NULL,
   delivered_at INTEGER,
   given_up_at INTEGER
);
CREATE INDEX webhook_events_due ON webhook_events (delivered_at, given_up_at, next_attempt_at);

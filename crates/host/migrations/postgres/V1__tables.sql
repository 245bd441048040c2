CREATE TABLE sps_connect_accounts (
   id TEXT PRIMARY KEY,
   user_id TEXT NOT NULL,
   environment TEXT NOT NULL,
   client_id TEXT NOT NULL,
   client_secret_sealed BYTEA NOT NULL,
   services TEXT NOT NULL,
   connected_at TEXT NOT NULL,
   status TEXT NOT NULL DEFAULT 'active',
   status_reason TEXT,
   last_verified_at TEXT,
   revision BIGINT NOT NULL DEFAULT 1,
   UNIQUE (user_id, environment, client_id)
);
CREATE TABLE sps_connect_links (
   id TEXT PRIMARY KEY,
   token_hash BYTEA NOT NULL UNIQUE,
   user_id TEXT NOT NULL,
   account_id TEXT,
   environment TEXT,
   locale TEXT,
   return_url TEXT,
   created_at BIGINT NOT NULL,
   expires_at BIGINT NOT NULL,
   used_at BIGINT,
   revoked_at BIGINT
);
CREATE INDEX sps_connect_links_by_user ON sps_connect_links (user_id);
CREATE TABLE sps_connect_webhook_events (
   seq BIGSERIAL UNIQUE,
   id TEXT PRIMARY KEY,
   body TEXT NOT NULL,
   created_at BIGINT NOT NULL,
   attempts INTEGER NOT NULL DEFAULT 0,
   next_attempt_at BIGINT NOT NULL,
   delivered_at BIGINT,
   given_up_at BIGINT
);
CREATE INDEX sps_connect_webhook_events_due ON sps_connect_webhook_events (next_attempt_at)
   WHERE delivered_at IS NULL AND given_up_at IS NULL;

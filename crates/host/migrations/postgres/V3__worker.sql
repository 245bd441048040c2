ALTER TABLE sps_connect_accounts ADD COLUMN last_checked_at BIGINT;
ALTER TABLE sps_connect_accounts ADD COLUMN next_check_at BIGINT;
ALTER TABLE sps_connect_accounts ADD COLUMN check_owner TEXT;
ALTER TABLE sps_connect_accounts ADD COLUMN check_until BIGINT;
ALTER TABLE sps_connect_accounts ADD COLUMN watch_documents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sps_connect_accounts ADD COLUMN documents_next_at BIGINT;
ALTER TABLE sps_connect_accounts ADD COLUMN documents_owner TEXT;
ALTER TABLE sps_connect_accounts ADD COLUMN documents_until BIGINT;
CREATE INDEX sps_connect_accounts_documents_due ON sps_connect_accounts (documents_next_at) WHERE watch_documents <> 0;
CREATE INDEX sps_connect_accounts_next_check ON sps_connect_accounts (next_check_at);
CREATE TABLE sps_connect_account_tokens (
   account_id TEXT PRIMARY KEY,
   revision BIGINT NOT NULL,
   token_sealed BYTEA,
   issued_at BIGINT,
   renew_at BIGINT,
   expires_at BIGINT,
   lease_owner TEXT,
   lease_until BIGINT
);
CREATE TABLE sps_connect_announced_documents (
   account_id TEXT NOT NULL,
   path TEXT NOT NULL,
   announced_at BIGINT NOT NULL,
   PRIMARY KEY (account_id, path)
);

ALTER TABLE accounts ADD COLUMN last_checked_at INTEGER;
ALTER TABLE accounts ADD COLUMN next_check_at INTEGER;
ALTER TABLE accounts ADD COLUMN check_owner TEXT;
ALTER TABLE accounts ADD COLUMN check_until INTEGER;
ALTER TABLE accounts ADD COLUMN watch_documents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN documents_next_at INTEGER;
ALTER TABLE accounts ADD COLUMN documents_owner TEXT;
ALTER TABLE accounts ADD COLUMN documents_until INTEGER;
CREATE INDEX accounts_documents_due ON accounts (documents_next_at) WHERE watch_documents <> 0;
CREATE INDEX accounts_next_check ON accounts (next_check_at);
CREATE TABLE account_tokens (
   account_id TEXT PRIMARY KEY,
   revision INTEGER NOT NULL,
   token_sealed BLOB,
   issued_at INTEGER,
   renew_at INTEGER,
   expires_at INTEGER,
   lease_owner TEXT,
   lease_until INTEGER
);
CREATE TABLE announced_documents (
   account_id TEXT NOT NULL,
   path TEXT NOT NULL,
   announced_at INTEGER NOT NULL,
   PRIMARY KEY (account_id, path)
);

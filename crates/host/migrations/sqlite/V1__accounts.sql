CREATE TABLE IF NOT EXISTS accounts (
   id TEXT PRIMARY KEY,
   user_id TEXT NOT NULL,
   environment TEXT NOT NULL,
   client_id TEXT NOT NULL,
   client_secret_sealed BLOB NOT NULL,
   services TEXT NOT NULL,
   connected_at TEXT NOT NULL,
   UNIQUE (user_id, environment, client_id)
);

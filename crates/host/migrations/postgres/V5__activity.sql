CREATE TABLE sps_connect_account_activity (
   seq BIGSERIAL PRIMARY KEY,
   account_id TEXT NOT NULL,
   kind TEXT NOT NULL,
   actor TEXT NOT NULL,
   client_address TEXT,
   status TEXT,
   error_code TEXT,
   at BIGINT NOT NULL,
   hour BIGINT,
   count BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX sps_connect_account_activity_by_account ON sps_connect_account_activity (account_id, seq);
CREATE UNIQUE INDEX sps_connect_account_activity_per_hour ON sps_connect_account_activity (account_id, kind, actor, hour);
CREATE INDEX sps_connect_account_activity_by_time ON sps_connect_account_activity (at);

ALTER TABLE sps_connect_links ADD COLUMN for_whom TEXT;
ALTER TABLE sps_connect_links ADD COLUMN claim TEXT;
ALTER TABLE sps_connect_links ADD COLUMN claimed_until BIGINT;

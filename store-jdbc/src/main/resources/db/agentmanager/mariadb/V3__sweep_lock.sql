-- agentmanager JDBC store, schema version 3, MariaDB 10.6 or later: the fleet's sweep lock and its compensated pause; redemptions by key.
--
-- One timeout sweep at a time across replicas, so that self-preservation's cap holds for the fleet. The
-- holder (locked_by, a monitor's random id) keeps it until locked_until, on the database's clock; a replica
-- that dies holding it leaves it to the next once that time has passed. pause_micros and pause_until are a
-- pause of the fleet's monitor that every replica compensates until then (on the database's clock). Idempotent.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}sweep_lock (
    name         varchar(64) NOT NULL,
    locked_by    VARCHAR(64) NOT NULL,
    locked_until DATETIME(6) NOT NULL,
    pause_micros bigint,
    pause_until  DATETIME(6),
    CONSTRAINT ${agentmanager_prefix}sweep_lock_pk PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A registration reads only the redemptions by its request's key, however many uses a bulk token has.
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}token_redemptions_key_idx
    ON ${agentmanager_prefix}token_redemptions (token_id, public_key_sha256);

-- Recorded last, so that the version says the script ran to its end.
INSERT INTO ${agentmanager_prefix}schema_version (version, description)
    VALUES (3, 'sweep lock') ON DUPLICATE KEY UPDATE version = version;

-- agentmanager JDBC store, schema version 5, PostgreSQL 12 or later: the agent change feed.
--
-- changed_at is the database's clock when a durable write of the agent (status, capabilities, labels,
-- certificates) last changed its version; heartbeats never touch it, so their updates stay HOT. Every
-- replica's heartbeat cache reads the agents changed since its last read, twice per flush interval, so the
-- index keeps that read to the few agents changed recently. Idempotent.
ALTER TABLE ${agentmanager_prefix}agent_liveness ADD COLUMN IF NOT EXISTS changed_at timestamptz;
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_liveness_changed_idx
    ON ${agentmanager_prefix}agent_liveness (changed_at);

-- Recorded last, so that the version says the script ran to its end.
INSERT INTO ${agentmanager_prefix}schema_version (version, description)
    VALUES (5, 'agent change feed') ON CONFLICT (version) DO NOTHING;

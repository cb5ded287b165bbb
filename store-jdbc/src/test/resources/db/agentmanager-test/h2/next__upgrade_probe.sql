-- A schema version that exists only in the tests, one above the shipped ones: every run adds a row to
-- upgrade_probe, so the tests can count how often it ran (once, however many replicas upgrade at once).
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}upgrade_probe (run_no INTEGER NOT NULL);
INSERT INTO ${agentmanager_prefix}upgrade_probe (run_no) VALUES (1);

-- Recorded last, as one above the highest version recorded.
INSERT INTO ${agentmanager_prefix}schema_version (version, description)
    SELECT MAX(version) + 1, 'upgrade probe' FROM ${agentmanager_prefix}schema_version;

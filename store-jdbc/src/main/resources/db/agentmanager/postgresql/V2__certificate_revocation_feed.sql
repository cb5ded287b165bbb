-- agentmanager JDBC store, schema version 2, PostgreSQL 12 or later: the revocation feed.
--
-- revocation_logged_at is the database's clock when the revocation was written (revoked_at is the
-- manager's). Every replica's certificate validity cache reads the revocations logged since its last read,
-- several times a second, so the index keeps that read to the few rows revoked recently. Idempotent.
ALTER TABLE ${agentmanager_prefix}certificates ADD COLUMN IF NOT EXISTS revocation_logged_at timestamptz;
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}certificates_revocation_idx
    ON ${agentmanager_prefix}certificates (revocation_logged_at);
-- The revocation list: revoked certificates that have not expired.
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}certificates_not_after_idx
    ON ${agentmanager_prefix}certificates (not_after) WHERE revoked_at IS NOT NULL;

-- Recorded last, so that the version says the script ran to its end.
INSERT INTO ${agentmanager_prefix}schema_version (version, description)
    VALUES (2, 'certificate revocation feed') ON CONFLICT (version) DO NOTHING;

-- agentmanager JDBC store, schema version 2, H2 2.x: the revocation feed.
--
-- revocation_logged_at is the database's clock when the revocation was written (revoked_at is the
-- manager's). Every replica's certificate validity cache reads the revocations logged since its last read,
-- several times a second, so the index keeps that read to the few rows revoked recently. Idempotent.
ALTER TABLE ${agentmanager_prefix}certificates ADD COLUMN IF NOT EXISTS revocation_logged_at TIMESTAMP(6) WITH TIME ZONE;
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}certificates_revocation_idx
    ON ${agentmanager_prefix}certificates (revocation_logged_at);
-- The revocation list: revoked certificates that have not expired.
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}certificates_not_after_idx
    ON ${agentmanager_prefix}certificates (not_after);

-- Recorded last, so that the version says the script ran to its end.
MERGE INTO ${agentmanager_prefix}schema_version (version, description) KEY (version)
    VALUES (2, 'certificate revocation feed');

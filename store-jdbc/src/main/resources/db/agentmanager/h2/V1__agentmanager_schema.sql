-- agentmanager JDBC store, schema version 1, H2 2.x (regular mode).
--
-- ${agentmanager_prefix} is the table prefix. JdbcAgentStore.createSchemaIfMissing() replaces it with the
-- builder's tablePrefix (default agentmanager_). Hosts that migrate with Flyway set the placeholder
-- agentmanager_prefix to the same value. Every statement is idempotent (IF NOT EXISTS).
--
-- Instants are TIMESTAMP(6) WITH TIME ZONE. Liveness instants (agent_liveness.*, monitor_state) are on the
-- database's clock: compare them with CURRENT_TIMESTAMP.
-- Agent and token ids are at most 127 characters (JdbcAgentStore.MAX_ID_LENGTH, checked by the store); the
-- columns are unbounded here, as nothing is gained from a width on this database.

-- The schema versions applied: every script ends by recording its own, createSchemaIfMissing() reads the
-- highest to run only the missing scripts, and JdbcAgentStoreBuilder.build() checks it.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}schema_version (
    version     INTEGER NOT NULL,
    description VARCHAR(200) NOT NULL,
    CONSTRAINT ${agentmanager_prefix}schema_version_pk PRIMARY KEY (version)
);

-- Durable agent state; version is bumped by every change (optimistic concurrency).
-- allowed_capabilities: the capability names the agent may declare (its registration token's scope, kept for
-- good), a JSON array of strings; [] allows any.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agents (
    id                    VARCHAR NOT NULL,
    name                  VARCHAR NOT NULL,
    status                VARCHAR(16) NOT NULL,
    inactive_reason       VARCHAR(32),
    capabilities          JSON NOT NULL,
    allowed_capabilities  JSON NOT NULL,
    labels                JSON NOT NULL,
    agent_version         VARCHAR,
    health                VARCHAR(16) NOT NULL,
    cert_serial           VARCHAR NOT NULL,
    cert_thumbprint       VARCHAR NOT NULL,
    cert_not_before       TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    cert_not_after        TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    next_cert_serial      VARCHAR,
    next_cert_thumbprint  VARCHAR,
    next_cert_not_before  TIMESTAMP(6) WITH TIME ZONE,
    next_cert_not_after   TIMESTAMP(6) WITH TIME ZONE,
    registered_at         TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    status_changed_at     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    registration_token_id VARCHAR,
    version               BIGINT NOT NULL,
    CONSTRAINT ${agentmanager_prefix}agents_pk PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agents_status_idx
    ON ${agentmanager_prefix}agents (status);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agents_cert_thumbprint_idx
    ON ${agentmanager_prefix}agents (cert_thumbprint);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agents_next_cert_thumbprint_idx
    ON ${agentmanager_prefix}agents (next_cert_thumbprint);

-- Labels and capabilities again, one row each, so that queries filter in SQL on indexes.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agent_labels (
    agent_id    VARCHAR NOT NULL,
    label_key   VARCHAR NOT NULL,
    label_value VARCHAR NOT NULL,
    CONSTRAINT ${agentmanager_prefix}agent_labels_pk PRIMARY KEY (agent_id, label_key),
    CONSTRAINT ${agentmanager_prefix}agent_labels_agent_fk FOREIGN KEY (agent_id)
        REFERENCES ${agentmanager_prefix}agents (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_labels_key_value_idx
    ON ${agentmanager_prefix}agent_labels (label_key, label_value);

CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agent_capabilities (
    agent_id           VARCHAR NOT NULL,
    capability_name    VARCHAR NOT NULL,
    capability_version VARCHAR,
    CONSTRAINT ${agentmanager_prefix}agent_capabilities_agent_fk FOREIGN KEY (agent_id)
        REFERENCES ${agentmanager_prefix}agents (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_capabilities_agent_idx
    ON ${agentmanager_prefix}agent_capabilities (agent_id, capability_name);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_capabilities_name_idx
    ON ${agentmanager_prefix}agent_capabilities (capability_name, agent_id);

-- Liveness: the hot, narrow row every heartbeat flush updates. version mirrors agents.version and is the
-- arbiter of every conditional write; monitored is true while the agent is ACTIVE or PENDING.
-- indexed_deadline is a lagging copy of deadline (always <= deadline) that carries the overdue index and
-- is rewritten only when it falls into the second half of the agent's timeout window.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agent_liveness (
    agent_id          VARCHAR NOT NULL,
    version           BIGINT NOT NULL,
    monitored         BOOLEAN NOT NULL,
    boot_epoch        BIGINT NOT NULL,
    sequence_no       BIGINT NOT NULL,
    last_heartbeat_at TIMESTAMP(6) WITH TIME ZONE,
    deadline          TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    clock_skew_nanos  BIGINT,
    indexed_deadline  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    CONSTRAINT ${agentmanager_prefix}agent_liveness_pk PRIMARY KEY (agent_id),
    CONSTRAINT ${agentmanager_prefix}agent_liveness_agent_fk FOREIGN KEY (agent_id)
        REFERENCES ${agentmanager_prefix}agents (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_liveness_overdue_idx
    ON ${agentmanager_prefix}agent_liveness (monitored, indexed_deadline);

-- Registration tokens: the SHA-256 of the secret only, never the secret.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}registration_tokens (
    id                 VARCHAR NOT NULL,
    secret_hash        VARCHAR NOT NULL,
    description        VARCHAR NOT NULL,
    created_at         TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    expires_at         TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    scope_labels       JSON NOT NULL,
    scope_capabilities JSON NOT NULL,
    max_uses           INTEGER NOT NULL,
    uses               INTEGER NOT NULL,
    failed_attempts    INTEGER NOT NULL,
    revoked_at         TIMESTAMP(6) WITH TIME ZONE,
    last_redeemed_at   TIMESTAMP(6) WITH TIME ZONE,
    reenroll_agent_id  VARCHAR,
    CONSTRAINT ${agentmanager_prefix}registration_tokens_pk PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}registration_tokens_expires_idx
    ON ${agentmanager_prefix}registration_tokens (expires_at);

CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}token_redemptions (
    id                BIGINT GENERATED BY DEFAULT AS IDENTITY,
    token_id          VARCHAR NOT NULL,
    redeemed_at       TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    agent_id          VARCHAR NOT NULL,
    public_key_sha256 VARCHAR NOT NULL,
    remote_address    VARCHAR,
    CONSTRAINT ${agentmanager_prefix}token_redemptions_pk PRIMARY KEY (id),
    CONSTRAINT ${agentmanager_prefix}token_redemptions_token_fk FOREIGN KEY (token_id)
        REFERENCES ${agentmanager_prefix}registration_tokens (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}token_redemptions_token_idx
    ON ${agentmanager_prefix}token_redemptions (token_id, id);

-- Certificate records; record_no keeps issue order.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}certificates (
    serial          VARCHAR NOT NULL,
    record_no       BIGINT GENERATED BY DEFAULT AS IDENTITY,
    thumbprint      VARCHAR NOT NULL,
    agent_id        VARCHAR NOT NULL,
    not_before      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    not_after       TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    certificate_pem VARCHAR NOT NULL,
    revoked_at      TIMESTAMP(6) WITH TIME ZONE,
    CONSTRAINT ${agentmanager_prefix}certificates_pk PRIMARY KEY (serial)
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}certificates_agent_idx
    ON ${agentmanager_prefix}certificates (agent_id, record_no);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}certificates_thumbprint_idx
    ON ${agentmanager_prefix}certificates (thumbprint);

-- Timeout monitor bookkeeping shared by every replica.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}monitor_state (
    name          VARCHAR(64) NOT NULL,
    last_sweep_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    CONSTRAINT ${agentmanager_prefix}monitor_state_pk PRIMARY KEY (name)
);

-- Recorded last, so that the version says the script ran to its end.
MERGE INTO ${agentmanager_prefix}schema_version (version, description) KEY (version)
    VALUES (1, 'agentmanager schema');

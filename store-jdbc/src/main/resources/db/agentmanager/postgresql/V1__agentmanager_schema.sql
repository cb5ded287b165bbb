-- agentmanager JDBC store, schema version 1, PostgreSQL 12 or later.
--
-- ${agentmanager_prefix} is the table prefix. JdbcAgentStore.createSchemaIfMissing() replaces it with the
-- builder's tablePrefix (default agentmanager_). Hosts that migrate with Flyway set the placeholder
-- agentmanager_prefix to the same value. Every statement is idempotent (IF NOT EXISTS).
--
-- Instants are timestamptz with microsecond precision. Liveness instants (agent_liveness.*, monitor_state)
-- are on the database's clock: compare them with now().
-- Agent and token ids are at most 127 characters (JdbcAgentStore.MAX_ID_LENGTH, checked by the store); the
-- columns are unbounded here, as nothing is gained from a width on this database.

-- The schema versions applied: every script ends by recording its own, createSchemaIfMissing() reads the
-- highest to run only the missing scripts, and JdbcAgentStoreBuilder.build() checks it.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}schema_version (
    version     integer NOT NULL,
    description varchar(200) NOT NULL,
    CONSTRAINT ${agentmanager_prefix}schema_version_pk PRIMARY KEY (version)
);

-- Durable agent state; version is bumped by every change (optimistic concurrency).
-- allowed_capabilities: the capability names the agent may declare (its registration token's scope, kept for
-- good), a JSON array of strings; [] allows any.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agents (
    id                    text COLLATE "C" NOT NULL,
    name                  text NOT NULL,
    status                varchar(16) NOT NULL,
    inactive_reason       varchar(32),
    capabilities          jsonb NOT NULL,
    allowed_capabilities  jsonb NOT NULL,
    labels                jsonb NOT NULL,
    agent_version         text,
    health                varchar(16) NOT NULL,
    cert_serial           text NOT NULL,
    cert_thumbprint       text COLLATE "C" NOT NULL,
    cert_not_before       timestamptz NOT NULL,
    cert_not_after        timestamptz NOT NULL,
    next_cert_serial      text,
    next_cert_thumbprint  text COLLATE "C",
    next_cert_not_before  timestamptz,
    next_cert_not_after   timestamptz,
    registered_at         timestamptz NOT NULL,
    status_changed_at     timestamptz NOT NULL,
    registration_token_id text,
    version               bigint NOT NULL,
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
    agent_id    text COLLATE "C" NOT NULL,
    label_key   text COLLATE "C" NOT NULL,
    label_value text COLLATE "C" NOT NULL,
    CONSTRAINT ${agentmanager_prefix}agent_labels_pk PRIMARY KEY (agent_id, label_key),
    CONSTRAINT ${agentmanager_prefix}agent_labels_agent_fk FOREIGN KEY (agent_id)
        REFERENCES ${agentmanager_prefix}agents (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_labels_key_value_idx
    ON ${agentmanager_prefix}agent_labels (label_key, label_value);

CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agent_capabilities (
    agent_id           text COLLATE "C" NOT NULL,
    capability_name    text COLLATE "C" NOT NULL,
    capability_version text,
    CONSTRAINT ${agentmanager_prefix}agent_capabilities_agent_fk FOREIGN KEY (agent_id)
        REFERENCES ${agentmanager_prefix}agents (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_capabilities_agent_idx
    ON ${agentmanager_prefix}agent_capabilities (agent_id, capability_name);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_capabilities_name_idx
    ON ${agentmanager_prefix}agent_capabilities (capability_name, agent_id);

-- Liveness: the hot, narrow row every heartbeat flush updates. version mirrors agents.version and is the
-- arbiter of every conditional write; monitored is true while the agent is ACTIVE or PENDING.
-- indexed_deadline is a lagging copy of deadline (always <= deadline) that carries the overdue index: a
-- flush refreshes it only when it falls into the second half of the agent's timeout window, so most
-- heartbeat updates leave every indexed column unchanged and stay HOT (heap-only tuple) updates.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agent_liveness (
    agent_id          text COLLATE "C" NOT NULL,
    version           bigint NOT NULL,
    monitored         boolean NOT NULL,
    boot_epoch        bigint NOT NULL,
    sequence_no       bigint NOT NULL,
    last_heartbeat_at timestamptz,
    deadline          timestamptz NOT NULL,
    clock_skew_nanos  bigint,
    indexed_deadline  timestamptz NOT NULL,
    CONSTRAINT ${agentmanager_prefix}agent_liveness_pk PRIMARY KEY (agent_id),
    CONSTRAINT ${agentmanager_prefix}agent_liveness_agent_fk FOREIGN KEY (agent_id)
        REFERENCES ${agentmanager_prefix}agents (id) ON DELETE CASCADE
) WITH (fillfactor = 70);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_liveness_overdue_idx
    ON ${agentmanager_prefix}agent_liveness (indexed_deadline) WHERE monitored;

-- Registration tokens: the SHA-256 of the secret only, never the secret.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}registration_tokens (
    id                 text COLLATE "C" NOT NULL,
    secret_hash        text NOT NULL,
    description        text NOT NULL,
    created_at         timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    scope_labels       jsonb NOT NULL,
    scope_capabilities jsonb NOT NULL,
    max_uses           integer NOT NULL,
    uses               integer NOT NULL,
    failed_attempts    integer NOT NULL,
    revoked_at         timestamptz,
    last_redeemed_at   timestamptz,
    reenroll_agent_id  text,
    CONSTRAINT ${agentmanager_prefix}registration_tokens_pk PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}registration_tokens_expires_idx
    ON ${agentmanager_prefix}registration_tokens (expires_at);

CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}token_redemptions (
    id                bigint GENERATED BY DEFAULT AS IDENTITY,
    token_id          text COLLATE "C" NOT NULL,
    redeemed_at       timestamptz NOT NULL,
    agent_id          text NOT NULL,
    public_key_sha256 text NOT NULL,
    remote_address    text,
    CONSTRAINT ${agentmanager_prefix}token_redemptions_pk PRIMARY KEY (id),
    CONSTRAINT ${agentmanager_prefix}token_redemptions_token_fk FOREIGN KEY (token_id)
        REFERENCES ${agentmanager_prefix}registration_tokens (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}token_redemptions_token_idx
    ON ${agentmanager_prefix}token_redemptions (token_id, id);

-- Certificate records; record_no keeps issue order.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}certificates (
    serial          text COLLATE "C" NOT NULL,
    record_no       bigint GENERATED BY DEFAULT AS IDENTITY,
    thumbprint      text COLLATE "C" NOT NULL,
    agent_id        text COLLATE "C" NOT NULL,
    not_before      timestamptz NOT NULL,
    not_after       timestamptz NOT NULL,
    certificate_pem text NOT NULL,
    revoked_at      timestamptz,
    CONSTRAINT ${agentmanager_prefix}certificates_pk PRIMARY KEY (serial)
);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}certificates_agent_idx
    ON ${agentmanager_prefix}certificates (agent_id, record_no);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}certificates_thumbprint_idx
    ON ${agentmanager_prefix}certificates (thumbprint);

-- Timeout monitor bookkeeping shared by every replica.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}monitor_state (
    name          varchar(64) NOT NULL,
    last_sweep_at timestamptz NOT NULL,
    CONSTRAINT ${agentmanager_prefix}monitor_state_pk PRIMARY KEY (name)
);

-- Recorded last, so that the version says the script ran to its end.
INSERT INTO ${agentmanager_prefix}schema_version (version, description)
    VALUES (1, 'agentmanager schema') ON CONFLICT (version) DO NOTHING;

-- agentmanager JDBC store, schema version 1, MariaDB 10.6 or later (InnoDB).
--
-- ${agentmanager_prefix} is the table prefix. JdbcAgentStore.createSchemaIfMissing() replaces it with the
-- builder's tablePrefix (default agentmanager_). Hosts that migrate with Flyway set the placeholder
-- agentmanager_prefix to the same value. Every statement is idempotent (IF NOT EXISTS).
--
-- Text is utf8mb4 with the binary collation: ids, labels and thumbprints compare exactly, case and
-- trailing spaces included. Instants are DATETIME(6) in UTC. Liveness instants (agent_liveness.*,
-- monitor_state) are on the database's clock: compare them with UTC_TIMESTAMP(6).
--
-- Agent and token ids are VARCHAR(127), the longest id the library accepts (JdbcAgentStore.MAX_ID_LENGTH).
-- The heartbeat flush is a multi-table UPDATE, for which MariaDB buffers each changed agent_liveness row in an
-- internal temporary table keyed by that row's primary key: 127 characters x 4 bytes + 2 length bytes = 510
-- bytes keeps that key within MariaDB's 512-byte limit for in-memory temporary tables. One character more
-- (VARCHAR(128): 514 bytes) sends the table to disk for every flush statement, about half as fast.

-- The schema versions applied: every script ends by recording its own, createSchemaIfMissing() reads the
-- highest to run only the missing scripts, and JdbcAgentStoreBuilder.build() checks it.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}schema_version (
    version     INT NOT NULL,
    description VARCHAR(200) NOT NULL,
    PRIMARY KEY (version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Durable agent state; version is bumped by every change (optimistic concurrency).
-- allowed_capabilities: the capability names the agent may declare (its registration token's scope, kept for
-- good), a JSON array of strings; [] allows any.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agents (
    id                    VARCHAR(127) NOT NULL,
    name                  TEXT NOT NULL,
    status                VARCHAR(16) NOT NULL,
    inactive_reason       VARCHAR(32),
    capabilities          JSON NOT NULL,
    allowed_capabilities  JSON NOT NULL,
    labels                JSON NOT NULL,
    agent_version         TEXT,
    health                VARCHAR(16) NOT NULL,
    cert_serial           VARCHAR(255) NOT NULL,
    cert_thumbprint       VARCHAR(255) NOT NULL,
    cert_not_before       DATETIME(6) NOT NULL,
    cert_not_after        DATETIME(6) NOT NULL,
    next_cert_serial      VARCHAR(255),
    next_cert_thumbprint  VARCHAR(255),
    next_cert_not_before  DATETIME(6),
    next_cert_not_after   DATETIME(6),
    registered_at         DATETIME(6) NOT NULL,
    status_changed_at     DATETIME(6) NOT NULL,
    registration_token_id VARCHAR(127),
    version               BIGINT NOT NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agents_status_idx
    ON ${agentmanager_prefix}agents (status);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agents_cert_thumbprint_idx
    ON ${agentmanager_prefix}agents (cert_thumbprint);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agents_next_cert_thumbprint_idx
    ON ${agentmanager_prefix}agents (next_cert_thumbprint);

-- Labels and capabilities again, one row each, so that queries filter in SQL on indexes.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agent_labels (
    agent_id    VARCHAR(127) NOT NULL,
    label_key   VARCHAR(255) NOT NULL,
    label_value TEXT NOT NULL,
    PRIMARY KEY (agent_id, label_key),
    CONSTRAINT ${agentmanager_prefix}agent_labels_agent_fk FOREIGN KEY (agent_id)
        REFERENCES ${agentmanager_prefix}agents (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_labels_key_value_idx
    ON ${agentmanager_prefix}agent_labels (label_key, label_value(255));

CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agent_capabilities (
    id                 BIGINT NOT NULL AUTO_INCREMENT,
    agent_id           VARCHAR(127) NOT NULL,
    capability_name    VARCHAR(255) NOT NULL,
    capability_version TEXT,
    PRIMARY KEY (id),
    CONSTRAINT ${agentmanager_prefix}agent_capabilities_agent_fk FOREIGN KEY (agent_id)
        REFERENCES ${agentmanager_prefix}agents (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_capabilities_agent_idx
    ON ${agentmanager_prefix}agent_capabilities (agent_id, capability_name);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_capabilities_name_idx
    ON ${agentmanager_prefix}agent_capabilities (capability_name, agent_id);

-- Liveness: the hot, narrow row every heartbeat flush updates. version mirrors agents.version and is the
-- arbiter of every conditional write; monitored is true while the agent is ACTIVE or PENDING.
-- indexed_deadline is a lagging copy of deadline (always <= deadline) that carries the overdue index and
-- is rewritten only when it falls into the second half of the agent's timeout window.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}agent_liveness (
    agent_id          VARCHAR(127) NOT NULL,
    version           BIGINT NOT NULL,
    monitored         BOOLEAN NOT NULL,
    boot_epoch        BIGINT NOT NULL,
    sequence_no       BIGINT NOT NULL,
    last_heartbeat_at DATETIME(6),
    deadline          DATETIME(6) NOT NULL,
    clock_skew_nanos  BIGINT,
    indexed_deadline  DATETIME(6) NOT NULL,
    PRIMARY KEY (agent_id),
    CONSTRAINT ${agentmanager_prefix}agent_liveness_agent_fk FOREIGN KEY (agent_id)
        REFERENCES ${agentmanager_prefix}agents (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}agent_liveness_overdue_idx
    ON ${agentmanager_prefix}agent_liveness (monitored, indexed_deadline);

-- Registration tokens: the SHA-256 of the secret only, never the secret.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}registration_tokens (
    id                 VARCHAR(127) NOT NULL,
    secret_hash        VARCHAR(255) NOT NULL,
    description        TEXT NOT NULL,
    created_at         DATETIME(6) NOT NULL,
    expires_at         DATETIME(6) NOT NULL,
    scope_labels       JSON NOT NULL,
    scope_capabilities JSON NOT NULL,
    max_uses           INT NOT NULL,
    uses               INT NOT NULL,
    failed_attempts    INT NOT NULL,
    revoked_at         DATETIME(6),
    last_redeemed_at   DATETIME(6),
    reenroll_agent_id  VARCHAR(127),
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}registration_tokens_expires_idx
    ON ${agentmanager_prefix}registration_tokens (expires_at);

CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}token_redemptions (
    id                BIGINT NOT NULL AUTO_INCREMENT,
    token_id          VARCHAR(127) NOT NULL,
    redeemed_at       DATETIME(6) NOT NULL,
    agent_id          VARCHAR(127) NOT NULL,
    public_key_sha256 VARCHAR(255) NOT NULL,
    remote_address    TEXT,
    PRIMARY KEY (id),
    CONSTRAINT ${agentmanager_prefix}token_redemptions_token_fk FOREIGN KEY (token_id)
        REFERENCES ${agentmanager_prefix}registration_tokens (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}token_redemptions_token_idx
    ON ${agentmanager_prefix}token_redemptions (token_id, id);

-- Certificate records; record_no keeps issue order.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}certificates (
    record_no       BIGINT NOT NULL AUTO_INCREMENT,
    serial          VARCHAR(255) NOT NULL,
    thumbprint      VARCHAR(255) NOT NULL,
    agent_id        VARCHAR(127) NOT NULL,
    not_before      DATETIME(6) NOT NULL,
    not_after       DATETIME(6) NOT NULL,
    certificate_pem TEXT NOT NULL,
    revoked_at      DATETIME(6),
    PRIMARY KEY (record_no),
    CONSTRAINT ${agentmanager_prefix}certificates_serial_uq UNIQUE (serial)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}certificates_agent_idx
    ON ${agentmanager_prefix}certificates (agent_id, record_no);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}certificates_thumbprint_idx
    ON ${agentmanager_prefix}certificates (thumbprint);

-- Timeout monitor bookkeeping shared by every replica.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}monitor_state (
    name          VARCHAR(64) NOT NULL,
    last_sweep_at DATETIME(6) NOT NULL,
    PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Recorded last, so that the version says the script ran to its end.
INSERT INTO ${agentmanager_prefix}schema_version (version, description)
    VALUES (1, 'agentmanager schema') ON DUPLICATE KEY UPDATE version = version;

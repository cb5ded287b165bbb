-- agentmanager JDBC store, schema version 4, MariaDB 10.6 or later: agent tasks.
--
-- tasks holds each task's request and state; version is bumped by every change (optimistic concurrency).
-- target_agent is set for a task that one agent must run; otherwise first_capability is the name of the
-- selector's capability that sorts first (NULL when it requires none): a claim reads only the queued tasks
-- its agent may take, through the claim index, in claim order (priority descending, creation, id).
-- selector_capabilities and selector_labels are the selector as JSON text ([{"name":..,"version":..}], {"k":"v"}).
-- Timeouts are ISO-8601 durations. Instants are DATETIME(6) in UTC. Idempotent.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}tasks (
    id                    VARCHAR(127) NOT NULL,
    type                  VARCHAR(255) NOT NULL,
    payload               LONGBLOB NOT NULL,
    payload_json          BOOLEAN NOT NULL,
    target_agent          VARCHAR(127),
    first_capability      VARCHAR(255),
    selector_capabilities TEXT,
    selector_labels       TEXT,
    priority              INT NOT NULL,
    idempotency_key       VARCHAR(255),
    retry_max_attempts    INT NOT NULL,
    retry_idempotent      BOOLEAN NOT NULL,
    schedule_to_start     VARCHAR(64) NOT NULL,
    start_to_close        VARCHAR(64) NOT NULL,
    progress_timeout      VARCHAR(64) NOT NULL,
    concurrency_group     VARCHAR(255),
    concurrency_limit     INT NOT NULL,
    created_at            DATETIME(6) NOT NULL,
    rerun_of              VARCHAR(127),
    status                VARCHAR(16) NOT NULL,
    attempt               INT NOT NULL,
    started_attempts      INT NOT NULL,
    agent_id              VARCHAR(127),
    agent_boot_epoch      BIGINT NOT NULL,
    queued_at             DATETIME(6) NOT NULL,
    claimed_at            DATETIME(6),
    started_at            DATETIME(6),
    reported_at           DATETIME(6),
    percent               INT,
    message               TEXT,
    cancel_requested      BOOLEAN NOT NULL,
    agent_lost_at         DATETIME(6),
    deadline              DATETIME(6),
    finished_at           DATETIME(6),
    result                LONGBLOB,
    result_json           BOOLEAN,
    reason                TEXT,
    version               BIGINT NOT NULL,
    CONSTRAINT ${agentmanager_prefix}tasks_pk PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- A second submit with a key finds the first task; of racing ones exactly one is inserted.
CREATE UNIQUE INDEX IF NOT EXISTS ${agentmanager_prefix}tasks_idempotency_key_idx
    ON ${agentmanager_prefix}tasks (idempotency_key);
-- Claims: queued tasks in claim order.
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}tasks_claim_idx
    ON ${agentmanager_prefix}tasks (status, priority DESC, created_at, id);
-- The timeout monitor: unfinished tasks by deadline.
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}tasks_deadline_idx
    ON ${agentmanager_prefix}tasks (deadline);
-- An agent's held tasks (capacity, reconciliation), and a concurrency group's.
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}tasks_agent_status_idx
    ON ${agentmanager_prefix}tasks (agent_id, status);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}tasks_group_status_idx
    ON ${agentmanager_prefix}tasks (concurrency_group, status);
-- Counts by status; cancel requests for heartbeat hints; pruning by finish time.
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}tasks_status_idx
    ON ${agentmanager_prefix}tasks (status);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}tasks_cancel_idx
    ON ${agentmanager_prefix}tasks (cancel_requested, agent_id);
CREATE INDEX IF NOT EXISTS ${agentmanager_prefix}tasks_finished_idx
    ON ${agentmanager_prefix}tasks (finished_at);

-- Finished attempts, one row each; late_report is what the agent said after the attempt had ended.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}task_attempts (
    task_id     VARCHAR(127) NOT NULL,
    attempt     INT NOT NULL,
    agent_id    VARCHAR(127) NOT NULL,
    claimed_at  DATETIME(6) NOT NULL,
    started_at  DATETIME(6),
    ended_at    DATETIME(6) NOT NULL,
    outcome     VARCHAR(16) NOT NULL,
    reason      TEXT,
    late_report TEXT,
    CONSTRAINT ${agentmanager_prefix}task_attempts_pk PRIMARY KEY (task_id, attempt)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Attempt logs as chunks at their byte offsets; the primary key refuses a second chunk at one offset.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}task_logs (
    task_id      VARCHAR(127) NOT NULL,
    attempt      INT NOT NULL,
    log_offset   BIGINT NOT NULL,
    chunk_length INT NOT NULL,
    chunk        LONGBLOB NOT NULL,
    CONSTRAINT ${agentmanager_prefix}task_logs_pk PRIMARY KEY (task_id, attempt, log_offset)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Lock rows: a claim locks its agent's row (claims for one agent run one at a time across replicas) and the
-- row of each concurrency group it claims from, then counts held tasks. Never deleted.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}task_claimers (
    agent_id VARCHAR(127) NOT NULL,
    CONSTRAINT ${agentmanager_prefix}task_claimers_pk PRIMARY KEY (agent_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}task_groups (
    name VARCHAR(255) NOT NULL,
    CONSTRAINT ${agentmanager_prefix}task_groups_pk PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Recorded last, so that the version says the script ran to its end.
INSERT INTO ${agentmanager_prefix}schema_version (version, description)
    VALUES (4, 'tasks') ON DUPLICATE KEY UPDATE version = version;

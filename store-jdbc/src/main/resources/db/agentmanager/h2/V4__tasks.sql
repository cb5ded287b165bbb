-- agentmanager JDBC store, schema version 4, H2 2.x: agent tasks.
--
-- tasks holds each task's request and state; version is bumped by every change (optimistic concurrency).
-- target_agent is set for a task that one agent must run; otherwise first_capability is the name of the
-- selector's capability that sorts first (NULL when it requires none): a claim reads only the queued tasks
-- its agent may take, through the claim index, in claim order (priority descending, creation, id).
-- selector_capabilities and selector_labels are the selector as JSON text ([{"name":..,"version":..}], {"k":"v"}).
-- Timeouts are ISO-8601 durations. Idempotent.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}tasks (
    id                    varchar(127) NOT NULL,
    type                  varchar(255) NOT NULL,
    payload               VARBINARY NOT NULL,
    payload_json          boolean NOT NULL,
    target_agent          varchar(127),
    first_capability      varchar(255),
    selector_capabilities VARCHAR,
    selector_labels       VARCHAR,
    priority              integer NOT NULL,
    idempotency_key       varchar(255),
    retry_max_attempts    integer NOT NULL,
    retry_idempotent      boolean NOT NULL,
    schedule_to_start     varchar(64) NOT NULL,
    start_to_close        varchar(64) NOT NULL,
    progress_timeout      varchar(64) NOT NULL,
    concurrency_group     varchar(255),
    concurrency_limit     integer NOT NULL,
    created_at            TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    rerun_of              varchar(127),
    status                varchar(16) NOT NULL,
    attempt               integer NOT NULL,
    started_attempts      integer NOT NULL,
    agent_id              varchar(127),
    agent_boot_epoch      bigint NOT NULL,
    queued_at             TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    claimed_at            TIMESTAMP(6) WITH TIME ZONE,
    started_at            TIMESTAMP(6) WITH TIME ZONE,
    reported_at           TIMESTAMP(6) WITH TIME ZONE,
    percent               integer,
    message               VARCHAR,
    cancel_requested      boolean NOT NULL,
    agent_lost_at         TIMESTAMP(6) WITH TIME ZONE,
    deadline              TIMESTAMP(6) WITH TIME ZONE,
    finished_at           TIMESTAMP(6) WITH TIME ZONE,
    result                VARBINARY,
    result_json           boolean,
    reason                VARCHAR,
    version               bigint NOT NULL,
    CONSTRAINT ${agentmanager_prefix}tasks_pk PRIMARY KEY (id)
);
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
    task_id     varchar(127) NOT NULL,
    attempt     integer NOT NULL,
    agent_id    varchar(127) NOT NULL,
    claimed_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    started_at  TIMESTAMP(6) WITH TIME ZONE,
    ended_at    TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    outcome     varchar(16) NOT NULL,
    reason      VARCHAR,
    late_report VARCHAR,
    CONSTRAINT ${agentmanager_prefix}task_attempts_pk PRIMARY KEY (task_id, attempt)
);

-- Attempt logs as chunks at their byte offsets; the primary key refuses a second chunk at one offset.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}task_logs (
    task_id      varchar(127) NOT NULL,
    attempt      integer NOT NULL,
    log_offset   bigint NOT NULL,
    chunk_length integer NOT NULL,
    chunk        VARBINARY NOT NULL,
    CONSTRAINT ${agentmanager_prefix}task_logs_pk PRIMARY KEY (task_id, attempt, log_offset)
);

-- Lock rows: a claim locks its agent's row (claims for one agent run one at a time across replicas) and the
-- row of each concurrency group it claims from, then counts held tasks. Never deleted.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}task_claimers (
    agent_id varchar(127) NOT NULL,
    CONSTRAINT ${agentmanager_prefix}task_claimers_pk PRIMARY KEY (agent_id)
);
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}task_groups (
    name varchar(255) NOT NULL,
    CONSTRAINT ${agentmanager_prefix}task_groups_pk PRIMARY KEY (name)
);

-- Recorded last, so that the version says the script ran to its end.
MERGE INTO ${agentmanager_prefix}schema_version (version, description) KEY (version)
    VALUES (4, 'tasks');

-- agentmanager JDBC store, schema version 3, PostgreSQL 12 or later: the fleet's sweep lock.
--
-- One timeout sweep at a time across replicas, so that self-preservation's cap holds for the fleet. The
-- holder (locked_by, a monitor's random id) keeps it until locked_until, on the database's clock; a replica
-- that dies holding it leaves it to the next once that time has passed. Idempotent.
CREATE TABLE IF NOT EXISTS ${agentmanager_prefix}sweep_lock (
    name         varchar(64) NOT NULL,
    locked_by    text NOT NULL,
    locked_until timestamptz NOT NULL,
    CONSTRAINT ${agentmanager_prefix}sweep_lock_pk PRIMARY KEY (name)
);

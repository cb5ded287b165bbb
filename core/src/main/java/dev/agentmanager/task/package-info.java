/**
 * Tasks: deployment work the orchestrator hands to its agents. {@link dev.agentmanager.task.AgentTasks} is the
 * API (from {@code AgentManager.tasks()}); the records here are its values.
 *
 * <p>Guarantees: a task is claimed by exactly one agent per attempt, on every store and across replicas; every
 * report carries the attempt's {@linkplain dev.agentmanager.task.TaskLease lease} and a report of an older
 * attempt changes nothing. An attempt whose start was never reported never ran and is queued again; one that
 * started may have run, and is queued again only for a task marked idempotent. Execution is therefore at least
 * once for idempotent tasks and at most once for the others.
 */
@NullMarked
package dev.agentmanager.task;

import org.jspecify.annotations.NullMarked;

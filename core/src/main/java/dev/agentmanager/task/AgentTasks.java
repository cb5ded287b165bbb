package dev.agentmanager.task;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Tasks: the orchestrator submits work, agents claim and report it. From {@code AgentManager.tasks()}.
 *
 * <p>Agent-side calls are authenticated like a heartbeat: the agent's id and the SHA-256 thumbprint of the
 * client certificate the host's TLS layer saw, which must be pinned on the agent, current and unrevoked. Only
 * an ACTIVE agent gets new tasks, and only tasks within its token scope; an agent deactivated by an operator
 * may finish what it holds (drain). Every state change is stored before its event is published. Bad input is
 * refused with a typed {@link dev.agentmanager.exception.AgentManagerException} and changes nothing.
 */
public interface AgentTasks {

    // ---- orchestrator ------------------------------------------------------------------------------

    /**
     * Queues a task. With an idempotency key that a task already holds, returns that task instead.
     *
     * @throws dev.agentmanager.exception.InvalidRequestException for a bad type, an oversize payload, a priority
     *     out of range, or a selector no agent could ever match (a capability outside every scope is not
     *     knowable; a malformed one is)
     */
    AgentTask submit(TaskRequest request);

    /**
     * Cancels a task: a queued one at once; a held one gets a cancel request that reaches its agent in its next
     * heartbeat response or report reply, and ends CANCELLED when the agent acknowledges or when its progress
     * timeout passes. A finished task is returned as it is.
     *
     * @throws dev.agentmanager.exception.TaskNotFoundException if no such task
     */
    AgentTask cancel(String taskId);

    /**
     * A new task with the same request as a finished one, linked to it ({@link AgentTask#rerunOf()}); the
     * idempotency key is not carried over.
     *
     * @throws dev.agentmanager.exception.TaskNotFoundException if no such task
     * @throws dev.agentmanager.exception.InvalidRequestException if the task is not finished
     */
    AgentTask rerun(String taskId);

    Optional<AgentTask> find(String taskId);

    /** Tasks matching the query, ordered by id. */
    List<AgentTask> find(TaskQuery query);

    /** How many tasks have this status. */
    long count(TaskStatus status);

    /** The task's finished attempts, oldest first. */
    List<TaskAttempt> attempts(String taskId);

    /**
     * Why the task is where it is.
     *
     * @throws dev.agentmanager.exception.TaskNotFoundException if no such task
     */
    TaskExplanation explain(String taskId);

    /** The log the agent appended for an attempt, from {@code offset}, at most {@code maxBytes}. */
    byte[] log(TaskLease lease, long offset, int maxBytes);

    /** Deletes tasks finished longer than the retention ago, in bounded batches; returns how many. */
    int prune();

    // ---- agent -------------------------------------------------------------------------------------

    /**
     * Claims up to {@code max} queued tasks for the agent (bounded by its capacity): each is claimed by exactly
     * one agent per attempt, across replicas too.
     *
     * @throws dev.agentmanager.exception.AgentNotFoundException if no such agent
     * @throws dev.agentmanager.exception.AgentRevokedException if it is revoked
     * @throws dev.agentmanager.exception.CertificateMismatchException if the certificate is not its own or not
     *     valid
     */
    List<TaskAssignment> claim(String agentId, String thumbprint, int max);

    /**
     * A future completed with {@code true} when a task this agent may claim is submitted (on this replica at
     * once; on another within the hint refresh interval of {@code TaskSettings}), or with {@code false} after
     * {@code timeout}. A hint only: claim to learn. No thread waits meanwhile.
     */
    CompletableFuture<Boolean> awaitWork(String agentId, String thumbprint, Duration timeout);

    /**
     * Applies an agent's report to its attempt. A report repeated after its reply was lost is accepted again and
     * changes nothing more.
     *
     * @throws dev.agentmanager.exception.TaskFencedException if the lease is not the task's current attempt held
     *     by this agent (the report is kept in the attempt's history and published as an event, but changes
     *     nothing)
     * @throws dev.agentmanager.exception.TaskNotFoundException if no such task
     */
    TaskControl report(String agentId, String thumbprint, TaskReport report);

    /**
     * Appends a chunk to the attempt's log at {@code offset}: a chunk already there (a retry) is accepted and not
     * duplicated; a gap is refused.
     *
     * @return the log's length after the call
     * @throws dev.agentmanager.exception.TaskFencedException as for {@link #report}
     */
    long appendLog(String agentId, String thumbprint, TaskLease lease, long offset, byte[] chunk);
}

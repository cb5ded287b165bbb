package dev.agentmanager.spi;

import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskAttempt;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The task role of a store, on its own so that a store without tasks stays a valid {@link IAgentStore}. Like the
 * other roles it stores and finds; the task rules (who may claim what, what an attempt's end means) live in core,
 * which hands the store finished values and a {@link TaskClaimer} for the one decision that must happen inside
 * the store's atomic claim.
 *
 * <p>Thread-safe and, for shared databases, safe across processes. Every write is conditional on the task's
 * {@link AgentTask#version() version}. The contract is pinned down by
 * {@code dev.agentmanager.testkit.TaskStoreContract} in {@code agentmanager-testkit}.
 */
public interface TaskStore {

    /**
     * Inserts a new task (version 1). If its idempotency key is already held by a stored task, inserts nothing
     * and returns that task; of racing inserts with one key, exactly one is inserted, across processes too.
     *
     * @return the task as stored: {@code task} itself, or the one holding its key
     * @throws IllegalStateException if a task with this id exists
     */
    AgentTask insertTask(AgentTask task);

    Optional<AgentTask> findTask(String taskId);

    /** Tasks matching the query, ordered by id, at most {@code query.limit()}. */
    List<AgentTask> findTasks(TaskQuery query);

    /** How many tasks have this status. */
    long countTasks(TaskStatus status);

    /**
     * Writes {@code updated} with version {@code expectedVersion + 1}, only if the stored version is
     * {@code expectedVersion}; with {@code endedAttempt} non-null, appends it to the task's history in the same
     * atomic step.
     *
     * @return the task as now stored; empty if the version did not match or the task does not exist
     */
    Optional<AgentTask> updateTask(AgentTask updated, long expectedVersion, TaskAttempt endedAttempt);

    /** As {@link #updateTask(AgentTask, long, TaskAttempt)} without history. */
    Optional<AgentTask> updateTask(AgentTask updated, long expectedVersion);

    /**
     * Claims queued tasks for one agent in one atomic step. Candidates are {@link TaskStatus#QUEUED} tasks that
     * target {@code query.agentId()} or target a selector whose first capability name is null or among
     * {@code query.capabilityNames()}, examined in order (priority descending, then creation, then id), at most
     * {@code query.scanLimit()} of them, skipping those another claim is examining (never waiting for it). For
     * each, {@code claimer} decides: the claimed task to write, or {@code null} to skip. The store writes a claim
     * only while:
     *
     * <ul>
     *   <li>the agent holds fewer than {@code query.capacity()} tasks in {@link TaskStatus#isHeld() held} states,
     *       counted with the claims of this call, while no other claim for the same agent runs;
     *   <li>for a task with a concurrency group, fewer than its limit of the group's tasks are held fleet-wide,
     *       counted while no other claim for the same group runs.
     * </ul>
     *
     * <p>It stops after {@code query.max()} claims. Every task is claimed by at most one call per attempt.
     *
     * @return the claimed tasks as stored (version incremented), in claim order
     */
    List<AgentTask> claimTasks(TaskClaimQuery query, TaskClaimer claimer);

    /**
     * Unfinished tasks whose {@code deadline} is at or before {@code now}, earliest deadline first, at most
     * {@code limit}. O(result), not O(tasks).
     */
    List<AgentTask> findTasksDueBy(Instant now, int limit);

    /** The tasks an agent holds (in {@link TaskStatus#isHeld() held} states), by id. */
    List<AgentTask> findHeldTasks(String agentId);

    /** The tasks with these ids that exist, in any order. */
    List<AgentTask> findTasks(List<String> taskIds);

    /** A task's finished attempts, oldest first. */
    List<TaskAttempt> findAttempts(String taskId);

    /**
     * Records what an agent reported about an attempt after it had ended, on that attempt's history entry (the
     * last report wins). Does nothing if the attempt has no history entry.
     */
    void recordLateReport(String taskId, int attempt, String report);

    /**
     * Appends {@code chunk} to an attempt's log if the log is exactly {@code offset} bytes long now.
     *
     * @return the log's length after the call (unchanged if the offset did not match)
     */
    long appendLog(String taskId, int attempt, long offset, byte[] chunk);

    /** Up to {@code maxBytes} of an attempt's log from {@code offset}; empty past its end. */
    byte[] readLog(String taskId, int attempt, long offset, int maxBytes);

    /**
     * Queued tasks as a heartbeat hint needs them: how many target each agent (only agents with some) and how
     * many selector tasks wait per first capability name ({@code ""} for none), counting at most {@code limit}
     * tasks; and the held attempts with a cancel request, by agent.
     */
    QueueSummary queueSummary(int limit);

    /**
     * Deletes up to {@code limit} tasks finished before {@code before}, with their history and logs.
     *
     * @return how many were deleted
     */
    int deleteFinishedTasks(Instant before, int limit);
}

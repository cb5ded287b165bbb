package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.ConcurrentTaskModificationException;
import dev.agentmanager.exception.TaskNotFoundException;
import dev.agentmanager.internal.EventDispatcher;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskAttempt;
import dev.agentmanager.task.TaskState;
import dev.agentmanager.task.TaskStatus;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Stores task changes with the optimistic version check, retrying on conflict, and publishes the events the change
 * means once it is stored: one place that turns "state before, state after" into history and events.
 */
final class TaskWriter {
    private static final System.Logger LOG = System.getLogger(TaskWriter.class.getName());
    private static final int MAX_ATTEMPTS = 16;

    private final TaskStore store;
    private final EventDispatcher events;

    TaskWriter(TaskStore store, EventDispatcher events) {
        this.store = store;
        this.events = events;
    }

    /**
     * Reads the task, asks {@code change} for its next state (null or the same state: nothing to do) and stores
     * it, re-reading on a version conflict.
     *
     * @return the task as stored after the change (or as read, if nothing changed)
     * @throws TaskNotFoundException if no such task
     */
    AgentTask update(String taskId, Instant now, Function<AgentTask, @Nullable TaskState> change) {
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            AgentTask task = store.findTask(taskId).orElseThrow(() -> new TaskNotFoundException(taskId));
            Optional<AgentTask> stored = tryUpdate(task, change.apply(task), now);
            if (stored.isPresent()) {
                return stored.get();
            }
        }
        throw new ConcurrentTaskModificationException(taskId);
    }

    /**
     * Stores {@code next} over {@code task} if its version is still the one read.
     *
     * @return the task as now stored, {@code task} itself when {@code next} changes nothing; empty on a conflict
     */
    Optional<AgentTask> tryUpdate(AgentTask task, @Nullable TaskState next, Instant now) {
        if (next == null || next.equals(task.state())) {
            return Optional.of(task);
        }
        AgentTask updated = task.withState(next);
        TaskAttempt ended = endedAttempt(task.state(), next, task.id(), now);
        Optional<AgentTask> stored = ended == null
                ? store.updateTask(updated, task.version())
                : store.updateTask(updated, task.version(), ended);
        stored.ifPresent(after -> publish(task.state(), after, now));
        return stored;
    }

    /** Publishes what a stored claim means (the store wrote it inside its claim). */
    void claimed(AgentTask before, AgentTask after, Instant now) {
        publish(before.state(), after, now);
    }

    private static @Nullable TaskAttempt endedAttempt(TaskState before, TaskState after, String taskId, Instant now) {
        boolean ended = before.status().isHeld() && (!after.status().isHeld() || after.attempt() != before.attempt());
        if (!ended) {
            return null;
        }
        return new TaskAttempt(
                taskId,
                before.attempt(),
                requireNonNull(before.agentId()),
                requireNonNull(before.claimedAt()),
                after.status() == TaskStatus.QUEUED ? before.startedAt() : after.startedAt(),
                now,
                after.status(),
                after.reason(),
                null);
    }

    private void publish(TaskState before, AgentTask task, Instant now) {
        TaskState after = task.state();
        String id = task.id();
        if (before.status() == TaskStatus.QUEUED && after.status() == TaskStatus.CLAIMED) {
            events.publish(new AgentEvent.TaskClaimed(now, id, after.attempt(), requireNonNull(after.agentId())));
            return;
        }
        if (before.startedAt() == null && after.startedAt() != null) {
            events.publish(new AgentEvent.TaskStarted(now, id, after.attempt(), requireNonNull(after.agentId())));
        }
        if (!before.cancelRequested()
                && after.cancelRequested()
                && after.status().isHeld()) {
            events.publish(
                    new AgentEvent.TaskCancelRequested(now, id, after.attempt(), requireNonNull(after.agentId())));
        }
        if (before.status().isHeld() && after.status() == TaskStatus.QUEUED) {
            String reason = after.reason() == null ? "attempt ended" : after.reason();
            LOG.log(Level.INFO, () -> "task " + id + " attempt " + before.attempt() + " queued again: " + reason);
            events.publish(new AgentEvent.TaskRequeued(
                    now,
                    id,
                    before.attempt(),
                    requireNonNull(before.agentId()),
                    before.status() == TaskStatus.RUNNING,
                    reason));
        }
        if (!before.status().isFinished() && after.status().isFinished()) {
            LOG.log(
                    Level.INFO,
                    () -> "task " + id + " " + after.status() + (after.reason() == null ? "" : ": " + after.reason()));
            events.publish(new AgentEvent.TaskFinished(
                    now, id, after.status(), after.attempt(), after.agentId(), after.reason()));
        }
    }
}

package dev.agentmanager.testkit;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.RetryPolicy;
import dev.agentmanager.task.TaskAttempt;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskState;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.task.TaskTimeouts;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Valid sample tasks for store tests, in the states core writes: queued, claimed, running, finished, queued again.
 * Instants have millisecond precision and ids one length ({@link #id(int)}), so any store round-trips and sorts
 * them exactly.
 *
 * <pre>{@code
 * AgentTask queued = store.insertTask(TestTasks.task(TestTasks.id(1), now).priority(5).build());
 * AgentTask claimed = TestTasks.claimed(queued, "agent-001", now);
 * }</pre>
 */
public final class TestTasks {
    /** The selector tasks target unless set otherwise: agents with capability {@code docker}. */
    public static final TaskSelector DOCKER = TaskSelector.capability("docker");
    /** How long a claimed or running attempt may go without a report here. */
    public static final Duration PROGRESS_TIMEOUT = Duration.ofMinutes(5);

    private TestTasks() {}

    /** A task id that sorts by {@code n}: {@code task-000042}. */
    public static String id(int n) {
        return String.format("task-%06d", n);
    }

    /** A queued task (version 0 until inserted) submitted at {@code createdAt}. */
    public static Builder task(String id, Instant createdAt) {
        return new Builder(id, createdAt);
    }

    /** {@code queued} claimed by {@code agentId} at {@code at}: the next attempt, boot epoch 1. */
    public static AgentTask claimed(AgentTask queued, String agentId, Instant at) {
        TaskState s = queued.state();
        return queued.withState(new TaskState(
                TaskStatus.CLAIMED,
                s.attempt() + 1,
                s.startedAttempts(),
                agentId,
                1,
                s.queuedAt(),
                at,
                null,
                at,
                null,
                null,
                false,
                null,
                at.plus(PROGRESS_TIMEOUT),
                null,
                null,
                null));
    }

    /** A held task whose agent reported its start at {@code at}. */
    public static AgentTask running(AgentTask held, Instant at) {
        TaskState s = held.state();
        return held.withState(new TaskState(
                TaskStatus.RUNNING,
                s.attempt(),
                s.startedAttempts() + 1,
                s.agentId(),
                s.agentBootEpoch(),
                s.queuedAt(),
                s.claimedAt(),
                at,
                at,
                20,
                "started",
                s.cancelRequested(),
                null,
                at.plus(PROGRESS_TIMEOUT),
                null,
                null,
                null));
    }

    /** A held task with a cancel request. */
    public static AgentTask cancelRequested(AgentTask held) {
        TaskState s = held.state();
        return held.withState(new TaskState(
                s.status(),
                s.attempt(),
                s.startedAttempts(),
                s.agentId(),
                s.agentBootEpoch(),
                s.queuedAt(),
                s.claimedAt(),
                s.startedAt(),
                s.reportedAt(),
                s.percent(),
                s.message(),
                true,
                s.agentLostAt(),
                s.deadline(),
                null,
                null,
                null));
    }

    /** A task finished with {@code status} at {@code at} (a result if it succeeded, a reason otherwise). */
    public static AgentTask finished(AgentTask task, TaskStatus status, Instant at) {
        if (!status.isFinished()) {
            throw new IllegalArgumentException("not a finished status: " + status);
        }
        TaskState s = task.state();
        boolean ok = status == TaskStatus.SUCCEEDED;
        return task.withState(new TaskState(
                status,
                s.attempt(),
                s.startedAttempts(),
                s.agentId(),
                s.agentBootEpoch(),
                s.queuedAt(),
                s.claimedAt(),
                s.startedAt(),
                s.reportedAt(),
                s.percent(),
                s.message(),
                s.cancelRequested(),
                null,
                null,
                at,
                ok ? TaskPayload.ofJson("{\"ok\":true}") : null,
                ok ? null : "ended " + status));
    }

    /** A held task queued again at {@code at} for a new attempt (the agent kept for the record). */
    public static AgentTask requeued(AgentTask held, Instant at) {
        TaskState s = held.state();
        return held.withState(new TaskState(
                TaskStatus.QUEUED,
                s.attempt(),
                s.startedAttempts(),
                s.agentId(),
                0,
                at,
                null,
                null,
                null,
                null,
                null,
                false,
                null,
                at.plus(Duration.ofHours(1)),
                null,
                null,
                null));
    }

    /** The history entry of a held task's current attempt, ended at {@code at} with {@code outcome}. */
    public static TaskAttempt ended(AgentTask held, TaskStatus outcome, Instant at) {
        TaskState s = held.state();
        return new TaskAttempt(
                held.id(),
                s.attempt(),
                requireNonNull(s.agentId(), "agentId"),
                requireNonNull(s.claimedAt(), "claimedAt"),
                s.startedAt(),
                at,
                outcome,
                outcome == TaskStatus.QUEUED ? "queued again" : "ended " + outcome,
                null);
    }

    /** Builds a queued task; every field has a valid default. */
    public static final class Builder {
        private final String id;
        private final Instant createdAt;
        private String type = "deploy";
        private TaskPayload payload = TaskPayload.empty();
        private TaskTarget target = TaskTarget.matching(DOCKER);
        private int priority;
        private @Nullable String idempotencyKey;
        private RetryPolicy retry = RetryPolicy.once();
        private TaskTimeouts timeouts = TaskTimeouts.defaults();
        private @Nullable String group;
        private int groupLimit = 1;
        private @Nullable String rerunOf;
        private @Nullable Instant deadline;

        private Builder(String id, Instant createdAt) {
            this.id = requireNonNull(id, "id");
            this.createdAt = requireNonNull(createdAt, "createdAt");
        }

        public Builder type(String value) {
            this.type = value;
            return this;
        }

        public Builder payload(TaskPayload value) {
            this.payload = value;
            return this;
        }

        /** Only this agent may claim it. */
        public Builder agent(String agentId) {
            this.target = TaskTarget.agent(agentId);
            return this;
        }

        /** Agents the selector matches may claim it. */
        public Builder selector(TaskSelector selector) {
            this.target = TaskTarget.matching(selector);
            return this;
        }

        public Builder priority(int value) {
            this.priority = value;
            return this;
        }

        public Builder idempotencyKey(String key) {
            this.idempotencyKey = key;
            return this;
        }

        public Builder retry(RetryPolicy value) {
            this.retry = value;
            return this;
        }

        public Builder timeouts(TaskTimeouts value) {
            this.timeouts = value;
            return this;
        }

        public Builder group(String name, int limit) {
            this.group = name;
            this.groupLimit = limit;
            return this;
        }

        public Builder rerunOf(String taskId) {
            this.rerunOf = taskId;
            return this;
        }

        /** When the monitor must look at it; schedule-to-start after creation by default. */
        public Builder deadline(Instant value) {
            this.deadline = value;
            return this;
        }

        public AgentTask build() {
            TaskRequest request = new TaskRequest(
                    type, payload, target, priority, idempotencyKey, retry, timeouts, group, groupLimit);
            Instant due = deadline != null ? deadline : createdAt.plus(timeouts.scheduleToStart());
            return new AgentTask(id, request, createdAt, rerunOf, TaskState.queued(createdAt, due), 0);
        }
    }
}

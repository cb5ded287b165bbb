package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A task's changing part: its status and its current (or last) attempt.
 *
 * @param status where it stands
 * @param attempt the current or last attempt, the fencing token of its lease; 0 before the first claim
 * @param startedAttempts how many attempts reported a start (the retry policy counts these)
 * @param agentId the agent holding (or that last held) it, or {@code null}
 * @param agentBootEpoch that agent's boot epoch when it claimed (its attempts end when it restarts); 0 if none
 * @param queuedAt when it was last queued
 * @param claimedAt when the current attempt was claimed, or {@code null}
 * @param startedAt when the current attempt reported its start, or {@code null}
 * @param reportedAt the current attempt's last report (claim, start, progress, log), or {@code null}
 * @param percent the last progress percentage, or {@code null}
 * @param message the last progress message, or {@code null}
 * @param cancelRequested whether the orchestrator asked the holding agent to stop
 * @param agentLostAt when the holding agent went inactive, or {@code null}: its started attempt is declared lost
 *     after the grace unless the agent returns
 * @param deadline when the monitor must look at it next (the earliest timeout that applies); {@code null} once
 *     finished
 * @param finishedAt when it finished, or {@code null}
 * @param result what the agent reported on success, or {@code null}
 * @param reason why it failed, timed out, was cancelled or lost, or {@code null}
 */
public record TaskState(
        TaskStatus status,
        int attempt,
        int startedAttempts,
        @Nullable String agentId,
        long agentBootEpoch,
        Instant queuedAt,
        @Nullable Instant claimedAt,
        @Nullable Instant startedAt,
        @Nullable Instant reportedAt,
        @Nullable Integer percent,
        @Nullable String message,
        boolean cancelRequested,
        @Nullable Instant agentLostAt,
        @Nullable Instant deadline,
        @Nullable Instant finishedAt,
        @Nullable TaskPayload result,
        @Nullable String reason) {

    public TaskState {
        requireNonNull(status, "status");
        requireNonNull(queuedAt, "queuedAt");
        if (status.isFinished() != (deadline == null)) {
            throw new IllegalArgumentException("a task has a deadline exactly while it is not finished: " + status);
        }
        if (status.isHeld() && agentId == null) {
            throw new IllegalArgumentException(status + " needs an agent");
        }
    }

    /** A new task, queued at {@code now}, to be looked at by {@code deadline}. */
    public static TaskState queued(Instant now, Instant deadline) {
        return new TaskState(
                TaskStatus.QUEUED,
                0,
                0,
                null,
                0,
                now,
                null,
                null,
                null,
                null,
                null,
                false,
                null,
                deadline,
                null,
                null,
                null);
    }
}

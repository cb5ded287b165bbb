package dev.agentmanager;

import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskState;
import dev.agentmanager.task.TaskStatus;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A {@link TaskState} being changed: a copy whose fields the task rules set one by one. */
final class TaskStateDraft {
    TaskStatus status;
    int attempt;
    int startedAttempts;

    @Nullable
    String agentId;

    long agentBootEpoch;
    Instant queuedAt;

    @Nullable
    Instant claimedAt;

    @Nullable
    Instant startedAt;

    @Nullable
    Instant reportedAt;

    @Nullable
    Integer percent;

    @Nullable
    String message;

    boolean cancelRequested;

    @Nullable
    Instant agentLostAt;

    @Nullable
    Instant deadline;

    @Nullable
    Instant finishedAt;

    @Nullable
    TaskPayload result;

    @Nullable
    String reason;

    TaskStateDraft(TaskState s) {
        status = s.status();
        attempt = s.attempt();
        startedAttempts = s.startedAttempts();
        agentId = s.agentId();
        agentBootEpoch = s.agentBootEpoch();
        queuedAt = s.queuedAt();
        claimedAt = s.claimedAt();
        startedAt = s.startedAt();
        reportedAt = s.reportedAt();
        percent = s.percent();
        message = s.message();
        cancelRequested = s.cancelRequested();
        agentLostAt = s.agentLostAt();
        deadline = s.deadline();
        finishedAt = s.finishedAt();
        result = s.result();
        reason = s.reason();
    }

    TaskState build() {
        return new TaskState(
                status,
                attempt,
                startedAttempts,
                agentId,
                agentBootEpoch,
                queuedAt,
                claimedAt,
                startedAt,
                reportedAt,
                percent,
                message,
                cancelRequested,
                agentLostAt,
                deadline,
                finishedAt,
                result,
                reason);
    }
}

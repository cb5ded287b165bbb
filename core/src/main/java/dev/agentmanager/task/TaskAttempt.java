package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One finished attempt of a task, kept as history.
 *
 * @param taskId the task
 * @param attempt the attempt number
 * @param agentId the agent that held it
 * @param claimedAt when it was claimed
 * @param startedAt when its start was reported, or {@code null}: then it never ran
 * @param endedAt when it ended
 * @param outcome how it ended: the task's status at that moment ({@link TaskStatus#QUEUED} when it was queued
 *     again)
 * @param reason why it ended that way, or {@code null}
 * @param lateReport what the agent reported after the attempt had ended (e.g. "succeeded" after it was declared
 *     lost), or {@code null}: the attempt did change the host
 */
public record TaskAttempt(
        String taskId,
        int attempt,
        String agentId,
        Instant claimedAt,
        @Nullable Instant startedAt,
        Instant endedAt,
        TaskStatus outcome,
        @Nullable String reason,
        @Nullable String lateReport) {
    public TaskAttempt {
        requireNonNull(taskId, "taskId");
        requireNonNull(agentId, "agentId");
        requireNonNull(claimedAt, "claimedAt");
        requireNonNull(endedAt, "endedAt");
        requireNonNull(outcome, "outcome");
    }
}

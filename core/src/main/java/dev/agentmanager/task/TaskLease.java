package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

/**
 * One attempt of a task as an agent holds it: the task and the attempt number, which is the fencing token. Every
 * report carries it; a report whose attempt is not the task's current one changes nothing.
 *
 * @param taskId the task
 * @param attempt the attempt (fencing token), from 1, increasing with every claim
 */
public record TaskLease(String taskId, int attempt) {
    public TaskLease {
        requireNonNull(taskId, "taskId");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, got " + attempt);
        }
    }
}

package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

/**
 * The reply to an accepted report.
 *
 * @param status the task's status after the report
 * @param cancelRequested whether the agent should stop the work and report {@link TaskReport.Cancelled}
 */
public record TaskControl(TaskStatus status, boolean cancelRequested) {
    public TaskControl {
        requireNonNull(status, "status");
    }
}

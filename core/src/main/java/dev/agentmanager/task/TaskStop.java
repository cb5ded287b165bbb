package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

/**
 * An instruction in a heartbeat response: stop the work of this attempt.
 *
 * @param lease the attempt to stop
 * @param reason why
 */
public record TaskStop(TaskLease lease, Reason reason) {
    public TaskStop {
        requireNonNull(lease, "lease");
        requireNonNull(reason, "reason");
    }

    /** Why an agent must stop an attempt. */
    public enum Reason {
        /** The orchestrator cancelled the task: stop and report {@link TaskReport.Cancelled}. */
        CANCEL,
        /** The attempt is over (given to another attempt, timed out, lost or finished): stop, report nothing. */
        SUPERSEDED,
        /** No such task. */
        UNKNOWN
    }
}

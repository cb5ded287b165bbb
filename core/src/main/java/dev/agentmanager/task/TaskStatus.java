package dev.agentmanager.task;

/**
 * Where a task stands. {@code QUEUED → CLAIMED → RUNNING → SUCCEEDED | FAILED | CANCELLED | TIMED_OUT | LOST};
 * an attempt that ends before it is finished may put the task back to {@code QUEUED} as a new attempt.
 */
public enum TaskStatus {
    /** Waiting for an eligible agent to claim it. */
    QUEUED,
    /** An agent holds it but has not reported its start: it has not run. */
    CLAIMED,
    /** The agent reported its start: it may have changed the host. */
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    /** A timeout ended it: schedule-to-start, start-to-close or progress. */
    TIMED_OUT,
    /**
     * A started attempt's agent went away (missed heartbeats past the grace, revoked, restarted) and the task is
     * not marked idempotent: it may or may not have run; the host decides.
     */
    LOST;

    /** Whether nothing will happen to the task any more. */
    public boolean isFinished() {
        return this != QUEUED && this != CLAIMED && this != RUNNING;
    }

    /** Whether an agent holds it (claimed or running). */
    public boolean isHeld() {
        return this == CLAIMED || this == RUNNING;
    }
}

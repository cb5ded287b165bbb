package dev.agentmanager.task;

/**
 * How often a task may be attempted after its start. An attempt that never started (its agent never reported a
 * start) does not count: it never ran and is always queued again.
 *
 * @param maxAttempts how many attempts may start, at least 1
 * @param idempotent whether running the task twice is harmless: only then is a started attempt whose outcome is
 *     unknown (lost agent, timeout) queued again; otherwise the task ends {@link TaskStatus#LOST} or
 *     {@link TaskStatus#TIMED_OUT} and the host decides
 */
public record RetryPolicy(int maxAttempts, boolean idempotent) {
    public static final int MAX_ATTEMPTS = 100;

    public RetryPolicy {
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
            throw new IllegalArgumentException("maxAttempts must be in [1, " + MAX_ATTEMPTS + "], got " + maxAttempts);
        }
    }

    /** One started attempt, never repeated: the default, since deployment work is rarely idempotent. */
    public static RetryPolicy once() {
        return new RetryPolicy(1, false);
    }

    /** Idempotent work, up to {@code maxAttempts} started attempts. */
    public static RetryPolicy idempotent(int maxAttempts) {
        return new RetryPolicy(maxAttempts, true);
    }
}

package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * What the orchestrator submits. Build with {@link #builder(String, TaskTarget)}; limits (type, payload size,
 * priority range) are checked by the manager, which refuses a bad request with an
 * {@link dev.agentmanager.exception.InvalidRequestException}.
 *
 * @param type what kind of work, e.g. {@code deploy}: letters, digits and {@code . _ / -}
 * @param payload what the agent needs to do it, opaque to the library
 * @param target one agent, or any agent a selector matches
 * @param priority higher first; equal priorities in submission order
 * @param idempotencyKey a second submit with the same key returns the first task instead of a new one; or
 *     {@code null}
 * @param retry how often a started attempt may be repeated
 * @param timeouts the task's timeouts, or {@code null} for the manager's defaults
 * @param concurrencyGroup at most {@code concurrencyLimit} tasks of this group are held by agents at once across
 *     the fleet (e.g. one deployment per environment); or {@code null}
 * @param concurrencyLimit the group's limit, at least 1 (ignored without a group)
 */
public record TaskRequest(
        String type,
        TaskPayload payload,
        TaskTarget target,
        int priority,
        @Nullable String idempotencyKey,
        RetryPolicy retry,
        @Nullable TaskTimeouts timeouts,
        @Nullable String concurrencyGroup,
        int concurrencyLimit) {

    public TaskRequest {
        requireNonNull(type, "type");
        requireNonNull(payload, "payload");
        requireNonNull(target, "target");
        requireNonNull(retry, "retry");
        if (concurrencyLimit < 1) {
            throw new IllegalArgumentException("concurrencyLimit must be >= 1, got " + concurrencyLimit);
        }
    }

    public static TaskRequestBuilder builder(String type, TaskTarget target) {
        return new TaskRequestBuilder(type, target);
    }

    /** The same request with these timeouts. */
    public TaskRequest withTimeouts(TaskTimeouts resolved) {
        return new TaskRequest(
                type,
                payload,
                target,
                priority,
                idempotencyKey,
                retry,
                requireNonNull(resolved, "timeouts"),
                concurrencyGroup,
                concurrencyLimit);
    }
}

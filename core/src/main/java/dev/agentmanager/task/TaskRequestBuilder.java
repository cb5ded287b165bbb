package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/** Builder for {@link TaskRequest}: no payload, priority 0, {@link RetryPolicy#once()}, default timeouts. */
public final class TaskRequestBuilder {
    private final String type;
    private final TaskTarget target;
    private TaskPayload payload = TaskPayload.empty();
    private int priority;
    private @Nullable String idempotencyKey;
    private RetryPolicy retry = RetryPolicy.once();
    private @Nullable TaskTimeouts timeouts;
    private @Nullable String concurrencyGroup;
    private int concurrencyLimit = 1;

    TaskRequestBuilder(String type, TaskTarget target) {
        this.type = requireNonNull(type, "type");
        this.target = requireNonNull(target, "target");
    }

    public TaskRequestBuilder payload(TaskPayload payload) {
        this.payload = requireNonNull(payload, "payload");
        return this;
    }

    /** Shorthand for {@code payload(TaskPayload.ofJson(json))}. */
    public TaskRequestBuilder json(String json) {
        return payload(TaskPayload.ofJson(json));
    }

    public TaskRequestBuilder priority(int priority) {
        this.priority = priority;
        return this;
    }

    public TaskRequestBuilder idempotencyKey(String key) {
        this.idempotencyKey = requireNonNull(key, "key");
        return this;
    }

    public TaskRequestBuilder retry(RetryPolicy retry) {
        this.retry = requireNonNull(retry, "retry");
        return this;
    }

    public TaskRequestBuilder timeouts(TaskTimeouts timeouts) {
        this.timeouts = requireNonNull(timeouts, "timeouts");
        return this;
    }

    /** At most {@code limit} tasks of {@code group} held by agents at once, fleet-wide. */
    public TaskRequestBuilder concurrencyGroup(String group, int limit) {
        this.concurrencyGroup = requireNonNull(group, "group");
        this.concurrencyLimit = limit;
        return this;
    }

    public TaskRequest build() {
        return new TaskRequest(
                type, payload, target, priority, idempotencyKey, retry, timeouts, concurrencyGroup, concurrencyLimit);
    }
}

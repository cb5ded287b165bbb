package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A task as stored: what was submitted, and where it stands.
 *
 * @param id the task's id (time-ordered: later tasks sort after earlier ones)
 * @param request what was submitted, timeouts resolved
 * @param createdAt when it was submitted
 * @param rerunOf the finished task this one reruns, or {@code null}
 * @param state its status and current attempt
 * @param version optimistic-lock version, from 1
 */
public record AgentTask(
        String id,
        TaskRequest request,
        Instant createdAt,
        @Nullable String rerunOf,
        TaskState state,
        long version) {

    public AgentTask {
        requireNonNull(id, "id");
        requireNonNull(request, "request");
        requireNonNull(request.timeouts(), "request.timeouts");
        requireNonNull(createdAt, "createdAt");
        requireNonNull(state, "state");
    }

    public TaskStatus status() {
        return state.status();
    }

    /** The request's timeouts (always resolved in a stored task). */
    public TaskTimeouts timeouts() {
        return requireNonNull(request.timeouts());
    }

    /** The current attempt's lease; meaningful once claimed. */
    public TaskLease lease() {
        return new TaskLease(id, Math.max(1, state.attempt()));
    }

    /** The agent this task targets, or {@code null} for a selector. */
    public @Nullable String targetAgentId() {
        return request.target() instanceof TaskTarget.OneAgent one ? one.agentId() : null;
    }

    /** The same task with a new state, version unchanged (a store sets it). */
    public AgentTask withState(TaskState newState) {
        return new AgentTask(id, request, createdAt, rerunOf, newState, version);
    }

    /** The same task as stored with this version. */
    public AgentTask withVersion(long newVersion) {
        return new AgentTask(id, request, createdAt, rerunOf, state, newVersion);
    }
}

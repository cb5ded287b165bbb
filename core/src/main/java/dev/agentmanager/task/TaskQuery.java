package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import java.util.EnumSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A query over tasks: every given criterion must hold. Results come ordered by id (submission order); page with
 * {@link #after(String)}.
 *
 * @param statuses statuses to match; empty matches any
 * @param agentId the agent holding (or that last held) the task, or {@code null}
 * @param type the task type, or {@code null}
 * @param afterId only tasks whose id sorts after this one, or {@code null}
 * @param limit at most this many, 1 to {@link #MAX_LIMIT}
 */
public record TaskQuery(
        Set<TaskStatus> statuses,
        @Nullable String agentId,
        @Nullable String type,
        @Nullable String afterId,
        int limit) {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;

    public TaskQuery {
        statuses = statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(requireNonNull(statuses, "statuses")));
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be in [1, " + MAX_LIMIT + "], got " + limit);
        }
    }

    /** Every task, first page. */
    public static TaskQuery all() {
        return new TaskQuery(Set.of(), null, null, null, DEFAULT_LIMIT);
    }

    /** Tasks in any of these statuses, first page. */
    public static TaskQuery status(TaskStatus first, TaskStatus... more) {
        return new TaskQuery(EnumSet.of(first, more), null, null, null, DEFAULT_LIMIT);
    }

    public TaskQuery withAgent(String agent) {
        return new TaskQuery(statuses, requireNonNull(agent, "agent"), type, afterId, limit);
    }

    public TaskQuery withType(String taskType) {
        return new TaskQuery(statuses, agentId, requireNonNull(taskType, "type"), afterId, limit);
    }

    public TaskQuery withLimit(int newLimit) {
        return new TaskQuery(statuses, agentId, type, afterId, newLimit);
    }

    /** The next page after the task with this id. */
    public TaskQuery after(String lastId) {
        return new TaskQuery(statuses, agentId, type, requireNonNull(lastId, "lastId"), limit);
    }

    /** Whether {@code task} matches every criterion except paging. */
    public boolean matches(AgentTask task) {
        return (statuses.isEmpty() || statuses.contains(task.status()))
                && (agentId == null || agentId.equals(task.state().agentId()))
                && (type == null || type.equals(task.request().type()));
    }
}

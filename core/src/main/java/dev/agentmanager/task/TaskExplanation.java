package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Why a task is where it is, in words an operator reads: for a queued task, what keeps each kind of agent from
 * claiming it ("no ACTIVE agent with capability docker ≥ 24 in its scope", "agent web-01 at capacity (4 of 4)",
 * "concurrency group env-prod busy (1 of 1)").
 *
 * @param taskId the task
 * @param status its status
 * @param reasons one sentence each, most decisive first; empty when nothing holds it back
 */
public record TaskExplanation(String taskId, TaskStatus status, List<String> reasons) {
    public TaskExplanation {
        requireNonNull(taskId, "taskId");
        requireNonNull(status, "status");
        reasons = List.copyOf(reasons);
    }
}

package dev.agentmanager.spi;

import dev.agentmanager.task.TaskLease;
import java.util.List;
import java.util.Map;

/**
 * Queued tasks counted for heartbeat hints (see {@link TaskStore#queueSummary}).
 *
 * @param byAgent queued tasks targeting one agent, by agent id
 * @param byCapability queued selector tasks by their first capability name ({@code ""} for none)
 * @param cancelRequests the attempts with a cancel request, by the agent holding them
 * @param mark a fingerprint of the counted tasks and their versions ({@link #markOf}, summed over them): it changes
 *     when a task is queued or requeued even if the counts stay the same (one claimed, another submitted), so
 *     that an agent that found nothing to claim learns of the new task
 */
public record QueueSummary(
        Map<String, Integer> byAgent,
        Map<String, Integer> byCapability,
        Map<String, List<TaskLease>> cancelRequests,
        long mark) {
    private static final QueueSummary EMPTY = new QueueSummary(Map.of(), Map.of(), Map.of(), 0);

    public QueueSummary {
        byAgent = Map.copyOf(byAgent);
        byCapability = Map.copyOf(byCapability);
        Map<String, List<TaskLease>> copy = new java.util.HashMap<>();
        cancelRequests.forEach((agent, leases) -> copy.put(agent, List.copyOf(leases)));
        cancelRequests = Map.copyOf(copy);
    }

    public static QueueSummary empty() {
        return EMPTY;
    }

    /** One queued task's share of {@link #mark()}: summed over the tasks, so that their order does not matter. */
    public static long markOf(String taskId, long version) {
        long h = (taskId.hashCode() * 0x9E3779B97F4A7C15L) ^ version; // spreads the bits: sums rarely collide
        return h ^ (h >>> 29);
    }
}

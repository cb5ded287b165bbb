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
 */
public record QueueSummary(
        Map<String, Integer> byAgent, Map<String, Integer> byCapability, Map<String, List<TaskLease>> cancelRequests) {
    private static final QueueSummary EMPTY = new QueueSummary(Map.of(), Map.of(), Map.of());

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
}

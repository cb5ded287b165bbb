package dev.agentmanager.spi;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * What a claim may take, for {@link TaskStore#claimTasks}.
 *
 * @param agentId the claiming agent
 * @param capabilityNames the names of the capabilities it has and may use (its scope applied)
 * @param max the most tasks this claim may take
 * @param capacity the most tasks the agent may hold at once, counting those it holds already
 * @param scanLimit the most candidates this claim examines
 */
public record TaskClaimQuery(String agentId, Set<String> capabilityNames, int max, int capacity, int scanLimit) {
    public TaskClaimQuery {
        requireNonNull(agentId, "agentId");
        capabilityNames = Set.copyOf(capabilityNames);
        if (max < 1 || capacity < 1 || scanLimit < 1) {
            throw new IllegalArgumentException("max, capacity and scanLimit must be >= 1");
        }
    }
}

package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import org.jspecify.annotations.Nullable;

/**
 * One agent's place in the store: the agent as now stored (durable state and liveness merged, an immutable
 * value replaced on every write, under the slot's own monitor; reads need no lock, it is volatile) and where the
 * deadline index has it filed (guarded by the index's lock).
 */
final class AgentSlot {
    volatile Agent agent;
    /**
     * The bucket this slot is filed in by the {@link DeadlineIndex}, or null when it is not filed. Written under
     * the index's lock; volatile so that a heartbeat can see without the lock that nothing needs re-filing.
     */
    volatile @Nullable Long filedAt;

    AgentSlot(Agent agent) {
        this.agent = agent;
    }

    /** Whether the timeout monitor watches agents in this status. */
    static boolean isWatched(AgentStatus status) {
        return status == AgentStatus.ACTIVE || status == AgentStatus.PENDING;
    }
}

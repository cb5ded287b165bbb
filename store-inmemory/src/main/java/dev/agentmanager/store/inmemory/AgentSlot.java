package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One agent's place in the store: the agent as now stored (durable state and liveness merged, an immutable
 * value replaced on every write) and where the deadline index has it filed. Every field is guarded by the
 * slot's own monitor; reads of {@link #agent} alone need no lock (it is volatile and immutable).
 */
final class AgentSlot {
    volatile Agent agent;
    /** The deadline this slot is filed under in the {@link DeadlineIndex}, or null when it is not filed. */
    @Nullable
    Instant filedAt;

    AgentSlot(Agent agent) {
        this.agent = agent;
    }

    /** Whether the timeout monitor watches agents in this status. */
    static boolean isWatched(AgentStatus status) {
        return status == AgentStatus.ACTIVE || status == AgentStatus.PENDING;
    }
}

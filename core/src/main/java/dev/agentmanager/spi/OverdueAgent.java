package dev.agentmanager.spi;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;

/**
 * An agent that {@link IAgentStore#findOverdueAgents} found past its deadline: what the timeout monitor needs
 * to decide on it and to expire it with {@link IAgentStore#expireOverdue}. A store may return its own
 * implementation that also remembers where the agent is stored, so that expiring it needs no second lookup;
 * pass it back only to the store that returned it.
 */
public interface OverdueAgent {

    /** The agent's id. */
    String id();

    /** The agent's status when it was found: ACTIVE or PENDING. */
    AgentStatus status();

    /** The agent's durable version when it was found; the expiry is conditional on it. */
    long version();

    /** The handle for an agent read from a store: it keeps the whole agent. */
    static OverdueAgent of(Agent agent) {
        return new Found(agent);
    }

    /**
     * An overdue agent as read in full (what the default {@link IAgentStore#findOverdueAgents} returns).
     *
     * @param agent the agent as stored when it was found overdue
     */
    record Found(Agent agent) implements OverdueAgent {
        public Found {
            requireNonNull(agent, "agent");
        }

        @Override
        public String id() {
            return agent.id();
        }

        @Override
        public AgentStatus status() {
            return agent.status();
        }

        @Override
        public long version() {
            return agent.version();
        }
    }
}

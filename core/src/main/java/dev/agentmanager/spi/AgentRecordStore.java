package dev.agentmanager.spi;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import java.util.List;
import java.util.Optional;

/**
 * The agent role of a store: reads agents and writes their durable state with an optimistic version check.
 * Liveness (heartbeats, deadlines) is the {@link LivenessStore} role's.
 */
public interface AgentRecordStore {

    /** The agent with this id, durable state and liveness merged. */
    Optional<Agent> findAgent(String agentId);

    /**
     * The agent as the heartbeat path needs it. Defaults to {@link #findAgent}. A store whose reads are
     * expensive (a database) may answer from a replica-local cache that is at most one flush interval
     * stale: the heartbeat path only uses the answer to authenticate and to pass the agent's version to
     * {@link LivenessStore#recordHeartbeat}, whose version check catches staleness.
     */
    default Optional<Agent> findAgentForHeartbeat(String agentId) {
        return findAgent(agentId);
    }

    /**
     * The agent that has a certificate with this SHA-256 thumbprint pinned (current or next), for hosts
     * whose TLS layer knows the certificate but not the agent id. O(1).
     */
    Optional<Agent> findAgentByThumbprint(String thumbprint);

    /** Agents matching the query, ordered by id, at most {@code query.limit()}. */
    List<Agent> findAgents(AgentQuery query);

    /** How many agents have this status. */
    long countAgents(AgentStatus status);

    /**
     * Optimistic update of an agent's durable state: writes {@code updated} (liveness ignored) with version
     * {@code expectedVersion + 1}, only if the stored version is {@code expectedVersion}.
     *
     * @return the stored agent as now read back (new version, current liveness); empty if the version did
     *     not match or the agent does not exist (nothing written)
     */
    Optional<Agent> updateAgent(Agent updated, long expectedVersion);
}

package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The result of a successful registration: everything the agent needs to start heartbeating.
 *
 * @param agent the registered agent (status {@link AgentStatus#PENDING} until its first heartbeat)
 * @param certificate the client certificate issued from the agent's request
 * @param trustBundle the CA chain the agent should trust
 * @param heartbeatInterval how often the agent should send heartbeats
 * @param replayed true when this is the answer to a retried registration that had already succeeded (same
 *     token, same key, within the grace window): the same agent and certificate as the first time
 */
public record Registration(
        Agent agent,
        AgentCertificate certificate,
        TrustBundle trustBundle,
        Duration heartbeatInterval,
        boolean replayed) {

    public Registration {
        requireNonNull(agent, "agent");
        requireNonNull(certificate, "certificate");
        requireNonNull(trustBundle, "trustBundle");
        requireNonNull(heartbeatInterval, "heartbeatInterval");
    }
}

package dev.agentmanager.model;

/**
 * Where an agent is in its lifecycle.
 *
 * <pre>{@code
 *   PENDING --first valid heartbeat--> ACTIVE <--> INACTIVE      any --revoke--> REVOKED (terminal)
 *   PENDING --no check-in within the timeout--> INACTIVE(NEVER_CHECKED_IN)
 * }</pre>
 */
public enum AgentStatus {
    /** Registered, awaiting its first valid heartbeat. */
    PENDING,
    /** Heartbeating within its deadline. */
    ACTIVE,
    /** Not available for work; {@link Agent#inactiveReason()} says why. */
    INACTIVE,
    /** Terminal: certificates revoked, heartbeats and renewals rejected forever. */
    REVOKED;

    /** Whether the agent can never leave this status. */
    public boolean isTerminal() {
        return this == REVOKED;
    }
}

package dev.agentmanager.model;

/** Why an agent is {@link AgentStatus#INACTIVE}. */
public enum InactiveReason {
    /** It was active and missed its heartbeat deadline; its next valid heartbeat makes it active again. */
    MISSED_HEARTBEATS,
    /** It registered but never sent a valid heartbeat within the timeout; its first one makes it active. */
    NEVER_CHECKED_IN,
    /**
     * An operator deactivated it. It stays inactive (its heartbeats are still recorded) until an operator
     * reactivates it.
     */
    OPERATOR;

    /** Whether a valid heartbeat alone brings an agent with this reason back to {@link AgentStatus#ACTIVE}. */
    public boolean heartbeatReactivates() {
        return this != OPERATOR;
    }
}

package dev.agentmanager.model;

/** The health an agent reports about itself in its heartbeats. */
public enum AgentHealth {
    /** Nothing reported yet. */
    UNKNOWN,
    HEALTHY,
    /** Working, with reduced capacity or a failing non-essential check. */
    DEGRADED,
    /** Alive but unable to run work. */
    UNHEALTHY
}

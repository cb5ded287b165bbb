package dev.agentmanager.spi;

/** The outcome of {@link IAgentStore#recordRoutineHeartbeat}. */
public enum RoutineHeartbeat {
    /** Recorded; the certificate is not due for renewal. */
    ACCEPTED,
    /** Recorded; the agent should renew its certificate now. */
    ACCEPTED_RENEW_DUE,
    /** Not recorded: same boot epoch, sequence not newer than the last accepted one. */
    STALE,
    /** Not recorded: not a routine heartbeat, or the store has no fast path. Take the full path. */
    FALLBACK
}

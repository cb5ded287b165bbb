package dev.agentmanager.spi;

/** The outcome of {@link IAgentStore#recordHeartbeat}. */
public enum HeartbeatWrite {
    /** Recorded: same boot epoch, higher sequence. */
    ACCEPTED,
    /** Recorded: a higher boot epoch than the last accepted one (the agent restarted, or its first beat). */
    ACCEPTED_NEW_EPOCH,
    /** Not recorded: (epoch, sequence) is not newer than the last accepted one. */
    STALE,
    /** Not recorded: the agent's durable version is not the expected one; re-read and decide again. */
    VERSION_CHANGED,
    /** Not recorded: no such agent. */
    NOT_FOUND
}

package dev.agentmanager.event;

/** Why a heartbeat was refused. */
public enum HeartbeatRejection {
    UNKNOWN_AGENT,
    AGENT_REVOKED,
    /** The presented certificate is not one pinned on the agent. */
    CERTIFICATE_MISMATCH,
    /** The presented certificate is pinned but outside its validity period. */
    CERTIFICATE_EXPIRED,
    /** Duplicate, replayed or reordered: (epoch, sequence) not newer than the last accepted. */
    STALE,
    /** Malformed: negative epoch or sequence, bad capabilities, over a limit. */
    INVALID,
    /**
     * Declares a capability outside the agent's allowed set (its registration token's scope): nothing of the
     * heartbeat is recorded, not even liveness.
     */
    CAPABILITY_NOT_ALLOWED
}

package dev.agentmanager.exception;

/** Why a registration token was refused (for logs, metrics and events; never for the agent). */
public enum TokenRejectionReason {
    MALFORMED,
    UNKNOWN,
    WRONG_SECRET,
    LOCKED,
    EXPIRED,
    REVOKED,
    USED
}

package dev.agentmanager.model;

/** What the manager says about a certificate an agent presents. */
public enum CertificateStatus {
    /** Issued to an agent that is not revoked, pinned on it, unrevoked and within its validity now. */
    CURRENT,
    /** Not in the store, or not pinned on its agent. */
    UNKNOWN,
    /** Revoked, or its agent is revoked. */
    REVOKED,
    /** Past its {@code notAfter}. */
    EXPIRED,
    /** Before its {@code notBefore}. */
    NOT_YET_VALID;

    /** Whether the certificate may be used. */
    public boolean isCurrent() {
        return this == CURRENT;
    }
}

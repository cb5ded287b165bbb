package dev.agentmanager.exception;

/**
 * The certificate presented for an agent is not one pinned on the agent's record, or is outside its
 * validity period.
 */
public final class CertificateMismatchException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    private final String agentId;
    private final String presentedThumbprint;

    public CertificateMismatchException(String agentId, String presentedThumbprint, String detail) {
        super("certificate not accepted for agent " + agentId + ": " + detail, false);
        this.agentId = agentId;
        this.presentedThumbprint = presentedThumbprint;
    }

    public String agentId() {
        return agentId;
    }

    public String presentedThumbprint() {
        return presentedThumbprint;
    }
}

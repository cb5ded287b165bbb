package dev.agentmanager.exception;

/** The certificate authority failed to issue a certificate for a valid request. Nothing was consumed. */
public final class CertificateIssuanceException extends AgentManagerException {
    private static final long serialVersionUID = 1L;

    public CertificateIssuanceException(String message) {
        super(message);
    }

    public CertificateIssuanceException(String message, Throwable cause) {
        super(message, cause);
    }
}

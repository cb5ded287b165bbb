package dev.agentmanager.exception;

/**
 * A certificate signing request was refused: unparseable, wrong signature, a disallowed key, too large.
 */
public final class InvalidCertificateRequestException extends InvalidRequestException {
    private static final long serialVersionUID = 1L;

    public InvalidCertificateRequestException(String problem) {
        super("csr", problem);
    }

    public InvalidCertificateRequestException(String problem, Throwable cause) {
        super("csr", problem, cause);
    }
}

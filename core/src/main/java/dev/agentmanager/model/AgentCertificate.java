package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A client certificate issued to an agent, as recorded by the store.
 *
 * @param serial serial number, lower-case hex without leading zeros
 * @param thumbprint SHA-256 of the DER encoding, lower-case hex
 * @param agentId the agent it was issued to
 * @param notBefore start of validity
 * @param notAfter end of validity
 * @param certificatePem the certificate in PEM, leaf only (the chain is in the {@link TrustBundle})
 * @param revokedAt when it was revoked, or {@code null}
 */
public record AgentCertificate(
        String serial,
        String thumbprint,
        String agentId,
        Instant notBefore,
        Instant notAfter,
        String certificatePem,
        @Nullable Instant revokedAt) {

    public AgentCertificate {
        requireNonNull(serial, "serial");
        requireNonNull(thumbprint, "thumbprint");
        requireNonNull(agentId, "agentId");
        requireNonNull(notBefore, "notBefore");
        requireNonNull(notAfter, "notAfter");
        requireNonNull(certificatePem, "certificatePem");
    }

    /** The pin an agent record keeps for this certificate. */
    public CertificatePin pin() {
        return new CertificatePin(serial, thumbprint, notBefore, notAfter);
    }

    /** Whether it is unrevoked and within its validity period at {@code now}. */
    public boolean isValidAt(Instant now) {
        return revokedAt == null && !now.isBefore(notBefore) && now.isBefore(notAfter);
    }

    /** A copy revoked at {@code at}. */
    public AgentCertificate withRevokedAt(Instant at) {
        return new AgentCertificate(serial, thumbprint, agentId, notBefore, notAfter, certificatePem, at);
    }
}

package dev.agentmanager.spi;

import dev.agentmanager.model.AgentCertificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The certificate role of a store: the record of every certificate issued to an agent (serial, thumbprint,
 * validity, revocation). A store keeps the certificate body as the authority gave it and never parses it.
 */
public interface CertificateStore {

    /**
     * Records a certificate issued outside registration (renewal).
     *
     * @throws IllegalStateException if the serial exists (nothing written)
     */
    void insertCertificate(AgentCertificate certificate);

    /** The certificate record with this serial. */
    Optional<AgentCertificate> findCertificate(String serial);

    /** All certificate records of an agent, oldest first. */
    List<AgentCertificate> findCertificates(String agentId);

    /**
     * Marks every unrevoked certificate of an agent revoked at {@code revokedAt}.
     *
     * @return the serials this call revoked
     */
    List<String> revokeCertificates(String agentId, Instant revokedAt);

    /**
     * Marks the certificate with this serial revoked at {@code revokedAt} unless it is revoked already: for a
     * certificate that stops being used while its agent lives on (superseded by a renewal or a re-enrollment,
     * or issued and then abandoned).
     *
     * @return whether this call revoked it (false for an unknown serial or one revoked before)
     */
    boolean revokeCertificate(String serial, Instant revokedAt);
}

package dev.agentmanager.spi;

import dev.agentmanager.model.AgentCertificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The certificate role of a store: the one record of every certificate issued to an agent (serial, thumbprint,
 * validity, revocation). The certificate authority keeps nothing; whether a certificate may be used is decided
 * from this record and the agent's pins. A store keeps the certificate body as the authority gave it and never
 * parses it.
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

    /** The certificate record with this SHA-256 thumbprint (lower-case hex). */
    Optional<AgentCertificate> findCertificateByThumbprint(String thumbprint);

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

    /**
     * Revoked certificates whose {@code notAfter} is after {@code expiringAfter}: the entries of a revocation
     * list.
     */
    List<AgentCertificate> findRevokedCertificates(Instant expiringAfter);

    /**
     * The revocation feed's position now: every revocation recorded after this call returns is returned by
     * {@link #revocationsSince} with this position or any later one it handed out.
     */
    long revocationFeedPosition();

    /**
     * Every certificate whose revocation was recorded at or after {@code position} (one of this store's
     * positions), across processes for a shared store, with the position to ask from next. It may repeat
     * revocations an earlier call returned; callers treat them as idempotent. Cheap when nothing was revoked:
     * the validity cache of every replica asks several times a second.
     */
    RevocationFeed revocationsSince(long position);
}

package dev.agentmanager.spi;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.AgentCertificate;
import java.util.List;

/**
 * One read of a store's revocation feed: certificates whose revocation was recorded at or after the position
 * asked for, and the position to ask from next time.
 *
 * @param revoked revoked certificates (each with {@link AgentCertificate#revokedAt()} set); may repeat ones an
 *     earlier read returned
 * @param position what to pass to {@link CertificateStore#revocationsSince} next
 */
public record RevocationFeed(List<AgentCertificate> revoked, long position) {
    public RevocationFeed {
        revoked = List.copyOf(requireNonNull(revoked, "revoked"));
    }
}

package dev.agentmanager.spi;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.AgentCertificate;
import java.time.Instant;
import java.util.List;

/**
 * What a certificate revocation list says, decided by core from the store's records so that every replica
 * signs the same content for the same revocations.
 *
 * @param revoked the revoked certificates to list (serial and {@link AgentCertificate#revokedAt()}), ordered by
 *     serial
 * @param thisUpdate the CRL's {@code thisUpdate}
 * @param nextUpdate the CRL's {@code nextUpdate}, after {@code thisUpdate}
 * @param number the CRL number, positive, larger for a later list
 */
public record CrlContent(List<AgentCertificate> revoked, Instant thisUpdate, Instant nextUpdate, long number) {
    public CrlContent {
        revoked = List.copyOf(requireNonNull(revoked, "revoked"));
        requireNonNull(thisUpdate, "thisUpdate");
        requireNonNull(nextUpdate, "nextUpdate");
        if (!nextUpdate.isAfter(thisUpdate)) {
            throw new IllegalArgumentException("nextUpdate must be after thisUpdate");
        }
        if (number <= 0) {
            throw new IllegalArgumentException("number must be positive");
        }
    }
}

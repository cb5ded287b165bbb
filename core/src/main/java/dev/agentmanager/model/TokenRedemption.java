package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One successful use of a registration token.
 *
 * @param redeemedAt server time of the registration
 * @param agentId the agent it registered
 * @param publicKeySha256 SHA-256 (hex) of the public key in the registration's certificate signing
 *     request; a retry with the same key inside the grace window gets the same agent back
 * @param remoteAddress the address the host saw the request come from, or {@code null}
 */
public record TokenRedemption(
        Instant redeemedAt,
        String agentId,
        String publicKeySha256,
        @Nullable String remoteAddress) {

    public TokenRedemption {
        requireNonNull(redeemedAt, "redeemedAt");
        requireNonNull(agentId, "agentId");
        requireNonNull(publicKeySha256, "publicKeySha256");
    }
}

package dev.agentmanager.spi;

import dev.agentmanager.model.RegistrationToken;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The registration-token role of a store: keeps tokens (their secret only as a hash) and their redemptions.
 * Token checks (secret, expiry, lock-out) are core's; this role stores, finds and changes counts atomically.
 */
public interface RegistrationTokenStore {

    /**
     * Stores a new token.
     *
     * @throws IllegalStateException if a token with the same id exists (nothing is changed)
     */
    void insertToken(RegistrationToken token);

    /** The token with this id. */
    Optional<RegistrationToken> findToken(String tokenId);

    /**
     * The token as a registration needs it: as {@link #findToken}, but listing only the redemptions by
     * {@code publicKeySha256} (its {@link RegistrationToken#uses()} still counts them all), so that a store need
     * not read every redemption of a bulk token for each registration. Defaults to {@link #findToken}.
     */
    default Optional<RegistrationToken> findTokenForRedemption(String tokenId, String publicKeySha256) {
        return findToken(tokenId);
    }

    /**
     * Tokens ordered by id, after {@code afterId} (exclusive) when given, at most {@code limit}.
     *
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    List<RegistrationToken> listTokens(@Nullable String afterId, int limit);

    /**
     * Revokes a token if it is neither revoked nor exhausted.
     *
     * @return true if this call revoked it; false if it does not exist, is already revoked or is exhausted
     */
    boolean revokeToken(String tokenId, Instant revokedAt);

    /**
     * Atomically adds one to the token's failed-attempt count.
     *
     * @return the new count, or 0 if no such token exists
     */
    int recordFailedAttempt(String tokenId);

    /**
     * Deletes, in one bounded batch, tokens that can no longer register anything and are older than the
     * cutoff: expired before {@code cutoff}, or revoked before {@code cutoff}, or exhausted with their last
     * redemption before {@code cutoff}.
     *
     * @return how many were deleted (at most {@code limit}); call again while it returns {@code limit}
     * @throws IllegalArgumentException if {@code limit < 1} (nothing is deleted)
     */
    int pruneTokens(Instant cutoff, int limit);
}

package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A registration token as stored: never the secret, only its SHA-256 hash.
 *
 * <p>The plaintext {@code <id>.<secret>} exists only in the {@link CreatedRegistrationToken} returned at
 * creation.
 *
 * @param id the public part of the token, used to look it up
 * @param secretHash SHA-256 of the secret, lower-case hex
 * @param description what the operator created it for
 * @param createdAt creation time
 * @param expiresAt after this instant the token is refused
 * @param scope labels and allowed capabilities given to agents that redeem it
 * @param maxUses how many registrations it may make (1 = one-time)
 * @param redemptions the registrations it made, oldest first (from
 *     {@link dev.agentmanager.spi.RegistrationTokenStore#findTokenForRedemption} only those by one key)
 * @param failedAttempts how many wrong secrets were presented for this id
 * @param revokedAt when an operator revoked it, or {@code null}
 * @param reenrollAgentId for a re-enrollment token, the existing agent it re-enrolls (same id, history and
 *     capabilities, a new certificate); {@code null} for a token that registers new agents
 * @param uses how many registrations it has made (at least the redemptions listed)
 */
public record RegistrationToken(
        String id,
        String secretHash,
        String description,
        Instant createdAt,
        Instant expiresAt,
        TokenScope scope,
        int maxUses,
        List<TokenRedemption> redemptions,
        int failedAttempts,
        @Nullable Instant revokedAt,
        @Nullable String reenrollAgentId,
        int uses) {

    public RegistrationToken {
        requireNonNull(id, "id");
        requireNonNull(secretHash, "secretHash");
        requireNonNull(description, "description");
        requireNonNull(createdAt, "createdAt");
        requireNonNull(expiresAt, "expiresAt");
        requireNonNull(scope, "scope");
        redemptions = List.copyOf(requireNonNull(redemptions, "redemptions"));
        if (maxUses < 1) {
            throw new IllegalArgumentException("maxUses must be >= 1, got " + maxUses);
        }
        if (failedAttempts < 0) {
            throw new IllegalArgumentException("failedAttempts must be >= 0, got " + failedAttempts);
        }
        if (reenrollAgentId != null && maxUses != 1) {
            throw new IllegalArgumentException("a re-enrollment token is one-time, got maxUses " + maxUses);
        }
        if (uses < redemptions.size()) {
            throw new IllegalArgumentException("uses (" + uses + ") must count every redemption listed");
        }
    }

    /** A token whose redemptions are all listed: its uses are their number. */
    public RegistrationToken(
            String id,
            String secretHash,
            String description,
            Instant createdAt,
            Instant expiresAt,
            TokenScope scope,
            int maxUses,
            List<TokenRedemption> redemptions,
            int failedAttempts,
            @Nullable Instant revokedAt,
            @Nullable String reenrollAgentId) {
        this(
                id,
                secretHash,
                description,
                createdAt,
                expiresAt,
                scope,
                maxUses,
                redemptions,
                failedAttempts,
                revokedAt,
                reenrollAgentId,
                redemptions.size());
    }

    /** A token that registers new agents. */
    public RegistrationToken(
            String id,
            String secretHash,
            String description,
            Instant createdAt,
            Instant expiresAt,
            TokenScope scope,
            int maxUses,
            List<TokenRedemption> redemptions,
            int failedAttempts,
            @Nullable Instant revokedAt) {
        this(
                id,
                secretHash,
                description,
                createdAt,
                expiresAt,
                scope,
                maxUses,
                redemptions,
                failedAttempts,
                revokedAt,
                null);
    }

    /** Whether every allowed use is spent. */
    public boolean isExhausted() {
        return uses >= maxUses;
    }

    /** Whether the token has expired at {@code now}. */
    public boolean isExpiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }

    /** Whether an operator revoked the token. */
    public boolean isRevoked() {
        return revokedAt != null;
    }

    /** Whether a registration at {@code now} may consume a use, ignoring the secret and lock-out. */
    public boolean isRedeemableAt(Instant now) {
        return !isRevoked() && !isExhausted() && !isExpiredAt(now);
    }

    /** The most recent redemption by this public key, if any. */
    public Optional<TokenRedemption> redemptionByKey(String publicKeySha256) {
        for (int i = redemptions.size() - 1; i >= 0; i--) {
            TokenRedemption r = redemptions.get(i);
            if (r.publicKeySha256().equals(publicKeySha256)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** A copy with one more redemption. */
    public RegistrationToken withRedemption(TokenRedemption redemption) {
        var list = new java.util.ArrayList<>(redemptions);
        list.add(redemption);
        return new RegistrationToken(
                id,
                secretHash,
                description,
                createdAt,
                expiresAt,
                scope,
                maxUses,
                list,
                failedAttempts,
                revokedAt,
                reenrollAgentId,
                uses + 1);
    }

    /** A copy with another failed-attempt count. */
    public RegistrationToken withFailedAttempts(int count) {
        return new RegistrationToken(
                id,
                secretHash,
                description,
                createdAt,
                expiresAt,
                scope,
                maxUses,
                redemptions,
                count,
                revokedAt,
                reenrollAgentId,
                uses);
    }

    /** A copy revoked at {@code at}. */
    public RegistrationToken withRevokedAt(Instant at) {
        return new RegistrationToken(
                id,
                secretHash,
                description,
                createdAt,
                expiresAt,
                scope,
                maxUses,
                redemptions,
                failedAttempts,
                at,
                reenrollAgentId,
                uses);
    }

    /** Never prints the hash. */
    @Override
    public String toString() {
        return "RegistrationToken[id=" + id + ", description=" + description + ", expiresAt=" + expiresAt
                + ", uses=" + uses() + "/" + maxUses + ", failedAttempts=" + failedAttempts
                + ", revokedAt=" + revokedAt + (reenrollAgentId == null ? "" : ", reenrollAgentId=" + reenrollAgentId)
                + "]";
    }
}

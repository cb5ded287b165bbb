package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Rules for registration tokens.
 *
 * @param defaultTimeToLive lifetime of a token whose request names none
 * @param maxTimeToLive the longest lifetime an operator may ask for
 * @param maxUses the most registrations one token may allow (bulk provisioning)
 * @param maxFailedAttempts wrong secrets presented for one token id before the token locks
 * @param retryGrace how long after a successful registration a retry with the same token and the same key
 *     gets the same agent and certificate back (the agent lost the response)
 * @param retention how long an expired, revoked or exhausted token is kept (for audit) before pruning
 * @param pruneBatchSize how many tokens one pruning statement deletes at most
 */
public record TokenSettings(
        Duration defaultTimeToLive,
        Duration maxTimeToLive,
        int maxUses,
        int maxFailedAttempts,
        Duration retryGrace,
        Duration retention,
        int pruneBatchSize) {

    public static final Duration DEFAULT_TIME_TO_LIVE = Duration.ofHours(24);
    public static final Duration DEFAULT_MAX_TIME_TO_LIVE = Duration.ofDays(30);
    public static final int DEFAULT_MAX_USES = 10_000;
    public static final int DEFAULT_MAX_FAILED_ATTEMPTS = 5;
    public static final Duration DEFAULT_RETRY_GRACE = Duration.ofMinutes(5);
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    public static final int DEFAULT_PRUNE_BATCH_SIZE = 500;

    public TokenSettings {
        Settings.requirePositive(requireNonNull(defaultTimeToLive, "defaultTimeToLive"), "defaultTimeToLive");
        Settings.requirePositive(requireNonNull(maxTimeToLive, "maxTimeToLive"), "maxTimeToLive");
        if (defaultTimeToLive.compareTo(maxTimeToLive) > 0) {
            throw new IllegalArgumentException("defaultTimeToLive must not exceed maxTimeToLive");
        }
        Settings.requirePositive(maxUses, "maxUses");
        Settings.requirePositive(maxFailedAttempts, "maxFailedAttempts");
        requireNonNull(retryGrace, "retryGrace");
        if (retryGrace.isNegative()) {
            throw new IllegalArgumentException("retryGrace must not be negative");
        }
        requireNonNull(retention, "retention");
        if (retention.isNegative()) {
            throw new IllegalArgumentException("retention must not be negative");
        }
        Settings.requirePositive(pruneBatchSize, "pruneBatchSize");
    }

    /** 24 h lifetime (30 d at most), 5 wrong secrets lock, 5 min retry grace, 7 d retention. */
    public static TokenSettings defaults() {
        return new TokenSettings(
                DEFAULT_TIME_TO_LIVE,
                DEFAULT_MAX_TIME_TO_LIVE,
                DEFAULT_MAX_USES,
                DEFAULT_MAX_FAILED_ATTEMPTS,
                DEFAULT_RETRY_GRACE,
                DEFAULT_RETENTION,
                DEFAULT_PRUNE_BATCH_SIZE);
    }

    /** A copy with another default lifetime (raising the maximum if needed). */
    public TokenSettings withDefaultTimeToLive(Duration ttl) {
        Duration max = ttl.compareTo(maxTimeToLive) > 0 ? ttl : maxTimeToLive;
        return new TokenSettings(ttl, max, maxUses, maxFailedAttempts, retryGrace, retention, pruneBatchSize);
    }
}

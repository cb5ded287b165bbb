package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How revocations reach every replica and how the certificate revocation list is made.
 *
 * @param propagation the bound within which a revocation made on any replica is refused by every replica: the
 *     validity cache answers only while its last read of the store's revocation feed started less than this
 *     long ago (it reads the feed every quarter bound in the background), and {@code revoke} on a shared store
 *     waits this long before it returns
 * @param cacheSize how many current certificates each replica's validity cache keeps
 * @param crlValidity how long a CRL is valid ({@code nextUpdate - thisUpdate} at most); a new one is made
 *     every half validity and whenever revocations change
 * @param crlClockSkew how far a CRL's {@code thisUpdate} is back-dated for readers' clock skew
 */
public record RevocationSettings(Duration propagation, int cacheSize, Duration crlValidity, Duration crlClockSkew) {

    public static final Duration DEFAULT_PROPAGATION = Duration.ofSeconds(2);
    public static final int DEFAULT_CACHE_SIZE = 1_000_000;
    public static final Duration DEFAULT_CRL_VALIDITY = Duration.ofDays(7);
    public static final Duration DEFAULT_CRL_CLOCK_SKEW = Duration.ofMinutes(5);

    public RevocationSettings {
        Settings.requirePositive(requireNonNull(propagation, "propagation"), "propagation");
        Settings.requirePositive(cacheSize, "cacheSize");
        Settings.requirePositive(requireNonNull(crlValidity, "crlValidity"), "crlValidity");
        requireNonNull(crlClockSkew, "crlClockSkew");
        if (crlClockSkew.isNegative()) {
            throw new IllegalArgumentException("crlClockSkew must not be negative");
        }
        if (crlValidity.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new IllegalArgumentException("crlValidity must be at least 2 s");
        }
    }

    /** 2 s propagation, a million cached certificates, 7-day CRLs back-dated by 5 minutes. */
    public static RevocationSettings defaults() {
        return new RevocationSettings(
                DEFAULT_PROPAGATION, DEFAULT_CACHE_SIZE, DEFAULT_CRL_VALIDITY, DEFAULT_CRL_CLOCK_SKEW);
    }

    /** These settings with another propagation bound. */
    public RevocationSettings withPropagation(Duration propagation) {
        return new RevocationSettings(propagation, cacheSize, crlValidity, crlClockSkew);
    }
}

package dev.agentmanager;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.spi.CrlContent;
import dev.agentmanager.spi.IAgentCertificateService;
import dev.agentmanager.spi.IAgentStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The certificate revocation list, built from the store's records and signed by the authority.
 *
 * <p>Its content depends only on the store and on which half of the CRL validity {@code now} falls into, so
 * every replica signs the same list for the same revocations: entries are the revoked certificates that
 * expire after the start of that half (so every revoked, unexpired one), {@code thisUpdate} is the later of
 * that start and the newest revocation, back-dated by the clock-skew allowance, and {@code nextUpdate} is one
 * validity after the start, so a reader always holds a list good for at least half a validity. A list is
 * signed again only when its content changes.
 */
final class RevocationLists {
    private final IAgentStore store;
    private final IAgentCertificateService authority;
    private final Clock clock;
    private final long halfValiditySeconds;
    private final Duration validity;
    private final Duration skewAllowance;

    private record Signed(CrlContent content, byte[] der) {}

    private volatile @Nullable Signed last;

    RevocationLists(
            IAgentStore store,
            IAgentCertificateService authority,
            Clock clock,
            Duration validity,
            Duration skewAllowance) {
        this.store = store;
        this.authority = authority;
        this.clock = clock;
        this.validity = validity;
        this.halfValiditySeconds = Math.max(1, validity.toSeconds() / 2);
        this.skewAllowance = skewAllowance;
    }

    /** The current list in DER (a copy). */
    byte[] current() {
        CrlContent content = contentAt(clock.instant());
        Signed signed = last;
        if (signed == null || !signed.content().equals(content)) {
            signed = new Signed(content, authority.signCrl(content));
            last = signed;
        }
        return signed.der().clone();
    }

    CrlContent contentAt(Instant now) {
        long start = Math.floorDiv(now.getEpochSecond(), halfValiditySeconds) * halfValiditySeconds;
        Instant periodStart = Instant.ofEpochSecond(start);
        List<AgentCertificate> revoked = new ArrayList<>(store.findRevokedCertificates(periodStart));
        revoked.sort(Comparator.comparing(AgentCertificate::serial));
        Instant newest = periodStart;
        Instant latestAllowed = periodStart.plusSeconds(halfValiditySeconds); // a replica's clock far ahead
        for (AgentCertificate certificate : revoked) {
            Instant at = Objects.requireNonNull(certificate.revokedAt()).truncatedTo(ChronoUnit.SECONDS);
            if (at.isAfter(newest)) {
                newest = at.isAfter(latestAllowed) ? latestAllowed : at;
            }
        }
        // Newer lists get larger numbers: the later date first, then (within one second) more entries.
        long number = newest.getEpochSecond() * 1_000_000L + revoked.size() % 1_000_000L;
        return new CrlContent(revoked, newest.minus(skewAllowance), periodStart.plus(validity), number);
    }
}

package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.internal.RequestValidator;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.spi.RevocationFeed;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The manager's {@link CertificateValidity}: certificates known to be current, cached per replica, and the
 * store's revocation feed to forget them.
 *
 * <p>The rule that makes the bound hold: the cache answers only while its last successful read of the feed
 * <em>started</em> less than one propagation bound ago (measured on the monotonic clock); otherwise the
 * caller reads the feed first. A revocation committed before that read started is therefore seen, and
 * {@code revoke} on a shared store returns only one bound after its commit. A certificate missing from the
 * cache is looked up in the store (certificate record and its agent's pins); a lookup that raced a feed
 * read that forgot certificates is answered but not kept.
 */
final class CertificateValidityCache implements CertificateValidity {
    private static final System.Logger LOG = System.getLogger(CertificateValidityCache.class.getName());

    /** What a current certificate needs to be judged again without the store. */
    private record Known(Instant notBefore, Instant notAfter) {}

    private final IAgentStore store;
    private final Clock clock;
    private final RequestValidator validator;
    private final long boundNanos;
    private final int maxEntries;
    private final ConcurrentHashMap<String, Known> known = new ConcurrentHashMap<>();
    /** Bumped before certificates are forgotten, so that a lookup in flight does not keep a stale answer. */
    private final AtomicLong generation = new AtomicLong();

    private final Object feedLock = new Object();
    private volatile long lastReadStartNanos;
    private volatile boolean everRead;
    private long position; // guarded by feedLock
    private boolean failing; // guarded by feedLock

    CertificateValidityCache(
            IAgentStore store, Clock clock, RequestValidator validator, Duration bound, int maxEntries) {
        this.store = store;
        this.clock = clock;
        this.validator = validator;
        this.boundNanos = bound.toNanos();
        this.maxEntries = maxEntries;
    }

    @Override
    public CertificateStatus check(String thumbprint) {
        return checkValidated(validator.thumbprint(requireNonNull(thumbprint, "thumbprint")));
    }

    /** {@link #check} for a thumbprint the caller has validated and normalized already (the heartbeat path). */
    CertificateStatus checkValidated(String key) {
        if (!isFresh()) {
            readFeed();
        }
        Known entry = known.get(key);
        if (entry == null) {
            return lookUp(key);
        }
        return statusAt(entry, clock.instant());
    }

    private boolean isFresh() {
        return everRead && System.nanoTime() - lastReadStartNanos < boundNanos;
    }

    /**
     * Reads the revocation feed once and forgets every certificate it names. Called by the background
     * refresher, by {@link #check} when the cache is not fresh, and by {@code revoke} after its commit.
     */
    void readFeed() {
        synchronized (feedLock) {
            long start = System.nanoTime();
            try {
                if (!everRead) {
                    position = store.revocationFeedPosition();
                } else {
                    RevocationFeed feed = store.revocationsSince(position);
                    if (!feed.revoked().isEmpty()) {
                        generation.incrementAndGet();
                        for (AgentCertificate revoked : feed.revoked()) {
                            known.remove(revoked.thumbprint());
                        }
                    }
                    position = feed.position();
                }
            } catch (RuntimeException e) {
                if (!failing) {
                    failing = true;
                    LOG.log(Level.WARNING, "cannot read the revocation feed; certificates are checked in the store", e);
                }
                throw e;
            }
            if (failing) {
                failing = false;
                LOG.log(Level.INFO, "revocation feed readable again");
            }
            lastReadStartNanos = start;
            everRead = true;
        }
    }

    /**
     * The background reader's step, every quarter bound: reads the feed unless a check or a revocation read it
     * less than a quarter bound ago.
     */
    void refresh() {
        if (!everRead || System.nanoTime() - lastReadStartNanos >= boundNanos / 4) {
            try {
                readFeed();
            } catch (RuntimeException e) {
                // logged in readFeed; the next check reads the feed itself and fails closed
            }
        }
    }

    private CertificateStatus lookUp(String thumbprint) {
        long seen = generation.get();
        Optional<AgentCertificate> found = store.findCertificateByThumbprint(thumbprint);
        if (found.isEmpty()) {
            return CertificateStatus.UNKNOWN;
        }
        AgentCertificate certificate = found.get();
        if (certificate.revokedAt() != null) {
            return CertificateStatus.REVOKED;
        }
        Agent agent = store.findAgent(certificate.agentId()).orElse(null);
        if (agent == null) {
            return CertificateStatus.UNKNOWN;
        }
        if (agent.status() == AgentStatus.REVOKED) {
            return CertificateStatus.REVOKED;
        }
        if (HeartbeatProcessor.pinFor(agent, thumbprint) == null) {
            return CertificateStatus.UNKNOWN; // recorded but never pinned, or no longer: not usable
        }
        Known entry = new Known(certificate.notBefore(), certificate.notAfter());
        CertificateStatus status = statusAt(entry, clock.instant());
        if (status != CertificateStatus.EXPIRED && isFresh()) {
            makeRoom();
            known.put(thumbprint, entry);
            if (generation.get() != seen) { // a feed read forgot certificates meanwhile: this answer may be one
                known.remove(thumbprint, entry);
            }
        }
        return status;
    }

    private CertificateStatus statusAt(Known entry, Instant now) {
        if (now.isBefore(entry.notBefore())) {
            return CertificateStatus.NOT_YET_VALID;
        }
        return now.isBefore(entry.notAfter()) ? CertificateStatus.CURRENT : CertificateStatus.EXPIRED;
    }

    /** Keeps the cache bounded: expired entries go first, then arbitrary ones (they are looked up again). */
    private void makeRoom() {
        if (known.size() < maxEntries) {
            return;
        }
        Instant now = clock.instant();
        known.values().removeIf(entry -> !now.isBefore(entry.notAfter()));
        Iterator<String> it = known.keySet().iterator();
        while (known.size() >= maxEntries - maxEntries / 10 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    /** How many certificates are cached (for tests and metrics). */
    int size() {
        return known.size();
    }
}

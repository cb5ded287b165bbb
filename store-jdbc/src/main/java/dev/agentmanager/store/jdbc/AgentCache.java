package dev.agentmanager.store.jdbc;

import dev.agentmanager.model.Agent;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The agents a replica's heartbeat path reads, cached for as long as they keep beating here and kept true by
 * the agent change feed: every durable write of an agent stamps {@code agent_liveness.changed_at} with the
 * database's clock, and this cache reads the agents changed since its last read (their id and new version)
 * and forgets the ones it holds at another version.
 *
 * <p>The rule that bounds staleness, as in the certificate validity cache: the cache answers only while its
 * last successful feed read <em>started</em> less than one flush interval ago (monotonic clock); otherwise the
 * caller reads the feed first (the store's background thread reads it twice per interval, so a heartbeat
 * rarely has to). A change committed before that read started is therefore seen. Each read
 * reaches {@link CertificateRecords#FEED_OVERLAP} before the previous one's start, which covers a write whose
 * statement ran before a read but committed after it, and an agent loaded just before a feed read that
 * forgot it (the next read forgets it again). So a routine heartbeat costs no database statement; the feed
 * reads cost a replica two statements per read, whatever the fleet's size.
 */
final class AgentCache {
    private record Cached(Agent agent, long loadedNanos) {}

    private final Jdbc db;
    private final Sql sql;
    private final long freshNanos;
    private final long maxAgeNanos;
    private final ConcurrentHashMap<String, Cached> agents = new ConcurrentHashMap<>();

    private final Object feedLock = new Object();
    private volatile long lastReadStartNanos;
    private volatile boolean everRead;
    private @Nullable Instant position; // guarded by feedLock

    /**
     * @param freshNanos how long a feed read vouches for the cache (the flush interval)
     * @param maxAgeNanos how long an agent stays cached after it was read, whatever the feed says
     */
    AgentCache(Jdbc db, Sql sql, long freshNanos, long maxAgeNanos) {
        this.db = db;
        this.sql = sql;
        this.freshNanos = freshNanos;
        this.maxAgeNanos = maxAgeNanos;
    }

    /** The cached agent, or {@code load}'s answer (kept if present). */
    Optional<Agent> find(String agentId, Supplier<Optional<Agent>> load) {
        if (!everRead || System.nanoTime() - lastReadStartNanos >= freshNanos) {
            readFeed(false);
        }
        long now = System.nanoTime();
        Cached cached = agents.get(agentId);
        if (cached != null && now - cached.loadedNanos() < maxAgeNanos) {
            return Optional.of(cached.agent());
        }
        Optional<Agent> stored = load.get();
        stored.ifPresent(a -> agents.put(a.id(), new Cached(a, now))); // the id the agent holds: one string, not two
        return stored;
    }

    /** Forgets one agent (this replica wrote it, or its flush was refused). */
    void forget(String agentId) {
        agents.remove(agentId);
    }

    /** Forgets agents read longer than the maximum age ago. */
    void evictOld() {
        long now = System.nanoTime();
        agents.values().removeIf(c -> now - c.loadedNanos() >= maxAgeNanos);
    }

    /**
     * Reads the change feed and forgets the changed agents; unless {@code evenIfFresh}, not if another thread read
     * it since the caller looked.
     */
    void readFeed(boolean evenIfFresh) {
        synchronized (feedLock) {
            long start = System.nanoTime();
            if (!evenIfFresh && everRead && start - lastReadStartNanos < freshNanos) {
                return;
            }
            Instant from = position;
            position = db.read("read the agent change feed", c -> {
                Instant now = sql.currentTime(c);
                if (from != null && !agents.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "SELECT agent_id, version FROM " + sql.liveness + " WHERE changed_at >= ?")) {
                        sql.setInstant(ps, 1, from);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                long version = rs.getLong(2);
                                agents.computeIfPresent(
                                        rs.getString(1), (id, c2) -> c2.agent().version() == version ? c2 : null);
                            }
                        }
                    }
                }
                return now.minus(CertificateRecords.FEED_OVERLAP);
            });
            lastReadStartNanos = start;
            everRead = true;
        }
    }
}

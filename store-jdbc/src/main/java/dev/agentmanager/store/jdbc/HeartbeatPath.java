package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.store.jdbc.internal.DatabaseClock;
import dev.agentmanager.store.jdbc.internal.HeartbeatBuffer;
import dev.agentmanager.store.jdbc.internal.HeartbeatBuffer.FlushRow;
import dev.agentmanager.store.jdbc.internal.HeartbeatBuffer.Pending;
import dev.agentmanager.store.jdbc.internal.HeartbeatBuffer.StoredState;
import dev.agentmanager.store.jdbc.internal.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The heartbeat path of a replica: the per-agent cache the heartbeat reads, the buffer of accepted liveness
 * and its flush (see {@link JdbcAgentStore} for the guarantees and the window across replicas), or, without
 * coalescing, one conditional UPDATE per heartbeat. Durable writes of an agent go through
 * {@link #writingDurable} so that this replica's heartbeats and flushes see them in order.
 */
final class HeartbeatPath {
    /** One agent's liveness, conditional on its version; the caller appends the condition on the pair. */
    private static final String LIVENESS_UPDATE = "UPDATE %s SET"
            + " indexed_deadline = CASE WHEN indexed_deadline > ? OR indexed_deadline < ? THEN ?"
            + " ELSE indexed_deadline END,"
            + " boot_epoch = ?, sequence_no = ?, last_heartbeat_at = ?, deadline = ?, clock_skew_nanos = ?"
            + " WHERE agent_id = ? AND version = ? AND ";

    private final Jdbc db;
    private final Sql sql;
    private final DatabaseClock dbClock;
    private final AgentRecords agents;
    private final HeartbeatFlush flush;
    private final boolean coalescing;
    private final int batchSize;
    private final HeartbeatBuffer buffer = new HeartbeatBuffer();
    /** When the last flush ended without error (or the store was built); on the host's clock. */
    private volatile Instant lastFlush;
    /** Agents as the heartbeat path last read them, kept true by the agent change feed. */
    private final AgentCache agentCache;

    private final ReentrantLock flushLock = new ReentrantLock();
    private final LongAdder inFlight = new LongAdder();
    private volatile boolean closed;

    HeartbeatPath(
            Jdbc db,
            Sql sql,
            DatabaseClock dbClock,
            AgentRecords agents,
            boolean coalescing,
            int batchSize,
            Duration flushInterval,
            Duration cacheExpiry) {
        this.db = db;
        this.sql = sql;
        this.dbClock = dbClock;
        this.lastFlush = dbClock.hostNow();
        this.agents = agents;
        this.flush = new HeartbeatFlush(db, sql);
        this.coalescing = coalescing;
        this.batchSize = batchSize;
        this.agentCache = new AgentCache(db, sql, flushInterval.toNanos(), cacheExpiry.toNanos());
    }

    boolean coalescing() {
        return coalescing;
    }

    /**
     * Writes every buffered heartbeat now (the background flusher does this every flush interval).
     *
     * @return how many agents' liveness was written
     * @throws JdbcStoreException if the database failed; the heartbeats stay buffered for the next flush
     */
    int flushHeartbeats() {
        flushLock.lock();
        try {
            List<FlushRow> rows = buffer.drain();
            int written = 0;
            for (int from = 0; from < rows.size(); from += batchSize) {
                List<FlushRow> chunk = rows.subList(from, Math.min(rows.size(), from + batchSize));
                Set<String> refused;
                Map<String, @Nullable StoredState> stored;
                try {
                    refused = flush.writeChunk(chunk);
                    stored = loadStates(refused);
                } catch (SQLException e) {
                    buffer.failed(rows.subList(from, rows.size()));
                    throw new JdbcStoreException("flush heartbeats", e);
                }
                refused.forEach(agentCache::forget); // another replica changed these: read them again
                buffer.completed(chunk, stored);
                written += chunk.size() - refused.size();
            }
            lastFlush = dbClock.hostNow();
            return written;
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * With coalescing on, answers from a replica-local cache of the agent's durable state ({@link AgentCache}:
     * a change made by another replica is seen within one flush interval; dropped whenever this replica
     * writes the agent), so a routine heartbeat costs no database read. Meanwhile {@link #recordHeartbeat}'s
     * version check and the conditional flush catch a change, as described in {@link JdbcAgentStore}.
     * Without coalescing it reads the database.
     */
    Optional<Agent> findAgentForHeartbeat(String agentId) {
        requireNonNull(agentId, "agentId");
        if (!coalescing) {
            return db.read("find agent", c -> agents.read(c, agentId)).map(this::present);
        }
        return agentCache
                .find(agentId, () -> db.read("find agent", c -> agents.read(c, agentId)))
                .map(this::present);
    }

    void evictCachedAgents() {
        agentCache.evictOld();
    }

    /** Reads the agent change feed now (the background thread does so twice per flush interval). */
    void readAgentChanges() {
        agentCache.readFeed(true);
    }

    /** Merges this replica's buffered liveness into a stored agent and moves its instants to the host clock. */
    Agent present(Agent stored) {
        AgentLiveness l = stored.liveness();
        Pending p = coalescing ? buffer.latest(stored.id()) : null;
        if (p != null && HeartbeatBuffer.isNewer(p.bootEpoch(), p.sequence(), l.bootEpoch(), l.sequence())) {
            l = new AgentLiveness(
                    p.receivedAt(),
                    p.bootEpoch(),
                    p.sequence(),
                    p.deadline(),
                    p.clockSkewNanos() == null ? null : Duration.ofNanos(p.clockSkewNanos()));
        }
        Instant last = l.lastHeartbeatAt();
        return stored.withLiveness(new AgentLiveness(
                last == null ? null : dbClock.toHost(last),
                l.bootEpoch(),
                l.sequence(),
                dbClock.toHost(l.deadline()),
                l.clockSkew()));
    }

    HeartbeatWrite recordHeartbeat(
            String agentId,
            long expectedVersion,
            long bootEpoch,
            long sequence,
            Instant receivedAt,
            Instant deadline,
            @Nullable Duration clockSkew) {
        requireNonNull(agentId, "agentId");
        requireNonNull(receivedAt, "receivedAt");
        requireNonNull(deadline, "deadline");
        Pending beat = new Pending(
                bootEpoch,
                sequence,
                dbClock.toDatabase(receivedAt),
                dbClock.toDatabase(deadline),
                clockSkew == null ? null : clockSkew.toNanos());
        inFlight.increment();
        try {
            if (closed) {
                throw new IllegalStateException("store is closed: heartbeats are no longer recorded");
            }
            if (!coalescing) {
                return db.read("record heartbeat", c -> writeThrough(c, agentId, expectedVersion, beat));
            }
            HeartbeatWrite write = buffer.offer(agentId, expectedVersion, beat, this::loadState);
            if (write == HeartbeatWrite.ACCEPTED_NEW_EPOCH) {
                // a restart reaches the database at once, not at the next flush: the other replicas then know
                // the new epoch (they stamp claims with it, and do not announce the restart again)
                if (db.read("record a restart", c -> writeLiveness(c, agentId, expectedVersion, beat))) {
                    buffer.written(agentId, beat);
                }
            }
            return write;
        } catch (SQLException e) {
            throw new JdbcStoreException("record heartbeat", e);
        } finally {
            inFlight.decrement();
        }
    }

    private @Nullable StoredState loadState(String agentId) throws SQLException {
        try (Connection c = db.connection()) {
            return loadState(c, agentId);
        }
    }

    private @Nullable StoredState loadState(Connection c, String agentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT version, boot_epoch, sequence_no FROM " + sql.liveness + " WHERE agent_id = ?")) {
            ps.setString(1, agentId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new StoredState(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
            }
        }
    }

    /** The stored state of each agent (null for one that does not exist); no stripe may be held. */
    private Map<String, @Nullable StoredState> loadStates(Set<String> agentIds) throws SQLException {
        Map<String, @Nullable StoredState> states = new HashMap<>();
        if (agentIds.isEmpty()) {
            return states;
        }
        List<String> ids = new ArrayList<>(agentIds);
        for (String id : ids) {
            states.put(id, null);
        }
        try (Connection c = db.connection()) {
            for (int from = 0; from < ids.size(); from += 500) {
                List<String> page = ids.subList(from, Math.min(ids.size(), from + 500));
                try (PreparedStatement ps = c.prepareStatement("SELECT agent_id, version, boot_epoch, sequence_no FROM "
                        + sql.liveness + " WHERE agent_id IN (" + Jdbc.placeholders(page.size()) + ")")) {
                    Jdbc.bindStrings(ps, page);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            states.put(rs.getString(1), new StoredState(rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                        }
                    }
                }
            }
        }
        return states;
    }

    /** One conditional UPDATE per heartbeat (two on a new epoch); exact across replicas. */
    private HeartbeatWrite writeThrough(Connection c, String agentId, long expectedVersion, Pending beat)
            throws SQLException {
        String update = LIVENESS_UPDATE.formatted(sql.liveness);
        while (true) {
            try (PreparedStatement ps = c.prepareStatement(update + "boot_epoch = ? AND sequence_no < ?")) {
                int i = flush.bindLiveness(ps, 1, beat);
                ps.setString(i++, agentId);
                ps.setLong(i++, expectedVersion);
                ps.setLong(i++, beat.bootEpoch());
                ps.setLong(i, beat.sequence());
                if (ps.executeUpdate() == 1) {
                    return HeartbeatWrite.ACCEPTED;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(update + "boot_epoch < ?")) {
                int i = flush.bindLiveness(ps, 1, beat);
                ps.setString(i++, agentId);
                ps.setLong(i++, expectedVersion);
                ps.setLong(i, beat.bootEpoch());
                if (ps.executeUpdate() == 1) {
                    return HeartbeatWrite.ACCEPTED_NEW_EPOCH;
                }
            }
            StoredState state = loadState(c, agentId);
            if (state == null) {
                return HeartbeatWrite.NOT_FOUND;
            }
            if (state.version() != expectedVersion) {
                return HeartbeatWrite.VERSION_CHANGED;
            }
            if (!HeartbeatBuffer.isNewer(beat.bootEpoch(), beat.sequence(), state.bootEpoch(), state.sequence())) {
                return HeartbeatWrite.STALE;
            }
            // A racing heartbeat moved the stored pair between the two statements (e.g. to this epoch): again.
        }
    }

    /** Writes a beat's liveness if the stored (epoch, sequence) is older; returns whether it did. */
    private boolean writeLiveness(Connection c, String id, long version, Pending beat) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LIVENESS_UPDATE.formatted(sql.liveness)
                + " (boot_epoch < ? OR (boot_epoch = ? AND sequence_no < ?))")) {
            int i = flush.bindLiveness(ps, 1, beat);
            ps.setString(i++, id);
            ps.setLong(i++, version);
            ps.setLong(i++, beat.bootEpoch());
            ps.setLong(i++, beat.bootEpoch());
            ps.setLong(i, beat.sequence());
            return ps.executeUpdate() == 1;
        }
    }

    /** When the last flush ended without error, or when the store was built if none has yet. */
    Instant lastFlush() {
        return lastFlush;
    }

    /** How many agents have heartbeats buffered and not yet written. */
    int bufferedHeartbeats() {
        return buffer.pendingCount();
    }

    /** Forgets buffered state of agents without heartbeats for {@code idleNanos}. */
    void evictIdle(long idleNanos) {
        buffer.evictIdle(idleNanos);
    }

    /** Refuses heartbeats from now on and waits for those in progress. */
    void close() {
        closed = true;
        while (inFlight.sum() != 0) {
            Thread.onSpinWait();
        }
    }

    /**
     * Runs a durable write of agent {@code id} ({@code write}, which returns the agent as stored, or empty) in one
     * transaction under the agent's stripe, dropping the cached agent before and after, and tells the buffer the
     * version it wrote. The transaction also writes this replica's buffered liveness of the agent (when newer
     * than the stored one): a heartbeat that reactivates an agent writes ACTIVE at once, and another replica's
     * sweep must not find the agent overdue on its old deadline until the next flush. With {@code overdueAt},
     * refuses (empty) if a buffered heartbeat moved the deadline to or past it.
     */
    Optional<Agent> writingDurable(
            String what,
            @Nullable String integrityMessage,
            String id,
            long newVersion,
            @Nullable Instant overdueAt,
            Jdbc.Work<Optional<Agent>> write) {
        agentCache.forget(id);
        synchronized (buffer.lock(id)) {
            Pending pending = coalescing ? buffer.pendingLocked(id) : null;
            if (overdueAt != null && pending != null && !pending.deadline().isBefore(overdueAt)) {
                return Optional.empty(); // a buffered heartbeat extended the deadline
            }
            Optional<Agent> written = db.transaction(what, integrityMessage, c -> {
                Optional<Agent> stored = write.run(c);
                if (stored.isPresent() && pending != null) {
                    writeLiveness(c, id, newVersion, pending);
                }
                return stored;
            });
            agentCache.forget(id); // a heartbeat may have cached the old state while this wrote
            if (written.isPresent()) {
                AgentLiveness stored = written.get().liveness();
                buffer.versionWrittenLocked(id, newVersion, stored.bootEpoch(), stored.sequence());
            }
            return written.map(this::present);
        }
    }

    /** Flushes this replica's buffered heartbeats first (so that they count), unless coalescing is off. */
    void flushIfCoalescing() {
        if (coalescing) {
            flushHeartbeats();
        }
    }

    /** Runs {@code work} with no flush in progress, after a flush of what is buffered. */
    <T> T withFlushHeld(Supplier<T> work) {
        flushLock.lock();
        try {
            flushIfCoalescing();
            return work.get();
        } finally {
            flushLock.unlock();
        }
    }
}

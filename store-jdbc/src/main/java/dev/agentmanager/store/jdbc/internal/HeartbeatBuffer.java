package dev.agentmanager.store.jdbc.internal;

import dev.agentmanager.spi.HeartbeatWrite;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The coalescing heartbeat write path of one store instance (one replica).
 *
 * <p>Per agent it keeps the durable version this replica last knew, the last accepted (epoch, sequence) and
 * the latest not yet flushed liveness. Sequence checks against it are exact within the replica. Every
 * entry is guarded by one of {@link #STRIPES} lock stripes; callers that hold a stripe may use the
 * database, but nobody may wait for a stripe while holding a database connection (the flusher releases
 * its connection before it takes stripes), so a small pool cannot deadlock.
 */
public final class HeartbeatBuffer {
    static final int STRIPES = 1024;

    /** What the database holds for an agent: durable version and last flushed (epoch, sequence). */
    public record StoredState(long version, long bootEpoch, long sequence) {}

    /** A heartbeat's liveness, instants on the database's clock. */
    public record Pending(
            long bootEpoch,
            long sequence,
            Instant receivedAt,
            Instant deadline,
            @Nullable Long clockSkewNanos) {
        /** The instant up to which {@code indexed_deadline} may lag before a flush rewrites it. */
        public Instant refreshIndexBefore() {
            long windowNanos = java.time.Duration.between(receivedAt, deadline).toNanos();
            return receivedAt.plusNanos(Math.max(0, windowNanos / 2));
        }
    }

    /** One agent's row in a flush. */
    public record FlushRow(String agentId, Entry entry, long version, Pending pending) {}

    /** Reads an agent's stored state without holding any stripe; null if the agent does not exist. */
    @FunctionalInterface
    public interface Loader {
        @Nullable
        StoredState load(String agentId) throws SQLException;
    }

    /** Mutable per-agent state; every field guarded by the agent's stripe. */
    public static final class Entry {
        long version;
        long bootEpoch;
        long sequence;

        @Nullable
        Pending pending;

        /** The last accepted beat, flushed or not: what reads present as the agent's liveness. */
        @Nullable
        Pending latest;

        long touchedNanos;

        Entry(StoredState state) {
            this.version = state.version();
            this.bootEpoch = state.bootEpoch();
            this.sequence = state.sequence();
            this.touchedNanos = System.nanoTime();
        }
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final Object[] stripes = new Object[STRIPES];

    public HeartbeatBuffer() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    /** The lock guarding this agent's entry; held by the store around its conditional durable writes. */
    public Object lock(String agentId) {
        int h = agentId.hashCode();
        return stripes[(h ^ (h >>> 16)) & (STRIPES - 1)];
    }

    /**
     * The heartbeat hot path: checks version and (epoch, sequence) against the cached state (loading it on
     * a miss, or when the caller knows a newer version than the cache) and buffers the liveness.
     */
    public HeartbeatWrite offer(String agentId, long expectedVersion, Pending beat, Loader loader) throws SQLException {
        boolean loaded = false;
        while (true) {
            Entry e = entries.get(agentId);
            if (e == null) {
                StoredState state = loader.load(agentId);
                if (state == null) {
                    return HeartbeatWrite.NOT_FOUND;
                }
                loaded = true;
                synchronized (lock(agentId)) {
                    entries.putIfAbsent(agentId, new Entry(state));
                }
                continue;
            }
            synchronized (lock(agentId)) {
                if (entries.get(agentId) != e) {
                    continue;
                }
                if (expectedVersion > e.version && !loaded) {
                    // Another replica changed the agent since this cache learnt its version: read it again.
                    // A buffered beat of the old version could not be flushed anyway (the flush is
                    // conditional on the version this replica knows).
                    entries.remove(agentId);
                    continue;
                }
                if (expectedVersion != e.version) {
                    return HeartbeatWrite.VERSION_CHANGED;
                }
                if (!isNewer(beat.bootEpoch(), beat.sequence(), e.bootEpoch, e.sequence)) {
                    return HeartbeatWrite.STALE;
                }
                boolean newEpoch = beat.bootEpoch() > e.bootEpoch;
                if (newEpoch && !loaded) {
                    // A restart, as far as this replica knows: another replica may have written the new epoch
                    // already (one restart must not be announced, and end attempts, once per replica).
                    entries.remove(agentId);
                    continue;
                }
                e.bootEpoch = beat.bootEpoch();
                e.sequence = beat.sequence();
                e.pending = beat;
                e.latest = beat;
                e.touchedNanos = System.nanoTime();
                dirty.add(agentId);
                return newEpoch ? HeartbeatWrite.ACCEPTED_NEW_EPOCH : HeartbeatWrite.ACCEPTED;
            }
        }
    }

    /** Whether (epoch, sequence) is newer than (lastEpoch, lastSequence). */
    public static boolean isNewer(long epoch, long sequence, long lastEpoch, long lastSequence) {
        return epoch > lastEpoch || (epoch == lastEpoch && sequence > lastSequence);
    }

    /** The last beat this replica accepted for an agent (flushed or not), or null. */
    public @Nullable Pending latest(String agentId) {
        Entry e = entries.get(agentId);
        if (e == null) {
            return null;
        }
        synchronized (lock(agentId)) {
            return e.latest;
        }
    }

    /** The buffered liveness; the caller holds the agent's stripe. */
    public @Nullable Pending pendingLocked(String agentId) {
        Entry e = entries.get(agentId);
        return e == null ? null : e.pending;
    }

    /**
     * This replica wrote a new durable version; the caller holds the agent's stripe. Creates the entry if
     * there is none, so that a heartbeat that read the old state just before cannot install it afterwards.
     */
    public void versionWrittenLocked(String agentId, long newVersion, long storedEpoch, long storedSequence) {
        Entry e = entries.get(agentId);
        if (e != null) {
            e.version = newVersion;
        } else {
            entries.put(agentId, new Entry(new StoredState(newVersion, storedEpoch, storedSequence)));
        }
    }

    /** The beat was written at once (a restart): nothing to flush for the agent unless a newer beat came since. */
    public void written(String agentId, Pending beat) {
        synchronized (lock(agentId)) {
            Entry e = entries.get(agentId);
            if (e != null && e.pending == beat) {
                e.pending = null;
                dirty.remove(agentId);
            }
        }
    }

    /** Forgets what this replica knows about an agent; the caller holds the agent's stripe. */
    public void invalidateLocked(String agentId) {
        entries.remove(agentId);
    }

    /** Takes the agents with buffered liveness, sorted by id (a consistent lock order across replicas). */
    public List<FlushRow> drain() {
        List<String> ids = new ArrayList<>();
        for (Iterator<String> it = dirty.iterator(); it.hasNext(); ) {
            ids.add(it.next());
            it.remove();
        }
        ids.sort(null);
        List<FlushRow> rows = new ArrayList<>(ids.size());
        String previous = null;
        for (String id : ids) {
            // an id removed and marked dirty again while the set was walked may come twice: write it once
            if (id.equals(previous)) {
                continue;
            }
            previous = id;
            Entry e = entries.get(id);
            if (e == null) {
                continue;
            }
            synchronized (lock(id)) {
                if (entries.get(id) == e && e.pending != null) {
                    rows.add(new FlushRow(id, e, e.version, e.pending));
                }
            }
        }
        return rows;
    }

    /**
     * Records a flush's outcome. Written rows drop their pending liveness unless a newer beat arrived. For a
     * refused row, {@code refused} holds what the database stored afterwards (null if the agent is gone):
     * <ul>
     *   <li>this replica itself changed the version meanwhile: the beat is flushed again under the new one;</li>
     *   <li>another replica changed the version: the agent is forgotten, so that its next heartbeat here reads
     *       the stored state (and the caller learns of the change);</li>
     *   <li>another replica stored a newer pair: the cache learns it, and a beat that arrived meanwhile stays
     *       buffered if it is newer still.</li>
     * </ul>
     */
    public void completed(List<FlushRow> rows, Map<String, @Nullable StoredState> refused) {
        for (FlushRow row : rows) {
            synchronized (lock(row.agentId())) {
                Entry e = entries.get(row.agentId());
                if (e != row.entry()) {
                    continue;
                }
                if (!refused.containsKey(row.agentId())) {
                    if (e.pending == row.pending()) {
                        e.pending = null;
                    }
                    continue;
                }
                StoredState stored = refused.get(row.agentId());
                if (e.version != row.version()) {
                    dirty.add(row.agentId());
                } else if (stored == null || stored.version() != e.version) {
                    entries.remove(row.agentId());
                } else {
                    if (isNewer(stored.bootEpoch(), stored.sequence(), e.bootEpoch, e.sequence)) {
                        e.bootEpoch = stored.bootEpoch();
                        e.sequence = stored.sequence();
                    }
                    Pending p = e.pending;
                    if (p != null && isNewer(p.bootEpoch(), p.sequence(), stored.bootEpoch(), stored.sequence())) {
                        dirty.add(row.agentId());
                    } else {
                        e.pending = null;
                    }
                }
            }
        }
    }

    /** A flush failed: keeps the rows buffered for the next attempt. */
    public void failed(List<FlushRow> rows) {
        for (FlushRow row : rows) {
            dirty.add(row.agentId());
        }
    }

    /** How many agents have buffered liveness. */
    public int pendingCount() {
        return dirty.size();
    }

    /** How many agents this replica caches. */
    public int size() {
        return entries.size();
    }

    /** Drops entries with nothing buffered that saw no heartbeat for {@code idleNanos}. */
    public void evictIdle(long idleNanos) {
        long now = System.nanoTime();
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            Entry e = me.getValue();
            synchronized (lock(me.getKey())) {
                if (e.pending == null && now - e.touchedNanos > idleNanos) {
                    entries.remove(me.getKey(), e);
                }
            }
        }
    }
}

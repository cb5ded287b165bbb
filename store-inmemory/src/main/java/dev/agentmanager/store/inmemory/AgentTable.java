package dev.agentmanager.store.inmemory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The agents by id: an open-addressing hash table (linear probing, at most four-fifths full) of entries, with
 * lock-free reads and writes serialised by the store's write lock. Agents are never removed, so there are
 * no tombstones.
 *
 * <p>Why not a {@code ConcurrentHashMap}: a lookup there dereferences the bin's node, the node's key string
 * and that string's bytes before it reaches the entry; at fleet scale each is a cache miss, on every
 * heartbeat. Here a lookup of a UUID id (what {@code AgentManager} assigns) reads one slot and the entry,
 * whose id bits sit inline ({@link AgentEntry#idMsb}, {@link AgentEntry#idLsb}). Other ids compare by
 * string.
 * It also saves the map's node per agent.
 *
 * <p>Each slot also keeps eight bits of its entry's hash ({@link Slots#tags}, one byte per slot beside the
 * slot array), and a probe dereferences only entries whose tag matches. Without them, a probe that passes an
 * occupied slot on its way (two lookups in five with 100,000 agents in 2^17 slots) reads that other entry's id
 * to rule it out: one more cache miss, at fleet scale as slow as the lookup's own. With them, one passed slot in
 * 255 costs that miss.
 *
 * <p>Why four-fifths full and not half ({@link Keys#tableCapacity}'s load, which the table had before): at
 * fleet scale a heartbeat waits first for its slot (tag and reference) and then for its entry, and a smaller
 * table keeps more of its slots in cache between beats. 100,000 agents in 2^17 slots instead of 2^18 beat 1.06×
 * to 1.15× as fast ({@code PairedRuns heartbeat} at 100,000 agents, six runs in the two orders; 1.09× at 50,000)
 * on an AMD EPYC VM; on session 7's machine the same change measured 0.99× and 1.01×. The longer probes cost
 * little: the tags of a probe's slots share a cache line, and a probe dereferences only entries whose tag
 * matches. A table also holds up to 1.6 times as many agents before it grows, and 100,000 agents cost 5 B
 * fewer each.
 *
 * <p>Readers read slots without synchronisation. That is safe because a lookup reads only final fields of an
 * entry (its id, whose final-field semantics make it visible through a racy read) and callers read
 * everything else under the entry's monitor, which the registering thread released after constructing it.
 * A reader that races an insert may miss the new entry, like a read ordered just before it.
 */
final class AgentTable {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(AgentEntry[].class);

    /**
     * The slots and, at the same index, the tag of the entry there ({@link #tag}: never 0, which marks a free
     * slot). Replaced whole on growth.
     */
    private record Slots(AgentEntry[] entries, byte[] tags) {
        Slots(int capacity) {
            this(new AgentEntry[capacity], new byte[capacity]);
        }
    }

    /** Published with a volatile write after every slot it holds was written. */
    private volatile Slots slots;
    /** Guarded by the store's write lock. */
    private int size;

    AgentTable(int expected) {
        slots = new Slots(capacityFor(expected));
    }

    /** The slot count for {@code expected} agents: a power of two, at least 16, at most 2^30, at most 4/5 full. */
    static int capacityFor(int expected) {
        return Keys.powerOfTwoSlots((5L * Math.max(expected, 0) + 3) / 4); // ceil(expected / 0.8)
    }

    /** Whether a table of {@code capacity} slots holds {@code size} entries at most four-fifths full. */
    private static boolean fits(int size, int capacity) {
        return 5L * size <= 4L * capacity;
    }

    /**
     * The tag kept in a slot for a key of hash {@code h}: its top eight bits (the index takes the low ones),
     * moved off 0, the free-slot mark.
     */
    private static byte tag(int h) {
        int t = h >>> 24;
        return (byte) (t == 0 ? 1 : t);
    }

    /** The entry of {@code id}, or null. Lock-free, allocation-free; for a UUID id it reads no stored string. */
    @Nullable AgentEntry get(String id) {
        return get(id, null);
    }

    /**
     * The heartbeat path's lookup: {@link #get(String)} with the id's ISO-8859-1 bytes at hand. A canonical UUID
     * decodes from them eight digits at a time ({@link Keys#hex8}) and is looked up by its two words; other ids
     * hash and compare as bytes. An id whose bytes do not stand for it one to one (characters outside
     * ISO-8859-1) may be missed here; the caller then falls back to {@link #get(String)}. With {@code idBytes}
     * null it is {@link #get(String)}.
     */
    @Nullable AgentEntry get(String id, byte @Nullable [] idBytes) {
        if (idBytes != null) {
            byte[] b = idBytes;
            if (b.length == 36 && b[8] == '-' && b[13] == '-' && b[18] == '-' && b[23] == '-') {
                long a = Keys.hex8(b, 0);
                long c = Keys.hex8(b, 9, 14);
                long d = Keys.hex8(b, 19, 24);
                long f = Keys.hex8(b, 28);
                if ((a | c | d | f) >= 0) { // each is -1 or below 2^32
                    return get((a << 32) | c, (d << 32) | f);
                }
            }
            return get(id, Keys.hash(idBytes));
        }
        return Keys.isCanonicalUuid(id) ? get(Keys.uuidMsb(id), Keys.uuidLsb(id)) : get(id, Keys.hash(id));
    }

    /** The entry whose id is the canonical UUID with these bits, or null. */
    private @Nullable AgentEntry get(long msb, long lsb) {
        Slots t = slots;
        AgentEntry[] entries = t.entries;
        byte[] tags = t.tags;
        int mask = entries.length - 1;
        int h = Keys.mix(Keys.uuidHash(msb, lsb));
        byte want = tag(h);
        for (int i = h & mask; ; i = (i + 1) & mask) {
            byte found = tags[i];
            if (found == 0) {
                return null;
            }
            if (found == want) {
                AgentEntry e = entries[i]; // a racy read is safe: it reads only final fields of the entry (see class doc)
                if (e != null && e.uuidId != 0 && e.idMsb == msb && e.idLsb == lsb) {
                    return e;
                }
            }
        }
    }

    /**
     * The entry of {@code id}, which is not a canonical UUID and hashes to {@code hash}, or null. The same probe
     * as {@link #get(long, long)}'s with another key test, written out twice on purpose: one probe taking either
     * key measured 3 % slower per heartbeat in cache ({@code PairedRuns heartbeat}, 1,000 agents).
     */
    private @Nullable AgentEntry get(String id, long hash) {
        Slots t = slots;
        AgentEntry[] entries = t.entries;
        byte[] tags = t.tags;
        int mask = entries.length - 1;
        int h = Keys.mix(hash);
        byte want = tag(h);
        for (int i = h & mask; ; i = (i + 1) & mask) {
            byte found = tags[i];
            if (found == 0) {
                return null;
            }
            if (found == want) {
                AgentEntry e = entries[i];
                if (e != null && e.uuidId == 0 && e.id.equals(id)) {
                    return e;
                }
            }
        }
    }

    /** The table hash of an entry's id: by its words for a canonical UUID, else by its characters. */
    private static long hash(AgentEntry e) {
        return e.uuidId != 0 ? Keys.uuidHash(e.idMsb, e.idLsb) : Keys.hash(e.id);
    }

    /** Adds an entry whose id is absent. Call holding the store's write lock. */
    void add(AgentEntry e) {
        Slots t = slots;
        if (!fits(size + 1, t.entries.length)) {
            Slots bigger = new Slots(t.entries.length * 2);
            for (AgentEntry old : t.entries) {
                if (old != null) {
                    insert(bigger, old);
                }
            }
            insert(bigger, e);
            slots = bigger; // volatile write: publishes both new arrays
        } else {
            insert(t, e);
        }
        size++;
    }

    /** The number of slots (for tests). */
    int capacity() {
        return slots.entries.length;
    }

    /** The number of entries; exact under the write lock, a recent value otherwise. */
    int size() {
        return size;
    }

    /** Visits every entry (those added while it runs may or may not be visited). */
    void forEach(Consumer<AgentEntry> action) {
        AgentEntry[] t = slots.entries;
        for (int i = 0; i < t.length; i++) {
            AgentEntry e = t[i];
            if (e != null) {
                action.accept(e);
            }
        }
    }

    /**
     * Writes the entry, then its tag: a reader that sees the tag but not yet the entry reads a null slot,
     * which matches nothing, and goes on probing (it may miss the new entry, as the class doc allows).
     */
    private static void insert(Slots t, AgentEntry e) {
        int mask = t.entries.length - 1;
        int h = Keys.mix(hash(e));
        int i = h & mask;
        while (t.tags[i] != 0) {
            i = (i + 1) & mask;
        }
        SLOT.setRelease(t.entries, i, e);
        TAG.setRelease(t.tags, i, tag(h));
    }

    private static final VarHandle TAG = MethodHandles.arrayElementVarHandle(byte[].class);
}

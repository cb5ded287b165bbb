package dev.agentmanager.store.inmemory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The agents by id: an open-addressing hash table (linear probing, at most half full) of entries, with
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
 * <p>Readers read slots without synchronisation. That is safe because a lookup reads only final fields of an
 * entry (its id, whose final-field semantics make it visible through a racy read) and callers read
 * everything else under the entry's monitor, which the registering thread released after constructing it.
 * A reader that races an insert may miss the new entry, like a read ordered just before it.
 */
final class AgentTable {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(AgentEntry[].class);

    /** Published with a volatile write after every slot it holds was written. */
    private volatile AgentEntry[] slots;
    /** Guarded by the store's write lock. */
    private int size;

    AgentTable(int expected) {
        slots = new AgentEntry[Keys.tableCapacity(expected)];
    }

    /** The entry of {@code id}, or null. Lock-free, allocation-free; for a UUID id it reads no stored string. */
    @Nullable AgentEntry get(String id) {
        AgentEntry[] t = slots;
        int mask = t.length - 1;
        for (int i = Keys.mix(Keys.hash(id)) & mask; ; i = (i + 1) & mask) {
            AgentEntry e = t[i]; // a racy read is safe: it reads only final fields of the entry (see class doc)
            if (e == null) {
                return null;
            }
            if (e.uuidId != 0 ? Keys.uuidEquals(id, e.idMsb, e.idLsb) : e.id.equals(id)) {
                return e;
            }
        }
    }

    /**
     * The heartbeat path's lookup: {@link #get(String)} with the id's ISO-8859-1 bytes at hand, which compare
     * eight at a time. An id whose bytes do not stand for it one to one (characters outside ISO-8859-1) may
     * be missed here; the caller then falls back to {@link #get(String)}.
     */
    @Nullable AgentEntry get(String id, byte[] idBytes) {
        AgentEntry[] t = slots;
        int mask = t.length - 1;
        for (int i = Keys.mix(Keys.hash(idBytes)) & mask; ; i = (i + 1) & mask) {
            AgentEntry e = t[i];
            if (e == null) {
                return null;
            }
            if (e.uuidId != 0 ? Keys.uuidEquals(idBytes, e.idMsb, e.idLsb) : e.id.equals(id)) {
                return e;
            }
        }
    }

    /** Adds an entry whose id is absent. Call holding the store's write lock. */
    void add(AgentEntry e) {
        AgentEntry[] t = slots;
        if (2 * (size + 1) > t.length) {
            AgentEntry[] bigger = new AgentEntry[t.length * 2];
            for (AgentEntry old : t) {
                if (old != null) {
                    insert(bigger, old);
                }
            }
            insert(bigger, e);
            slots = bigger; // volatile write: publishes the whole new array
        } else {
            insert(t, e);
        }
        size++;
    }

    /** The number of entries; exact under the write lock, a recent value otherwise. */
    int size() {
        return size;
    }

    /** Visits every entry (those added while it runs may or may not be visited). */
    void forEach(Consumer<AgentEntry> action) {
        AgentEntry[] t = slots;
        for (int i = 0; i < t.length; i++) {
            AgentEntry e = t[i];
            if (e != null) {
                action.accept(e);
            }
        }
    }

    private static void insert(AgentEntry[] t, AgentEntry e) {
        int mask = t.length - 1;
        int i = Keys.mix(Keys.hash(e.id())) & mask;
        while (t[i] != null) {
            i = (i + 1) & mask;
        }
        SLOT.setRelease(t, i, e);
    }
}

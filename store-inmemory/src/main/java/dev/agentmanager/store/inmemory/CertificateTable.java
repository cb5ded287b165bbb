package dev.agentmanager.store.inmemory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The stored certificate records by serial: an open-addressing hash table (linear probing, at most half full)
 * of the records themselves, with lock-free reads and writes serialised by the store's write lock, like
 * {@link AgentTable}. Records are never removed, so there are no tombstones. Compared with a
 * {@code ConcurrentHashMap<String, CertificateRecord>} it saves the map's node and the serial string per
 * certificate: a record keeps a hex serial as two words ({@link CertificateRecord#hasSerial}).
 *
 * <p>Readers read slots without synchronisation: a lookup reads only final fields of a record (its serial),
 * which final-field semantics make visible through a racy read; a reader that races an insert may miss the
 * new record, like a read ordered just before it.
 */
final class CertificateTable {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(CertificateRecord[].class);

    /** Published with a volatile write after every slot it holds was written. */
    private volatile CertificateRecord[] slots;
    /** Guarded by the store's write lock. */
    private int size;

    CertificateTable(int expected) {
        slots = new CertificateRecord[capacityFor(Math.max(expected, 8))];
    }

    /** The record with this serial, or null. Lock-free and allocation-free. */
    @Nullable CertificateRecord get(String serial) {
        CertificateRecord[] t = slots;
        int mask = t.length - 1;
        for (int i = CertificateRecord.serialHash(serial) & mask; ; i = (i + 1) & mask) {
            CertificateRecord r = t[i];
            if (r == null) {
                return null;
            }
            if (r.hasSerial(serial)) {
                return r;
            }
        }
    }

    /** Adds a record whose serial is absent. Call holding the store's write lock. */
    void add(CertificateRecord r) {
        CertificateRecord[] t = slots;
        if (2 * (size + 1) > t.length) {
            CertificateRecord[] bigger = new CertificateRecord[t.length * 2];
            for (CertificateRecord old : t) {
                if (old != null) {
                    insert(bigger, old);
                }
            }
            insert(bigger, r);
            slots = bigger; // volatile write: publishes the whole new array
        } else {
            insert(t, r);
        }
        size++;
    }

    /** The number of records; exact under the write lock, a recent value otherwise. */
    int size() {
        return size;
    }

    private static void insert(CertificateRecord[] t, CertificateRecord r) {
        int mask = t.length - 1;
        int i = r.serialHash() & mask;
        while (t[i] != null) {
            i = (i + 1) & mask;
        }
        SLOT.setRelease(t, i, r);
    }

    private static int capacityFor(int expected) {
        long wanted = Math.max(16L, 2L * expected);
        if (wanted > (1 << 30)) {
            return 1 << 30;
        }
        return Integer.highestOneBit((int) wanted - 1) << 1;
    }
}

package dev.agentmanager.store.inmemory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The stored certificate records by serial and by thumbprint: two open-addressing hash tables (linear probing,
 * at most half full) of the records themselves, with lock-free reads and writes serialised by the store's write
 * lock, like {@link AgentTable}. Records are never removed, so there are no tombstones. Serials are unique;
 * thumbprints need not be, so a thumbprint lookup visits every record with that thumbprint. Compared with
 * {@code ConcurrentHashMap}s it saves a map node per certificate and index, and the serial string: a record
 * keeps a hex serial as two words ({@link CertificateRecord#hasSerial}).
 *
 * <p>Readers take no lock: slots are written with release and read with acquire semantics, so a reader that
 * finds a record sees everything written before it was inserted, its keys included (a non-hex serial or
 * thumbprint sits in a volatile field of the record, not a final one). A reader that races an insert may miss
 * the new record, like a read ordered just before it.
 */
final class CertificateTable {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(CertificateRecord[].class);

    /** By serial; published with a volatile write after every slot it holds was written. */
    private volatile CertificateRecord[] slots;
    /** By thumbprint; published like {@link #slots}. */
    private volatile CertificateRecord[] byThumbprint;
    /** Guarded by the store's write lock. */
    private int size;

    CertificateTable(int expected) {
        slots = new CertificateRecord[Keys.tableCapacity(expected)];
        byThumbprint = new CertificateRecord[slots.length];
    }

    /** The record with this serial, or null. Lock-free and allocation-free. */
    @Nullable CertificateRecord get(String serial) {
        CertificateRecord[] t = slots;
        int mask = t.length - 1;
        for (int i = CertificateRecord.serialHash(serial) & mask; ; i = (i + 1) & mask) {
            CertificateRecord r = (CertificateRecord) SLOT.getAcquire(t, i);
            if (r == null) {
                return null;
            }
            if (r.hasSerial(serial)) {
                return r;
            }
        }
    }

    /**
     * The first non-null result of {@code f} on the records with thumbprint {@code key}, or null. Lock-free;
     * allocates nothing itself.
     */
    <R> @Nullable R find(Thumbprint key, Function<CertificateRecord, @Nullable R> f) {
        CertificateRecord[] t = byThumbprint;
        int mask = t.length - 1;
        for (int i = key.hashCode() & mask; ; i = (i + 1) & mask) {
            CertificateRecord r = (CertificateRecord) SLOT.getAcquire(t, i);
            if (r == null) {
                return null;
            }
            if (r.sameThumbprint(key)) {
                R result = f.apply(r);
                if (result != null) {
                    return result;
                }
            }
        }
    }

    /** Adds a record whose serial is absent. Call holding the store's write lock. */
    void add(CertificateRecord r) {
        CertificateRecord[] t = slots;
        CertificateRecord[] u = byThumbprint;
        if (2 * (size + 1) > t.length) {
            CertificateRecord[] bigger = new CertificateRecord[t.length * 2];
            CertificateRecord[] biggerU = new CertificateRecord[t.length * 2];
            for (CertificateRecord old : t) {
                if (old != null) {
                    insert(bigger, old, old.serialHash());
                    insert(biggerU, old, old.hashCode());
                }
            }
            insert(bigger, r, r.serialHash());
            insert(biggerU, r, r.hashCode());
            slots = bigger; // volatile writes: publish the whole new arrays
            byThumbprint = biggerU;
        } else {
            insert(t, r, r.serialHash());
            insert(u, r, r.hashCode());
        }
        size++;
    }

    /** The number of records; exact under the write lock, a recent value otherwise. */
    int size() {
        return size;
    }

    private static void insert(CertificateRecord[] t, CertificateRecord r, int hash) {
        int mask = t.length - 1;
        int i = hash & mask;
        while (t[i] != null) {
            i = (i + 1) & mask;
        }
        SLOT.setRelease(t, i, r);
    }
}

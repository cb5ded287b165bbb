package dev.agentmanager.store.inmemory;

import java.util.Arrays;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The agents in id order ({@link String#compareTo}), for {@code findAgents}' keyset paging: a sorted array of
 * all entries but the most recent ones, and a short sorted array of those. Both arrays are immutable and
 * published together, so readers take no lock and see a consistent set (an entry added while a reader walks
 * may or may not be seen, as with a concurrent map's iterators). Writes are serialised by the store's write
 * lock.
 *
 * <p>Why not a {@code ConcurrentSkipListMap}: its node and index objects cost about 36 bytes per agent; the
 * array costs 4 (compressed references). An add copies the short array (binary search, then one copy of at
 * most about sqrt(n) references) and, once that array outgrows sqrt(n), merges it into a new long array by
 * binary searches and block copies: O(sqrt(n)) reference moves and O(log n) comparisons per add, amortised.
 * Agents are added rarely (registration) and never removed.
 *
 * <p>Comparisons read only final fields of entries: the id string, or the two words of a UUID id, whose
 * canonical lower-case form sorts exactly as the words compare unsigned, so no id string is made.
 */
final class IdOrder {
    private static final AgentEntry[] NONE = new AgentEntry[0];
    /** The short array never needs merging below this length. */
    private static final int MIN_RECENT = 32;

    /** Sorted, disjoint, immutable once published. */
    private record Snapshot(AgentEntry[] settled, AgentEntry[] recent) {}

    private volatile Snapshot snapshot = new Snapshot(NONE, NONE);

    /** Adds an entry whose id is absent. Call holding the store's write lock. */
    void add(AgentEntry e) {
        Snapshot s = snapshot;
        AgentEntry[] recent = s.recent;
        int at = -(search(recent, e) + 1);
        AgentEntry[] longer = new AgentEntry[recent.length + 1];
        System.arraycopy(recent, 0, longer, 0, at);
        longer[at] = e;
        System.arraycopy(recent, at, longer, at + 1, recent.length - at);
        snapshot = longer.length * (long) longer.length > s.settled.length && longer.length > MIN_RECENT
                ? new Snapshot(merge(s.settled, longer), NONE)
                : new Snapshot(s.settled, longer);
    }

    /**
     * Hands the entries whose ids sort after {@code afterId} (all if null) to {@code visitor} in id order, until
     * it returns false. Lock-free: it walks the entries present when it starts.
     */
    void forEachAfter(@Nullable String afterId, Predicate<AgentEntry> visitor) {
        Snapshot s = snapshot;
        AgentEntry[] a = s.settled;
        AgentEntry[] b = s.recent;
        int i = afterId == null ? 0 : firstAfter(a, afterId);
        int j = afterId == null ? 0 : firstAfter(b, afterId);
        while (i < a.length || j < b.length) {
            AgentEntry next = j == b.length || (i < a.length && compare(a[i], b[j]) < 0) ? a[i++] : b[j++];
            if (!visitor.test(next)) {
                return;
            }
        }
    }

    /** The index of the first entry of sorted {@code t} whose id sorts after {@code id}. */
    private static int firstAfter(AgentEntry[] t, String id) {
        int low = 0;
        int high = t.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (compare(id, t[mid]) < 0) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }

    /** {@link Arrays#binarySearch}'s contract for entry {@code e} in sorted {@code t}. */
    private static int search(AgentEntry[] t, AgentEntry e) {
        return search(t, 0, t.length - 1, e);
    }

    /** {@link #search(AgentEntry[], AgentEntry)} within {@code t[low..high]}. */
    private static int search(AgentEntry[] t, int low, int high, AgentEntry e) {
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int c = compare(t[mid], e);
            if (c < 0) {
                low = mid + 1;
            } else if (c > 0) {
                high = mid - 1;
            } else {
                return mid;
            }
        }
        return -(low + 1);
    }

    /**
     * Long sorted {@code a} and short sorted {@code b} merged. Each entry of {@code b} finds its place by binary
     * search and the runs of {@code a} between are copied whole: a merge compares O(|b| log |a|) entries, not
     * |a| (each comparison of a long-settled entry is likely a cache miss at fleet scale).
     */
    private static AgentEntry[] merge(AgentEntry[] a, AgentEntry[] b) {
        AgentEntry[] m = new AgentEntry[a.length + b.length];
        int from = 0; // the first entry of a not yet copied
        int k = 0;
        for (AgentEntry e : b) {
            int at = -(search(a, from, a.length - 1, e) + 1);
            System.arraycopy(a, from, m, k, at - from);
            k += at - from;
            m[k++] = e;
            from = at;
        }
        System.arraycopy(a, from, m, k, a.length - from);
        return m;
    }

    /** The order of the two entries' ids, as {@link String#compareTo} orders the id strings. */
    static int compare(AgentEntry a, AgentEntry b) {
        if (a.uuidId != 0 && b.uuidId != 0) {
            int c = Long.compareUnsigned(a.idMsb, b.idMsb);
            return c != 0 ? c : Long.compareUnsigned(a.idLsb, b.idLsb);
        }
        if (a.uuidId != 0) {
            return -compare(b.id, a);
        }
        return compare(a.id, b);
    }

    /** The order of {@code id} and the entry's id, as {@link String#compareTo} orders them. Allocation-free. */
    static int compare(String id, AgentEntry e) {
        if (e.uuidId == 0) {
            return id.compareTo(e.id);
        }
        int n = Math.min(id.length(), 36);
        for (int p = 0; p < n; p++) {
            int c = id.charAt(p) - uuidChar(e.idMsb, e.idLsb, p);
            if (c != 0) {
                return c;
            }
        }
        return id.length() - 36;
    }

    /** The character at {@code p} of the canonical lower-case string of the UUID with these words. */
    private static char uuidChar(long msb, long lsb, int p) {
        if (p == 8 || p == 13 || p == 18 || p == 23) {
            return '-';
        }
        int nibble = p - (p > 23 ? 4 : p > 18 ? 3 : p > 13 ? 2 : p > 8 ? 1 : 0); // 0..31, most significant first
        long word = nibble < 16 ? msb : lsb;
        int v = (int) (word >>> (60 - 4 * (nibble & 15))) & 0xF;
        return (char) (v < 10 ? '0' + v : 'a' + v - 10);
    }
}

package dev.agentmanager.benchmarks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * A measurement of two ways to lay out a registry's per-agent heartbeat state, not of the store: how much of a
 * heartbeat's time at fleet scale is the layout's, apart from everything else a beat does. Both layouts do the
 * same work per beat (decode the id from request bytes, read the clock, find the agent, check and write its
 * liveness under a per-agent lock, allocate a small response), over the same random beating order:
 * <ul>
 *   <li>{@code entry}: the in-memory store's layout ({@code AgentTable}): an open-addressing table of tags and
 *       references, each to an entry object of 224 bytes (wheel links, then the hot longs, then cold fields)
 *       with three cold objects of its own allocated beside it, locked by its monitor. Two dependent memory
 *       accesses per beat: the slot, then the entry.</li>
 *   <li>{@code inline}: the hot state held in the table itself, 128 bytes per slot in one {@code long[]} (load at
 *       most 0.8), locked by a CAS on the slot's first word. One dependent access per beat: the slot.</li>
 * </ul>
 * The two alternate in slices in one JVM, as in {@link PeerRuns}. Prints the median nanoseconds per beat of
 * each and {@link MemoryLatency}'s access time, measured right after.
 *
 * <pre>
 * java -Xms4g -Xmx4g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.HotStateLayouts [agents] [rounds]
 * </pre>
 */
public final class HotStateLayouts {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs per inline slot (128 bytes: two cache lines when the slot is aligned). */
    private static final int SLOT = 16;
    /**
     * Longs before the first slot: 48 bytes, which with the array's 16-byte header aligns the slots to 64 bytes
     * when the array starts on a 64-byte boundary, as G1 places an array this large (at a region's start).
     */
    private static final int BASE = 6;
    // the words of an inline slot: the lock word first (0 free, 1 held), then the hot state
    private static final int MSB = 1;
    private static final int LSB = 2;
    private static final int ROUTINE = 3;
    private static final int PIN0 = 4;
    private static final int PIN3 = 7;
    private static final int NOT_BEFORE = 8;
    private static final int NOT_AFTER = 9;
    private static final int EPOCH = 10;
    private static final int SEQUENCE = 11;
    private static final int LAST = 12;
    private static final int NANOS = 13;
    private static final int DEADLINE = 14;
    private static final long TIMEOUT_MILLIS = 90_000;

    /** The entry layout's node: what {@code AgentEntry} inherits from the deadline wheel. */
    private static class Node {
        @SuppressWarnings("unused") Node prev;
        @SuppressWarnings("unused") Node next;
        @SuppressWarnings("unused") volatile long filedTick;
    }

    /** The entry layout's entry: 224 bytes, the hot longs first, as {@code AgentEntry}. */
    @SuppressWarnings("unused")
    private static final class Entry extends Node {
        final int uuid; // set in the constructor: a read, as AgentEntry's, not a constant
        final long msb;
        final long lsb;
        long routine = 1;
        long pin0, pin1, pin2, pin3, notBefore, notAfter = Long.MAX_VALUE, epoch, sequence, last, nanos, deadline;
        long cold0, cold1, cold2, cold3, cold4;
        int cold5, cold6, cold7, cold8;
        Object text, capabilities, labels, version, certificate, next;

        Entry(long msb, long lsb) {
            this.uuid = 1;
            this.msb = msb;
            this.lsb = lsb;
        }
    }

    private final int agents;
    /** The request of each beat, in beating order: the agent's id as 36 ISO-8859-1 bytes. */
    private final byte[] requests;
    private final long[] sequence;
    private int next;

    private final Entry[] entries;
    private final byte[] entryTags;
    private final long[] inline;
    private final byte[] inlineTags;

    HotStateLayouts(int agents) {
        this.agents = agents;
        SplittableRandom random = new SplittableRandom(0x5EED);
        int entrySlots = Integer.highestOneBit(2 * agents - 1) << 1; // at most half full, as AgentTable
        entries = new Entry[entrySlots];
        entryTags = new byte[entrySlots];
        int inlineSlots = Integer.highestOneBit((int) Math.ceil(agents / 0.8) - 1) << 1; // at most 0.8 full
        inline = new long[BASE + inlineSlots * SLOT];
        inlineTags = new byte[inlineSlots];
        long[] msb = new long[agents];
        long[] lsb = new long[agents];
        for (int i = 0; i < agents; i++) {
            msb[i] = random.nextLong();
            lsb[i] = random.nextLong();
            Entry e = new Entry(msb[i], lsb[i]);
            e.text = new byte[120]; // cold objects allocated beside the entry, as registration does
            e.capabilities = new long[8];
            e.labels = new Object[4];
            int h = hash(msb[i], lsb[i]);
            int k = h & (entrySlots - 1);
            while (entryTags[k] != 0) {
                k = (k + 1) & (entrySlots - 1);
            }
            entries[k] = e;
            entryTags[k] = tag(h);
            k = h & (inlineSlots - 1);
            while (inlineTags[k] != 0) {
                k = (k + 1) & (inlineSlots - 1);
            }
            inlineTags[k] = tag(h);
            int at = BASE + k * SLOT;
            inline[at + MSB] = msb[i];
            inline[at + LSB] = lsb[i];
            inline[at + ROUTINE] = 1;
            inline[at + NOT_AFTER] = Long.MAX_VALUE;
        }
        int[] order = HeartbeatBenchmark.share(agents, 1, 0);
        requests = new byte[agents * 36];
        for (int k = 0; k < agents; k++) {
            byte[] id = new UUID(msb[order[k]], lsb[order[k]]).toString().getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(id, 0, requests, k * 36, 36);
        }
        sequence = new long[agents];
    }

    private static int hash(long msb, long lsb) {
        long z = msb * 0x9E3779B97F4A7C15L ^ lsb;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (z ^ (z >>> 33));
    }

    private static byte tag(int h) {
        int t = h >>> 24;
        return (byte) (t == 0 ? 1 : t);
    }

    /** The id words of the request {@link #nextRequest} decoded last. */
    private long requestMsb;
    private long requestLsb;

    /**
     * Decodes the next request in beating order, as a server's decoder would (a string from the request's
     * bytes, then its words), into {@link #requestMsb} and {@link #requestLsb}; returns the beat's sequence number.
     */
    private long nextRequest() {
        int k = next;
        next = k + 1 < agents ? k + 1 : 0;
        String id = new String(requests, k * 36, 36, StandardCharsets.ISO_8859_1);
        requestMsb = (Long.parseUnsignedLong(id, 0, 8, 16) << 32) | (Long.parseUnsignedLong(id, 9, 13, 16) << 16)
                | Long.parseUnsignedLong(id, 14, 18, 16);
        requestLsb = (Long.parseUnsignedLong(id, 19, 23, 16) << 48) | Long.parseUnsignedLong(id, 24, 36, 16);
        return ++sequence[k];
    }

    /** A response-sized result that escapes into the caller's sum. */
    private record Response(long at, long sequence) {}

    /** One beat through the entry layout; the accepted sequence number, or -1. */
    long beatEntry() {
        long seq = nextRequest();
        long msb = requestMsb;
        long lsb = requestLsb;
        long now = System.currentTimeMillis();
        int h = hash(msb, lsb);
        byte want = tag(h);
        int mask = entries.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            byte found = entryTags[i];
            if (found == 0) {
                return -1;
            }
            if (found != want) {
                continue;
            }
            Entry e = entries[i];
            if (e != null && e.uuid != 0 && e.msb == msb && e.lsb == lsb) {
                synchronized (e) {
                    if (e.routine == 0 || e.epoch != 0 || now < e.notBefore || now > e.notAfter || e.pin0 != 0
                            || e.pin3 != 0 || seq <= e.sequence) {
                        return -1;
                    }
                    e.sequence = seq;
                    e.last = now;
                    e.nanos = now & 0xFFF;
                    e.deadline = now + TIMEOUT_MILLIS;
                }
                return new Response(now, seq).sequence();
            }
        }
    }

    /** One beat through the inline layout; the accepted sequence number, or -1. */
    long beatInline() {
        long seq = nextRequest();
        long msb = requestMsb;
        long lsb = requestLsb;
        long now = System.currentTimeMillis();
        int h = hash(msb, lsb);
        byte want = tag(h);
        long[] s = inline;
        int mask = inlineTags.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            byte found = inlineTags[i];
            if (found == 0) {
                return -1;
            }
            int at = BASE + i * SLOT;
            if (found == want && s[at + MSB] == msb && s[at + LSB] == lsb) {
                while (!WORD.compareAndSet(s, at, 0L, 1L)) {
                    Thread.onSpinWait();
                }
                try {
                    if (s[at + ROUTINE] == 0 || s[at + EPOCH] != 0 || now < s[at + NOT_BEFORE]
                            || now > s[at + NOT_AFTER] || s[at + PIN0] != 0 || s[at + PIN3] != 0
                            || seq <= s[at + SEQUENCE]) {
                        return -1;
                    }
                    s[at + SEQUENCE] = seq;
                    s[at + LAST] = now;
                    s[at + NANOS] = now & 0xFFF;
                    s[at + DEADLINE] = now + TIMEOUT_MILLIS;
                } finally {
                    WORD.setRelease(s, at, 0L);
                }
                return new Response(now, seq).sequence();
            }
        }
    }

    /** {@code beats} beats of one layout; returns the sum of the accepted sequence numbers (none refused: > 0). */
    long run(boolean entryLayout, int beats) {
        long sum = 0;
        for (int i = 0; i < beats; i++) {
            long accepted = entryLayout ? beatEntry() : beatInline();
            if (accepted < 0) {
                throw new IllegalStateException("a beat was refused");
            }
            sum += accepted;
        }
        return sum;
    }

    public static void main(String[] args) {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int slice = args.length > 2 ? Integer.parseInt(args[2]) : 2_000_000;
        HotStateLayouts layouts = new HotStateLayouts(agents);
        System.gc(); // the fleet as a running server's heap holds it
        long sum = 0;
        for (int w = 0; w < 3; w++) {
            sum += layouts.run(true, slice) + layouts.run(false, slice);
        }
        double[] entry = new double[rounds];
        double[] inline = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (int side = 0; side < 2; side++) {
                boolean entryLayout = (side == 0) == (r % 2 == 0);
                long start = System.nanoTime();
                sum += layouts.run(entryLayout, slice);
                double nanos = (System.nanoTime() - start) / (double) slice;
                (entryLayout ? entry : inline)[r] = nanos;
            }
        }
        MemoryLatency chase = new MemoryLatency(MemoryLatency.DEFAULT_BYTES);
        chase.nanosPerAccess(2_000_000);
        double access = chase.nanosPerAccess(4_000_000);
        double e = PairedRuns.quantile(entry, 0.5);
        double i = PairedRuns.quantile(inline, 0.5);
        System.out.printf(Locale.ROOT, "%,d agents: entry %.1f ns a beat, inline %.1f ns (medians of %d rounds);"
                + " one dependent access over 64 MiB %.1f ns; entry - inline = %.1f ns (%.2f accesses)%n",
                agents, e, i, rounds, access, e - i, (e - i) / access);
        System.out.printf(Locale.ROOT, "RESULT layouts.entry %.2f%nRESULT layouts.inline %.2f%nRESULT layouts.access %.2f%n",
                e, i, access);
        if (sum == 42) {
            System.out.println(); // keeps the sum observable
        }
    }
}

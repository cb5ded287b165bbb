package dev.agentmanager.benchmarks;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The machine's limit for an in-memory heartbeat over a fleet that does not fit in cache: the time of one
 * random memory access that depends on the one before it (a pointer chase). A heartbeat has to read and write
 * its agent's state, which at 100,000 agents is nowhere near the previous beat's, so no registry can beat faster
 * than one such access per beat; how many accesses' worth of time a beat takes says how far a registry is from
 * that floor. {@link PeerRuns} measures it in the JVM and minutes of its heartbeat rounds, and the suite reports
 * both sides against it.
 *
 * <p>The chase visits every 64-byte line of an {@code int} array once, in one random cycle (Sattolo's shuffle),
 * so neither the caches nor the hardware prefetcher can guess the next line. The footprint defaults to 64 MiB,
 * the order of either fleet in {@link HeartbeatBenchmark} (ours about 50 MB, Eureka's about 60 MB at 100,000
 * agents), so the chase pays the same translation (TLB) misses a beat does.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.MemoryLatency [MiB...]
 * </pre>
 */
public final class MemoryLatency {
    /** Ints per 64-byte cache line: the chase's stride. */
    static final int LINE = 16;
    /** The default footprint, bytes. */
    static final long DEFAULT_BYTES = 64L << 20;

    private final int[] next;
    private int at;

    /** A chase over {@code bytes} (rounded down to whole lines, at least two). */
    MemoryLatency(long bytes) {
        int lines = (int) Math.max(2, Math.min(bytes / 64, Integer.MAX_VALUE / LINE));
        next = new int[lines * LINE];
        int[] order = new int[lines];
        for (int i = 0; i < lines; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(0x1A7E);
        for (int i = lines - 1; i > 0; i--) { // Sattolo: one cycle through every line
            int j = random.nextInt(i);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        for (int i = 0; i < lines; i++) {
            next[order[i] * LINE] = order[(i + 1) % lines] * LINE;
        }
    }

    /** The number of lines the chase visits before it is back where it started (every line, once). */
    int cycleLength() {
        int p = 0;
        int n = 0;
        do {
            p = next[p];
            n++;
        } while (p != 0);
        return n;
    }

    /** Follows the chain {@code steps} times; returns the mean nanoseconds per step. */
    double nanosPerAccess(int steps) {
        int p = at;
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            p = next[p];
        }
        long elapsed = System.nanoTime() - start;
        at = p; // keeps the chain observable, and the next call continues where this one stopped
        return (double) elapsed / steps;
    }

    public static void main(String[] args) {
        long[] sizes = args.length == 0 ? new long[] {1, 4, 16, 64, 256} : new long[args.length];
        for (int i = 0; i < args.length; i++) {
            sizes[i] = Long.parseLong(args[i]);
        }
        for (long mib : sizes) {
            MemoryLatency chase = new MemoryLatency(mib << 20);
            chase.nanosPerAccess(2_000_000); // warm-up (the constructor touched every page)
            System.out.printf(Locale.ROOT, "%5d MiB: %.1f ns per dependent random access%n", mib,
                    chase.nanosPerAccess(5_000_000));
        }
    }
}

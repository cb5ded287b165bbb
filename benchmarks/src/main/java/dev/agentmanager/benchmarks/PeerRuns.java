package dev.agentmanager.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Heartbeat throughput, ours against Eureka's {@code renew}, interleaved in one JVM: the cross-check of the
 * suite's JMH heartbeat rows. JMH measures the two sides in separate forks, tens of seconds apart, and this
 * machine's speed (a VM on a shared host) drifts by tens of percent over such spans, so a JMH ratio carries
 * that drift. Here both fleets ({@link HeartbeatBenchmark}'s states, the same beat order and request decoding)
 * live in one JVM and the two sides alternate in slices (2,000,000 beats by default; which side goes first alternates
 * between rounds), so each round's ratio compares the two under the same conditions; a full collection first
 * puts both fleets where a running server's would be (see {@code main}). Prints each side's median
 * rate and the median and quartiles of the per-round ratio, and {@code RESULT} lines for {@link BenchmarkSuite}.
 *
 * <pre>
 * java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.PeerRuns [threads] [agents] [rounds] [slice]
 * </pre>
 *
 * Defaults: 1 thread, 100,000 agents, 16 rounds, slices of 2,000,000 beats. With more threads each thread beats
 * its share of the fleet, as in the JMH benchmark, and a slice's rate is all beats over the slice's wall time.
 */
public final class PeerRuns {

    private PeerRuns() {}

    /** One side: {@code run(n)} makes every thread beat {@code n} times and returns the wall nanoseconds. */
    private interface Side {
        long run(long beatsPerThread) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int agents = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        long slice = args.length > 3 ? Long.parseLong(args[3]) : 2_000_000;
        Fleet.quietLogging();
        HeartbeatBenchmark benchmark = new HeartbeatBenchmark();
        HeartbeatBenchmark.Ours ours = new HeartbeatBenchmark.Ours();
        ours.agents = agents;
        ours.setUp();
        HeartbeatBenchmark.Eureka eureka = new HeartbeatBenchmark.Eureka();
        eureka.agents = agents;
        eureka.setUp();
        HeartbeatBenchmark.OurBeater[] beaters = new HeartbeatBenchmark.OurBeater[threads];
        HeartbeatBenchmark.EurekaRenewer[] renewers = new HeartbeatBenchmark.EurekaRenewer[threads];
        for (int t = 0; t < threads; t++) {
            beaters[t] = new HeartbeatBenchmark.OurBeater();
            beaters[t].setUp(ours, threads, t);
            renewers[t] = new HeartbeatBenchmark.EurekaRenewer();
            renewers[t].setUp(eureka, threads, t);
        }
        // Both fleets as a full collection leaves them, as in a server that has run for a while. Each fleet's
        // setup ends with one (HeartbeatBenchmark's class doc); this one also takes the beaters' request arrays
        // out of the young generation. Eureka's renew rate depends on where its objects lie: allocated right
        // behind our fleet, with no collection since, it renewed 1.7-2.2M/s here, but 1.2-1.5M/s after a full
        // collection and in a JVM of its own; ours moved little either way in that JVM (1.9-2.3M/s).
        System.gc();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long[] sink = new long[threads];
        Side[] sides = {
            n -> inParallel(pool, threads, t -> {
                long check = 0;
                for (long i = 0; i < n; i++) {
                    check += benchmark.ours(ours, beaters[t]).sequence();
                }
                sink[t] += check;
            }),
            n -> inParallel(pool, threads, t -> {
                long check = 0;
                for (long i = 0; i < n; i++) {
                    check += benchmark.eureka(eureka, renewers[t]) ? 1 : 0;
                }
                if (check != n) {
                    throw new IllegalStateException("Eureka refused " + (n - check) + " renewals");
                }
                sink[t] += check;
            })
        };
        long perThread = slice / threads;
        for (int w = 0; w < 4; w++) { // warm-up: compile both
            sides[0].run(perThread);
            sides[1].run(perThread);
        }
        Interleaved.Rounds result = Interleaved.run(
                rounds,
                () -> perThread * threads * 1e9 / sides[0].run(perThread),
                () -> perThread * threads * 1e9 / sides[1].run(perThread));
        pool.shutdown();
        eureka.tearDown();
        System.out.printf(
                Locale.ROOT,
                "ours %.3fM beats/s, Eureka %.3fM renews/s (medians of %d rounds, %d thread%s," + " %d agents)%n",
                Interleaved.quantile(result.first(), 0.5) / 1e6,
                Interleaved.quantile(result.second(), 0.5) / 1e6,
                rounds,
                threads,
                threads == 1 ? "" : "s",
                agents);
        System.out.println("ours/Eureka per round: " + result.ratioSummary());
        result.printResults("peer.t" + threads, "ours", "eureka");
        if (Arrays.stream(sink).sum() == 42) {
            System.out.println(); // keeps the sums observable
        }
    }

    private interface PerThread {
        void run(int thread) throws Exception;
    }

    /** Runs {@code work} on every thread at once; returns the wall nanoseconds until the last one finished. */
    private static long inParallel(ExecutorService pool, int threads, PerThread work) throws Exception {
        List<Future<?>> done = new ArrayList<>(threads);
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                work.run(thread);
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        return System.nanoTime() - start;
    }
}

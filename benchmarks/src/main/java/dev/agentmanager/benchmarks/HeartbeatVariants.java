package dev.agentmanager.benchmarks;

import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The suite's in-memory routine heartbeat ({@link HeartbeatBenchmark.Ours}: same fleet size, random beat order,
 * request decoding, a full collection after building) on two fleets that differ in one setting, beaten in
 * alternating slices ({@link Interleaved}, as {@link PeerRuns} does against Eureka) by one thread.
 */
final class HeartbeatVariants {
    private HeartbeatVariants() {}

    /**
     * Prints {@code <key>.with}, {@code .without}, {@code .ratio}, quartiles and rounds.
     *
     * @param variant what the "with" fleet sets before it is built
     */
    static void compare(
            String key, String with, Consumer<HeartbeatBenchmark.Ours> variant, int agents, int rounds, long slice)
            throws Exception {
        HeartbeatBenchmark benchmark = new HeartbeatBenchmark();
        HeartbeatBenchmark.Ours changed = new HeartbeatBenchmark.Ours();
        changed.agents = agents;
        variant.accept(changed);
        changed.setUp();
        HeartbeatBenchmark.Ours plain = new HeartbeatBenchmark.Ours();
        plain.agents = agents;
        plain.setUp();
        HeartbeatBenchmark.OurBeater changedBeater = new HeartbeatBenchmark.OurBeater();
        changedBeater.setUp(changed, 1, 0);
        HeartbeatBenchmark.OurBeater plainBeater = new HeartbeatBenchmark.OurBeater();
        plainBeater.setUp(plain, 1, 0);
        System.gc(); // both fleets as a full collection leaves them (PeerRuns says why)
        long[] sink = new long[1];
        Interleaved.Slice changedSlice = () -> beat(benchmark, changed, changedBeater, slice, sink);
        Interleaved.Slice plainSlice = () -> beat(benchmark, plain, plainBeater, slice, sink);
        for (int w = 0; w < 4; w++) { // warm-up: compile both
            changedSlice.rate();
            plainSlice.rate();
        }
        Interleaved.Rounds result = Interleaved.run(rounds, changedSlice, plainSlice);
        System.out.printf(
                Locale.ROOT,
                "routine heartbeat, %d agents, 1 thread: %.3fM beats/s %s, %.3fM without (medians of %d rounds)%n",
                agents,
                Interleaved.quantile(result.first(), 0.5) / 1e6,
                with,
                Interleaved.quantile(result.second(), 0.5) / 1e6,
                rounds);
        System.out.println("with/without per round: " + result.ratioSummary());
        result.printResults(key, "with", "without");
        if (sink[0] == 42) {
            System.out.println(); // keeps the sums observable
        }
    }

    private static double beat(
            HeartbeatBenchmark benchmark,
            HeartbeatBenchmark.Ours fleet,
            HeartbeatBenchmark.OurBeater beater,
            long slice,
            long[] sink) {
        long start = System.nanoTime();
        long check = 0;
        for (long i = 0; i < slice; i++) {
            check += benchmark.ours(fleet, beater).sequence();
        }
        sink[0] += check;
        return slice * 1e9 / (System.nanoTime() - start);
    }

    /** The table row of a comparison {@link #compare} printed under {@code key}. */
    static String row(Map<String, Double> results, String key, String what, String baseline, double target) {
        Double with = results.get(key + ".with");
        Double without = results.get(key + ".without");
        Double ratio = results.get(key + ".ratio");
        if (with == null || without == null || ratio == null) {
            return "| heartbeats/s, " + what + " | missing | | | | |";
        }
        return String.format(
                Locale.ROOT,
                "| heartbeats/s, 100k agents, 1 thread, in memory, %s, interleaved (%.0f rounds) | %,.0f/s | %,.0f/s %s | %.3f× (quartiles %.3f–%.3f×) | ≥ %.2f× | %s |",
                what,
                results.get(key + ".rounds"),
                with,
                without,
                baseline,
                ratio,
                results.get(key + ".q1"),
                results.get(key + ".q3"),
                target,
                ratio >= target ? "met" : "missed");
    }
}

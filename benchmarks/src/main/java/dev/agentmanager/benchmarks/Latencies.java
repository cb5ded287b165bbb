package dev.agentmanager.benchmarks;

import java.util.Arrays;
import java.util.Locale;

/** p50, p99 and max of a sample, in milliseconds, and its size. */
record Latencies(double p50, double p99, double max, int count) {
    static Latencies of(double[] ms) {
        return new Latencies(
                Interleaved.quantile(ms, 0.5),
                Interleaved.quantile(ms, 0.99),
                Arrays.stream(ms).max().orElseThrow(),
                ms.length);
    }

    void print(String key, String what) {
        System.out.printf(
                Locale.ROOT, "%s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d samples)%n", what, p50, p99, max, count);
        TaskLatencyRuns.result(key + ".p50", p50);
        TaskLatencyRuns.result(key + ".p99", p99);
        TaskLatencyRuns.result(key + ".max", max);
        TaskLatencyRuns.result(key + ".count", count);
    }
}

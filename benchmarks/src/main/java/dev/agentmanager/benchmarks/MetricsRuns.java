package dev.agentmanager.benchmarks;

import java.util.List;
import java.util.Map;

/**
 * The routine in-memory heartbeat with the Micrometer binder bound (a {@code SimpleMeterRegistry}) against the same
 * heartbeat without it, interleaved in one child JVM ({@link HeartbeatVariants}).
 *
 * <pre>
 * java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.MetricsRuns [agents] [rounds] [slice]
 * </pre>
 *
 * Defaults: 100,000 agents, 10 rounds of 2,000,000-beat slices.
 */
public final class MetricsRuns {
    static final double TARGET = 0.95;

    private MetricsRuns() {}

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        long slice = args.length > 2 ? Long.parseLong(args[2]) : 2_000_000;
        Fleet.quietLogging();
        HeartbeatVariants.compare(
                "metrics.heartbeat", "with metrics bound", o -> o.metrics = true, agents, rounds, slice);
        System.exit(0); // the managers' background threads
    }

    static List<String> rows(Map<String, Double> results) {
        return List.of(HeartbeatVariants.row(
                results, "metrics.heartbeat", "Micrometer binder bound vs not", "(no binder)", TARGET));
    }
}

package dev.agentmanager.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.util.ListStatistics;

/**
 * The suite's table: one Markdown row per measure from what {@link BenchmarkSuite} collected (JMH results, paired
 * rounds, child JVMs' {@code RESULT} figures): our figure, the peer's or the limit, the ratio, the target and
 * whether it was met.
 */
final class SuiteTable {
    /** The routine heartbeat's floor against Eureka's renew. */
    private static final double HEARTBEAT_TARGET = 1.2;
    /** Heap per agent of the in-memory store, certificate body included. */
    private static final double MEMORY_TARGET = 1_500;
    /** Heap per agent of a JDBC replica: its caches and heartbeat buffer. */
    private static final double REPLICA_MEMORY_TARGET = 500;

    private final Map<String, Result<?>> jmh;
    private final Map<String, Double> child;
    private final Map<String, List<Double>> paired;
    private final Map<String, ListStatistics> pooled;
    private final Map<String, String> databases;
    private final int memoryAgents;
    private final List<String> rows = new ArrayList<>();

    /**
     * @param databases the database each part's child named ({@code DATABASE <part> <name>} lines), by part
     */
    SuiteTable(
            Map<String, Result<?>> jmh,
            Map<String, Double> child,
            Map<String, List<Double>> paired,
            Map<String, ListStatistics> pooled,
            Map<String, String> databases,
            int memoryAgents) {
        this.jmh = jmh;
        this.child = child;
        this.paired = paired;
        this.pooled = pooled;
        this.databases = databases;
        this.memoryAgents = memoryAgents;
    }

    void print(Set<String> parts) {
        if (parts.contains("heartbeat")) {
            for (int t : new int[] {1, 2}) {
                comparePaired(
                        "heartbeats/s, 100k agents, " + t + " thread" + (t > 1 ? "s" : ""),
                        "HeartbeatBenchmark.ours#" + t,
                        "HeartbeatBenchmark.eureka#" + t,
                        "Eureka renew",
                        HEARTBEAT_TARGET);
            }
            for (int t : new int[] {1, 2}) {
                String key = "peer.t" + t;
                Double ours = child.get(key + ".ours");
                Double eureka = child.get(key + ".eureka");
                Double ratio = child.get(key + ".ratio");
                if (ours == null || eureka == null || ratio == null) {
                    rows.add("| heartbeats/s, " + t + " thread" + (t > 1 ? "s" : "")
                            + ", one JVM interleaved | missing | missing | | | |");
                    continue;
                }
                rows.add(String.format(
                        Locale.ROOT,
                        "| heartbeats/s, 100k agents, %d thread%s, both sides in one JVM, interleaved (%.0f rounds) | %,.0f/s | %,.0f/s (Eureka renew) | %s× (quartiles %.2f–%.2f×) | ≥ %.2f× | %s |",
                        t,
                        t > 1 ? "s" : "",
                        child.get(key + ".rounds"),
                        ours,
                        eureka,
                        ratioText(ratio, HEARTBEAT_TARGET),
                        child.get(key + ".q1"),
                        child.get(key + ".q3"),
                        HEARTBEAT_TARGET,
                        ratio >= HEARTBEAT_TARGET ? "met" : "missed"));
            }
        }
        if (parts.contains("sweep")) {
            for (String n : new String[] {"10000", "100000", "1000000"}) {
                Result<?> ours = jmh.get("SweepBenchmark.ours@" + n + "#1");
                Result<?> eureka = jmh.get("SweepBenchmark.eureka@" + n + "#1");
                compare(
                        "timeout sweep, " + String.format(Locale.ROOT, "%,d", Integer.parseInt(n))
                                + " agents, 0.1 % overdue",
                        eureka,
                        ours,
                        "Eureka evict()",
                        50,
                        true,
                        " ms",
                        true);
            }
            // The overdue share is fixed (0.1 %), so the expiries per sweep grow with the fleet; what must stay
            // flat is the cost per expired agent (the secondary results count the measured sweeps' expiries).
            Double smallPer = microsPerExpired("10000");
            for (String n : new String[] {"10000", "100000", "1000000"}) {
                Double per = microsPerExpired(n);
                Result<?> eureka = jmh.get("SweepBenchmark.eureka@" + n + "#1");
                if (per == null || eureka == null) {
                    continue;
                }
                double eurekaPer = eureka.getScore() * 1000 / Math.max(1, Integer.parseInt(n) / 1000);
                rows.add(String.format(
                        Locale.ROOT,
                        "| sweep cost per expired agent, %,d agents (ours: %.1f expired per sweep) | %.2f µs | %.2f µs per evicted (Eureka evict()) | %.0f× | flat: ≤ 2× the 10k figure | %s |",
                        Integer.parseInt(n),
                        expiredPerSweep(n),
                        per,
                        eurekaPer,
                        eurekaPer / per,
                        smallPer != null && per <= 2 * smallPer ? "met" : "missed"));
            }
            Double bigPer = microsPerExpired("1000000");
            if (smallPer != null && bigPer != null) {
                rows.add(String.format(
                        Locale.ROOT,
                        "| sweep cost per expired agent, growth 10k -> 1M (ours) | %.2f µs | %.2f µs | %.2f× | flat (≤ 2×) for 100× the fleet | %s |",
                        smallPer,
                        bigPer,
                        bigPer / smallPer,
                        bigPer / smallPer <= 2 ? "met" : "missed"));
            }
        }
        if (parts.contains("registration")) {
            compare(
                    "registrations/s, in-memory store + BouncyCastle CA, 1 thread",
                    jmh.get("RegistrationBenchmark.register#1"),
                    jmh.get("RegistrationBenchmark.rawCrypto#1"),
                    "raw crypto (decode+verify CSR, issue)",
                    0.85,
                    true,
                    "/s");
            Double ours = child.get("registration.ours");
            Double raw = child.get("registration.raw");
            Double ratio = child.get("registration.ratio");
            if (ours == null || raw == null || ratio == null) {
                rows.add("| registrations/s, one JVM interleaved | missing | missing | | | |");
            } else {
                rows.add(String.format(
                        Locale.ROOT,
                        "| registrations/s, 1 thread, both sides in one JVM, interleaved (%.0f rounds) | %,.0f/s | %,.0f/s (raw crypto) | %s× (quartiles %.2f–%.2f×) | ≥ 0.85× | %s |",
                        child.get("registration.rounds"),
                        ours,
                        raw,
                        ratioText(ratio, 0.85),
                        child.get("registration.q1"),
                        child.get("registration.q3"),
                        ratio >= 0.85 ? "met" : "missed"));
            }
        }
        if (parts.contains("memory")) {
            Double ours = child.get("memory.ours");
            Double eureka = child.get("memory.eureka");
            if (ours != null && eureka != null) {
                rows.add(String.format(
                        Locale.ROOT,
                        "| heap per agent, in-memory store, %,d agents (3 capabilities, 2 labels, certificate record with its PEM) | %.0f B | %.0f B (Eureka, bare instance) | %.2f× | ≤ %.0f B | %s |",
                        memoryAgents,
                        ours,
                        eureka,
                        ours / eureka,
                        MEMORY_TARGET,
                        ours <= MEMORY_TARGET ? "met" : "missed"));
                rows.add(String.format(
                        Locale.ROOT,
                        "| heap per agent without the certificate bodies | %.0f B | %.0f B | %.2f× | — | measured |",
                        child.get("memory.ours.withoutPem"),
                        eureka,
                        child.get("memory.ours.withoutPem") / eureka));
            }
        }
        if (parts.contains("replica-memory")) {
            Double replica = child.get("replica.perAgent");
            rows.add(
                    replica == null
                            ? "| heap per agent, JDBC replica | missing | | | | |"
                            : String.format(
                                    Locale.ROOT,
                                    "| heap per agent, JDBC replica serving %,d agents (caches and heartbeat buffer, after a full collection; database %s) | %.0f B | | | ≤ %.0f B | %s |",
                                    child.get("replica.agents").intValue(),
                                    databases.getOrDefault("replica-memory", "?"),
                                    replica,
                                    REPLICA_MEMORY_TARGET,
                                    replica <= REPLICA_MEMORY_TARGET ? "met" : "missed"));
        }
        if (parts.contains("revocation")) {
            rows.addAll(RevocationRuns.rows(child, databases.getOrDefault("revocation", "?")));
        }
        if (parts.contains("bulk-token")) {
            rows.add(BulkTokenRuns.row(child));
        }
        if (parts.contains("tasks")) {
            rows.addAll(TaskRuns.rows(child));
        }
        if (parts.contains("metrics")) {
            rows.addAll(MetricsRuns.rows(child));
        }
        if (parts.contains("chaos")) {
            rows.addAll(ChaosRun.rows(child));
        }
        if (parts.contains("task-latency")) {
            rows.addAll(TaskLatencyRuns.rows(child));
        }
        if (parts.contains("task-throughput")) {
            rows.addAll(TaskThroughputRuns.rows(child));
        }
        if (parts.contains("interval-load")) {
            rows.addAll(IntervalLoadRuns.rows(child));
        }
        if (parts.contains("jdbc")) {
            rows.addAll(JdbcHeartbeats.rows(child, "postgresql", "PostgreSQL", true));
            rows.addAll(JdbcHeartbeats.rows(child, "mariadb", "MariaDB", false));
            rows.addAll(JdbcHeartbeats.rows(child, "h2", "H2 (file)", false));
        }
        System.out.println();
        System.out.println("| measure | ours | peer / limit | ratio | target | |");
        System.out.println("| --- | ---: | ---: | ---: | --- | --- |");
        rows.forEach(System.out::println);
    }

    private void compare(
            String what, Result<?> ours, Result<?> peer, String peerName, double target, boolean higher, String unit) {
        compare(what, ours, peer, peerName, target, higher, unit, false);
    }

    /**
     * One row: ratio = ours / peer (or peer / ours for times, {@code inverted}: how many times faster); met when
     * the ratio reaches the target.
     */
    private void compare(
            String what,
            Result<?> a,
            Result<?> b,
            String peerName,
            double target,
            boolean higher,
            String unit,
            boolean inverted) {
        if (a == null || b == null) {
            rows.add("| " + what + " | missing | missing | | | |");
            return;
        }
        double ratio = a.getScore() / b.getScore();
        Result<?> ours = inverted ? b : a;
        Result<?> peer = inverted ? a : b;
        String targetText = inverted ? "≥ " + fmtNum(target) + "× faster" : "≥ " + fmtNum(target) + "×";
        rows.add(String.format(
                Locale.ROOT,
                "| %s | %s | %s (%s) | %s× | %s | %s |",
                what,
                fmt(ours, unit),
                fmt(peer, unit),
                peerName,
                ratio >= 10 ? String.format(Locale.ROOT, "%.0f", ratio) : String.format(Locale.ROOT, "%.2f", ratio),
                targetText,
                (higher ? ratio >= target : ratio <= target) ? "met" : "missed"));
    }

    /**
     * One row from {@link #runPaired} rounds: each side's mean over every measured iteration of every round
     * (± the 99.9 % interval of that mean), and the ratio as the geometric mean of the rounds' own ratios, with
     * their range; met when that ratio reaches the target.
     */
    private void comparePaired(String what, String oursKey, String peerKey, String peerName, double target) {
        List<Double> ours = paired.get(oursKey);
        List<Double> peer = paired.get(peerKey);
        if (ours == null || peer == null || ours.size() != peer.size()) {
            rows.add("| " + what + " | missing | missing | | | |");
            return;
        }
        double logSum = 0;
        double min = Double.MAX_VALUE;
        double max = 0;
        for (int r = 0; r < ours.size(); r++) {
            double ratio = ours.get(r) / peer.get(r);
            logSum += Math.log(ratio);
            min = Math.min(min, ratio);
            max = Math.max(max, ratio);
        }
        double ratio = Math.exp(logSum / ours.size());
        rows.add(String.format(
                Locale.ROOT,
                "| %s | %s | %s (%s) | %s× (rounds %.2f–%.2f×) | ≥ %s× | %s |",
                what,
                fmt(pooled.get(oursKey), "/s"),
                fmt(pooled.get(peerKey), "/s"),
                peerName,
                ratioText(ratio, target),
                min,
                max,
                fmtNum(target),
                ratio >= target ? "met" : "missed"));
    }

    /**
     * A ratio to two decimals, or to as many more (up to six) as it takes not to round a missed ratio onto
     * {@code target} or above (1.4962 shows as 1.496, not as a "missed" 1.50).
     */
    static String ratioText(double ratio, double target) {
        String text = String.format(Locale.ROOT, "%.2f", ratio);
        for (int decimals = 3; ratio < target && Double.parseDouble(text) >= target && decimals <= 6; decimals++) {
            text = String.format(Locale.ROOT, "%." + decimals + "f", ratio);
        }
        return text;
    }

    private static String fmt(ListStatistics s, String unit) {
        return String.format(Locale.ROOT, "%,.0f ± %,.0f%s", s.getMean(), s.getMeanErrorAt(0.999), unit);
    }

    /** Our sweep's mean time per expired agent in µs at this fleet size: score × sweeps / expired. */
    private @Nullable Double microsPerExpired(String agents) {
        Result<?> score = jmh.get("SweepBenchmark.ours@" + agents + "#1");
        Double perSweep = expiredPerSweep(agents);
        return score == null || perSweep == null || perSweep == 0 ? null : score.getScore() * 1000 / perSweep;
    }

    private @Nullable Double expiredPerSweep(String agents) {
        Result<?> expired = jmh.get("SweepBenchmark.ours@" + agents + "#1:expired");
        Result<?> sweeps = jmh.get("SweepBenchmark.ours@" + agents + "#1:sweeps");
        return expired == null || sweeps == null || sweeps.getScore() == 0
                ? null
                : expired.getScore() / sweeps.getScore();
    }

    private static String fmtNum(double d) {
        return d == Math.rint(d) ? String.format(Locale.ROOT, "%.0f", d) : String.format(Locale.ROOT, "%.2f", d);
    }

    private static String fmt(Result<?> r, String unit) {
        double score = r.getScore();
        double error = r.getScoreError();
        String pattern = score >= 100 ? "%,.0f ± %,.0f%s" : score >= 1 ? "%.2f ± %.2f%s" : "%.4f ± %.4f%s";
        return String.format(Locale.ROOT, pattern, score, Double.isNaN(error) ? 0.0 : error, unit);
    }
}

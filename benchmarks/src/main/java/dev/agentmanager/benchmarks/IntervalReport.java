package dev.agentmanager.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of {@link IntervalLoadRuns}: printed as human lines and {@code RESULT} lines, and as table rows. */
final class IntervalReport {
    private static final int TOP_STATEMENTS = 8;

    private IntervalReport() {}

    /**
     * What the measured passes gave.
     *
     * @param latencies per pass, each beat's latency in nanoseconds
     * @param nanos the passes' time together
     * @param statements the statements both replicas ran during the passes
     * @param batchedRows the rows of the batches among them
     * @param jvmCores cores this JVM used on average
     * @param machineCores cores the whole machine used on average (zero when unknown)
     */
    record Measured(
            int agents,
            int threads,
            boolean postgres,
            List<long[]> latencies,
            long accepted,
            long nanos,
            Map<CountingDataSource.Key, Long> statements,
            long batchedRows,
            double jvmCores,
            double machineCores) {}

    /** {@code after} less {@code before}, by key; keys without statements in between left out. */
    static Map<CountingDataSource.Key, Long> minus(
            Map<CountingDataSource.Key, Long> after, Map<CountingDataSource.Key, Long> before) {
        Map<CountingDataSource.Key, Long> difference = new HashMap<>();
        after.forEach((k, n) -> {
            long d = n - before.getOrDefault(k, 0L);
            if (d != 0) {
                difference.put(k, d);
            }
        });
        return difference;
    }

    static void print(Measured m, String prefix) {
        double rate = m.accepted() / (m.nanos() / 1e9);
        double interval = m.agents() / rate;
        long[] all = new long[m.latencies().stream().mapToInt(l -> l.length).sum()];
        int at = 0;
        for (long[] l : m.latencies()) {
            System.arraycopy(l, 0, all, at, l.length);
            at += l.length;
        }
        Arrays.sort(all);
        double p50 = quantile(all, 0.5) / 1e3;
        double p99 = quantile(all, 0.99) / 1e3;
        double max = all[all.length - 1] / 1e3;
        System.out.printf(
                Locale.ROOT,
                "%d measured passes, %,d beats accepted in %.1f s: %,.0f beats/s, every agent once per %.1f s;"
                        + " latency p50 %,.0f µs, p99 %,.0f µs, max %,.0f µs%n",
                m.latencies().size(),
                m.accepted(),
                m.nanos() / 1e9,
                rate,
                interval,
                p50,
                p99,
                max);
        if (m.machineCores() > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "CPU: this JVM %.2f cores, the whole machine %.2f (the rest, %.2f, is the database when nothing"
                            + " else runs)%n",
                    m.jvmCores(),
                    m.machineCores(),
                    m.machineCores() - m.jvmCores());
        }
        Map<StatementKind, Long> byKind = new EnumMap<>(StatementKind.class);
        long total = 0;
        for (Map.Entry<CountingDataSource.Key, Long> e : m.statements().entrySet()) {
            byKind.merge(StatementKind.of(e.getKey()), e.getValue(), Long::sum);
            total += e.getValue();
        }
        double perBeat = total / (double) m.accepted();
        System.out.printf(
                Locale.ROOT,
                "database statements, both replicas: %,d (%,d batched rows besides), %.4f per beat (target ≤ %.1f: %s)%n",
                total,
                m.batchedRows(),
                perBeat,
                IntervalLoadRuns.STATEMENTS_TARGET,
                perBeat <= IntervalLoadRuns.STATEMENTS_TARGET ? "met" : "missed");
        for (StatementKind kind : StatementKind.values()) {
            long n = byKind.getOrDefault(kind, 0L);
            System.out.printf(Locale.ROOT, "  %-45s %,10d  %.4f per beat%n", kind.label, n, n / (double) m.accepted());
        }
        System.out.println("most frequent statements (caller: SQL):");
        m.statements().entrySet().stream()
                .sorted(Map.Entry.<CountingDataSource.Key, Long>comparingByValue()
                        .reversed())
                .limit(TOP_STATEMENTS)
                .forEach(e -> System.out.printf(
                        Locale.ROOT,
                        "  %,10d  %s: %s%n",
                        e.getValue(),
                        e.getKey().caller(),
                        abbreviate(e.getKey().sql().replace(prefix, ""))));
        result("interval.postgresql", m.postgres() ? 1 : 0);
        result("interval.agents", m.agents());
        result("interval.replicas", 2);
        result("interval.threads", m.threads());
        result("interval.passes", m.latencies().size());
        result("interval.beats", m.accepted());
        result("interval.rate", rate);
        result("interval.interval", interval);
        result("interval.p50us", p50);
        result("interval.p99us", p99);
        result("interval.maxus", max);
        result("interval.statements", total);
        result("interval.batchedRows", m.batchedRows());
        result("interval.perBeat", perBeat);
        for (StatementKind kind : StatementKind.values()) {
            result("interval.perBeat." + kind.key, byKind.getOrDefault(kind, 0L) / (double) m.accepted());
        }
        result("interval.cores.jvm", m.jvmCores());
        result("interval.cores.machine", m.machineCores());
    }

    private static double quantile(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }

    private static String abbreviate(String sql) {
        String flat = sql.replaceAll("\\s+", " ");
        return flat.length() <= 110 ? flat : flat.substring(0, 107) + "...";
    }

    private static void result(String key, double value) {
        System.out.printf(Locale.ROOT, "RESULT %s %.6f%n", key, value);
    }

    /** The rows of a run: throughput at full load, statements per routine beat against the target, latency. */
    static List<String> rows(Map<String, Double> r) {
        List<String> rows = new ArrayList<>();
        Double agents = r.get("interval.agents");
        Double postgres = r.get("interval.postgresql");
        String fleet = agents == null || postgres == null
                ? "?"
                : String.format(
                        Locale.ROOT, "%,.0f agents on %s", agents, postgres == 1 ? "PostgreSQL" : "H2 (in memory)");
        Double rate = r.get("interval.rate");
        Double interval = r.get("interval.interval");
        Double threads = r.get("interval.threads");
        rows.add(
                rate == null || interval == null || threads == null
                        ? "| interval load: beats/s at full load | missing | | | | |"
                        : String.format(
                                Locale.ROOT,
                                "| interval load, %s, 2 replicas, %.0f threads: beats/s accepted at full load, each agent"
                                        + " once per pass (effective interval %.1f s) | %,.0f/s | | | reference | measured |",
                                fleet,
                                threads,
                                interval,
                                rate));
        Double perBeat = r.get("interval.perBeat");
        Double reads = r.get("interval.perBeat." + StatementKind.AGENT_READ.key);
        Double flush = r.get("interval.perBeat." + StatementKind.FLUSH.key);
        double feeds = 0;
        for (StatementKind kind : List.of(StatementKind.CHANGE_FEED, StatementKind.FEED, StatementKind.FEED_CLOCK)) {
            Double f = r.get("interval.perBeat." + kind.key);
            feeds += f == null ? Double.NaN : f;
        }
        rows.add(
                perBeat == null || reads == null || flush == null || Double.isNaN(feeds)
                        ? "| interval load: database statements per routine beat | missing | | | | |"
                        : String.format(
                                Locale.ROOT,
                                "| interval load, %s: database statements per routine beat, both replicas (agent"
                                        + " reads %.4f, feeds %.4f, flush %.4f, the rest %.4f) | %.4f | | | ≤ %.1f | %s |",
                                fleet,
                                reads,
                                feeds,
                                flush,
                                perBeat - reads - feeds - flush,
                                perBeat,
                                IntervalLoadRuns.STATEMENTS_TARGET,
                                perBeat <= IntervalLoadRuns.STATEMENTS_TARGET ? "met" : "missed"));
        Double p50 = r.get("interval.p50us");
        Double p99 = r.get("interval.p99us");
        Double max = r.get("interval.maxus");
        rows.add(
                p50 == null || p99 == null || max == null
                        ? "| interval load: latency per beat | missing | | | | |"
                        : String.format(
                                Locale.ROOT,
                                "| interval load, %s: latency per beat at full load, p99 (p50, max) | %,.0f µs (p50"
                                        + " %,.0f µs, max %,.1f ms) | | | reference | measured |",
                                fleet,
                                p99,
                                p50,
                                max / 1e3));
        return rows;
    }
}

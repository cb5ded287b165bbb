package dev.agentmanager.benchmarks;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.ListStatistics;

/**
 * Runs the whole suite with short settings (one fork, few iterations; the heartbeat benchmarks in three
 * rounds of one fork per side: about twelve minutes on two cores) and prints one table: our figure, the peer's
 * (Eureka, the raw crypto, or the database's own ceiling), the ratio, the target and whether it was met.
 *
 * <pre>
 * mvn -q install -DskipTests &amp;&amp; java -jar benchmarks/target/benchmarks.jar
 * </pre>
 *
 * Arguments select parts ({@code heartbeat sweep registration memory jdbc replica-memory revocation bulk-token tasks metrics}; default all) and
 * options: {@code --prof=gc} (any JMH profiler, for the JMH parts), {@code --agents=N} (memory parts, default
 * 1,000,000).
 * The JMH figures carry JMH's 99.9 % confidence interval ({@code ±}). The heartbeat and registration parts add a
 * cross-check in a child JVM, both sides interleaved in one JVM ({@link PeerRuns}, {@link RegistrationRuns}),
 * with the quartiles of the per-round ratio; the memory and JDBC parts are single measurements in child JVMs.
 */
public final class BenchmarkSuite {
    private final Map<String, Result<?>> jmh = new HashMap<>();
    private final Map<String, Double> child = new HashMap<>();
    /** {@link #runPaired}: per key (benchmark.method#threads) the rounds' scores, in round order. */
    private final Map<String, List<Double>> paired = new HashMap<>();
    /** {@link #runPaired}: per key every measured iteration's score, all rounds pooled. */
    private final Map<String, ListStatistics> pooled = new HashMap<>();

    private final List<String> rows = new ArrayList<>();
    private final List<String> profilers = new ArrayList<>();
    private int memoryAgents = 1_000_000;
    /** Which database the replica-memory part used, as its child reports it. */
    private String replicaDatabase = "?";
    /** Which database the revocation part used. */
    private String revocationDatabase = "?";

    private BenchmarkSuite() {}

    public static void main(String[] args) throws Exception {
        BenchmarkSuite suite = new BenchmarkSuite();
        Set<String> parts = new LinkedHashSet<>();
        for (String a : args) {
            if (a.startsWith("--prof=")) {
                suite.profilers.add(a.substring("--prof=".length()));
            } else if (a.startsWith("--agents=")) {
                suite.memoryAgents = Integer.parseInt(a.substring("--agents=".length()));
            } else {
                parts.add(a);
            }
        }
        if (parts.isEmpty()) {
            parts.addAll(List.of(
                    "heartbeat",
                    "sweep",
                    "registration",
                    "memory",
                    "jdbc",
                    "replica-memory",
                    "revocation",
                    "bulk-token",
                    "tasks",
                    "metrics"));
        }
        long start = System.nanoTime();
        for (String part : parts) {
            switch (part) {
                case "heartbeat" -> {
                    suite.runPaired("HeartbeatBenchmark", "ours", "eureka", HEARTBEAT_ROUNDS, 1, heap(2));
                    suite.runPaired("HeartbeatBenchmark", "ours", "eureka", HEARTBEAT_ROUNDS, 2, heap(2));
                    // the cross-check: both sides in one JVM, interleaved (PeerRuns says why)
                    suite.runChild(PeerRuns.class, List.of(heap(2)), "1", "100000", "10");
                    suite.runChild(PeerRuns.class, List.of(heap(2)), "2", "100000", "10");
                }
                // no pre-touch: the timed sweeps allocate next to nothing, the untimed beats between them fault the
                // heap in, and touching 6 GiB first would cost many seconds per fork
                case "sweep" -> suite.runJmh("SweepBenchmark", 1, 1, 3, 1, 4, 1, "-Xms6g", "-Xmx6g");
                case "registration" -> {
                    suite.runJmh("RegistrationBenchmark", 1, 1, 6, 2, 10, 2, heap(2)); // BC needs a long warm-up
                    // the cross-check: both sides in one JVM, interleaved (RegistrationRuns says why)
                    suite.runChild(RegistrationRuns.class, List.of(heap(2)), "16", "1000");
                }
                case "memory" ->
                    suite.runChild(
                            MemoryFootprint.class,
                            List.of("-Xmx10g", "-XX:+UseSerialGC"),
                            String.valueOf(suite.memoryAgents));
                case "jdbc" -> suite.runChild(JdbcHeartbeats.class, List.of("-Xmx2g"), "100000", "10", "4");
                case "replica-memory" ->
                    suite.runChild(
                            ReplicaMemory.class,
                            List.of("-Xmx4g", "-XX:+UseSerialGC"),
                            String.valueOf(suite.memoryAgents));
                case "revocation" -> suite.runChild(RevocationRuns.class, List.of(heap(1)), "100", "6", "2");
                case "bulk-token" -> suite.runChild(BulkTokenRuns.class, List.of(heap(1)), "5000");
                case "tasks" -> suite.runChild(TaskRuns.class, List.of(heap(2)), "100000", "10", "2000000", "20000");
                case "metrics" -> suite.runChild(MetricsRuns.class, List.of(heap(2)), "100000", "10", "2000000");
                default ->
                    throw new IllegalArgumentException(
                            "unknown part " + part
                                    + " (heartbeat, sweep, registration, memory, jdbc, replica-memory, revocation, bulk-token, tasks, metrics)");
            }
        }
        suite.table(parts);
        System.out.printf(
                Locale.ROOT,
                "%nsuite took %.1f min on %d cores, JDK %s%n",
                (System.nanoTime() - start) / 6e10,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
    }

    /**
     * The JVM options of a timed child JVM: a fixed heap of {@code gib} GiB, every page of it touched at start-up
     * ({@code -XX:+AlwaysPreTouch}), as a server's heap is once it has run for a while. Without it the first pass
     * of allocation through the young generation page-faults on every fresh page, the side that allocates more per
     * call pays more, and the fork ratios measure the kernel, not the registries (BENCHMARKS.md). Touching takes
     * time per GiB, so the heaps are no bigger than the parts need.
     */
    static String[] heap(int gib) {
        return new String[] {"-Xms" + gib + "g", "-Xmx" + gib + "g", "-XX:+AlwaysPreTouch"};
    }

    /**
     * Heartbeat rounds: each runs our benchmark and the peer's in one fork each, back to back, the first of the
     * two alternating between rounds.
     */
    private static final int HEARTBEAT_ROUNDS = 3;
    /** The routine heartbeat's floor against Eureka's renew. */
    private static final double HEARTBEAT_TARGET = 1.2;
    /** Heap per agent of the in-memory store, certificate body included. */
    private static final double MEMORY_TARGET = 1_500;
    /** Heap per agent of a JDBC replica: its caches and heartbeat buffer. */
    private static final double REPLICA_MEMORY_TARGET = 500;

    /**
     * Runs {@code ours} and {@code peer} (methods of {@code benchmark}) in {@code rounds} rounds of one fork
     * each, back to back, alternating which goes first, and keeps each round's two scores. The speed of this
     * machine (a VM on a shared host) drifts by tens of percent over minutes, and Eureka's rate differs more
     * between JVMs than between iterations of one: a ratio of two forks taken back to back, repeated, says more
     * than one ratio of two benchmarks run minutes apart.
     */
    private void runPaired(String benchmark, String ours, String peer, int rounds, int threads, String... jvmArgs)
            throws Exception {
        for (int r = 0; r < rounds; r++) {
            for (String method : r % 2 == 0 ? List.of(ours, peer) : List.of(peer, ours)) {
                // two warm-up iterations of 2 s: with the heap pre-touched, both sides run at their steady rate
                // from the second on
                for (RunResult result :
                        runJmhMatching(benchmark + "\\." + method + "$", 1, threads, 2, 2, 3, 2, jvmArgs)) {
                    String key = benchmark + "." + method + "#" + threads;
                    paired.computeIfAbsent(key, k -> new ArrayList<>())
                            .add(result.getPrimaryResult().getScore());
                    result.getBenchmarkResults()
                            .forEach(b -> b.getIterationResults()
                                    .forEach(i -> pooled.computeIfAbsent(key, k -> new ListStatistics())
                                            .addValue(i.getPrimaryResult().getScore())));
                }
            }
        }
    }

    private void runJmh(
            String benchmark,
            int forks,
            int threads,
            int warmups,
            int warmupSeconds,
            int iterations,
            int iterationSeconds,
            String... jvmArgs)
            throws Exception {
        runJmhMatching(
                benchmark + "\\.", forks, threads, warmups, warmupSeconds, iterations, iterationSeconds, jvmArgs);
    }

    /** Runs the benchmarks whose names (after this package and a dot) match {@code pattern}; keeps their results. */
    private Collection<RunResult> runJmhMatching(
            String pattern,
            int forks,
            int threads,
            int warmups,
            int warmupSeconds,
            int iterations,
            int iterationSeconds,
            String... jvmArgs)
            throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(BenchmarkSuite.class.getPackageName() + "." + pattern)
                .forks(forks)
                .threads(threads)
                .warmupIterations(warmups)
                .warmupTime(TimeValue.seconds(warmupSeconds))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(iterationSeconds))
                .jvmArgs(jvmArgs)
                .shouldFailOnError(true);
        for (String p : profilers) {
            options.addProfiler(p);
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark();
            method = method.substring(method.lastIndexOf('.', method.lastIndexOf('.') - 1) + 1);
            String agents = r.getParams().getParam("agents");
            String key = method + (agents == null ? "" : "@" + agents) + "#" + threads;
            jmh.put(key, r.getPrimaryResult());
            r.getSecondaryResults().forEach((label, result) -> jmh.put(key + ":" + label, result));
        }
        return results;
    }

    private void runChild(Class<?> main, List<String> jvmArgs, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        System.out.println("# child: "
                + String.join(" ", command.subList(1, command.size()))
                        .replace(System.getProperty("java.class.path"), "<classpath>"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                System.out.println(line);
                readResult(line, child);
                if (line.startsWith(ReplicaMemory.DATABASE_LINE)) {
                    replicaDatabase =
                            line.substring(ReplicaMemory.DATABASE_LINE.length()).trim();
                }
                if (line.startsWith(RevocationRuns.DATABASE_LINE)) {
                    revocationDatabase = line.substring(RevocationRuns.DATABASE_LINE.length())
                            .trim();
                }
            }
        }
        if (p.waitFor() != 0) {
            System.out.println("# child " + main.getSimpleName() + " exited with " + p.exitValue());
        }
    }

    /**
     * Keeps the figure of a child's {@code RESULT <key> <value>} line in {@code results}; other lines, and the
     * non-numeric value of a skipped part ({@code RESULT postgresql.skipped SQLException}), leave it unchanged.
     */
    static void readResult(String line, Map<String, Double> results) {
        if (line.startsWith("RESULT ")) {
            String[] f = line.split(" ");
            try {
                results.put(f[1], Double.parseDouble(f[2]));
            } catch (NumberFormatException e) {
                // a skipped part: no figure
            }
        }
    }

    // ---- the table -----------------------------------------------------------------------------------------

    private void table(Set<String> parts) {
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
                                    replicaDatabase,
                                    replica,
                                    REPLICA_MEMORY_TARGET,
                                    replica <= REPLICA_MEMORY_TARGET ? "met" : "missed"));
        }
        if (parts.contains("revocation")) {
            rows.addAll(RevocationRuns.rows(child, revocationDatabase));
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

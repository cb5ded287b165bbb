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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * Arguments select parts ({@link #PARTS}, the default, and the on-demand ones of {@link #ON_DEMAND}) and options: {@code --prof=gc} (any JMH profiler, for the JMH parts), {@code --agents=N} (memory parts, default
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

    private final List<String> profilers = new ArrayList<>();
    private int memoryAgents = 1_000_000;
    /** Which database a part used, as its child reports it, by part. */
    private final Map<String, String> databases = new HashMap<>();

    /** The parts a run without arguments runs, in this order. */
    static final List<String> PARTS = List.of(
            "heartbeat",
            "sweep",
            "registration",
            "memory",
            "jdbc",
            "replica-memory",
            "revocation",
            "bulk-token",
            "tasks",
            "metrics",
            "interval-load",
            "task-throughput",
            "task-latency");
    /** Parts run only when named. */
    static final List<String> ON_DEMAND = List.of("chaos");

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
            parts.addAll(PARTS);
        }
        long start = System.nanoTime();
        for (String part : parts) {
            switch (part) {
                case "heartbeat" -> {
                    suite.runPaired("HeartbeatBenchmark", "ours", "eureka", HEARTBEAT_ROUNDS, 1, heap(2));
                    suite.runPaired("HeartbeatBenchmark", "ours", "eureka", HEARTBEAT_ROUNDS, 2, heap(2));
                    // the cross-check: both sides in one JVM, interleaved (PeerRuns says why)
                    suite.runChild(part, PeerRuns.class, List.of(heap(2)), "1", "100000", "10");
                    suite.runChild(part, PeerRuns.class, List.of(heap(2)), "2", "100000", "10");
                }
                // no pre-touch: the timed sweeps allocate next to nothing, the untimed beats between them fault the
                // heap in, and touching 6 GiB first would cost many seconds per fork
                case "sweep" -> suite.runJmh("SweepBenchmark", 1, 1, 3, 1, 4, 1, "-Xms6g", "-Xmx6g");
                case "registration" -> {
                    suite.runJmh("RegistrationBenchmark", 1, 1, 6, 2, 10, 2, heap(2)); // BC needs a long warm-up
                    // the cross-check: both sides in one JVM, interleaved (RegistrationRuns says why)
                    suite.runChild(part, RegistrationRuns.class, List.of(heap(2)), "16", "1000");
                }
                case "memory" ->
                    suite.runChild(
                            part,
                            MemoryFootprint.class,
                            List.of("-Xmx10g", "-XX:+UseSerialGC"),
                            String.valueOf(suite.memoryAgents));
                case "jdbc" -> suite.runChild(part, JdbcHeartbeats.class, List.of("-Xmx2g"), "100000", "10", "4");
                case "replica-memory" ->
                    suite.runChild(
                            part,
                            ReplicaMemory.class,
                            List.of("-Xmx4g", "-XX:+UseSerialGC"),
                            String.valueOf(suite.memoryAgents));
                case "revocation" -> suite.runChild(part, RevocationRuns.class, List.of(heap(1)), "100", "6", "2");
                case "bulk-token" -> suite.runChild(part, BulkTokenRuns.class, List.of(heap(1)), "5000");
                case "tasks" ->
                    suite.runChild(part, TaskRuns.class, List.of(heap(2)), "100000", "10", "2000000", "20000");
                case "metrics" -> suite.runChild(part, MetricsRuns.class, List.of(heap(2)), "100000", "10", "2000000");
                case "task-throughput" ->
                    suite.runChild(part, TaskThroughputRuns.class, List.of(heap(1)), "5000", "3", "4");
                case "task-latency" -> suite.runChild(part, TaskLatencyRuns.class, List.of(heap(1)));
                case "chaos" -> suite.runChild(part, ChaosRun.class, List.of("-Xmx1g"), "200", "100000", "20", "1800");
                case "interval-load" ->
                    suite.runChild(part, IntervalLoadRuns.class, List.of(heap(1)), "100000", "60", "4", "2");
                default ->
                    throw new IllegalArgumentException("unknown part " + part + " (" + String.join(", ", PARTS)
                            + "; on demand: " + String.join(", ", ON_DEMAND) + ")");
            }
        }
        new SuiteTable(suite.jmh, suite.child, suite.paired, suite.pooled, suite.databases, suite.memoryAgents)
                .print(parts);
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

    /** A child's line naming the database its part used ({@code REPLICA-DATABASE PostgreSQL}). */
    private static final Pattern DATABASE_LINE = Pattern.compile("[A-Z]+(?:-[A-Z]+)*-DATABASE (.+)");

    private void runChild(String part, Class<?> main, List<String> jvmArgs, String... args) throws Exception {
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
                Matcher database = DATABASE_LINE.matcher(line);
                if (database.matches()) {
                    databases.put(part, database.group(1).trim());
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
}

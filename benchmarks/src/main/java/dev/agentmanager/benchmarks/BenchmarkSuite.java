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

/**
 * Runs the whole suite with short settings (one fork, few iterations: about ten minutes on two cores) and
 * prints one table: our figure, the peer's (Eureka, the raw crypto, or the database's own ceiling), the ratio,
 * the target and whether it was met.
 *
 * <pre>
 * cd /work/main &amp;&amp; mvn -q -o install -DskipTests &amp;&amp; java -jar benchmarks/target/benchmarks.jar
 * </pre>
 *
 * Arguments select parts ({@code heartbeat sweep registration memory jdbc}; default all) and options:
 * {@code --prof=gc} (any JMH profiler, for the JMH parts), {@code --agents=N} (memory part, default 1,000,000).
 * The JMH figures carry JMH's 99.9 % confidence interval ({@code ±}); the memory and JDBC parts are single
 * measurements in child JVMs.
 */
public final class BenchmarkSuite {
    private final Map<String, Result<?>> jmh = new HashMap<>();
    private final Map<String, Double> child = new HashMap<>();
    private final List<String> rows = new ArrayList<>();
    private final List<String> profilers = new ArrayList<>();
    private int memoryAgents = 1_000_000;

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
            parts.addAll(List.of("heartbeat", "sweep", "registration", "memory", "jdbc"));
        }
        long start = System.nanoTime();
        for (String part : parts) {
            switch (part) {
                case "heartbeat" -> {
                    // two forks: Eureka's rate differs more between JVMs than between iterations of one, so one
                    // fork's error bars would hide the larger part of the spread
                    suite.runJmh("HeartbeatBenchmark", 2, 1, 2, 2, 3, 2, "-Xms3g", "-Xmx3g");
                    suite.runJmh("HeartbeatBenchmark", 2, 2, 2, 2, 3, 2, "-Xms3g", "-Xmx3g");
                }
                case "sweep" -> suite.runJmh("SweepBenchmark", 1, 1, 2, 1, 4, 1, "-Xms6g", "-Xmx6g");
                case "registration" -> suite.runJmh("RegistrationBenchmark", 1, 1, 6, 2, 10, 2, "-Xmx2g"); // BC needs a long warm-up
                case "memory" -> suite.runChild(MemoryFootprint.class, List.of("-Xmx10g", "-XX:+UseSerialGC"),
                        String.valueOf(suite.memoryAgents));
                case "jdbc" -> suite.runChild(JdbcHeartbeats.class, List.of("-Xmx2g"), "100000", "10", "4");
                default -> throw new IllegalArgumentException("unknown part " + part
                        + " (heartbeat, sweep, registration, memory, jdbc)");
            }
        }
        suite.table(parts);
        System.out.printf(Locale.ROOT, "%nsuite took %.1f min on %d cores, JDK %s%n", (System.nanoTime() - start) / 6e10,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    }

    private void runJmh(String benchmark, int forks, int threads, int warmups, int warmupSeconds, int iterations,
            int iterationSeconds, String... jvmArgs) throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(BenchmarkSuite.class.getPackageName() + "." + benchmark + "\\.")
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
    }

    private void runChild(Class<?> main, List<String> jvmArgs, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        System.out.println("# child: " + String.join(" ", command.subList(1, command.size())).replace(
                System.getProperty("java.class.path"), "<classpath>"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                System.out.println(line);
                if (line.startsWith("RESULT ")) {
                    String[] f = line.split(" ");
                    try {
                        child.put(f[1], Double.parseDouble(f[2]));
                    } catch (NumberFormatException e) {
                        // a skipped part: no figure
                    }
                }
            }
        }
        if (p.waitFor() != 0) {
            System.out.println("# child " + main.getSimpleName() + " exited with " + p.exitValue());
        }
    }

    // ---- the table -----------------------------------------------------------------------------------------

    private void table(Set<String> parts) {
        if (parts.contains("heartbeat")) {
            for (int t : new int[] {1, 2}) {
                compare("heartbeats/s, 100k agents, " + t + " thread" + (t > 1 ? "s" : ""),
                        jmh.get("HeartbeatBenchmark.ours@100000#" + t), jmh.get("HeartbeatBenchmark.eureka@100000#" + t),
                        "Eureka renew", 1.5, true, "/s");
            }
        }
        if (parts.contains("sweep")) {
            for (String n : new String[] {"10000", "100000", "1000000"}) {
                Result<?> ours = jmh.get("SweepBenchmark.ours@" + n + "#1");
                Result<?> eureka = jmh.get("SweepBenchmark.eureka@" + n + "#1");
                compare("timeout sweep, " + String.format(Locale.ROOT, "%,d", Integer.parseInt(n)) + " agents, 0.1 % overdue",
                        eureka, ours, "Eureka evict()", 50, true, " ms", true);
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
                rows.add(String.format(Locale.ROOT, "| sweep cost per expired agent, %,d agents (ours: %.1f expired per sweep) | %.2f µs | %.2f µs per evicted (Eureka evict()) | %.0f× | flat: ≤ 2× the 10k figure | %s |",
                        Integer.parseInt(n), expiredPerSweep(n), per, eurekaPer, eurekaPer / per,
                        smallPer != null && per <= 2 * smallPer ? "met" : "missed"));
            }
            Double bigPer = microsPerExpired("1000000");
            if (smallPer != null && bigPer != null) {
                rows.add(String.format(Locale.ROOT, "| sweep cost per expired agent, growth 10k -> 1M (ours) | %.2f µs | %.2f µs | %.2f× | flat (≤ 2×) for 100× the fleet | %s |",
                        smallPer, bigPer, bigPer / smallPer, bigPer / smallPer <= 2 ? "met" : "missed"));
            }
        }
        if (parts.contains("registration")) {
            compare("registrations/s, in-memory store + BouncyCastle CA, 1 thread",
                    jmh.get("RegistrationBenchmark.register#1"), jmh.get("RegistrationBenchmark.rawCrypto#1"),
                    "raw crypto (decode+verify CSR, issue)", 0.85, true, "/s");
        }
        if (parts.contains("memory")) {
            Double ours = child.get("memory.ours");
            Double eureka = child.get("memory.eureka");
            if (ours != null && eureka != null) {
                rows.add(String.format(Locale.ROOT, "| heap per agent, %,d agents (3 capabilities, 2 labels, cert record) | %.0f B | %.0f B (Eureka, bare instance) | %.2f× | ≤ 500 B | %s |",
                        memoryAgents, ours, eureka, ours / eureka, ours <= 500 ? "met" : "missed"));
                rows.add(String.format(Locale.ROOT, "| heap per agent without the certificate bodies | %.0f B | %.0f B | %.2f× | ≤ 500 B | %s |",
                        child.get("memory.ours.withoutPem"), eureka, child.get("memory.ours.withoutPem") / eureka,
                        child.get("memory.ours.withoutPem") <= 500 ? "met" : "missed"));
            }
        }
        if (parts.contains("jdbc")) {
            jdbcRows("postgresql", "PostgreSQL", true);
            jdbcRows("mariadb", "MariaDB", false);
            jdbcRows("h2", "H2 (file)", false);
        }
        System.out.println();
        System.out.println("| measure | ours | peer / limit | ratio | target | |");
        System.out.println("| --- | ---: | ---: | ---: | --- | --- |");
        rows.forEach(System.out::println);
    }

    /**
     * The JDBC rows of one database, all from the same child run: coalescing vs naive heartbeats/s, accepted vs
     * offered at the paced rate (the drivers' own shortfall is shown apart), and flush capacity (rows written per
     * second of flushing, at the paced rate) vs one bulk UPDATE of every liveness row. Targets apply to
     * PostgreSQL ({@code targets}); on the others these are measurements: H2 does not sync each commit, so its
     * naive writer is cheap, and the ≥ 50× target was set for PostgreSQL.
     */
    private void jdbcRows(String db, String name, boolean targets) {
        Double bulk = child.get(db + ".bulk");
        Double naive = child.get(db + ".naive");
        Double co = child.get(db + ".coalescing");
        Double paced = child.get(db + ".paced");
        Double offered = child.get(db + ".paced.offered");
        Double capacity = child.get(db + ".paced.capacity");
        if (bulk == null || naive == null || co == null || paced == null || offered == null || capacity == null) {
            rows.add("| JDBC " + name + " | skipped (not reachable, see the log) | | | | |");
            return;
        }
        String measured = db.equals("h2") ? "measured (H2 does not sync each commit: naive is cheap)"
                : "measured (the ≥ 50× target is PostgreSQL's)";
        double ratio = co / naive;
        rows.add(String.format(Locale.ROOT, "| JDBC %s heartbeats/s, 100k agents, 4 threads: coalescing vs naive | %,.0f/s | %,.0f/s (naive) | %.0f× | %s | %s |",
                name, co, naive, ratio, targets ? "≥ 50×" : "—", targets ? (ratio >= 50 ? "met" : "missed") : measured));
        double scheduled = JdbcHeartbeats.PACED_PER_SECOND;
        String driverNote = offered < 0.99 * scheduled
                ? String.format(Locale.ROOT, "; the drivers offered only %,.0f/s of %,.0f/s", offered, scheduled) : "";
        rows.add(String.format(Locale.ROOT, "| JDBC %s accepted at %,.0f/s offered | %,.0f/s | %,.0f/s (offered) | %.3f× | all offered accepted (≥ 0.999×) | %s%s |",
                name, scheduled, paced, offered, paced / offered, paced / offered >= 0.999 ? "met" : "missed", driverNote));
        rows.add(String.format(Locale.ROOT, "| JDBC %s flush capacity at %,.0f/s offered (rows written per second of flushing) vs bulk UPDATE | %,.0f rows/s (%,.0f rows per %,.0f ms flush) | %,.0f rows/s (bulk) | %.2f× | %s | %s |",
                name, scheduled, capacity, child.get(db + ".paced.flushrows"), child.get(db + ".paced.flushms"), bulk,
                capacity / bulk, targets ? "≥ 0.33×" : "—",
                targets ? (capacity / bulk >= 1.0 / 3 ? "met" : "missed") : "measured"));
    }

    private void compare(String what, Result<?> ours, Result<?> peer, String peerName, double target, boolean higher,
            String unit) {
        compare(what, ours, peer, peerName, target, higher, unit, false);
    }

    /**
     * One row: ratio = ours / peer (or peer / ours for times, {@code inverted}: how many times faster); met when
     * the ratio reaches the target.
     */
    private void compare(String what, Result<?> a, Result<?> b, String peerName, double target, boolean higher,
            String unit, boolean inverted) {
        if (a == null || b == null) {
            rows.add("| " + what + " | missing | missing | | | |");
            return;
        }
        double ratio = a.getScore() / b.getScore();
        Result<?> ours = inverted ? b : a;
        Result<?> peer = inverted ? a : b;
        String targetText = inverted ? "≥ " + fmtNum(target) + "× faster" : "≥ " + fmtNum(target) + "×";
        rows.add(String.format(Locale.ROOT, "| %s | %s | %s (%s) | %s× | %s | %s |", what, fmt(ours, unit),
                fmt(peer, unit), peerName, ratio >= 10 ? String.format(Locale.ROOT, "%.0f", ratio)
                        : String.format(Locale.ROOT, "%.2f", ratio), targetText,
                (higher ? ratio >= target : ratio <= target) ? "met" : "missed"));
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
        return expired == null || sweeps == null || sweeps.getScore() == 0 ? null
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

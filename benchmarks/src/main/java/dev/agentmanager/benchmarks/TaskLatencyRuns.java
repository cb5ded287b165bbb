package dev.agentmanager.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.HeartbeatSettings;
import dev.agentmanager.TaskSettings;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.testkit.FakeCertificateService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Task latencies on PostgreSQL ({@code AGENTMANAGER_TEST_POSTGRESQL_URL}, else the local default), through the
 * manager's API over {@link JdbcAgentStore}s: replica A, and replicas B (hint refresh 1 s, the default) and B'
 * (hint refresh 250 ms), each a store with its own pool on the same tables, all three started as a replica runs
 * (the background hint refresh serves their long-polls). When PostgreSQL cannot be reached and
 * {@code AGENTMANAGER_TEST_REQUIRE_DATABASES} is not {@code true}, the run falls back to an H2 file database and
 * says so; the targets are PostgreSQL's.
 *
 * <p><b>Submit → held</b> ({@link SubmitToHold#all}), on an empty queue, from just before {@code submit} to
 * {@code claim} returning the task: long-poll on A of tasks submitted on A; long-poll on B, then on B', of tasks
 * submitted on A; heartbeat piggy-back on A and on B (the agents beat every interval, the server's interval too,
 * without jitter). A task not held within the patience counts as lost: it is cancelled, counted, and its sample
 * taken as the patience (a lower bound).
 *
 * <p><b>Claim</b>: the queue is filled ({@link QueuedTasks}) to the small size, then topped up to the large one;
 * at each size 16 agents on 2 threads (each thread its 8 agents in turn) claim one task at a time: a warm-up of a
 * quarter of the timed claims, then the timed claims. Each claim is timed alone; the agent's Started and Succeeded
 * reports that follow are timed apart. One queued task in 20 is for one of the 16 agents, the others match by
 * capability. Every claim must return a task never claimed before, and the queue and success counts must add up
 * exactly; the plan of the claim's candidate query is printed at each size.
 *
 * <pre>
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.TaskLatencyRuns [small] [large] [claims] [samples] [interval-ms] [auto|postgresql|h2]
 * </pre>
 *
 * Defaults: 100,000 and 1,000,000 queued, 2,000 timed claims per size, 200 samples per submit → held flow,
 * heartbeats every 1,000 ms, {@code auto} (PostgreSQL, else the H2 fallback as above; on H2 the queues are capped at
 * 2,000 and 4,000 and the timed claims at 100: a file database in this JVM). Tables take a prefix of
 * their own and are dropped at the end, also on failure.
 */
public final class TaskLatencyRuns {
    /** The line that names the database used. */
    static final String DATABASE_LINE = "TASK-LATENCY-DATABASE ";

    static final double CLAIM_TARGET_MS = 10;
    static final double GROWTH_LIMIT = 2;
    static final double SAME_REPLICA_TARGET_MS = 50;
    static final double CROSS_REPLICA_TARGET_MS = 300;
    static final Duration FAST_REFRESH = Duration.ofMillis(250);
    // the H2 fallback's sizes at most: a file database filled and claimed from in this JVM
    private static final int H2_SMALL = 2_000;
    private static final int H2_LARGE = 4_000;
    private static final int H2_CLAIMS = 100;
    private static final String REQUIRE_DATABASES = "AGENTMANAGER_TEST_REQUIRE_DATABASES";
    private static final int THREADS = 2;
    private static final int CLAIMERS = 16;
    private static final int TARGETED_EVERY = 20;
    private static final String PAYLOAD = "{\"service\":\"web\",\"version\":\"1.2\"}";

    private TaskLatencyRuns() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0); // the managers' and pools' threads
    }

    private static void run(String[] args) throws Exception {
        int small = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int large = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int claims = args.length > 2 ? Integer.parseInt(args[2]) : 2_000;
        int samples = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        Duration interval = Duration.ofMillis(args.length > 4 ? Long.parseLong(args[4]) : 1_000);
        String database = args.length > 5 ? args[5] : "auto";
        Fleet.quietLogging();
        String url = System.getenv(JdbcHeartbeats.POSTGRESQL_URL);
        url = url == null || url.isBlank() ? JdbcHeartbeats.DEFAULT_POSTGRESQL_URL : url;
        boolean postgres = !database.equals("h2") && reachable(url, database.equals("postgresql"));
        Path h2 = postgres ? null : Files.createTempDirectory("agentmanager-latency-h2");
        if (h2 != null) {
            url = JdbcHeartbeats.h2Url(h2);
        }
        System.out.println(DATABASE_LINE + (postgres ? "PostgreSQL" : "H2 file (fallback)"));
        if (!postgres && (small > H2_SMALL || large > H2_LARGE || claims > H2_CLAIMS)) {
            small = Math.min(small, H2_SMALL);
            large = Math.min(large, H2_LARGE);
            claims = Math.min(claims, H2_CLAIMS);
            System.out.printf(
                    Locale.ROOT, "H2 fallback: queues capped at %,d and %,d, %,d timed claims%n", small, large, claims);
        }
        result("latency.postgresql", postgres ? 1 : 0);
        String prefix = String.format(
                Locale.ROOT, "l%010x_", ThreadLocalRandom.current().nextLong(1L << 40));
        try (HikariDataSource poolA = pool(url, 8);
                HikariDataSource poolB = pool(url, 6);
                HikariDataSource poolC = pool(url, 4)) {
            try {
                measure(poolA, poolB, poolC, prefix, small, large, claims, samples, interval);
            } finally {
                try (Connection c = poolA.getConnection();
                        Statement s = c.createStatement()) {
                    for (String table : JdbcHeartbeats.TABLES) {
                        s.execute("DROP TABLE IF EXISTS " + prefix + table);
                    }
                }
            }
        } finally {
            if (h2 != null) {
                try (var files = Files.walk(h2)) {
                    files.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** Whether PostgreSQL answers at {@code url}; throws when it does not but must. */
    private static boolean reachable(String url, boolean required) {
        DriverManager.setLoginTimeout(5);
        try (Connection c = DriverManager.getConnection(url)) {
            return c.isValid(5);
        } catch (SQLException e) {
            if (required || "true".equalsIgnoreCase(System.getenv(REQUIRE_DATABASES))) {
                throw new IllegalStateException("PostgreSQL is required but not reachable at " + url, e);
            }
            System.out.println("PostgreSQL not reachable at " + url + " (" + e.getMessage() + "): H2 file instead");
            return false;
        }
    }

    private static HikariDataSource pool(String url, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }

    private static void measure(
            HikariDataSource poolA,
            HikariDataSource poolB,
            HikariDataSource poolC,
            String prefix,
            int small,
            int large,
            int claims,
            int samples,
            Duration interval)
            throws Exception {
        JdbcAgentStore storeA = JdbcAgentStore.builder(poolA)
                .tablePrefix(prefix)
                .createSchemaIfMissing()
                .build();
        JdbcAgentStore storeB =
                JdbcAgentStore.builder(poolB).tablePrefix(prefix).build();
        JdbcAgentStore storeC =
                JdbcAgentStore.builder(poolC).tablePrefix(prefix).build();
        Instant now = Instant.now();
        List<Fleet.Member> fleet = List.of(Fleet.register(
                storeA, CLAIMERS + SubmitToHold.AGENTS, now, AgentStatus.ACTIVE, now.plus(Duration.ofDays(1))));
        FakeCertificateService ca = new FakeCertificateService(Clock.systemUTC());
        AgentManager a = manager(storeA, ca, interval, TaskSettings.defaults());
        AgentManager b = manager(storeB, ca, interval, TaskSettings.defaults());
        AgentManager bFast =
                manager(storeC, ca, interval, TaskSettings.defaults().withHintRefresh(FAST_REFRESH));
        a.start(); // as every replica runs: the timeout monitor, the revocation feed, the hint refresh
        b.start();
        bFast.start();
        try {
            List<Fleet.Member> claimers = fleet.subList(0, CLAIMERS);
            int submitted = submitToHold(a, b, bFast, fleet.subList(CLAIMERS, fleet.size()), samples, interval);
            b.close();
            bFast.close();
            AgentTasks api = a.tasks();
            long open = api.count(TaskStatus.QUEUED) + api.count(TaskStatus.CLAIMED) + api.count(TaskStatus.RUNNING);
            long ended = api.count(TaskStatus.SUCCEEDED) + api.count(TaskStatus.CANCELLED);
            if (open != 0 || ended != submitted) {
                throw new IllegalStateException("after submit → held: " + open + " open and " + ended
                        + " succeeded or cancelled of " + submitted + " submitted");
            }
            QueuedTasks queue = new QueuedTasks(poolA, storeA.dialect(), prefix, api);
            List<String> targets = claimers.stream().map(Fleet.Member::id).toList();
            TaskRequest matching = TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker")))
                    .json(PAYLOAD)
                    .build();
            TaskRequest targeted = TaskRequest.builder("deploy", TaskTarget.agent(targets.get(0)))
                    .json(PAYLOAD)
                    .build();
            Set<String> claimed = ConcurrentHashMap.newKeySet();
            for (String size : List.of("small", "large")) {
                int queued = size.equals("small") ? small : large;
                long t = System.nanoTime();
                int inserted = queue.fillTo(queued, matching, targeted, targets, TARGETED_EVERY);
                System.out.printf(
                        Locale.ROOT,
                        "queued %,d tasks (%,d inserted in bulk) in %.1f s, verified against submitted ones%n",
                        queued,
                        inserted,
                        (System.nanoTime() - t) / 1e9);
                for (String line : queue.explainClaim(
                        targets.get(0),
                        Fleet.CAPABILITIES.stream().map(c -> c.name()).toList(),
                        TaskSettings.defaults().claimScanLimit())) {
                    System.out.println("  claim plan: " + line);
                }
                long succeeded = api.count(TaskStatus.SUCCEEDED);
                int warmup = Math.max(THREADS, claims / 4);
                Latencies[] l = ClaimTimes.claims(api, claimers, THREADS, claims, warmup, claimed);
                String what = String.format(Locale.ROOT, "claim, %,d queued, %d threads", queued, THREADS);
                l[0].print("latency.claim." + size, what);
                l[1].print("latency.claim." + size + ".report", what + ", Started + Succeeded after it");
                result("latency.claim." + size + ".queued", queued);
                int taken = l[0].count() + warmup;
                if (api.count(TaskStatus.QUEUED) != queued - taken
                        || api.count(TaskStatus.SUCCEEDED) != succeeded + taken) {
                    throw new IllegalStateException("after " + taken + " claims: " + api.count(TaskStatus.QUEUED)
                            + " queued, " + api.count(TaskStatus.SUCCEEDED) + " succeeded");
                }
            }
            result("latency.claim.threads", THREADS);
            result("latency.claim.agents", CLAIMERS);
            result("latency.claim.targetedevery", TARGETED_EVERY);
        } finally {
            a.close();
            b.close();
            bFast.close();
            storeA.close();
            storeB.close();
            storeC.close();
        }
    }

    private static AgentManager manager(
            JdbcAgentStore store, FakeCertificateService ca, Duration interval, TaskSettings settings) {
        return AgentManager.builder()
                .store(store)
                .taskStore(store.taskStore())
                .certificateService(ca)
                .heartbeat(new HeartbeatSettings(interval, interval.plus(Duration.ofMinutes(10)), 0))
                .tasks(settings)
                .build();
    }

    /** The submit → held flows; returns how many tasks they submitted. */
    private static int submitToHold(
            AgentManager a,
            AgentManager b,
            AgentManager bFast,
            List<Fleet.Member> agents,
            int samples,
            Duration interval)
            throws Exception {
        int submitted = SubmitToHold.all(a, b, bFast, agents, samples, interval, PAYLOAD);
        result(
                "latency.longpoll.cross.refresh",
                TaskSettings.defaults().hintRefresh().toMillis());
        result("latency.longpoll.crossfast.refresh", FAST_REFRESH.toMillis());
        result("latency.piggyback.interval", interval.toMillis());
        return submitted;
    }

    /** The suite's rows for this part, from the child's {@code RESULT} figures. */
    static List<String> rows(Map<String, Double> r) {
        boolean pg = Double.valueOf(1).equals(r.get("latency.postgresql"));
        String db = pg ? "PostgreSQL" : "H2 file (fallback)";
        List<String> rows = new ArrayList<>();
        String small = "latency.claim.small";
        String large = "latency.claim.large";
        String mix = has(r, "latency.claim.agents", "latency.claim.threads", "latency.claim.targetedevery")
                ? String.format(
                        Locale.ROOT,
                        "1 in %.0f for one of the %.0f agents, the rest by capability; %.0f threads",
                        r.get("latency.claim.targetedevery"),
                        r.get("latency.claim.agents"),
                        r.get("latency.claim.threads"))
                : "";
        if (has(r, small + ".p99", small + ".queued")) {
            double p99 = r.get(small + ".p99");
            rows.add(String.format(
                    Locale.ROOT,
                    "| claim latency (1 task), %s, %,.0f queued (%s): p99 of %,.0f claims | %s | %.0f ms | %.2f× | p99 ≤ %.0f ms | %s |",
                    db,
                    r.get(small + ".queued"),
                    mix,
                    r.get(small + ".count"),
                    figures(r, small),
                    CLAIM_TARGET_MS,
                    p99 / CLAIM_TARGET_MS,
                    CLAIM_TARGET_MS,
                    status(pg, p99 <= CLAIM_TARGET_MS, "")));
        } else {
            rows.add("| claim latency, small queue | missing | | | | |");
        }
        if (has(r, large + ".p99", large + ".queued", small + ".p99")) {
            double p99 = r.get(large + ".p99");
            double ratio = p99 / r.get(small + ".p99");
            double limit = GROWTH_LIMIT * CLAIM_TARGET_MS;
            rows.add(String.format(
                    Locale.ROOT,
                    "| claim latency (1 task), %s, %,.0f queued, same mix: p99 of %,.0f claims | %s | %.2f ms (p99 at %,.0f queued) | %.2f× | p99 ≤ %.0f ms and ≤ %.0f× the smaller queue's (no scan) | %s |",
                    db,
                    r.get(large + ".queued"),
                    r.get(large + ".count"),
                    figures(r, large),
                    r.get(small + ".p99"),
                    r.get(small + ".queued"),
                    ratio,
                    limit,
                    GROWTH_LIMIT,
                    status(pg, p99 <= limit && ratio <= GROWTH_LIMIT, "")));
        } else {
            rows.add("| claim latency, large queue | missing | | | | |");
        }
        if (has(r, small + ".report.p99", large + ".report.p99")) {
            rows.add(String.format(
                    Locale.ROOT,
                    "| Started + Succeeded reports after a claim, %s, %,.0f / %,.0f queued | p99 %.2f / %.2f ms (p50 %.2f / %.2f) | | | reference | measured |",
                    db,
                    r.get(small + ".queued"),
                    r.get(large + ".queued"),
                    r.get(small + ".report.p99"),
                    r.get(large + ".report.p99"),
                    r.get(small + ".report.p50"),
                    r.get(large + ".report.p50")));
        } else {
            rows.add("| reports after a claim | missing | | | | |");
        }
        rows.add(submitRow(r, "longpoll.same", db, pg, "long-poll, same replica", SAME_REPLICA_TARGET_MS));
        for (String flow : List.of("longpoll.cross", "longpoll.crossfast")) {
            Double refresh = r.get("latency." + flow + ".refresh");
            String what = String.format(
                    Locale.ROOT,
                    "long-poll across replicas (submit on A, agent on B), hint refresh %,.0f ms%s",
                    refresh == null ? Double.NaN : refresh,
                    flow.equals("longpoll.cross") ? " (the default)" : "");
            rows.add(submitRow(r, flow, db, pg, what, CROSS_REPLICA_TARGET_MS));
        }
        for (String flow : List.of("piggyback.same", "piggyback.cross")) {
            Double interval = r.get("latency.piggyback.interval");
            String what = String.format(
                    Locale.ROOT,
                    "heartbeat piggy-back, beats every %,.0f ms, %s",
                    interval == null ? Double.NaN : interval,
                    flow.equals("piggyback.same") ? "same replica" : "across replicas (hint refresh 1 s)");
            rows.add(submitRow(r, flow, db, pg, what, interval == null ? Double.NaN : interval));
        }
        return rows;
    }

    /** A submit → held row: p99 against {@code target}; for the piggy-back (target = interval), the max too. */
    private static String submitRow(
            Map<String, Double> r, String flow, String db, boolean pg, String what, double target) {
        String key = "latency." + flow;
        if (!has(r, key + ".p99", key + ".max", key + ".lost", key + ".patience") || Double.isNaN(target)) {
            return "| submit → held, " + what + " | missing | | | | |";
        }
        double p99 = r.get(key + ".p99");
        double max = r.get(key + ".max");
        boolean piggyback = flow.startsWith("piggyback");
        String over = piggyback && p99 <= target && max > target
                ? String.format(Locale.ROOT, " at p99; max over by %.0f ms", max - target)
                : "";
        return String.format(
                Locale.ROOT,
                "| submit → held, %s, %s: p99 of %,.0f | %s | %,.0f ms%s | %.2f× | %s ≤ %,.0f ms | %s |",
                what,
                db,
                r.get(key + ".count"),
                figures(r, key),
                target,
                piggyback ? " (one interval)" : "",
                p99 / target,
                piggyback ? "p99 and max" : "p99",
                target,
                status(pg, p99 <= target && (!piggyback || max <= target || !over.isEmpty()), over));
    }

    /** "p99 (p50, max)", and the lost samples if any. */
    private static String figures(Map<String, Double> r, String key) {
        String figures = String.format(
                Locale.ROOT,
                "%.2f ms (p50 %.2f, max %.2f)",
                r.get(key + ".p99"),
                r.get(key + ".p50"),
                r.get(key + ".max"));
        Double lost = r.get(key + ".lost");
        if (lost != null && lost > 0) {
            figures += String.format(
                    Locale.ROOT,
                    "; %.0f lost (not held within %,.0f ms, counted as that; the held ones' p50 %s)",
                    lost,
                    r.get(key + ".patience"),
                    r.get(key + ".held.p50") == null
                            ? "—"
                            : String.format(Locale.ROOT, "%.2f ms", r.get(key + ".held.p50")));
        }
        return figures;
    }

    private static String status(boolean pg, boolean met, String qualifier) {
        if (!pg) {
            return "measured (H2 fallback: the targets are PostgreSQL's)";
        }
        return (met ? "met" : "missed") + qualifier;
    }

    private static boolean has(Map<String, Double> r, String... keys) {
        for (String key : keys) {
            if (r.get(key) == null) {
                return false;
            }
        }
        return true;
    }

    static void result(String key, double value) {
        System.out.printf(Locale.ROOT, "RESULT %s %.3f%n", key, value);
    }
}

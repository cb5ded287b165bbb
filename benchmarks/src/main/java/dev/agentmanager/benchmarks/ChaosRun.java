package dev.agentmanager.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskStatus;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tasks under chaos, across replica processes on PostgreSQL: three {@link ChaosReplica} JVMs share one database;
 * simulated agents ({@link ChaosAgent}, in this JVM on a shared pool of {@value #AGENT_THREADS} threads) heartbeat,
 * claim and run tasks through random serving replicas, and submitters queue the tasks through them too, keeping a
 * bounded backlog ({@link ChaosLoad}). Meanwhile:
 *
 * <ul>
 *   <li>a replica is killed with {@code SIGKILL} every {@code killEvery} seconds and started again a few seconds
 *       later (one down at a time);
 *   <li>calls ask the replica to drop their reply after applying it ({@value #DROP_RATE} of calls, and the first
 *       claim of one agent): the agent or submitter repeats the call as a real one would;
 *   <li>an agent restarts with a new boot epoch every quarter of {@code killEvery}, forgetting the tasks it held.
 * </ul>
 *
 * The run ends when every task is finished (and each kind of fault happened at least once), or fails at the
 * deadline. {@link ChaosChecker} then holds the durable record against what the agents saw; the counts print as
 * {@code RESULT chaos.<key> <n>}, and the run exits non-zero if an invariant count is not 0 or a task did not
 * finish. The tables (a prefix of the run's own) are dropped at the end, also on failure.
 *
 * <pre>
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.ChaosRun [agents] [tasks] [killEvery s] [deadline s]
 * </pre>
 *
 * Defaults: 200 agents, 100,000 tasks, a kill every 20 s, a deadline of 30 minutes. PostgreSQL from
 * {@code AGENTMANAGER_TEST_POSTGRESQL_URL} (default {@value JdbcHeartbeats#DEFAULT_POSTGRESQL_URL}). Each replica runs
 * with {@code -Xmx256m} and the serial collector.
 */
public final class ChaosRun {
    static final double DROP_RATE = 0.005;
    static final int REPLICAS = 3;
    static final int AGENT_THREADS = 24;
    private static final List<String> COUNTERS = List.of(
            "claims",
            "claims.duplicate",
            "kills",
            "replica.restarts",
            "agent.restarts",
            "agent.restarts.abandoned",
            "reports.fenced",
            "errors");
    private static final List<String> REPLICA_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC");

    private ChaosRun() {}

    public static void main(String[] args) {
        try {
            System.exit(chaos(args) ? 0 : 1);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(2);
        }
    }

    private static boolean chaos(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int killEvery = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int deadline = args.length > 3 ? Integer.parseInt(args[3]) : 1800;
        Fleet.quietLogging();
        String url = System.getenv(JdbcHeartbeats.POSTGRESQL_URL);
        url = url == null || url.isBlank() ? JdbcHeartbeats.DEFAULT_POSTGRESQL_URL : url;
        String prefix = String.format(
                Locale.ROOT, "c%012x_am_", ThreadLocalRandom.current().nextLong(1L << 48));
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(10_000);
        // the tables go at the end, on failure, and when this JVM is stopped (SIGTERM) before the end
        String database = url;
        AtomicBoolean dropped = new AtomicBoolean();
        Runnable drop = () -> {
            if (dropped.compareAndSet(false, true)) {
                dropTables(database, prefix);
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(drop, "chaos-drop-tables"));
        try (HikariDataSource pool = new HikariDataSource(config)) {
            return run(pool, url, prefix, agents, tasks, killEvery, deadline);
        } finally {
            drop.run();
        }
    }

    private static void dropTables(String url, String prefix) {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            for (String table : JdbcHeartbeats.TABLES) {
                s.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        } catch (SQLException e) {
            System.out.println("chaos: could not drop the tables " + prefix + "*: " + e);
        }
    }

    private static boolean run(
            HikariDataSource pool, String url, String prefix, int agents, int tasks, int killEvery, int deadline)
            throws Exception {
        JdbcAgentStore store = JdbcAgentStore.builder(pool)
                .tablePrefix(prefix)
                .createSchemaIfMissing()
                .build();
        Instant now = Instant.now();
        Fleet.Member[] members = Fleet.register(store, agents, now, AgentStatus.ACTIVE, now.plusSeconds(60));
        AgentManager reader = AgentManager.builder() // no monitor: reads the record, never changes it
                .store(store)
                .taskStore(store.taskStore())
                .certificateService(new FakeCertificateService(Clock.systemUTC()))
                .build();
        ChaosLedger ledger = new ChaosLedger();
        for (String counter : COUNTERS) {
            ledger.add(counter, 0); // printed even when nothing happened
        }
        Path logs = Files.createTempDirectory("agentmanager-chaos");
        ExecutorService http = Executors.newFixedThreadPool(2);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(AGENT_THREADS);
        long start = System.nanoTime();
        boolean finished;
        try (ChaosReplicas replicas = new ChaosReplicas(REPLICAS, url, prefix, logs, REPLICA_JVM, ledger)) {
            replicas.startAll();
            System.out.printf(
                    Locale.ROOT,
                    "chaos: %d replicas on PostgreSQL (prefix %s, logs in %s), %d agents, %d tasks, a kill every %d s%n",
                    REPLICAS,
                    prefix,
                    logs,
                    agents,
                    tasks,
                    killEvery);
            ChaosClient client = new ChaosClient(replicas, ledger, http, Duration.ofSeconds(60));
            List<ChaosAgent> fleet = new ArrayList<>();
            for (Fleet.Member m : members) {
                fleet.add(new ChaosAgent(m, client, ledger, DROP_RATE));
            }
            fleet.get(0).dropNextClaim(); // at least one lost reply, even in a tiny run
            start = System.nanoTime();
            fleet.forEach(a -> a.start(scheduler));
            ChaosLoad load = new ChaosLoad(client, store.taskStore(), replicas, fleet, tasks, killEvery);
            load.start(scheduler);
            finished = await(store.taskStore(), ledger, load.submitted(), tasks, start, deadline, replicas);
            load.stop();
            fleet.forEach(ChaosAgent::stop);
            scheduler.shutdownNow();
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
            load.join();
        } finally {
            scheduler.shutdownNow();
            http.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ChaosChecker.Findings findings = ChaosChecker.check(reader.tasks(), ledger, tasks);
        reader.close();
        store.close();
        print(findings, ledger, agents, tasks, seconds, finished);
        boolean holds = finished && findings.holds();
        if (holds) {
            try (var files = Files.walk(logs)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        } else {
            System.out.println("chaos: the replicas' logs are in " + logs);
        }
        return holds;
    }

    /** Waits until every task is finished and each kind of fault happened, or the deadline; prints progress. */
    private static boolean await(
            TaskStore tasks,
            ChaosLedger ledger,
            AtomicLong submitted,
            int total,
            long start,
            int deadlineSeconds,
            ChaosReplicas replicas)
            throws InterruptedException {
        long end = start + TimeUnit.SECONDS.toNanos(deadlineSeconds);
        long nextPrint = System.nanoTime();
        while (true) {
            Thread.sleep(500);
            long open = tasks.countTasks(TaskStatus.QUEUED)
                    + tasks.countTasks(TaskStatus.CLAIMED)
                    + tasks.countTasks(TaskStatus.RUNNING);
            long now = System.nanoTime();
            if (now >= nextPrint) {
                nextPrint = now + TimeUnit.SECONDS.toNanos(10);
                System.out.printf(
                        Locale.ROOT,
                        "%6.1f s: %d submitted, %d open, %d succeeded; %d kills, %d replicas serving, %d agent restarts,"
                                + " %d replies dropped%n",
                        (now - start) / 1e9,
                        submitted.get(),
                        open,
                        tasks.countTasks(TaskStatus.SUCCEEDED),
                        ledger.get("kills"),
                        replicas.serving(),
                        ledger.get("agent.restarts"),
                        dropped(ledger));
            }
            boolean faults =
                    ledger.get("replica.restarts") > 0 && ledger.get("agent.restarts") > 0 && dropped(ledger) > 0;
            if (submitted.get() == total && open == 0 && faults && noneOpen(tasks)) {
                return true;
            }
            if (now >= end) {
                System.out.println("chaos: deadline of " + deadlineSeconds + " s passed with " + open + " tasks open, "
                        + submitted.get() + " of " + total + " submitted");
                return false;
            }
        }
    }

    /**
     * Whether no task is open, in one statement: three counts one after another can all miss a task that moves
     * between them (not yet QUEUED when queued tasks are counted, queued again before claimed ones are).
     */
    private static boolean noneOpen(TaskStore tasks) {
        return tasks.findTasks(TaskQuery.status(TaskStatus.QUEUED, TaskStatus.CLAIMED, TaskStatus.RUNNING)
                        .withLimit(1))
                .isEmpty();
    }

    static long dropped(ChaosLedger ledger) {
        long n = 0;
        for (Map.Entry<String, Long> e : ledger.counters().entrySet()) {
            n += e.getKey().startsWith("dropped.") ? e.getValue() : 0;
        }
        return n;
    }

    private static void print(
            ChaosChecker.Findings findings,
            ChaosLedger ledger,
            int agents,
            int tasks,
            double seconds,
            boolean finished) {
        findings.details().forEach(d -> System.out.println("  " + d));
        System.out.println("attempts ended other than by success, by reason:");
        findings.reasons().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(12)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %7d  %s%n", e.getValue(), e.getKey()));
        System.out.printf(
                Locale.ROOT,
                "chaos: %d tasks in %.1f s (%.0f tasks/s) with %d agents; invariants %s%n",
                tasks,
                seconds,
                tasks / seconds,
                agents,
                findings.holds() && finished ? "hold" : "VIOLATED");
        result("agents", agents);
        result("submitted", tasks);
        result("seconds", Math.round(seconds));
        result("tasks_per_second", Math.round(tasks / seconds));
        result("finished", finished ? 1 : 0);
        findings.counts().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> result(e.getKey(), e.getValue()));
        ledger.counters().forEach((key, n) -> {
            if (!findings.counts().containsKey(key)) {
                result(key, n);
            }
        });
        result("dropped", dropped(ledger));
    }

    private static void result(String key, long n) {
        System.out.println("RESULT chaos." + key + " " + n);
    }

    /** The suite's rows for this part: each invariant against 0, then what the run did. */
    static List<String> rows(Map<String, Double> results) {
        List<String> rows = new ArrayList<>();
        Double tasks = results.get("chaos.submitted");
        Double seconds = results.get("chaos.seconds");
        String size = tasks == null || seconds == null
                ? "missing"
                : String.format(
                        Locale.ROOT,
                        "%,.0f tasks, %,.0f agents, %d replica JVMs, %,.0f s",
                        tasks,
                        results.getOrDefault("chaos.agents", 0.0),
                        REPLICAS,
                        seconds);
        for (String key : ChaosChecker.INVARIANTS) {
            Double n = results.get("chaos." + key);
            rows.add(
                    n == null
                            ? "| chaos " + key + " | missing | | | 0 | |"
                            : String.format(
                                    Locale.ROOT,
                                    "| chaos (%s): %s | %,.0f | | | 0 | %s |",
                                    size,
                                    key,
                                    n,
                                    n == 0 ? "met" : "missed"));
        }
        Double finished = results.get("chaos.finished");
        rows.add(
                finished == null
                        ? "| chaos: every task finished | missing | | | | |"
                        : "| chaos: every task finished before the deadline | " + (finished == 1 ? "yes" : "no")
                                + " | | | yes | " + (finished == 1 ? "met" : "missed") + " |");
        rows.add(String.format(
                Locale.ROOT,
                "| chaos: faults (replica kills, agent restarts, replies dropped) | %s, %s, %s | | | ≥ 1 each | measured |",
                figure(results, "chaos.kills"),
                figure(results, "chaos.agent.restarts"),
                figure(results, "chaos.dropped")));
        rows.add(String.format(
                Locale.ROOT,
                "| chaos: attempts ended as \"agent restarted\" though their agent claimed them after that restart"
                        + " | %s | | | reference | measured |",
                figure(results, "chaos.attempts.ended_by_stale_restart")));
        rows.add(String.format(
                Locale.ROOT,
                "| chaos: tasks succeeded, failed, lost, timed out; claims | %s, %s, %s, %s; %s | | | reference | measured |",
                figure(results, "chaos.tasks.succeeded"),
                figure(results, "chaos.tasks.failed"),
                figure(results, "chaos.tasks.lost"),
                figure(results, "chaos.tasks.timed_out"),
                figure(results, "chaos.claims")));
        return rows;
    }

    private static String figure(Map<String, Double> results, String key) {
        Double v = results.get(key);
        return v == null ? "missing" : String.format(Locale.ROOT, "%,.0f", v);
    }
}

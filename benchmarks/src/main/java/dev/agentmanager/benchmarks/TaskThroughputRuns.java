package dev.agentmanager.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.store.jdbc.JdbcDialect;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * Task claim and complete throughput on PostgreSQL and MariaDB, against db-scheduler doing the equivalent work on
 * the same database, machine and number of worker threads.
 *
 * <p>Ours ({@link TaskQueueReplicas}): two replicas (two {@code JdbcAgentStore}s, two pools, two
 * {@code AgentManager}s) on one table prefix; {@code tasks} tasks are submitted untimed, then the worker threads,
 * split over the replicas, claim them for their agents and report Succeeded for each (one execution picked and completed per task). Theirs
 * ({@link DbSchedulerPeer}): two db-scheduler {@code Scheduler}s (two pools, the same threads in total, its
 * lock-and-fetch polling on PostgreSQL, its fetch polling on MariaDB) run {@code tasks} one-time executions,
 * scheduled untimed before the schedulers start; each is picked, run and deleted once. Either side's round is
 * timed from its workers' start to its last completion, and checked afterwards: every task succeeded (ran)
 * exactly once, at its first attempt; a failed check ends the run with a non-zero exit. Between rounds each side's
 * tables are emptied (untimed), so that every round starts from {@code tasks} queued rows and nothing else.
 *
 * <p>After a warm-up round per side (a fifth of a round's tasks), the sides alternate which runs first over {@code rounds} rounds each; the
 * figure is the median round, in tasks per second. Every run takes its own table prefix (db-scheduler's table is
 * named {@code <prefix>scheduled_tasks}) and drops its tables afterwards, also on failure. A database that cannot
 * be reached is skipped ({@code RESULT <db>.skipped ...}) unless {@code AGENTMANAGER_TEST_REQUIRE_DATABASES=true}.
 *
 * <pre>
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.TaskThroughputRuns [tasks] [rounds] [threads] [databases]
 * </pre>
 *
 * Defaults: 5,000 tasks per round, 3 rounds per side, 4 worker threads (two per replica), {@code postgresql,mariadb}:
 * at a few hundred tasks per second for ours on two cores, larger rounds would take the part past six minutes.
 */
public final class TaskThroughputRuns {
    static final double TARGET = 1.0;
    static final String REQUIRE_DATABASES = "AGENTMANAGER_TEST_REQUIRE_DATABASES";
    private static final int REPLICAS = 2;
    /** The warm-up round of each side runs this fraction of a round's tasks. */
    private static final int WARM_UP_FRACTION = 5;

    private final String db;
    private final int tasks;
    private final int rounds;
    private final int threads;
    private final PrintStream out;
    private final Map<String, Double> results = new LinkedHashMap<>();

    private TaskThroughputRuns(String db, int tasks, int rounds, int threads, PrintStream out) {
        this.db = db;
        this.tasks = tasks;
        this.rounds = rounds;
        this.threads = threads;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        List<String> databases = List.of((args.length > 3 ? args[3] : "postgresql,mariadb").split(","));
        Fleet.quietLogging();
        try {
            for (String[] server : new String[][] {
                {"postgresql", JdbcHeartbeats.POSTGRESQL_URL, JdbcHeartbeats.DEFAULT_POSTGRESQL_URL},
                {"mariadb", JdbcHeartbeats.MARIADB_URL, JdbcHeartbeats.DEFAULT_MARIADB_URL}
            }) {
                if (databases.contains(server[0])) {
                    String url = System.getenv(server[1]);
                    String jdbcUrl = url == null || url.isBlank() ? server[2] : url;
                    measure(server[0], jdbcUrl, tasks, rounds, threads, System.out);
                }
            }
        } catch (Exception e) {
            e.printStackTrace(System.out);
            System.exit(1); // a failed check: loudly, whatever threads are left
        }
        System.exit(0); // the schedulers' and managers' background threads
    }

    /**
     * Runs both sides on one database and prints the progress and the {@code RESULT} lines to {@code out}; returns
     * the results by key ({@code throughput.<db>.<figure>}), empty when the database was skipped. Throws when a
     * round fails its check, or when the database cannot be reached and databases are required.
     */
    static Map<String, Double> measure(String db, String url, int tasks, int rounds, int threads, PrintStream out)
            throws Exception {
        HikariDataSource admin;
        try {
            admin = pool(url, "admin", 2);
        } catch (RuntimeException e) {
            if ("true".equalsIgnoreCase(System.getenv(REQUIRE_DATABASES))) {
                throw new IllegalStateException(db + " not reachable but " + REQUIRE_DATABASES + "=true", e);
            }
            out.println(db + " skipped: " + e);
            out.println("RESULT " + db + ".skipped " + e.getClass().getSimpleName());
            return Map.of();
        }
        TaskThroughputRuns run = new TaskThroughputRuns(db, tasks, rounds, threads, out);
        try (admin) {
            run.run(admin);
        }
        return Collections.unmodifiableMap(run.results);
    }

    private static HikariDataSource pool(String url, String name, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName(name);
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }

    private void run(HikariDataSource admin) throws Exception {
        String prefix = String.format(
                Locale.ROOT, "b%012x_am_", ThreadLocalRandom.current().nextLong(1L << 48));
        String table = prefix + "scheduled_tasks";
        List<HikariDataSource> pools = new ArrayList<>();
        TaskQueueReplicas ours = null;
        out.printf(Locale.ROOT, "%s: table prefix %s%n", db, prefix);
        try {
            JdbcAgentStore setup = JdbcAgentStore.builder(admin)
                    .tablePrefix(prefix)
                    .createSchemaIfMissing()
                    .build();
            JdbcDialect dialect = setup.dialect();
            setup.close();
            try (Connection c = admin.getConnection()) {
                DbSchedulerPeer.createTable(c, dialect, table);
            }
            // each replica's pool: its workers and a few for background work, the same on both sides
            int size = threads / REPLICAS + 4;
            List<HikariDataSource> oursPools = new ArrayList<>();
            List<DataSource> theirPools = new ArrayList<>();
            for (int i = 0; i < REPLICAS; i++) {
                HikariDataSource p = pool(admin.getJdbcUrl(), "agentmanager-" + i, size);
                pools.add(p);
                oursPools.add(p);
                HikariDataSource q = pool(admin.getJdbcUrl(), "db-scheduler-" + i, size);
                pools.add(q);
                theirPools.add(q);
            }
            ours = new TaskQueueReplicas(oursPools, prefix, threads);
            DbSchedulerPeer theirs = new DbSchedulerPeer(dialect, table, theirPools, threads);
            out.printf(
                    Locale.ROOT,
                    "%s: %,d tasks per round, %d threads over %d replicas; db-scheduler %s%n",
                    db,
                    tasks,
                    threads,
                    REPLICAS,
                    DbSchedulerPeer.strategy(dialect));
            int warmUp = Math.max(1, tasks / WARM_UP_FRACTION);
            result("warmup", warmUp);
            roundOfOurs(ours, warmUp, "warm-up");
            roundOfTheirs(theirs, admin, table, warmUp, "warm-up");
            double[] oursRates = new double[rounds];
            double[] theirRates = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                String label = "round " + (r + 1);
                if (r % 2 == 0) {
                    oursRates[r] = roundOfOurs(ours, tasks, label);
                    theirRates[r] = roundOfTheirs(theirs, admin, table, tasks, label);
                } else {
                    theirRates[r] = roundOfTheirs(theirs, admin, table, tasks, label);
                    oursRates[r] = roundOfOurs(ours, tasks, label);
                }
            }
            double o = Interleaved.quantile(oursRates, 0.5);
            double t = Interleaved.quantile(theirRates, 0.5);
            out.printf(
                    Locale.ROOT,
                    "%s: agentmanager %.0f tasks/s, db-scheduler %.0f tasks/s (medians of %d rounds): %.3f×%n",
                    db,
                    o,
                    t,
                    rounds,
                    o / t);
            result("ours", o);
            result("dbscheduler", t);
            result("ratio", o / t);
            result("tasks", tasks);
            result("threads", threads);
            result("rounds", rounds);
        } finally {
            if (ours != null) {
                ours.close();
            }
            pools.forEach(HikariDataSource::close);
            try (Connection c = admin.getConnection();
                    Statement s = c.createStatement()) {
                for (String t : JdbcHeartbeats.TABLES) {
                    s.execute("DROP TABLE IF EXISTS " + prefix + t);
                }
                s.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    private double roundOfOurs(TaskQueueReplicas ours, int n, String label) throws Exception {
        ours.clear();
        long t = System.nanoTime();
        ours.queue(n);
        double queued = (System.nanoTime() - t) / 1e9;
        double rate = ours.round(n);
        ours.check(n);
        out.printf(
                Locale.ROOT,
                "%s %s: agentmanager %.0f tasks/s (submitted in %.1f s, untimed)%n",
                db,
                label,
                rate,
                queued);
        checked("ours.checked", n);
        return rate;
    }

    private double roundOfTheirs(DbSchedulerPeer theirs, DataSource admin, String table, int n, String label)
            throws Exception {
        try (Connection c = admin.getConnection();
                Statement s = c.createStatement()) {
            s.execute("TRUNCATE TABLE " + table);
        }
        double rate = theirs.round(n);
        out.printf(Locale.ROOT, "%s %s: db-scheduler %.0f tasks/s%n", db, label, rate);
        checked("dbscheduler.checked", n);
        return rate;
    }

    /** Counts the tasks of a round that passed its exactly-once check, over all rounds and the warm-up. */
    private void checked(String figure, int n) {
        result(figure, results.getOrDefault("throughput." + db + "." + figure, 0.0) + n);
    }

    private void result(String figure, double value) {
        String key = "throughput." + db + "." + figure;
        results.put(key, value);
        out.printf(Locale.ROOT, "RESULT %s %.3f%n", key, value);
    }

    /** The suite's rows for this part, one per database, from the child's {@code RESULT} figures. */
    static List<String> rows(Map<String, Double> results) {
        List<String> rows = new ArrayList<>();
        for (String[] d : new String[][] {
            {"postgresql", "PostgreSQL", DbSchedulerPeer.strategy(JdbcDialect.POSTGRESQL)},
            {"mariadb", "MariaDB", DbSchedulerPeer.strategy(JdbcDialect.MARIADB)}
        }) {
            String key = "throughput." + d[0] + ".";
            Double ours = results.get(key + "ours");
            Double theirs = results.get(key + "dbscheduler");
            if (ours == null || theirs == null) {
                rows.add("| task claim + complete, " + d[1]
                        + ", vs db-scheduler | missing | missing | | ≥ 1× | missing |");
                continue;
            }
            double ratio = ours / theirs;
            rows.add(String.format(
                    Locale.ROOT,
                    "| tasks/s claimed + Succeeded, %s, 2 replicas (own pools), %.0f threads, %,.0f tasks per"
                            + " round, median of %.0f: agentmanager (claim up to %d per agent) vs db-scheduler (%s) |"
                            + " %,.0f/s | %,.0f/s (db-scheduler) | %s× | ≥ %.0f× | %s |",
                    d[1],
                    results.get(key + "threads"),
                    results.get(key + "tasks"),
                    results.get(key + "rounds"),
                    TaskQueueReplicas.CLAIM_MAX,
                    d[2],
                    ours,
                    theirs,
                    SuiteTable.ratioText(ratio, TARGET),
                    TARGET,
                    ratio >= TARGET ? "met" : "missed"));
        }
        return rows;
    }
}

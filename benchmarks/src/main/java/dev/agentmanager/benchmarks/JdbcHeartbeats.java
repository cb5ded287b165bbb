package dev.agentmanager.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.store.jdbc.JdbcDialect;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * JDBC heartbeat write path, 100,000 agents, on PostgreSQL and MariaDB (when reachable) and H2 (file):
 * the database's ceiling (one UPDATE of every liveness row, best of 3), the naive writer
 * ({@code coalesceHeartbeats(false)}: one autocommit conditional UPDATE per heartbeat) and the coalescing writer
 * (drivers call {@code recordHeartbeat} as fast as they can while a flusher writes the buffer every second
 * through the store's own {@code flushHeartbeats()}), plus the coalescing writer paced at 50,000 heartbeats/s
 * offered. Every run takes its own table prefix and drops its tables afterwards.
 *
 * <p>The fleet is seeded with plain JDBC against the documented schema (the store's shipped scripts, created
 * with {@code createSchemaIfMissing()}): one {@code agents} row and one {@code agent_liveness} row per agent,
 * ACTIVE, version 1, no heartbeat yet. The heartbeat path reads nothing else, and registering 100,000 agents
 * one transaction each through the store would take minutes on a database that syncs every commit.
 *
 * <p>Prints {@code RESULT <key> <value>} lines for {@link BenchmarkSuite}. Arguments: agents, seconds per
 * coalescing run, driver threads, and optionally the databases to run, comma-separated (default
 * {@code postgresql,mariadb,h2}). {@link #measure} runs one database in process (the smoke test does, at a tiny
 * size).
 */
public final class JdbcHeartbeats {
    static final String POSTGRESQL_URL = "AGENTMANAGER_TEST_POSTGRESQL_URL";
    static final String DEFAULT_POSTGRESQL_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    static final String MARIADB_URL = "AGENTMANAGER_TEST_MARIADB_URL";
    static final String DEFAULT_MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/test?user=root";
    /** The paced run's offered rate, heartbeats/s in total over all drivers. */
    static final int PACED_PER_SECOND = 50_000;

    static final List<String> TABLES = List.of(
            "agent_labels",
            "agent_capabilities",
            "agent_liveness",
            "certificates",
            "token_redemptions",
            "monitor_state",
            "sweep_lock",
            "tasks",
            "task_attempts",
            "task_logs",
            "task_claimers",
            "task_groups",
            "agents",
            "registration_tokens",
            "schema_version",
            "schema_lock");
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    /** {@link Fleet#CAPABILITIES} and {@link Fleet#LABELS} as the store's JSON columns hold them. */
    private static final String CAPABILITIES_JSON = "[{\"name\":\"compose\",\"version\":\"2.24\"},"
            + "{\"name\":\"docker\",\"version\":\"24.0.7\"},{\"name\":\"helm\",\"version\":\"3.14.2\"}]";

    private static final String LABELS_JSON = "{\"env\":\"prod\",\"region\":\"eu-west-1\"}";

    private final int agents;
    private final int seconds;
    private final int naiveSeconds;
    private final int threads;
    private final PrintStream out;
    /** What {@link #result} printed, by key, unrounded. */
    private final Map<String, Double> results = new LinkedHashMap<>();

    private AtomicLongArray sequences;

    private JdbcHeartbeats(int agents, int seconds, int naiveSeconds, int threads, PrintStream out) {
        this.agents = agents;
        this.seconds = seconds;
        this.naiveSeconds = naiveSeconds;
        this.threads = threads;
        this.out = out;
        this.sequences = new AtomicLongArray(agents);
    }

    /**
     * Runs every part on one database: seeds {@code agents} agents, measures the bulk UPDATE, the naive writer for
     * {@code naiveSeconds}, the coalescing writer and the paced one for {@code seconds} each with {@code threads}
     * drivers, and drops the tables. Prints the progress and the {@code RESULT} lines to {@code out}; returns the
     * results by key ({@code <db>.<part>[.<figure>]}), unrounded. Throws when the database cannot be reached or a
     * part fails.
     */
    static Map<String, Double> measure(
            String db, String url, int agents, int seconds, int naiveSeconds, int threads, PrintStream out)
            throws Exception {
        JdbcHeartbeats run = new JdbcHeartbeats(agents, seconds, naiveSeconds, threads, out);
        run.run(db, url);
        return Collections.unmodifiableMap(run.results);
    }

    /** The H2 file database the H2 part runs on, in {@code dir}. */
    static String h2Url(Path dir) {
        return "jdbc:h2:file:" + dir.resolve("db") + ";LOCK_TIMEOUT=10000";
    }

    public static void main(String[] args) throws Exception {
        Fleet.quietLogging();
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int naiveSeconds = Math.max(3, seconds / 2);
        List<String> databases = List.of((args.length > 3 ? args[3] : "postgresql,mariadb,h2").split(","));
        for (String[] server : new String[][] {
            {"postgresql", POSTGRESQL_URL, DEFAULT_POSTGRESQL_URL}, {"mariadb", MARIADB_URL, DEFAULT_MARIADB_URL}
        }) {
            if (!databases.contains(server[0])) {
                continue;
            }
            String url = System.getenv(server[1]);
            try {
                measure(
                        server[0],
                        url == null || url.isBlank() ? server[2] : url,
                        agents,
                        seconds,
                        naiveSeconds,
                        threads,
                        System.out);
            } catch (Exception e) {
                System.out.println(server[0] + " skipped: " + e);
                System.out.println(
                        "RESULT " + server[0] + ".skipped " + e.getClass().getSimpleName());
            }
        }
        if (!databases.contains("h2")) {
            return;
        }
        Path dir = Files.createTempDirectory("agentmanager-bench-h2");
        try {
            measure("h2", h2Url(dir), agents, seconds, naiveSeconds, threads, System.out);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    private void result(String key, double value) {
        results.put(key, value);
        out.printf(Locale.ROOT, "RESULT %s %.1f%n", key, value);
    }

    private void run(String db, String url) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(threads + 4);
        config.setConnectionTimeout(10_000);
        String prefix = String.format(
                Locale.ROOT, "b%012x_am_", ThreadLocalRandom.current().nextLong(1L << 48));
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try {
                JdbcAgentStore setup = JdbcAgentStore.builder(pool)
                        .tablePrefix(prefix)
                        .createSchemaIfMissing()
                        .build();
                JdbcDialect dialect = setup.dialect();
                setup.close();
                long t = System.nanoTime();
                seed(pool, dialect, prefix, agents);
                out.printf(Locale.ROOT, "%s: seeded %,d agents in %.1f s%n", db, agents, (System.nanoTime() - t) / 1e9);
                result(db + ".bulk", bulk(pool, dialect, prefix + "agent_liveness"));

                JdbcAgentStore naive = JdbcAgentStore.builder(pool)
                        .tablePrefix(prefix)
                        .coalesceHeartbeats(false)
                        .build();
                result(
                        db + ".naive",
                        drive(naive, Duration.ofSeconds(naiveSeconds), 0).acceptedPerSecond());
                naive.close();

                JdbcAgentStore store = JdbcAgentStore.builder(pool)
                        .tablePrefix(prefix)
                        .heartbeatFlushInterval(Duration.ofMinutes(1)) // flushed below by the same method, timed
                        .build();
                t = System.nanoTime();
                driveAll(store); // one beat per agent fills the store's heartbeat cache
                store.flushHeartbeats();
                out.printf(Locale.ROOT, "%s: warm-up %.1f s%n", db, (System.nanoTime() - t) / 1e9);
                coalescing(db, store, 0);
                coalescing(db, store, PACED_PER_SECOND);
                store.close();
            } finally {
                try (Connection c = pool.getConnection();
                        Statement s = c.createStatement()) {
                    for (String table : TABLES) {
                        s.execute("DROP TABLE IF EXISTS " + prefix + table);
                    }
                }
            }
        }
    }

    static String id(int i) {
        return String.format(Locale.ROOT, "agent-%06d", i);
    }

    /**
     * Inserts the fleet with plain JDBC against the documented schema: per agent an ACTIVE {@code agents} row at
     * version 1 ({@link Fleet}'s capabilities and labels, no scope, a certificate pin of its own) and its {@code agent_liveness} row
     * (monitored, no heartbeat yet, deadline in an hour; {@code indexed_deadline} equal to it).
     */
    static void seed(HikariDataSource pool, JdbcDialect dialect, String prefix, int agents) throws SQLException {
        String json = switch (dialect) {
            case POSTGRESQL -> "CAST(? AS jsonb)";
            case H2 -> "? FORMAT JSON";
            case MARIADB -> "?";
        };
        Instant deadline = Instant.now().plusSeconds(3600);
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement agentsInsert = c.prepareStatement("INSERT INTO " + prefix + "agents (id, name,"
                            + " status, capabilities, allowed_capabilities, labels, health, cert_serial, cert_thumbprint,"
                            + " cert_not_before, cert_not_after, registered_at, status_changed_at, version)"
                            + " VALUES (?, ?, 'ACTIVE', " + json + ", " + json + ", " + json
                            + ", 'UNKNOWN', ?, ?, ?, ?, ?, ?, 1)");
                    PreparedStatement livenessInsert = c.prepareStatement("INSERT INTO " + prefix + "agent_liveness"
                            + " (agent_id, version, monitored, boot_epoch, sequence_no, last_heartbeat_at, deadline,"
                            + " clock_skew_nanos, indexed_deadline) VALUES (?, 1, TRUE, -1, -1, NULL, ?, NULL, ?)")) {
                for (int i = 0; i < agents; i++) {
                    String id = id(i);
                    agentsInsert.setString(1, id);
                    agentsInsert.setString(2, "bench " + id);
                    agentsInsert.setString(3, CAPABILITIES_JSON);
                    agentsInsert.setString(4, "[]"); // allowed capabilities: empty, any
                    agentsInsert.setString(5, LABELS_JSON);
                    agentsInsert.setString(6, String.format(Locale.ROOT, "%016x", i));
                    agentsInsert.setString(7, String.format(Locale.ROOT, "%064x", i));
                    setInstant(agentsInsert, 8, dialect, T0);
                    setInstant(agentsInsert, 9, dialect, T0.plus(Duration.ofDays(3650)));
                    setInstant(agentsInsert, 10, dialect, T0);
                    setInstant(agentsInsert, 11, dialect, T0);
                    agentsInsert.addBatch();
                    livenessInsert.setString(1, id);
                    setInstant(livenessInsert, 2, dialect, deadline);
                    setInstant(livenessInsert, 3, dialect, deadline);
                    livenessInsert.addBatch();
                    if (i % 1_000 == 999 || i == agents - 1) {
                        agentsInsert.executeBatch();
                        livenessInsert.executeBatch();
                        c.commit();
                    }
                }
            }
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                switch (dialect) {
                    case POSTGRESQL -> {
                        s.execute("VACUUM ANALYZE " + prefix + "agent_liveness");
                        s.execute("ANALYZE " + prefix + "agents");
                    }
                    case MARIADB -> s.execute("ANALYZE TABLE " + prefix + "agent_liveness, " + prefix + "agents");
                    case H2 -> s.execute("ANALYZE");
                }
            }
        }
    }

    /** The schema's instant columns: {@code timestamptz} / {@code TIMESTAMP WITH TIME ZONE}, MariaDB UTC {@code DATETIME(6)}. */
    private static void setInstant(PreparedStatement ps, int index, JdbcDialect dialect, Instant instant)
            throws SQLException {
        if (dialect == JdbcDialect.MARIADB) {
            ps.setObject(index, LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
        } else {
            ps.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        }
    }

    /** The ceiling: one UPDATE of every liveness row's heartbeat columns, rows/s, best of 3. */
    private static double bulk(HikariDataSource pool, JdbcDialect dialect, String liveness) throws SQLException {
        double best = 0;
        for (int round = 0; round < 3; round++) {
            try (Connection c = pool.getConnection();
                    PreparedStatement ps = c.prepareStatement("UPDATE " + liveness
                            + " SET sequence_no = sequence_no + 1, last_heartbeat_at = ?, deadline = ?")) {
                setInstant(ps, 1, dialect, Instant.now());
                setInstant(ps, 2, dialect, Instant.now().plusSeconds(3600));
                long start = System.nanoTime();
                int n = ps.executeUpdate();
                best = Math.max(best, n / ((System.nanoTime() - start) / 1e9));
            }
        }
        return best;
    }

    /**
     * The coalescing writer under load, flushed once a second by a thread of its own. Prints the accepted
     * heartbeats/s and, for the paced run, the rate the drivers actually offered (both over the drivers' own
     * time, not the flusher's shutdown), the rows written per second, the mean rows and time of the timed
     * flushes, and the flush capacity: rows written per second of flushing.
     */
    private void coalescing(String db, JdbcAgentStore store, int pacedPerSecond) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong flushes = new AtomicLong();
        AtomicLong rows = new AtomicLong();
        AtomicLong timedRows = new AtomicLong(); // written by the once-a-second flushes, whose time is measured
        AtomicLong flushNanos = new AtomicLong();
        Thread flusher = new Thread(
                () -> {
                    long next = System.nanoTime();
                    while (!stop.get()) {
                        next += 1_000_000_000L;
                        LockSupport.parkNanos(next - System.nanoTime());
                        long s = System.nanoTime();
                        int written = store.flushHeartbeats();
                        flushNanos.addAndGet(System.nanoTime() - s);
                        rows.addAndGet(written);
                        timedRows.addAndGet(written);
                        flushes.incrementAndGet();
                    }
                },
                "bench-flusher");
        flusher.start();
        Drive drive = drive(store, Duration.ofSeconds(seconds), pacedPerSecond);
        stop.set(true);
        flusher.join();
        rows.addAndGet(store.flushHeartbeats());
        String key = db + (pacedPerSecond > 0 ? ".paced" : ".coalescing");
        result(key, drive.acceptedPerSecond());
        if (pacedPerSecond > 0) {
            result(key + ".offered", drive.attempted() / drive.seconds());
        }
        result(key + ".rows", rows.get() / drive.seconds());
        result(key + ".flushrows", flushes.get() == 0 ? 0 : timedRows.get() / (double) flushes.get());
        result(key + ".flushms", flushes.get() == 0 ? 0 : flushNanos.get() / 1e6 / flushes.get());
        // flush capacity: rows written per second of flushing
        result(key + ".capacity", flushNanos.get() == 0 ? 0 : timedRows.get() / (flushNanos.get() / 1e9));
    }

    /** What the drivers did: heartbeats attempted and accepted, over their own running time. */
    private record Drive(long attempted, long accepted, double seconds) {
        double acceptedPerSecond() {
            return accepted / seconds;
        }
    }

    private void driveAll(JdbcAgentStore store) throws InterruptedException {
        drive(store, Duration.ZERO, 0);
    }

    /**
     * {@code threads} drivers beat round-robin over their shares of the fleet for {@code duration} (once over the
     * fleet when zero), paced to {@code perSecond} in total when positive. A paced driver that falls behind
     * catches up (its schedule is absolute), so a shortfall in {@link Drive#attempted} means the CPU could not
     * run the drivers, not that the store refused beats.
     */
    private Drive drive(JdbcAgentStore store, Duration duration, int perSecond) throws InterruptedException {
        AtomicLong accepted = new AtomicLong();
        AtomicLong attempted = new AtomicLong();
        boolean once = duration.isZero();
        long start = System.nanoTime();
        long deadline = once ? Long.MAX_VALUE : start + duration.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread w = new Thread(
                    () -> {
                        long mine = 0;
                        long tries = 0;
                        long intervalNanos = perSecond > 0 ? 1_000_000_000L * threads / perSecond : 0;
                        long next = start;
                        int i = first;
                        while (true) {
                            if (intervalNanos > 0) {
                                next += intervalNanos;
                                if (next >= deadline) {
                                    break;
                                }
                                long wait = next - System.nanoTime();
                                if (wait > 20_000) {
                                    LockSupport.parkNanos(wait);
                                }
                            } else if (System.nanoTime() >= deadline) {
                                break;
                            }
                            long s = sequences.incrementAndGet(i);
                            Instant now = Instant.now();
                            HeartbeatWrite w1 = store.recordHeartbeat(id(i), 1, 0, s, now, now.plusSeconds(30), null);
                            tries++;
                            if (w1 == HeartbeatWrite.ACCEPTED || w1 == HeartbeatWrite.ACCEPTED_NEW_EPOCH) {
                                mine++;
                            }
                            i += threads;
                            if (i >= agents) {
                                if (once) {
                                    break;
                                }
                                i = first;
                            }
                        }
                        accepted.addAndGet(mine);
                        attempted.addAndGet(tries);
                    },
                    "bench-driver-" + t);
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        return new Drive(attempted.get(), accepted.get(), (System.nanoTime() - start) / 1e9);
    }

    /**
     * The JDBC rows of one database, all from the same child run: coalescing vs naive heartbeats/s, accepted vs
     * offered at the paced rate (the drivers' own shortfall is shown apart), and flush capacity (rows written per
     * second of flushing, at the paced rate) vs one bulk UPDATE of every liveness row. Targets apply to
     * PostgreSQL ({@code targets}); on the others these are measurements: H2 does not sync each commit, so its
     * naive writer is cheap, and the ≥ 50× target was set for PostgreSQL.
     */
    static List<String> rows(Map<String, Double> child, String db, String name, boolean targets) {
        List<String> rows = new ArrayList<>();
        Double bulk = child.get(db + ".bulk");
        Double naive = child.get(db + ".naive");
        Double co = child.get(db + ".coalescing");
        Double paced = child.get(db + ".paced");
        Double offered = child.get(db + ".paced.offered");
        Double capacity = child.get(db + ".paced.capacity");
        if (bulk == null || naive == null || co == null || paced == null || offered == null || capacity == null) {
            rows.add("| JDBC " + name + " | skipped (not reachable, see the log) | | | | |");
            return rows;
        }
        String measured = db.equals("h2")
                ? "measured (H2 does not sync each commit: naive is cheap)"
                : "measured (the ≥ 50× target is PostgreSQL's)";
        double ratio = co / naive;
        rows.add(String.format(
                Locale.ROOT,
                "| JDBC %s heartbeats/s, 100k agents, 4 threads: coalescing vs naive | %,.0f/s | %,.0f/s (naive) | %.0f× | %s | %s |",
                name,
                co,
                naive,
                ratio,
                targets ? "≥ 50×" : "—",
                targets ? (ratio >= 50 ? "met" : "missed") : measured));
        double scheduled = PACED_PER_SECOND;
        String driverNote = offered < 0.99 * scheduled
                ? String.format(Locale.ROOT, "; the drivers offered only %,.0f/s of %,.0f/s", offered, scheduled)
                : "";
        rows.add(String.format(
                Locale.ROOT,
                "| JDBC %s accepted at %,.0f/s offered | %,.0f/s | %,.0f/s (offered) | %.3f× | all offered accepted (≥ 0.999×) | %s%s |",
                name,
                scheduled,
                paced,
                offered,
                paced / offered,
                paced / offered >= 0.999 ? "met" : "missed",
                driverNote));
        rows.add(String.format(
                Locale.ROOT,
                "| JDBC %s flush capacity at %,.0f/s offered (rows written per second of flushing) vs bulk UPDATE | %,.0f rows/s (%,.0f rows per %,.0f ms flush) | %,.0f rows/s (bulk) | %.2f× | %s | %s |",
                name,
                scheduled,
                capacity,
                child.get(db + ".paced.flushrows"),
                child.get(db + ".paced.flushms"),
                bulk,
                capacity / bulk,
                targets ? "≥ 0.33×" : "—",
                targets ? (capacity / bulk >= 1.0 / 3 ? "met" : "missed") : "measured"));
        return rows;
    }
}

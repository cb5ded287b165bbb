package dev.agentmanager.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.store.jdbc.JdbcDialect;
import dev.agentmanager.store.jdbc.internal.Rows;
import dev.agentmanager.store.jdbc.internal.Sql;
import dev.agentmanager.testkit.TestAgents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * JDBC heartbeat write path (issue 4), 100,000 agents, on PostgreSQL (when reachable) and H2 (file), the
 * store-jdbc harness's method in short: the database's ceiling (one UPDATE of every liveness row, best of 3),
 * the naive writer ({@code coalesceHeartbeats(false)}: one autocommit conditional UPDATE per heartbeat) and the
 * coalescing writer (drivers call {@code recordHeartbeat} as fast as they can while a flusher writes the buffer
 * every second through the store's own {@code flushHeartbeats()}), plus the coalescing writer paced at 50,000
 * heartbeats/s offered. Every run takes its own table prefix and drops its tables afterwards.
 *
 * <p>Prints {@code RESULT <key> <value>} lines for {@link BenchmarkSuite}. Arguments: agents, seconds per
 * coalescing run, driver threads.
 */
public final class JdbcHeartbeats {
    static final String POSTGRESQL_URL = "AGENTMANAGER_TEST_POSTGRESQL_URL";
    static final String DEFAULT_POSTGRESQL_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    private static final List<String> TABLES = List.of("agent_labels", "agent_capabilities", "agent_liveness",
            "certificates", "token_redemptions", "monitor_state", "agents", "registration_tokens");
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private final int agents;
    private final int seconds;
    private final int threads;
    private AtomicLongArray sequences;

    private JdbcHeartbeats(int agents, int seconds, int threads) {
        this.agents = agents;
        this.seconds = seconds;
        this.threads = threads;
        this.sequences = new AtomicLongArray(agents);
    }

    public static void main(String[] args) throws Exception {
        Fleet.quietLogging();
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        String pg = System.getenv(POSTGRESQL_URL);
        if (pg == null || pg.isBlank()) {
            pg = DEFAULT_POSTGRESQL_URL;
        }
        try {
            new JdbcHeartbeats(agents, seconds, threads).run("postgresql", pg);
        } catch (Exception e) {
            System.out.println("PostgreSQL skipped: " + e);
            System.out.println("RESULT postgresql.skipped " + e.getClass().getSimpleName());
        }
        Path dir = Files.createTempDirectory("agentmanager-bench-h2");
        try {
            new JdbcHeartbeats(agents, seconds, threads).run("h2", "jdbc:h2:file:" + dir.resolve("db") + ";LOCK_TIMEOUT=10000");
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void result(String key, double value) {
        System.out.printf(Locale.ROOT, "RESULT %s %.1f%n", key, value);
    }

    private void run(String db, String url) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(threads + 4);
        config.setConnectionTimeout(10_000);
        String prefix = String.format(Locale.ROOT, "b%012x_am_", ThreadLocalRandom.current().nextLong(1L << 48));
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try {
                JdbcAgentStore setup = JdbcAgentStore.builder(pool).tablePrefix(prefix).createSchemaIfMissing().build();
                Sql sql = new Sql(setup.dialect(), prefix);
                setup.close();
                long t = System.nanoTime();
                seed(pool, sql);
                System.out.printf(Locale.ROOT, "%s: seeded %,d agents in %.1f s%n", db, agents, (System.nanoTime() - t) / 1e9);
                result(db + ".bulk", bulk(pool, sql));

                JdbcAgentStore naive = JdbcAgentStore.builder(pool).tablePrefix(prefix).coalesceHeartbeats(false).build();
                int naiveSeconds = Math.max(3, seconds / 2);
                result(db + ".naive", drive(naive, Duration.ofSeconds(naiveSeconds), 0) / (double) naiveSeconds);
                naive.close();

                JdbcAgentStore store = JdbcAgentStore.builder(pool).tablePrefix(prefix)
                        .heartbeatFlushInterval(Duration.ofMinutes(1)) // flushed below by the same method, timed
                        .build();
                t = System.nanoTime();
                driveAll(store); // one beat per agent fills the store's heartbeat cache
                store.flushHeartbeats();
                System.out.printf(Locale.ROOT, "%s: warm-up %.1f s%n", db, (System.nanoTime() - t) / 1e9);
                coalescing(db, store, 0);
                coalescing(db, store, 50_000);
                store.close();
            } finally {
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    for (String table : TABLES) {
                        s.execute("DROP TABLE IF EXISTS " + prefix + table);
                    }
                }
            }
        }
    }

    private static String id(int i) {
        return String.format(Locale.ROOT, "agent-%06d", i);
    }

    private void seed(HikariDataSource pool, Sql sql) throws SQLException {
        String json = sql.jsonParameter();
        Instant deadline = Instant.now().plusSeconds(3600);
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement agentsInsert = c.prepareStatement("INSERT INTO " + sql.agents + " ("
                    + Rows.INSERT_COLUMNS + ") VALUES (?, ?, ?, ?, " + json + ", " + json
                    + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                    PreparedStatement livenessInsert = c.prepareStatement("INSERT INTO " + sql.liveness
                            + " (agent_id, version, monitored, boot_epoch, sequence_no, last_heartbeat_at, deadline,"
                            + " clock_skew_nanos, indexed_deadline) VALUES (?, 1, TRUE, -1, -1, NULL, ?, NULL, ?)")) {
                for (int i = 0; i < agents; i++) {
                    Agent a = TestAgents.newAgent(id(i), T0).agent().withStatus(AgentStatus.ACTIVE, null, T0);
                    agentsInsert.setString(1, a.id());
                    Rows.bindDurable(agentsInsert, 2, sql, a, 1);
                    agentsInsert.addBatch();
                    livenessInsert.setString(1, a.id());
                    sql.setInstant(livenessInsert, 2, deadline);
                    sql.setInstant(livenessInsert, 3, deadline);
                    livenessInsert.addBatch();
                    if (i % 1_000 == 999 || i == agents - 1) {
                        agentsInsert.executeBatch();
                        livenessInsert.executeBatch();
                        c.commit();
                    }
                }
            }
            c.setAutoCommit(true);
            if (sql.dialect == JdbcDialect.POSTGRESQL) {
                try (Statement s = c.createStatement()) {
                    s.execute("VACUUM ANALYZE " + sql.liveness);
                    s.execute("ANALYZE " + sql.agents);
                }
            }
        }
    }

    private double bulk(HikariDataSource pool, Sql sql) throws SQLException {
        double best = 0;
        for (int round = 0; round < 3; round++) {
            try (Connection c = pool.getConnection();
                    PreparedStatement ps = c.prepareStatement("UPDATE " + sql.liveness
                            + " SET sequence_no = sequence_no + 1, last_heartbeat_at = ?, deadline = ?")) {
                sql.setInstant(ps, 1, Instant.now());
                sql.setInstant(ps, 2, Instant.now().plusSeconds(3600));
                long start = System.nanoTime();
                int n = ps.executeUpdate();
                best = Math.max(best, n / ((System.nanoTime() - start) / 1e9));
            }
        }
        return best;
    }

    private void coalescing(String db, JdbcAgentStore store, int pacedPerSecond) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong flushes = new AtomicLong();
        AtomicLong rows = new AtomicLong();
        AtomicLong flushNanos = new AtomicLong();
        Thread flusher = new Thread(() -> {
            long next = System.nanoTime();
            while (!stop.get()) {
                next += 1_000_000_000L;
                LockSupport.parkNanos(next - System.nanoTime());
                long s = System.nanoTime();
                rows.addAndGet(store.flushHeartbeats());
                flushNanos.addAndGet(System.nanoTime() - s);
                flushes.incrementAndGet();
            }
        }, "bench-flusher");
        flusher.start();
        long start = System.nanoTime();
        long accepted = drive(store, Duration.ofSeconds(seconds), pacedPerSecond);
        stop.set(true);
        flusher.join();
        rows.addAndGet(store.flushHeartbeats());
        double elapsed = (System.nanoTime() - start) / 1e9;
        String key = db + (pacedPerSecond > 0 ? ".paced" : ".coalescing");
        result(key, accepted / elapsed);
        result(key + ".rows", rows.get() / elapsed);
        result(key + ".flushms", flushes.get() == 0 ? 0 : flushNanos.get() / 1e6 / flushes.get());
    }

    private void driveAll(JdbcAgentStore store) throws InterruptedException {
        drive(store, Duration.ZERO, 0);
    }

    /**
     * {@code threads} drivers beat round-robin over their shares of the fleet for {@code duration} (once over the
     * fleet when zero), paced to {@code perSecond} in total when positive. Returns the accepted heartbeats.
     */
    private long drive(JdbcAgentStore store, Duration duration, int perSecond) throws InterruptedException {
        AtomicLong accepted = new AtomicLong();
        boolean once = duration.isZero();
        long deadline = once ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread w = new Thread(() -> {
                long mine = 0;
                long intervalNanos = perSecond > 0 ? 1_000_000_000L * threads / perSecond : 0;
                long next = System.nanoTime();
                int i = first;
                while (System.nanoTime() < deadline) {
                    if (intervalNanos > 0) {
                        next += intervalNanos;
                        long wait = next - System.nanoTime();
                        if (wait > 20_000) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                    long s = sequences.incrementAndGet(i);
                    Instant now = Instant.now();
                    HeartbeatWrite w1 = store.recordHeartbeat(id(i), 1, 0, s, now, now.plusSeconds(30), null);
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
            }, "bench-driver-" + t);
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        return accepted.get();
    }
}

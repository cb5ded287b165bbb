package dev.agentmanager.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.store.jdbc.internal.Rows;
import dev.agentmanager.store.jdbc.internal.Sql;
import dev.agentmanager.testkit.TestAgents;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The heartbeat write-path benchmark of issue 4, run on demand (not by {@code mvn verify}):
 *
 * <pre>
 * cd /work/main &amp;&amp; mvn -q -pl store-jdbc test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.agentmanager.store.jdbc.HeartbeatWriteBenchmark \
 *     -Dexec.args="--agents 100000 --seconds 15 --threads 4"
 * </pre>
 *
 * PostgreSQL runs when {@code AGENTMANAGER_TEST_POSTGRESQL_URL} is set; H2 always (a file database under
 * {@code target/}). For each database, on one fleet of N agents in the store's own tables:
 * <ul>
 *   <li><b>bulk ceiling</b>: one UPDATE of every liveness row (what the database can write at best);</li>
 *   <li><b>naive</b>: the store with {@code coalesceHeartbeats(false)}, one conditional autocommit UPDATE per
 *       heartbeat, from T threads;</li>
 *   <li><b>coalescing, unpaced</b>: T threads call {@code recordHeartbeat} as fast as they can, round-robin over
 *       the fleet, while a flusher writes the buffer every second (the store's own flush path, timed here);
 *       the rate counts accepted heartbeats over the run including the final flush;</li>
 *   <li><b>coalescing, paced</b>: every agent beats every 2 s (N/2 heartbeats/s offered: 50,000/s for 100,000
 *       agents, the target of a million agents at a 20 s interval), so that hardly anything coalesces
 *       and the flusher must write nearly every beat: shows the database keeping up.</li>
 * </ul>
 */
public final class HeartbeatWriteBenchmark {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private final int agents;
    private final int seconds;
    private final int threads;
    private final List<String> table = new ArrayList<>();

    private HeartbeatWriteBenchmark(int agents, int seconds, int threads) {
        this.agents = agents;
        this.seconds = seconds;
        this.threads = threads;
    }

    public static void main(String[] args) throws Exception {
        int agents = 100_000;
        int seconds = 15;
        int threads = 4;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--agents" -> agents = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        HeartbeatWriteBenchmark bench = new HeartbeatWriteBenchmark(agents, seconds, threads);
        String pg = System.getenv(TestDatabase.POSTGRESQL_URL);
        if (pg != null && !pg.isBlank()) {
            bench.run("PostgreSQL", pg);
        } else {
            System.out.println(TestDatabase.POSTGRESQL_URL + " not set: PostgreSQL skipped");
        }
        Path h2 = Path.of("target", "bench-h2", "agentmanager").toAbsolutePath();
        bench.run("H2 (file)", "jdbc:h2:file:" + h2 + ";LOCK_TIMEOUT=10000");
        System.out.printf(Locale.ROOT, "%n%d agents, %d threads, %d s per run, %d cores%n", agents, threads, seconds,
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-12s %-22s %14s   %s%n", "database", "writer", "per second", "notes");
        bench.table.forEach(System.out::println);
    }

    private void row(String db, String writer, double perSecond, String notes) {
        String line = String.format(Locale.ROOT, "%-12s %-22s %,14.0f   %s", db, writer, perSecond, notes);
        table.add(line);
        System.out.println(line);
    }

    private void run(String db, String url) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(threads + 4);
        String prefix = TestDatabase.uniquePrefix();
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try {
                JdbcAgentStore setup = JdbcAgentStore.builder(pool).tablePrefix(prefix).createSchemaIfMissing().build();
                JdbcDialect dialect = setup.dialect();
                setup.close();
                Sql sql = new Sql(dialect, prefix);
                long seedStart = System.nanoTime();
                seed(pool, sql);
                System.out.printf(Locale.ROOT, "%s: seeded %,d agents in %.1f s%n", db, agents,
                        (System.nanoTime() - seedStart) / 1e9);

                bulk(db, pool, sql);
                naive(db, pool, prefix);
                JdbcAgentStore store = JdbcAgentStore.builder(pool).tablePrefix(prefix)
                        .heartbeatFlushInterval(Duration.ofMinutes(1)) // flushed by the benchmark, same method, timed
                        .build();
                long warmStart = System.nanoTime();
                drive(store, lastSequences, Duration.ZERO, 0, agents); // one beat each: fills the cache
                store.flushHeartbeats();
                System.out.printf(Locale.ROOT, "%s: warm-up (one beat per agent, cache filled, flushed) %.1f s%n", db,
                        (System.nanoTime() - warmStart) / 1e9);
                long[] hot0 = hot(pool, sql);
                coalescing(db, store, false);
                coalescing(db, store, true);
                store.close();
                long[] hot1 = hot(pool, sql);
                if (hot0 != null && hot1 != null) {
                    long upd = hot1[0] - hot0[0];
                    long hotUpd = hot1[1] - hot0[1];
                    row(db, "(HOT updates)", 0, String.format(Locale.ROOT,
                            "liveness updates during the coalescing runs: %,d, heap-only: %,d (%.0f%%)", upd, hotUpd,
                            upd == 0 ? 0.0 : 100.0 * hotUpd / upd));
                }
                explainOverdue(pool, sql);
            } finally {
                TestDatabase.drop(pool, prefix);
            }
        }
    }

    private String id(int i) {
        return String.format("agent-%06d", i);
    }

    private void seed(HikariDataSource pool, Sql sql) throws SQLException {
        String json = sql.jsonParameter();
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
                    sql.setInstant(livenessInsert, 2, Instant.now().plusSeconds(3600));
                    sql.setInstant(livenessInsert, 3, Instant.now().plusSeconds(3600));
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

    private void bulk(String db, HikariDataSource pool, Sql sql) throws SQLException {
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
        row(db, "bulk UPDATE (ceiling)", best, "rows/s, best of 3 single-statement UPDATEs of all " + agents + " rows");
    }

    private void naive(String db, HikariDataSource pool, String prefix) throws Exception {
        JdbcAgentStore store = JdbcAgentStore.builder(pool).tablePrefix(prefix).coalesceHeartbeats(false).build();
        AtomicLongArray seq = new AtomicLongArray(agents);
        long accepted = drive(store, seq, Duration.ofSeconds(Math.max(5, seconds / 2)), 0, Long.MAX_VALUE);
        store.close();
        row(db, "naive (write-through)", accepted / (double) Math.max(5, seconds / 2),
                "one autocommit conditional UPDATE per heartbeat, " + threads + " threads");
        // leave the sequences where the coalescing runs continue from
        lastSequences = seq;
    }

    private AtomicLongArray lastSequences;

    private void coalescing(String db, JdbcAgentStore store, boolean paced) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong flushes = new AtomicLong();
        AtomicLong flushedRows = new AtomicLong();
        AtomicLong maxFlushNanos = new AtomicLong();
        AtomicLong flushNanos = new AtomicLong();
        Thread flusher = new Thread(() -> {
            long next = System.nanoTime();
            while (!stop.get()) {
                next += 1_000_000_000L;
                LockSupport.parkNanos(next - System.nanoTime());
                long start = System.nanoTime();
                int rows = store.flushHeartbeats();
                long took = System.nanoTime() - start;
                flushes.incrementAndGet();
                flushedRows.addAndGet(rows);
                flushNanos.addAndGet(took);
                maxFlushNanos.accumulateAndGet(took, Math::max);
            }
        }, "bench-flusher");
        flusher.start();
        long start = System.nanoTime();
        long accepted = drive(store, lastSequences, Duration.ofSeconds(seconds), paced ? agents / 2 : 0, Long.MAX_VALUE);
        stop.set(true);
        flusher.join();
        long closeStart = System.nanoTime();
        int finalRows = store.flushHeartbeats();
        long end = System.nanoTime();
        flushedRows.addAndGet(finalRows);
        double elapsed = (end - start) / 1e9;
        row(db, paced ? "coalescing, paced" : "coalescing", accepted / elapsed, String.format(Locale.ROOT,
                "%s; %d flushes, %,.0f rows/flush, flush avg %.0f ms max %.0f ms, final flush %.0f ms;"
                        + " rows written %,.0f/s",
                paced ? "offered " + agents / 2 + "/s (each agent every 2 s)" : "unpaced, " + threads + " threads",
                flushes.get(), flushes.get() == 0 ? 0.0 : (double) (flushedRows.get() - finalRows) / flushes.get(),
                flushes.get() == 0 ? 0.0 : flushNanos.get() / 1e6 / flushes.get(), maxFlushNanos.get() / 1e6,
                (end - closeStart) / 1e6, flushedRows.get() / elapsed));
    }

    /**
     * T threads beat round-robin over their share of the fleet for the duration; when {@code perSecond} is
     * positive the total offered rate is paced to it. Returns the accepted heartbeats.
     */
    private long drive(JdbcAgentStore store, AtomicLongArray seq, Duration duration, int perSecond, long maxBeats)
            throws InterruptedException {
        AtomicLong accepted = new AtomicLong();
        long deadline = duration.isZero() ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        long beatsPerThread = maxBeats == Long.MAX_VALUE ? Long.MAX_VALUE : (maxBeats + threads - 1) / threads;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread w = new Thread(() -> {
                long mine = 0;
                long intervalNanos = perSecond > 0 ? 1_000_000_000L * threads / perSecond : 0;
                long next = System.nanoTime();
                int i = first;
                for (long n = 0; n < beatsPerThread && System.nanoTime() < deadline; n++) {
                    if (intervalNanos > 0) {
                        next += intervalNanos;
                        long wait = next - System.nanoTime();
                        if (wait > 20_000) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                    long s = seq.incrementAndGet(i);
                    Instant now = Instant.now();
                    HeartbeatWrite w1 = store.recordHeartbeat(id(i), 1, 0, s, now, now.plusSeconds(30), null);
                    if (w1 == HeartbeatWrite.ACCEPTED || w1 == HeartbeatWrite.ACCEPTED_NEW_EPOCH) {
                        mine++;
                    }
                    i += threads;
                    if (i >= agents) {
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

    /** PostgreSQL's update and HOT-update counters of the liveness table, or null elsewhere. */
    private long[] hot(HikariDataSource pool, Sql sql) throws Exception {
        if (sql.dialect != JdbcDialect.POSTGRESQL) {
            return null;
        }
        Thread.sleep(1_500); // let backends report their statistics
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = ?")) {
            ps.setString(1, sql.liveness);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
            }
        }
    }

    private void explainOverdue(HikariDataSource pool, Sql sql) throws SQLException {
        if (sql.dialect != JdbcDialect.POSTGRESQL) {
            return;
        }
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("EXPLAIN " + sql.selectAgents()
                        + " WHERE l.monitored = TRUE AND l.indexed_deadline < ? AND l.deadline < ?"
                        + " AND a.status IN ('ACTIVE', 'PENDING') LIMIT ?")) {
            sql.setInstant(ps, 1, Instant.now());
            sql.setInstant(ps, 2, Instant.now());
            ps.setInt(3, 1000);
            System.out.println("findOverdue plan on " + agents + " agents:");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    System.out.println("  " + rs.getString(1));
                }
            }
        }
    }
}

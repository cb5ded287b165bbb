package dev.agentmanager.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.model.Agent;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import java.io.File;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Heap per agent of a JDBC replica: what one {@link JdbcAgentStore} keeps in the JVM for a fleet it serves (its
 * per-agent heartbeat cache and its heartbeat buffer), not the database's memory. The fleet is seeded with plain
 * JDBC ({@link JdbcHeartbeats#seed}); then every agent heartbeats once through the store, as the heartbeat
 * processor does it ({@code findAgentForHeartbeat}, then {@code recordHeartbeat}). Two figures, each (heap used
 * after full collections) minus (the same before the store was built) over the fleet size: with every beat still
 * in the heartbeat buffer (the flush interval is set to its longest, a minute, and the beats take less), and after the buffer was flushed (the
 * heartbeat cache alone).
 *
 * <p>The database runs outside this JVM: PostgreSQL when {@code AGENTMANAGER_TEST_POSTGRESQL_URL} is set, else
 * an H2 server in a child JVM (in-memory database, TCP on a free loopback port). Prints {@code RESULT} lines for
 * {@link BenchmarkSuite}. Arguments: agents (default 1,000,000). Run it with a serial collector, as the suite
 * does.
 */
public final class ReplicaMemory {
    /** The line that names the database used. */
    static final String DATABASE_LINE = "REPLICA-DATABASE ";

    private ReplicaMemory() {}

    public static void main(String[] args) throws Exception {
        Fleet.quietLogging();
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        String url = System.getenv(JdbcHeartbeats.POSTGRESQL_URL);
        Process h2 = null;
        if (url == null || url.isBlank()) {
            int port = freePort();
            h2 = new ProcessBuilder(
                            javaBinary(),
                            "-Xmx4g",
                            "-cp",
                            System.getProperty("java.class.path"),
                            "org.h2.tools.Server",
                            "-tcp",
                            "-tcpPort",
                            String.valueOf(port),
                            "-ifNotExists")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            url = "jdbc:h2:tcp://127.0.0.1:" + port + "/mem:replica;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
            System.out.println(DATABASE_LINE + "H2 server (child JVM)");
        } else {
            System.out.println(DATABASE_LINE + "PostgreSQL");
        }
        try {
            measure(url, agents);
        } finally {
            if (h2 != null) {
                h2.destroy();
            }
        }
        System.exit(0);
    }

    /** Seeds, beats and measures; prints the figures and returns the per-agent heap with the buffer full. */
    static double measure(String url, int agents) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(30_000);
        String prefix = String.format(
                Locale.ROOT, "m%012x_am_", ThreadLocalRandom.current().nextLong(1L << 48));
        try (HikariDataSource pool = connect(config)) {
            try {
                JdbcAgentStore setup = JdbcAgentStore.builder(pool)
                        .tablePrefix(prefix)
                        .createSchemaIfMissing()
                        .build();
                JdbcHeartbeats.seed(pool, setup.dialect(), prefix, agents);
                setup.close();
                long before = MemoryFootprint.usedAfterGc();
                JdbcAgentStore store = JdbcAgentStore.builder(pool)
                        .tablePrefix(prefix)
                        .heartbeatFlushInterval(Duration.ofMinutes(1))
                        .build();
                beatEveryAgent(store, agents);
                long buffered = MemoryFootprint.usedAfterGc();
                store.flushHeartbeats();
                long cached = MemoryFootprint.usedAfterGc();
                double withBuffer = (buffered - before) / (double) agents;
                double cacheOnly = (cached - before) / (double) agents;
                System.out.printf(
                        Locale.ROOT,
                        "replica: %,d agents, %.0f B/agent with every beat buffered, %.0f B/agent"
                                + " after the flush%n",
                        agents,
                        withBuffer,
                        cacheOnly);
                System.out.printf(
                        Locale.ROOT,
                        "RESULT replica.agents %d%nRESULT replica.perAgent %.1f%n"
                                + "RESULT replica.perAgent.flushed %.1f%n",
                        agents,
                        withBuffer,
                        cacheOnly);
                store.close();
                return withBuffer;
            } finally {
                try (Connection c = pool.getConnection();
                        Statement s = c.createStatement()) {
                    for (String table : JdbcHeartbeats.TABLES) {
                        s.execute("DROP TABLE IF EXISTS " + prefix + table);
                    }
                }
            }
        }
    }

    private static void beatEveryAgent(JdbcAgentStore store, int agents) {
        Instant now = Instant.now();
        Instant deadline = now.plusSeconds(90);
        for (int i = 0; i < agents; i++) {
            String id = JdbcHeartbeats.id(i);
            Agent agent = store.findAgentForHeartbeat(id).orElseThrow();
            HeartbeatWrite write = store.recordHeartbeat(id, agent.version(), 1, 1, now, deadline, null);
            if (write != HeartbeatWrite.ACCEPTED_NEW_EPOCH) {
                throw new IllegalStateException("beat of " + id + " refused: " + write);
            }
        }
    }

    /** Connects, retrying while a just-started server is not listening yet. */
    private static HikariDataSource connect(HikariConfig config) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                return new HikariDataSource(config);
            } catch (RuntimeException e) {
                if (attempt >= 50) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}

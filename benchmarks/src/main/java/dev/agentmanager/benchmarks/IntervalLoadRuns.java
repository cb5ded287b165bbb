package dev.agentmanager.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.HeartbeatProcessor;
import dev.agentmanager.HeartbeatSettings;
import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.testkit.FakeCertificateService;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fleet beating at its interval on two replicas over PostgreSQL (in-memory H2 in this JVM when
 * {@code AGENTMANAGER_TEST_POSTGRESQL_URL} is not set), measured from outside: accepted heartbeats per second at
 * full load, database statements per routine heartbeat, and the latency of each.
 *
 * <p>Two replicas in this JVM, as two servers would be: each a {@link JdbcAgentStore} with its own HikariCP pool and
 * the store's default settings (coalesced heartbeats, default flush interval) under one table prefix of this run,
 * and a started {@link AgentManager} (timeout monitor and revocation feed reader running) whose heartbeat processor
 * takes each heartbeat, its certificate checked by the manager's own validity check; the heartbeat interval is the
 * default, the timeout {@link #TIMEOUT}. The fleet is seeded with plain JDBC ({@link JdbcHeartbeats#seed}), then
 * given what the heartbeat's authentication reads: a certificate record per agent and a pinned certificate that is
 * valid now.
 *
 * <p>The load: in each pass every agent beats once, in a fresh random order (agents keep their own schedules, so
 * a replica never sees the same agents over and over), each agent always on the same replica, chosen by a hash of
 * its id (a load balancer with affinity), carrying its next sequence number. The threads share each pass and beat
 * as fast as the replicas answer; a pass ends when all its beats are answered, so the fleet's interval is the
 * pass's length: fleet size over throughput. One pass warms up (each agent's first beat: its new boot epoch, and
 * its certificate's first look-up on its replica); then whole passes for at least the given seconds.
 *
 * <p>Every JDBC statement either replica runs during the measured passes is counted ({@link CountingDataSource})
 * and attributed ({@link StatementKind}). Every beat must be accepted and, after the stores close, every agent's
 * stored sequence must be its last one; otherwise the run fails (exit 1). The tables are dropped in any case.
 *
 * <pre>
 * java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.IntervalLoadRuns [agents] [seconds] [threads] [passes]
 * </pre>
 *
 * Defaults: 100,000 agents, at least 60 s and at least 2 measured passes, 4 threads.
 */
public final class IntervalLoadRuns {
    /** The line that names the database used. */
    static final String DATABASE_LINE = "INTERVAL-DATABASE ";
    /** Database statements per routine heartbeat, both replicas together. */
    static final double STATEMENTS_TARGET = 0.1;

    private static final String BEAT_THREAD = "interval-beat-";
    /**
     * The heartbeat timeout: long, so that a pass slowed down by a busy machine does not make agents overdue (the
     * timeout monitor would then deactivate them, and their next beats would be durable writes, not routine ones).
     */
    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    /** Positions of a pass a thread takes at a time. */
    private static final int CHUNK = 32;

    private IntervalLoadRuns() {}

    public static void main(String[] args) throws Exception {
        Fleet.quietLogging();
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int minPasses = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        String url = System.getenv(JdbcHeartbeats.POSTGRESQL_URL);
        boolean postgres = url != null && !url.isBlank();
        if (!postgres) {
            url = "jdbc:h2:mem:interval" + System.nanoTime() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
        }
        System.out.println(DATABASE_LINE + (postgres ? "PostgreSQL" : "H2 (in memory, in this JVM)"));
        boolean ok = new IntervalLoadRuns.Run(url, postgres, agents, threads).measure(seconds, minPasses);
        System.exit(ok ? 0 : 1);
    }

    /** One replica: its pool (as counted), store and manager. */
    private record Replica(HikariDataSource pool, JdbcAgentStore store, AgentManager manager) {}

    /** A pass's outcome: beats accepted, and how long it took. */
    private record Pass(long accepted, long nanos) {}

    private static final class Run {
        private final String url;
        private final boolean postgres;
        private final int agents;
        private final int threads;
        private final String prefix = String.format(
                Locale.ROOT, "i%012x_am_", ThreadLocalRandom.current().nextLong(1L << 48));
        private final CountingDataSource counted =
                new CountingDataSource(name -> StatementKind.callerOf(name, BEAT_THREAD));
        /** Per agent: its id, then its 64-character thumbprint, as a request carries them (ISO-8859-1). */
        private final byte[][] requests;

        private final int[] replicaOf;
        private final long[] sequence;
        /** Refused beats by the exception's class, and the rejection events' reasons. */
        private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();

        private final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();

        private final List<Replica> replicas = new ArrayList<>();
        private HeartbeatProcessor[] processors = new HeartbeatProcessor[0];
        private int passes;

        Run(String url, boolean postgres, int agents, int threads) {
            this.url = url;
            this.postgres = postgres;
            this.agents = agents;
            this.threads = threads;
            requests = new byte[agents][];
            replicaOf = new int[agents];
            sequence = new long[agents];
            for (int i = 0; i < agents; i++) {
                String id = JdbcHeartbeats.id(i);
                requests[i] = (id + thumbprint(i)).getBytes(StandardCharsets.ISO_8859_1);
                int h = id.hashCode() * 0x9E3779B9; // Fibonacci hashing: the top bit picks the replica
                replicaOf[i] = h >>> 31;
            }
        }

        /** Seeds, beats and reports; false when a beat was refused or the database lost one. */
        boolean measure(int seconds, int minPasses) throws Exception {
            try (HikariDataSource seeding = pool()) {
                try {
                    seed(seeding);
                    for (int r = 0; r < 2; r++) {
                        replicas.add(replica(pool()));
                    }
                    processors = replicas.stream()
                            .map(r -> r.manager().heartbeatProcessor())
                            .toArray(HeartbeatProcessor[]::new);
                    boolean accepted = beat(seconds, minPasses);
                    boolean stored = closeAndVerify(seeding);
                    return accepted && stored;
                } finally {
                    for (Replica r : replicas) {
                        r.manager().close();
                        r.store().close();
                        r.pool().close();
                    }
                    try (Connection c = seeding.getConnection();
                            Statement s = c.createStatement()) {
                        for (String table : JdbcHeartbeats.TABLES) {
                            s.execute("DROP TABLE IF EXISTS " + prefix + table);
                        }
                    }
                }
            }
        }

        private HikariDataSource pool() {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setMaximumPoolSize(threads + 3); // every beating thread, the flush, the feed, the monitor
            config.setConnectionTimeout(30_000);
            return new HikariDataSource(config);
        }

        private Replica replica(HikariDataSource pool) {
            JdbcAgentStore store = JdbcAgentStore.builder(counted.wrap(pool))
                    .tablePrefix(prefix)
                    .build();
            AgentManager manager = AgentManager.builder()
                    .store(store)
                    .certificateService(new FakeCertificateService(Clock.systemUTC()))
                    .heartbeat(HeartbeatSettings.of(HeartbeatSettings.DEFAULT_INTERVAL, TIMEOUT))
                    .listener(event -> {
                        if (event instanceof AgentEvent.HeartbeatRejected r) {
                            reasons.computeIfAbsent(r.reason().name(), k -> new LongAdder())
                                    .increment();
                        }
                    })
                    .build();
            manager.start();
            return new Replica(pool, store, manager);
        }

        /**
         * {@link JdbcHeartbeats#seed}'s fleet, plus what authentication reads: each agent's pinned certificate valid
         * from an hour ago (the seed dates it in the future) and its certificate record, with a real PEM body.
         */
        private void seed(HikariDataSource pool) throws SQLException {
            long start = System.nanoTime();
            JdbcAgentStore setup = JdbcAgentStore.builder(pool)
                    .tablePrefix(prefix)
                    .createSchemaIfMissing()
                    .build();
            JdbcHeartbeats.seed(pool, setup.dialect(), prefix, agents);
            setup.close();
            try (Connection c = pool.getConnection()) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + prefix + "agents SET cert_not_before = ?")) {
                    ps.setObject(1, OffsetDateTime.ofInstant(Instant.now().minusSeconds(3600), ZoneOffset.UTC));
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix + "certificates"
                        + " (serial, thumbprint, agent_id, not_before, not_after, certificate_pem)"
                        + " SELECT cert_serial, cert_thumbprint, id, cert_not_before, cert_not_after, ? FROM " + prefix
                        + "agents")) {
                    ps.setString(1, Fleet.samplePem());
                    ps.executeUpdate();
                }
                try (Statement s = c.createStatement()) {
                    if (postgres) {
                        s.execute("VACUUM ANALYZE " + prefix + "agents");
                        s.execute("VACUUM ANALYZE " + prefix + "certificates");
                    } else {
                        s.execute("ANALYZE");
                    }
                }
            }
            System.out.printf(Locale.ROOT, "seeded %,d agents in %.1f s%n", agents, (System.nanoTime() - start) / 1e9);
        }

        private static String thumbprint(int i) {
            return String.format(Locale.ROOT, "%064x", i); // as JdbcHeartbeats.seed pins it
        }

        /** The warm-up pass, then measured passes; prints the figures. False when a beat was refused. */
        private boolean beat(int seconds, int minPasses) throws Exception {
            int[] share = new int[2];
            for (int r : replicaOf) {
                share[r]++;
            }
            System.out.printf(
                    Locale.ROOT,
                    "%,d agents: %,d on replica A, %,d on replica B (by a hash of the id), %d threads%n",
                    agents,
                    share[0],
                    share[1],
                    threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads, new java.util.concurrent.ThreadFactory() {
                private final AtomicInteger next = new AtomicInteger();

                @Override
                public Thread newThread(Runnable r) {
                    return new Thread(r, BEAT_THREAD + next.getAndIncrement());
                }
            });
            try {
                int[] order = new int[agents];
                long[] scratch = new long[agents];
                Pass warm = pass(order, scratch, pool);
                System.out.printf(
                        Locale.ROOT, "warm-up pass: %,d accepted in %.1f s%n", warm.accepted(), warm.nanos() / 1e9);
                Map<CountingDataSource.Key, Long> before = counted.statements();
                long rowsBefore = counted.batchedRows();
                CpuSample cpuBefore = CpuSample.now();
                List<long[]> latencies = new ArrayList<>();
                long accepted = 0;
                long nanos = 0;
                while (latencies.size() < minPasses || nanos < seconds * 1_000_000_000L) {
                    long[] l = new long[agents];
                    Pass p = pass(order, l, pool);
                    latencies.add(l);
                    accepted += p.accepted();
                    nanos += p.nanos();
                    System.out.printf(
                            Locale.ROOT,
                            "pass %d: %,.0f beats/s%n",
                            latencies.size(),
                            p.accepted() / (p.nanos() / 1e9));
                }
                CpuSample cpuAfter = CpuSample.now();
                IntervalReport.Measured measured = new IntervalReport.Measured(
                        agents,
                        threads,
                        postgres,
                        latencies,
                        accepted,
                        nanos,
                        IntervalReport.minus(counted.statements(), before),
                        counted.batchedRows() - rowsBefore,
                        cpuAfter.jvmCoresSince(cpuBefore),
                        cpuAfter.machineCoresSince(cpuBefore));
                IntervalReport.print(measured, prefix);
            } finally {
                pool.shutdown();
            }
            long refusedTotal =
                    refusals.values().stream().mapToLong(LongAdder::sum).sum();
            System.out.printf(Locale.ROOT, "RESULT interval.refused %d%n", refusedTotal);
            if (refusedTotal != 0) {
                System.out.println("FAILED: beats refused: " + refusals + ", rejection reasons: " + reasons);
            }
            return refusedTotal == 0;
        }

        /**
         * One pass: every agent once, in a fresh random order, each on its replica, with its next sequence number;
         * the latency of the beat at position {@code k} of the pass goes to {@code latencies[k]}.
         */
        private Pass pass(int[] order, long[] latencies, ExecutorService pool) throws Exception {
            SplittableRandom random = new SplittableRandom(0x5EED + passes++);
            for (int i = 0; i < agents; i++) {
                order[i] = i;
            }
            for (int i = agents - 1; i > 0; i--) { // Fisher-Yates
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            AtomicInteger cursor = new AtomicInteger();
            List<Callable<Long>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                work.add(() -> beatShare(order, latencies, cursor));
            }
            long start = System.nanoTime();
            long accepted = 0;
            for (Future<Long> f : pool.invokeAll(work)) {
                accepted += f.get();
            }
            return new Pass(accepted, System.nanoTime() - start);
        }

        /** Takes positions of the pass until none is left; returns the beats accepted. */
        private long beatShare(int[] order, long[] latencies, AtomicInteger cursor) {
            long accepted = 0;
            for (int from = cursor.getAndAdd(CHUNK); from < agents; from = cursor.getAndAdd(CHUNK)) {
                for (int k = from; k < Math.min(agents, from + CHUNK); k++) {
                    int i = order[k];
                    long next = ++sequence[i]; // an agent beats once per pass: no other thread has it now
                    byte[] r = requests[i];
                    long start = System.nanoTime();
                    try {
                        processors[replicaOf[i]].process(Heartbeat.of(
                                new String(r, 0, r.length - 64, StandardCharsets.ISO_8859_1),
                                new String(r, r.length - 64, 64, StandardCharsets.ISO_8859_1),
                                1,
                                next));
                        accepted++;
                    } catch (RuntimeException e) {
                        refusals.computeIfAbsent(e.getClass().getSimpleName(), c -> new LongAdder())
                                .increment();
                    }
                    latencies[k] = System.nanoTime() - start;
                }
            }
            return accepted;
        }

        /** Closes the replicas (their stores flush) and checks that each agent's last beat is stored. */
        private boolean closeAndVerify(HikariDataSource pool) throws SQLException {
            for (Replica r : replicas) {
                r.manager().close();
                r.store().close();
            }
            long stored;
            try (Connection c = pool.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + prefix
                            + "agent_liveness WHERE boot_epoch = 1 AND sequence_no = ?")) {
                ps.setLong(1, passes);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    stored = rs.getLong(1);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "stored: %,d of %,d agents with their last beat (sequence %d)%n",
                    stored,
                    agents,
                    passes);
            if (stored != agents) {
                System.out.println("FAILED: the database lost beats");
            }
            return stored == agents;
        }
    }

    /** The suite's rows for this part, from the child's {@code RESULT} figures. */
    static List<String> rows(Map<String, Double> results) {
        return IntervalReport.rows(results);
    }
}

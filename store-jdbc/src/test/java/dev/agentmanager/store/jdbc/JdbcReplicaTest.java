package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.SelfPreservation;
import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.RecordingEventListener;
import dev.agentmanager.testkit.TestAgents;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two store instances on two connection pools over one database, as two replicas would run: the races the
 * issue names, the coalescing writer's cross-replica guarantees and its documented window, and clock skew.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcReplicaTest {
    static final Instant T0 = MutableClock.DEFAULT_START;
    static final Duration NEVER = Duration.ofMinutes(1); // a flush interval no test waits for

    private StoreFixture fixture;
    private HikariDataSource poolA;
    private HikariDataSource poolB;

    abstract TestDatabase database();

    @BeforeAll
    void open() {
        fixture = new StoreFixture(database());
        poolA = fixture.pool;
        poolB = fixture.newPool();
    }

    @AfterAll
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @BeforeEach
    void clear() {
        fixture.clear();
    }

    private JdbcAgentStore replicaA(MutableClock clock) {
        return fixture.store(poolA, clock, b -> b.heartbeatFlushInterval(NEVER));
    }

    private JdbcAgentStore replicaB(MutableClock clock) {
        return fixture.store(poolB, clock, b -> b.heartbeatFlushInterval(NEVER));
    }

    /** Registers an agent at T0 with its own token; status and first deadline as given. */
    private static Agent register(JdbcAgentStore store, String id, AgentStatus status, Instant deadline) {
        AgentCertificate cert = TestAgents.certificate(id, T0);
        Agent agent = TestAgents.agent(id, T0)
                .certificate(cert.pin())
                .status(status)
                .deadline(deadline)
                .build();
        store.insertToken(TestAgents.oneTimeToken("tok-" + id, T0));
        assertThat(store.registerAgent("tok-" + id, TestAgents.redemption(id, T0), T0, agent, cert))
                .isTrue();
        return store.findAgent(id).orElseThrow();
    }

    private long storedSequence(String agentId) {
        try (Connection c = poolA.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT sequence_no FROM " + fixture.prefix + "agent_liveness WHERE agent_id = ?")) {
            ps.setString(1, agentId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- two whole orchestrators ------------------------------------------------------------------------

    /**
     * Two AgentManagers, each with its own store on its own pool, sweep the same fleet at the same moments on
     * two threads: every overdue agent is marked inactive once, and its event fires on exactly one replica.
     */
    @Test
    @Timeout(120)
    void twoTimeoutMonitorsOnTwoReplicasInactivateEachAgentOnceWithOneEvent() throws Exception {
        MutableClock clockA = MutableClock.at(T0);
        MutableClock clockB = MutableClock.at(T0);
        FakeCertificateService ca = new FakeCertificateService(clockA);
        RecordingEventListener eventsA = new RecordingEventListener();
        RecordingEventListener eventsB = new RecordingEventListener();
        AgentManager managerA = AgentManager.builder()
                .store(replicaA(clockA))
                .certificateService(ca)
                .clock(clockA)
                .selfPreservation(SelfPreservation.disabled())
                .listener(eventsA)
                .build();
        AgentManager managerB = AgentManager.builder()
                .store(replicaB(clockB))
                .certificateService(ca)
                .clock(clockB)
                .selfPreservation(SelfPreservation.disabled())
                .listener(eventsB)
                .build();
        managerA.timeoutMonitor().runOnce();
        managerB.timeoutMonitor().runOnce();
        int agents = 20;
        for (int i = 0; i < agents; i++) {
            String token = managerA.createToken(RegistrationTokenRequest.oneTime("t" + i))
                    .plaintext();
            Registration r = managerA.register(RegistrationRequest.builder()
                    .token(token)
                    .csr(FakeCertificateService.csrFor("agent-" + i))
                    .name("agent-" + i)
                    .build());
            managerA.heartbeatProcessor()
                    .process(Heartbeat.of(r.agent().id(), r.certificate().thumbprint(), 1, 1));
        }

        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int s = 0; s < 95; s++) {
                clockA.advance(Duration.ofSeconds(1));
                clockB.advance(Duration.ofSeconds(1));
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> sweeps = new ArrayList<>();
                for (AgentManager m : List.of(managerA, managerB)) {
                    sweeps.add(pool.submit(() -> {
                        start.await();
                        return m.timeoutMonitor().runOnce();
                    }));
                }
                start.countDown();
                for (Future<?> f : sweeps) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        List<String> inactivated = new ArrayList<>();
        eventsA.events(AgentEvent.AgentInactivated.class).forEach(e -> inactivated.add(e.agentId()));
        eventsB.events(AgentEvent.AgentInactivated.class).forEach(e -> inactivated.add(e.agentId()));
        assertThat(inactivated).hasSize(agents).doesNotHaveDuplicates();
        assertThat(managerB.findAgents(
                        AgentQuery.builder().status(AgentStatus.INACTIVE).build()))
                .hasSize(agents);
    }

    // ---- the heartbeat path's agent cache --------------------------------------------------------------

    @Test
    void anotherReplicasChangeReachesTheHeartbeatCacheThroughTheChangeFeed() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        JdbcAgentStore b = replicaB(MutableClock.at(T0));
        Agent changed = register(a, "agent-feed-changed", AgentStatus.ACTIVE, T0.plusSeconds(90));
        Agent kept = register(a, "agent-feed-kept", AgentStatus.ACTIVE, T0.plusSeconds(90));
        a.findAgentForHeartbeat(changed.id()).orElseThrow();
        a.findAgentForHeartbeat(kept.id()).orElseThrow();

        Agent deactivated = b.updateAgent(
                        changed.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, T0), changed.version())
                .orElseThrow();
        a.readAgentChanges(); // what the background thread does twice per flush interval

        Agent seen = a.findAgentForHeartbeat(changed.id()).orElseThrow();
        assertThat(seen.version()).isEqualTo(deactivated.version());
        assertThat(seen.status()).isEqualTo(AgentStatus.INACTIVE);
        assertThat(a.findAgentForHeartbeat(kept.id()).orElseThrow().version()).isEqualTo(kept.version());
    }

    @Test
    void theHeartbeatReadIsCachedButThisReplicasOwnWritesAreSeenAtOnce() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        JdbcAgentStore b = replicaB(MutableClock.at(T0));
        Agent agent = register(a, "agent-cache", AgentStatus.ACTIVE, T0.plusSeconds(90));
        assertThat(a.findAgentForHeartbeat(agent.id()).orElseThrow().version()).isEqualTo(agent.version());

        // another replica revokes: within the cache window this replica may still answer from its cache ...
        Agent revokedOnB = b.updateAgent(agent.withStatus(AgentStatus.REVOKED, null, T0), agent.version())
                .orElseThrow();
        assertThat(a.findAgentForHeartbeat(agent.id()).orElseThrow().version()).isEqualTo(agent.version());
        // ... but a plain read goes to the database, and the stale version cannot be written back
        assertThat(a.findAgent(agent.id()).orElseThrow().status()).isEqualTo(AgentStatus.REVOKED);
        assertThat(a.updateAgent(agent.withStatus(AgentStatus.ACTIVE, null, T0), agent.version()))
                .isEmpty();

        // this replica's own writes drop the cached entry at once
        Agent deactivated = a.updateAgent(
                        revokedOnB.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, T0), revokedOnB.version())
                .orElseThrow();
        assertThat(a.findAgentForHeartbeat(agent.id()).orElseThrow().version()).isEqualTo(deactivated.version());
        assertThat(a.findAgentForHeartbeat("nobody")).isEmpty();
    }

    // ---- the races -------------------------------------------------------------------------------------

    @Test
    @Timeout(60)
    void ofThreadsOnTwoReplicasRacingForAOneTimeTokenExactlyOneRegisters() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        JdbcAgentStore b = replicaB(MutableClock.at(T0));
        a.insertToken(TestAgents.oneTimeToken("tok-race", T0));
        int threads = 24;
        List<TestAgents.NewAgent> candidates = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            candidates.add(TestAgents.newAgent(String.format("agent-%03d", i), T0));
        }

        List<Boolean> results = race(
                threads,
                i -> () -> (i % 2 == 0 ? a : b)
                        .registerAgent(
                                "tok-race",
                                TestAgents.redemption(candidates.get(i).agent().id(), T0),
                                T0,
                                candidates.get(i).agent(),
                                candidates.get(i).certificate()));

        assertThat(results).filteredOn(Boolean::booleanValue).hasSize(1);
        assertThat(a.findToken("tok-race").orElseThrow().uses()).isEqualTo(1);
        assertThat(b.countAgents(AgentStatus.PENDING)).isEqualTo(1);
    }

    @Test
    @Timeout(60)
    void twoMonitorsExpireEachOverdueAgentExactlyOnce() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        JdbcAgentStore b = replicaB(MutableClock.at(T0));
        int agents = 60;
        for (int i = 0; i < agents; i++) {
            register(a, String.format("agent-%03d", i), AgentStatus.ACTIVE, T0.plusSeconds(90));
        }
        Instant now = T0.plusSeconds(100);
        Map<String, AtomicInteger> wins = new ConcurrentHashMap<>();

        // Each monitor runs a full sweep as core would: find the overdue, expire each; two monitors per replica.
        race(4, m -> () -> {
            JdbcAgentStore store = m % 2 == 0 ? a : b;
            List<Agent> overdue = new ArrayList<>(store.findOverdue(now, 1_000));
            java.util.Collections.shuffle(overdue);
            for (Agent agent : overdue) {
                Optional<Agent> won = store.expireAgent(
                        agent.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, now),
                        agent.version(),
                        now);
                if (won.isPresent()) {
                    wins.computeIfAbsent(agent.id(), k -> new AtomicInteger()).incrementAndGet();
                }
            }
            return null;
        });

        assertThat(wins).hasSize(agents);
        assertThat(wins.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(a.countAgents(AgentStatus.INACTIVE)).isEqualTo(agents);
        assertThat(b.findOverdue(now, 1_000)).isEmpty();
    }

    @Test
    @Timeout(120)
    void theStoredSequenceNeverGoesBackwardsAcrossReplicas() throws Exception {
        JdbcAgentStore a =
                fixture.store(poolA, MutableClock.at(T0), o -> o.heartbeatFlushInterval(Duration.ofMillis(10)));
        JdbcAgentStore b =
                fixture.store(poolB, MutableClock.at(T0), o -> o.heartbeatFlushInterval(Duration.ofMillis(10)));
        int agents = 20;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < agents; i++) {
            ids.add(register(a, String.format("agent-%03d", i), AgentStatus.ACTIVE, T0.plusSeconds(90))
                    .id());
        }
        int beatsPerAgent = 300;
        Map<String, Long> maxAccepted = new ConcurrentHashMap<>();
        AtomicBoolean done = new AtomicBoolean();
        List<String> regressions = new ArrayList<>();

        // A watcher reads the stored sequences the whole time; each must only ever grow.
        Thread watcher = new Thread(() -> {
            Map<String, Long> seen = new HashMap<>();
            while (!done.get()) {
                for (String id : ids) {
                    long s = storedSequence(id);
                    Long before = seen.put(id, s);
                    if (before != null && s < before) {
                        synchronized (regressions) {
                            regressions.add(id + ": " + before + " -> " + s);
                        }
                    }
                }
            }
        });
        watcher.start();
        try {
            // Four senders per replica; the sequence numbers of each agent interleave randomly across both.
            race(8, t -> () -> {
                JdbcAgentStore store = t % 2 == 0 ? a : b;
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int n = 0; n < beatsPerAgent * agents / 8; n++) {
                    String id = ids.get(random.nextInt(agents));
                    long seq = random.nextInt(beatsPerAgent);
                    HeartbeatWrite w =
                            store.recordHeartbeat(id, 1, 0, seq, T0.plusSeconds(1), T0.plusSeconds(91), null);
                    if (w == HeartbeatWrite.ACCEPTED || w == HeartbeatWrite.ACCEPTED_NEW_EPOCH) {
                        maxAccepted.merge(id, seq, Math::max);
                    }
                }
                return null;
            });
            a.flushHeartbeats();
            b.flushHeartbeats();
        } finally {
            done.set(true);
            watcher.join();
        }

        assertThat(regressions).isEmpty();
        for (String id : ids) {
            assertThat(storedSequence(id)).as(id).isEqualTo(maxAccepted.get(id));
        }
    }

    // ---- coalescing: visibility, flush, the window -----------------------------------------------------

    @Test
    void bufferedLivenessIsVisibleHereAndReachesOtherReplicasWhenFlushedOrClosed() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        JdbcAgentStore b = replicaB(MutableClock.at(T0));
        register(a, "agent-001", AgentStatus.ACTIVE, T0.plusSeconds(90));
        register(a, "agent-002", AgentStatus.ACTIVE, T0.plusSeconds(90));

        assertThat(a.recordHeartbeat("agent-001", 1, 0, 1, T0.plusSeconds(4), T0.plusSeconds(94), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
        assertThat(a.recordHeartbeat("agent-002", 1, 0, 1, T0.plusSeconds(4), T0.plusSeconds(94), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
        assertThat(b.findAgent("agent-001").orElseThrow().liveness().sequence())
                .as("a new boot epoch is written at once")
                .isEqualTo(1);
        assertThat(a.bufferedHeartbeats()).as("nothing left to flush").isZero();

        assertThat(a.recordHeartbeat("agent-001", 1, 0, 2, T0.plusSeconds(5), T0.plusSeconds(95), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED);
        assertThat(a.recordHeartbeat("agent-002", 1, 0, 2, T0.plusSeconds(5), T0.plusSeconds(95), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED);
        assertThat(a.bufferedHeartbeats()).isEqualTo(2);
        assertThat(a.findAgent("agent-001").orElseThrow().liveness().sequence()).isEqualTo(2);
        assertThat(b.findAgent("agent-001").orElseThrow().liveness().sequence())
                .as("not flushed yet")
                .isEqualTo(1);

        assertThat(a.flushHeartbeats()).isEqualTo(2);
        assertThat(b.findAgent("agent-001").orElseThrow().liveness().deadline())
                .as("on B's clock")
                .isCloseTo(T0.plusSeconds(95), within(1, ChronoUnit.SECONDS));

        assertThat(a.recordHeartbeat("agent-002", 1, 0, 3, T0.plusSeconds(6), T0.plusSeconds(96), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED);
        a.close();
        assertThat(b.findAgent("agent-002").orElseThrow().liveness().sequence())
                .as("close flushed")
                .isEqualTo(3);
        assertThatThrownBy(() -> a.recordHeartbeat("agent-002", 1, 0, 4, T0, T0, null))
                .isInstanceOf(IllegalStateException.class);
        assertThat(a.findAgent("agent-002")).isPresent();
    }

    /**
     * The flush carries ids and instants as data (arrays on PostgreSQL, JSON text on MariaDB): ids with quotes,
     * backslashes, control and non-ASCII characters, microsecond instants and a clock skew arrive intact, and
     * a sibling row with the same prefix is not touched.
     */
    @Test
    void aFlushWritesOddIdsMicrosecondInstantsAndTheSkewExactly() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        JdbcAgentStore b = replicaB(MutableClock.at(T0));
        String odd = "agent-\"q\" \\ \t é 世";
        register(a, odd, AgentStatus.ACTIVE, T0.plusSeconds(90));
        register(a, "agent-", AgentStatus.ACTIVE, T0.plusSeconds(90));
        Instant received = T0.plusSeconds(5).plusNanos(123_456_000);
        Instant deadline = received.plusSeconds(90).plusNanos(1_000);
        assertThat(a.recordHeartbeat(odd, 1, 0, 6, T0, T0.plusSeconds(90), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH); // written at once
        assertThat(a.recordHeartbeat(odd, 1, 0, 7, received, deadline, Duration.ofMillis(-1_500)))
                .isEqualTo(HeartbeatWrite.ACCEPTED);

        assertThat(a.flushHeartbeats()).isEqualTo(1);
        AgentLiveness stored = b.findAgent(odd).orElseThrow().liveness();
        assertThat(stored.sequence()).isEqualTo(7);
        assertThat(stored.lastHeartbeatAt()).isCloseTo(received, within(1, ChronoUnit.SECONDS));
        assertThat(Duration.between(stored.lastHeartbeatAt(), stored.deadline()))
                .as("to the microsecond")
                .isEqualTo(Duration.ofSeconds(90).plusNanos(1_000));
        assertThat(stored.clockSkew()).isEqualTo(Duration.ofMillis(-1_500));
        assertThat(storedSequence(odd)).isEqualTo(7);
        assertThat(storedSequence("agent-")).isEqualTo(-1);
    }

    @Test
    void aHeartbeatNotNewerThanTheFlushedPairIsRefusedByAnotherReplica() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        JdbcAgentStore b = replicaB(MutableClock.at(T0));
        register(a, "agent-001", AgentStatus.ACTIVE, T0.plusSeconds(90));
        a.recordHeartbeat("agent-001", 1, 2, 10, T0.plusSeconds(5), T0.plusSeconds(95), null);
        a.flushHeartbeats();

        assertThat(b.recordHeartbeat("agent-001", 1, 2, 5, T0.plusSeconds(6), T0.plusSeconds(96), null))
                .isEqualTo(HeartbeatWrite.STALE);
        assertThat(b.recordHeartbeat("agent-001", 1, 2, 10, T0.plusSeconds(6), T0.plusSeconds(96), null))
                .isEqualTo(HeartbeatWrite.STALE);
        assertThat(b.recordHeartbeat("agent-001", 1, 1, 99, T0.plusSeconds(6), T0.plusSeconds(96), null))
                .isEqualTo(HeartbeatWrite.STALE);
        assertThat(b.recordHeartbeat("agent-001", 1, 2, 11, T0.plusSeconds(6), T0.plusSeconds(96), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED);
    }

    @Test
    void aReplicaWhoseCacheLagsHasItsFlushRefusedAndThenReadsTheStoredPair() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        JdbcAgentStore b = replicaB(MutableClock.at(T0));
        register(a, "agent-001", AgentStatus.ACTIVE, T0.plusSeconds(90));
        a.recordHeartbeat("agent-001", 1, 0, 1, T0.plusSeconds(1), T0.plusSeconds(91), null);
        a.flushHeartbeats();
        b.recordHeartbeat("agent-001", 1, 0, 5, T0.plusSeconds(5), T0.plusSeconds(95), null);
        b.flushHeartbeats();

        // The documented window: A's cache still holds (0, 1), so it accepts (0, 3)...
        assertThat(a.recordHeartbeat("agent-001", 1, 0, 3, T0.plusSeconds(3), T0.plusSeconds(93), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED);
        // ...but never writes it, and from then on knows better.
        assertThat(a.flushHeartbeats()).isZero();
        assertThat(storedSequence("agent-001")).isEqualTo(5);
        assertThat(a.recordHeartbeat("agent-001", 1, 0, 4, T0.plusSeconds(4), T0.plusSeconds(94), null))
                .isEqualTo(HeartbeatWrite.STALE);
        assertThat(a.findAgent("agent-001").orElseThrow().liveness().deadline())
                .as("B's beat, on A's clock")
                .isCloseTo(T0.plusSeconds(95), within(1, ChronoUnit.SECONDS));
    }

    @Test
    void aStateChangeOnAnotherReplicaIsSeenAtTheLatestAfterTheNextFlush() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        JdbcAgentStore b = replicaB(MutableClock.at(T0));
        Agent v1 = register(a, "agent-001", AgentStatus.ACTIVE, T0.plusSeconds(90));
        a.recordHeartbeat("agent-001", 1, 0, 1, T0.plusSeconds(1), T0.plusSeconds(91), null);
        a.flushHeartbeats();

        Agent v2 = b.updateAgent(v1.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, T0.plusSeconds(2)), 1)
                .orElseThrow();

        // A caller that read version 2 gets it honoured at once: A's cache (version 1) is read again.
        assertThat(a.recordHeartbeat("agent-001", v2.version(), 0, 2, T0.plusSeconds(2), T0.plusSeconds(92), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED);
        a.flushHeartbeats();
        assertThat(storedSequence("agent-001")).isEqualTo(2);

        // A caller still on version 1 is told so.
        assertThat(a.recordHeartbeat("agent-001", 1, 0, 3, T0.plusSeconds(3), T0.plusSeconds(93), null))
                .isEqualTo(HeartbeatWrite.VERSION_CHANGED);
    }

    @Test
    void aBeatAcceptedAgainstAVersionAnotherReplicaReplacedIsNeverWritten() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        JdbcAgentStore b = replicaB(MutableClock.at(T0));
        Agent v1 = register(a, "agent-001", AgentStatus.ACTIVE, T0.plusSeconds(90));
        a.recordHeartbeat("agent-001", 1, 0, 1, T0.plusSeconds(1), T0.plusSeconds(91), null);
        a.flushHeartbeats();
        b.updateAgent(v1.withStatus(AgentStatus.REVOKED, null, T0.plusSeconds(2)), 1)
                .orElseThrow();

        // The window: A's cache still says version 1.
        assertThat(a.recordHeartbeat("agent-001", 1, 0, 2, T0.plusSeconds(2), T0.plusSeconds(92), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED);
        assertThat(a.flushHeartbeats()).isZero();
        assertThat(storedSequence("agent-001")).isEqualTo(1);
        assertThat(a.recordHeartbeat("agent-001", 1, 0, 3, T0.plusSeconds(3), T0.plusSeconds(93), null))
                .isEqualTo(HeartbeatWrite.VERSION_CHANGED);
    }

    @Test
    void writeThroughIsExactAcrossReplicas() {
        JdbcAgentStore a = fixture.store(poolA, MutableClock.at(T0), o -> o.coalesceHeartbeats(false));
        JdbcAgentStore b = fixture.store(poolB, MutableClock.at(T0), o -> o.coalesceHeartbeats(false));
        Agent v1 = register(a, "agent-001", AgentStatus.ACTIVE, T0.plusSeconds(90));
        assertThat(a.recordHeartbeat("agent-001", 1, 0, 5, T0.plusSeconds(1), T0.plusSeconds(91), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
        assertThat(b.recordHeartbeat("agent-001", 1, 0, 4, T0.plusSeconds(1), T0.plusSeconds(91), null))
                .isEqualTo(HeartbeatWrite.STALE);
        b.updateAgent(v1.withStatus(AgentStatus.REVOKED, null, T0.plusSeconds(2)), 1)
                .orElseThrow();
        assertThat(a.recordHeartbeat("agent-001", 1, 0, 6, T0.plusSeconds(1), T0.plusSeconds(91), null))
                .isEqualTo(HeartbeatWrite.VERSION_CHANGED);
    }

    @Test
    void aFailedRegistrationLeavesTheTokenUsable() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        register(a, "agent-001", AgentStatus.PENDING, T0.plusSeconds(90));
        AgentCertificate taken = a.findCertificates("agent-001").get(0);
        a.insertToken(TestAgents.oneTimeToken("tok-new", T0));
        // agent-002's certificate reuses agent-001's serial: the last step of the transaction fails.
        AgentCertificate clash = TestAgents.certificate("agent-002", taken.serial(), T0, T0.plusSeconds(86_400));
        Agent agent2 =
                TestAgents.agent("agent-002", T0).certificate(clash.pin()).build();

        assertThatThrownBy(() -> a.registerAgent("tok-new", TestAgents.redemption("agent-002", T0), T0, agent2, clash))
                .isInstanceOf(IllegalStateException.class);

        assertThat(a.findAgent("agent-002")).isEmpty();
        assertThat(a.findToken("tok-new").orElseThrow().uses()).isZero();
        TestAgents.NewAgent fresh = TestAgents.newAgent("agent-002", T0);
        assertThat(a.registerAgent(
                        "tok-new", TestAgents.redemption("agent-002", T0), T0, fresh.agent(), fresh.certificate()))
                .isTrue();
    }

    // ---- clock skew ------------------------------------------------------------------------------------

    /**
     * Replica B's clock runs 10 s ahead of A's. The agent beats every 5 s with a 12 s timeout, alternately
     * through A and B, each replica computing the deadline on its own clock; B's monitor looks every second.
     * On one (the database's) clock, B never calls the live agent overdue, and calls it overdue once it
     * really is.
     */
    @Test
    void replicasWhoseClocksDifferByTenSecondsJudgeDeadlinesByOneClock() {
        assertThat(skewScenario(true))
                .as("false overdue verdicts with the database clock")
                .isEmpty();
    }

    /** The same scenario on the replicas' own clocks: B calls the live agent overdue (the test can fail). */
    @Test
    void withoutTheDatabaseClockTheSameScenarioGivesFalseVerdicts() {
        assertThat(skewScenario(false)).isNotEmpty();
    }

    /** Runs the scenario; returns B's false verdicts. Asserts the true verdict comes on time. */
    private List<String> skewScenario(boolean databaseClock) {
        MutableClock clockA = MutableClock.at(T0);
        MutableClock clockB = MutableClock.at(T0.plusSeconds(10));
        JdbcAgentStore a = fixture.store(poolA, clockA, o -> o.useDatabaseClock(databaseClock));
        JdbcAgentStore b = fixture.store(poolB, clockB, o -> o.useDatabaseClock(databaseClock));
        Duration timeout = Duration.ofSeconds(12);
        register(a, "agent-001", AgentStatus.ACTIVE, clockA.instant().plus(timeout));
        List<String> falseVerdicts = new ArrayList<>();
        long seq = 0;
        for (int second = 0; second <= 60; second++) {
            if (second % 5 == 0) {
                JdbcAgentStore via = (second / 5) % 2 == 0 ? a : b;
                MutableClock clock = via == a ? clockA : clockB;
                assertThat(via.recordHeartbeat(
                                "agent-001",
                                1,
                                0,
                                seq++,
                                clock.instant(),
                                clock.instant().plus(timeout),
                                null))
                        .isIn(HeartbeatWrite.ACCEPTED, HeartbeatWrite.ACCEPTED_NEW_EPOCH);
                via.flushHeartbeats(); // what the flusher does within a second; the scenario is about clocks
            }
            if (!b.findOverdue(clockB.instant(), 10).isEmpty()) {
                falseVerdicts.add("at +" + second + "s");
            }
            clockA.advance(Duration.ofSeconds(1));
            clockB.advance(Duration.ofSeconds(1));
        }
        if (databaseClock) {
            // Last beat at +60 s through A (deadline +72 s on A's clock): B must see it overdue from +73 s on.
            clockA.set(T0.plusSeconds(71));
            clockB.set(T0.plusSeconds(81));
            assertThat(b.findOverdue(clockB.instant(), 10))
                    .as("not yet overdue at +71s")
                    .isEmpty();
            clockA.set(T0.plusSeconds(73));
            clockB.set(T0.plusSeconds(83));
            assertThat(b.findOverdue(clockB.instant(), 10))
                    .as("overdue at +73s")
                    .hasSize(1);
            Agent seenByB = b.findAgent("agent-001").orElseThrow();
            assertThat(seenByB.liveness().deadline())
                    .as("deadline on B's clock")
                    .isBetween(
                            T0.plusSeconds(82).minusMillis(500),
                            T0.plusSeconds(82).plusMillis(500));
        }
        return falseVerdicts;
    }

    /**
     * Replica B's clock steps (an NTP correction, a resumed VM) by a minute either way while agents beat through
     * A on time: B's next sweep measures the offset to the database's clock again, so it finds no live agent
     * overdue. Real clocks (the system clock plus a step), no waiting: the agents' deadlines lie a timeout ahead.
     */
    @ParameterizedTest(name = "step of {0} s")
    @ValueSource(longs = {60, -60})
    void aReplicaWhoseClockStepsCallsNoLiveAgentOverdue(long stepSeconds) {
        SteppingClock clockA = new SteppingClock();
        SteppingClock clockB = new SteppingClock();
        JdbcAgentStore a = fixture.storeWithClockSync(poolA, clockA);
        JdbcAgentStore b = fixture.storeWithClockSync(poolB, clockB);
        Duration timeout = Duration.ofSeconds(30);
        for (int i = 0; i < 20; i++) {
            String id = String.format("agent-%03d", i);
            register(a, id, AgentStatus.ACTIVE, clockA.instant().plus(timeout));
            a.recordHeartbeat(id, 1, 0, 1, clockA.instant(), clockA.instant().plus(timeout), null);
        }
        a.flushHeartbeats();
        b.recordSweep(clockB.instant());

        clockB.step(Duration.ofSeconds(stepSeconds));
        b.recordSweep(clockB.instant()); // the monitor's sweep records itself first

        assertThat(b.findOverdue(clockB.instant(), 100))
                .as("live agents after a step of B's clock")
                .isEmpty();
        assertThat(b.findAgent("agent-000").orElseThrow().liveness().deadline())
                .as("the deadline on B's stepped clock")
                .isAfter(clockB.instant());
    }

    /**
     * A heartbeat that B records right after its clock stepped, before any sweep: its deadline is stored on the
     * database's clock, a timeout ahead as A sees it, not shifted by the step.
     */
    @ParameterizedTest(name = "step of {0} s")
    @ValueSource(longs = {120, -120})
    void aHeartbeatRightAfterAStepIsStoredOnTheDatabaseClock(long stepSeconds) {
        SteppingClock clockA = new SteppingClock();
        SteppingClock clockB = new SteppingClock();
        JdbcAgentStore a = fixture.storeWithClockSync(poolA, clockA);
        JdbcAgentStore b = fixture.storeWithClockSync(poolB, clockB);
        Duration timeout = Duration.ofSeconds(90);
        register(a, "agent-001", AgentStatus.ACTIVE, clockA.instant().plus(timeout));
        b.findAgent("agent-001"); // B has measured its offset

        clockB.step(Duration.ofSeconds(stepSeconds));
        assertThat(b.recordHeartbeat(
                        "agent-001", 1, 0, 1, clockB.instant(), clockB.instant().plus(timeout), null))
                .isIn(HeartbeatWrite.ACCEPTED, HeartbeatWrite.ACCEPTED_NEW_EPOCH);
        b.flushHeartbeats();

        Instant deadlineSeenByA =
                a.findAgent("agent-001").orElseThrow().liveness().deadline();
        assertThat(Duration.between(clockA.instant(), deadlineSeenByA))
                .as("a timeout ahead on A's clock")
                .isBetween(timeout.minusSeconds(5), timeout.plusSeconds(1));
    }

    /** The system clock plus a step the test sets. */
    private static final class SteppingClock extends Clock {
        private volatile Duration step = Duration.ZERO;

        void step(Duration by) {
            step = step.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(step);
        }
    }

    // ---- id widths -------------------------------------------------------------------------------------

    /** The widest id the store takes, in characters MariaDB stores as 3 bytes each, registers and flushes. */
    @Test
    void anIdOfTheMaximumLengthIsStoredAndItsHeartbeatsFlushed() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        String id = "字".repeat(JdbcAgentStore.MAX_ID_LENGTH);
        String tokenId = "t".repeat(JdbcAgentStore.MAX_ID_LENGTH);
        AgentCertificate cert = TestAgents.certificate(id, T0);
        Agent agent = TestAgents.agent(id, T0).certificate(cert.pin()).build();
        a.insertToken(TestAgents.oneTimeToken(tokenId, T0));
        assertThat(a.registerAgent(tokenId, TestAgents.redemption(id, T0), T0, agent, cert))
                .isTrue();

        assertThat(a.recordHeartbeat(id, 1, 0, 7, T0.plusSeconds(5), T0.plusSeconds(95), null))
                .isEqualTo(HeartbeatWrite.ACCEPTED_NEW_EPOCH);
        a.flushHeartbeats();

        assertThat(storedSequence(id)).isEqualTo(7);
        assertThat(a.findToken(tokenId)).isPresent();
    }

    /** A longer id fails as a typed precondition before any statement, never as the database's error. */
    @Test
    void aLongerIdIsRefusedBeforeTheDatabase() {
        JdbcAgentStore a = replicaA(MutableClock.at(T0));
        String id = "a".repeat(JdbcAgentStore.MAX_ID_LENGTH + 1);
        AgentCertificate cert = TestAgents.certificate(id, T0);
        Agent agent = TestAgents.agent(id, T0).certificate(cert.pin()).build();
        a.insertToken(TestAgents.oneTimeToken("tok", T0));

        assertThatThrownBy(() -> a.insertToken(TestAgents.oneTimeToken(id, T0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id longer than 127");
        assertThatThrownBy(() -> a.registerAgent("tok", TestAgents.redemption(id, T0), T0, agent, cert))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("agent id longer than 127");
        assertThatThrownBy(() -> a.insertCertificate(cert))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("agent id longer than 127");
        assertThat(a.findToken("tok").orElseThrow().uses()).isZero(); // nothing consumed
        // lookups only find nothing
        assertThat(a.findAgent(id)).isEmpty();
        assertThat(a.findToken(id)).isEmpty();
        assertThat(a.recordHeartbeat(id, 1, 0, 1, T0.plusSeconds(5), T0.plusSeconds(95), null))
                .isEqualTo(HeartbeatWrite.NOT_FOUND);
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    static <T> List<T> race(int threads, IntFunction<Callable<T>> task) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<T> body = task.apply(i);
                futures.add(pool.submit(() -> {
                    start.await();
                    return body.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(100, TimeUnit.SECONDS));
            }
            return results;
        } catch (Exception e) {
            throw new AssertionError("race failed: " + e, e);
        } finally {
            pool.shutdownNow();
        }
    }
}

package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.RecordingEventListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The timeout monitor's safety holds for the fleet, however many replicas sweep: two managers on two store
 * instances sweep the same fleet at the same moments. Self-preservation: while half the fleet goes silent,
 * together they expire no more than the cap at once and release the rest at one rate for the fleet. Pauses: a
 * pause that one replica's sweep notices is compensated by the other's sweeps too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcMonitorReplicaTest {
    private static final Instant T0 = MutableClock.DEFAULT_START;
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int FLEET = 200;
    private static final int SILENT = 100;

    private StoreFixture fixture;
    private HikariDataSource poolB;

    abstract TestDatabase database();

    @BeforeAll
    void open() {
        fixture = new StoreFixture(database());
        poolB = fixture.newPool();
    }

    @AfterAll
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private AgentManager manager(
            JdbcAgentStore store, MutableClock clock, FakeCertificateService ca, RecordingEventListener events) {
        return AgentManager.builder()
                .store(store)
                .certificateService(ca)
                .clock(clock)
                .heartbeat(INTERVAL, TIMEOUT)
                .listener(events)
                .build();
    }

    @Test
    @Timeout(300)
    void twoReplicasTogetherExpireNoMoreThanTheCapWithinATimeout() throws Exception {
        fixture.clear();
        MutableClock clockA = MutableClock.at(T0);
        MutableClock clockB = MutableClock.at(T0);
        FakeCertificateService ca = new FakeCertificateService(clockA);
        RecordingEventListener eventsA = new RecordingEventListener();
        RecordingEventListener eventsB = new RecordingEventListener();
        // flushed by the test after each round of heartbeats: time here is simulated
        JdbcAgentStore storeA =
                fixture.store(fixture.pool, clockA, o -> o.heartbeatFlushInterval(Duration.ofMinutes(1)));
        JdbcAgentStore storeB = fixture.store(poolB, clockB, o -> o.heartbeatFlushInterval(Duration.ofMinutes(1)));
        AgentManager a = manager(storeA, clockA, ca, eventsA);
        AgentManager b = manager(storeB, clockB, ca, eventsB);
        List<Registration> fleet = new ArrayList<>();
        for (int i = 0; i < FLEET; i++) {
            fleet.add(a.register(RegistrationRequest.builder()
                    .token(a.createToken(RegistrationTokenRequest.oneTime("t" + i))
                            .plaintext())
                    .csr(FakeCertificateService.csrFor("agent-" + i))
                    .name("agent-" + i)
                    .build()));
        }
        long[] sequence = new long[FLEET];
        a.timeoutMonitor().runOnce();
        b.timeoutMonitor().runOnce();

        ExecutorService sweepers = Executors.newFixedThreadPool(2);
        int atFirstOverdueSweep = -1;
        int fiveSecondsLater = -1;
        try {
            for (int s = 0; s <= 3 * TIMEOUT.toSeconds() + 5; s++) {
                if (s % INTERVAL.toSeconds() == 0) {
                    for (int i = SILENT; i < FLEET; i++) { // the live half, on alternating replicas
                        Registration r = fleet.get(i);
                        (i % 2 == 0 ? a : b)
                                .heartbeatProcessor()
                                .process(Heartbeat.of(
                                        r.agent().id(), r.certificate().thumbprint(), 1, ++sequence[i]));
                    }
                    for (int i = 0; i < SILENT && s == 0; i++) { // the silent half beats once, then stops
                        Registration r = fleet.get(i);
                        a.heartbeatProcessor()
                                .process(Heartbeat.of(
                                        r.agent().id(), r.certificate().thumbprint(), 1, ++sequence[i]));
                    }
                    // each replica's flush, as its flusher does within a second (here time is simulated)
                    storeA.flushHeartbeats();
                    storeB.flushHeartbeats();
                }
                clockA.advance(Duration.ofSeconds(1));
                clockB.advance(Duration.ofSeconds(1));
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> sweeps = new ArrayList<>();
                for (AgentManager m : List.of(a, b)) {
                    sweeps.add(sweepers.submit(() -> {
                        start.await();
                        return m.timeoutMonitor().runOnce();
                    }));
                }
                start.countDown();
                for (Future<?> f : sweeps) {
                    f.get(60, TimeUnit.SECONDS);
                }
                int expiredSoFar = expired(eventsA, eventsB).size();
                if (atFirstOverdueSweep < 0 && expiredSoFar > 0) {
                    atFirstOverdueSweep = expiredSoFar;
                    fiveSecondsLater = s + 5;
                } else if (s == fiveSecondsLater) {
                    fiveSecondsLater = -expiredSoFar; // recorded
                }
            }
        } finally {
            sweepers.shutdownNow();
            a.close();
            b.close();
        }

        Set<String> expired = expired(eventsA, eventsB);
        Set<String> silent = new HashSet<>();
        fleet.subList(0, SILENT).forEach(r -> silent.add(r.agent().id()));
        // the held ones are released evenly over one timeout: ceil(100 / 30) per sweep interval, for the fleet
        int perSweep = (SILENT + (int) TIMEOUT.toSeconds() - 1) / (int) TIMEOUT.toSeconds();
        assertThat(atFirstOverdueSweep)
                .as("at once: the fleet's cap, 25 %% of %d, across both replicas", FLEET)
                .isBetween(1, FLEET / 4 + perSweep);
        assertThat(-fiveSecondsLater)
                .as("five sweep intervals later: one release per interval for the fleet, not per replica")
                .isBetween(FLEET / 4, FLEET / 4 + 6 * perSweep);
        assertThat(expired)
                .as("every silent agent expires within the next timeout")
                .isEqualTo(silent);
        assertThat(eventsA.events(AgentEvent.ExpiriesHeld.class).size()
                        + eventsB.events(AgentEvent.ExpiriesHeld.class).size())
                .isPositive();
    }

    /** Both replicas frozen for most of a timeout: agents that beat on schedule before and after are not expired. */
    @Test
    @Timeout(120)
    void aPauseNoticedByOneReplicaIsCompensatedByTheOther() throws Exception {
        fixture.clear();
        MutableClock clockA = MutableClock.at(T0);
        MutableClock clockB = MutableClock.at(T0);
        FakeCertificateService ca = new FakeCertificateService(clockA);
        RecordingEventListener eventsA = new RecordingEventListener();
        RecordingEventListener eventsB = new RecordingEventListener();
        JdbcAgentStore storeA =
                fixture.store(fixture.pool, clockA, o -> o.heartbeatFlushInterval(Duration.ofMinutes(1)));
        JdbcAgentStore storeB = fixture.store(poolB, clockB, o -> o.heartbeatFlushInterval(Duration.ofMinutes(1)));
        AgentManager a = AgentManager.builder()
                .store(storeA)
                .certificateService(ca)
                .clock(clockA)
                .heartbeat(INTERVAL, TIMEOUT)
                .selfPreservation(dev.agentmanager.SelfPreservation.disabled()) // the pause alone must hold
                .listener(eventsA)
                .build();
        AgentManager b = AgentManager.builder()
                .store(storeB)
                .certificateService(ca)
                .clock(clockB)
                .heartbeat(INTERVAL, TIMEOUT)
                .selfPreservation(dev.agentmanager.SelfPreservation.disabled())
                .listener(eventsB)
                .build();
        List<Registration> fleet = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            fleet.add(a.register(RegistrationRequest.builder()
                    .token(a.createToken(RegistrationTokenRequest.oneTime("p" + i))
                            .plaintext())
                    .csr(FakeCertificateService.csrFor("paused-" + i))
                    .name("paused-" + i)
                    .build()));
        }
        a.timeoutMonitor().runOnce();
        b.timeoutMonitor().runOnce();
        long sequence = 0;
        for (Registration r : fleet) {
            a.heartbeatProcessor()
                    .process(Heartbeat.of(r.agent().id(), r.certificate().thumbprint(), 1, 1));
        }
        storeA.flushHeartbeats();
        sequence++;
        for (int s = 0; s < 5; s++) { // normal sweeps, A first then B
            clockA.advance(Duration.ofSeconds(1));
            clockB.advance(Duration.ofSeconds(1));
            a.timeoutMonitor().runOnce();
            b.timeoutMonitor().runOnce();
        }

        // both frozen for 28 s of the 30 s timeout: the agents' deadlines pass unseen
        clockA.advance(Duration.ofSeconds(28));
        clockB.advance(Duration.ofSeconds(28));
        a.timeoutMonitor().runOnce(); // A notices the pause and records it
        for (int s = 0; s < 5; s++) { // B's sweeps see no gap of their own
            clockA.advance(Duration.ofSeconds(1));
            clockB.advance(Duration.ofSeconds(1));
            b.timeoutMonitor().runOnce();
        }
        for (Registration r : fleet) { // the agents' queued beats arrive
            a.heartbeatProcessor()
                    .process(Heartbeat.of(r.agent().id(), r.certificate().thumbprint(), 1, sequence + 1));
        }
        a.close();
        b.close();

        assertThat(eventsA.events(AgentEvent.PauseCompensated.class)).hasSize(1);
        assertThat(expired(eventsA, eventsB))
                .as("no agent that kept its schedule expires")
                .isEmpty();
    }

    /**
     * A heartbeat on replica B reactivates an expired agent: B writes ACTIVE at once and buffers the liveness. Replica
     * A's sweep before B's next flush must not expire the agent again on its old deadline.
     */
    @Test
    @Timeout(60)
    void anAgentReactivatedOnOneReplicaIsNotExpiredByTheOthersSweepBeforeTheFlush() throws Exception {
        fixture.clear();
        MutableClock clockA = MutableClock.at(T0);
        MutableClock clockB = MutableClock.at(T0);
        FakeCertificateService ca = new FakeCertificateService(clockA);
        RecordingEventListener eventsA = new RecordingEventListener();
        RecordingEventListener eventsB = new RecordingEventListener();
        JdbcAgentStore storeA =
                fixture.store(fixture.pool, clockA, o -> o.heartbeatFlushInterval(Duration.ofMinutes(1)));
        JdbcAgentStore storeB = fixture.store(poolB, clockB, o -> o.heartbeatFlushInterval(Duration.ofMinutes(1)));
        AgentManager a = AgentManager.builder()
                .store(storeA)
                .certificateService(ca)
                .clock(clockA)
                .heartbeat(INTERVAL, TIMEOUT)
                .selfPreservation(dev.agentmanager.SelfPreservation.disabled()) // one agent of one expires
                .listener(eventsA)
                .build();
        AgentManager b = manager(storeB, clockB, ca, eventsB);
        try {
            Registration r = a.register(RegistrationRequest.builder()
                    .token(a.createToken(RegistrationTokenRequest.oneTime("t")).plaintext())
                    .csr(FakeCertificateService.csrFor("agent-back"))
                    .name("agent-back")
                    .build());
            String id = r.agent().id();
            String thumbprint = r.certificate().thumbprint();
            a.heartbeatProcessor().process(Heartbeat.of(id, thumbprint, 1, 1));
            storeA.flushHeartbeats();
            a.timeoutMonitor().runOnce();
            for (int s = 0; s < TIMEOUT.toSeconds() + 5; s++) { // a sweep a second: no pause to compensate
                clockA.advance(Duration.ofSeconds(1));
                clockB.advance(Duration.ofSeconds(1));
                a.timeoutMonitor().runOnce();
            }
            assertThat(eventsA.events(AgentEvent.AgentInactivated.class)).hasSize(1);

            b.heartbeatProcessor().process(Heartbeat.of(id, thumbprint, 1, 2)); // reactivates; liveness buffered on B
            assertThat(eventsB.events(AgentEvent.AgentActivated.class)).hasSize(1);
            clockA.advance(Duration.ofSeconds(1));
            a.timeoutMonitor().runOnce();

            assertThat(eventsA.events(AgentEvent.AgentInactivated.class))
                    .as("not expired again before B flushed")
                    .hasSize(1);
            assertThat(a.findAgent(id).orElseThrow().status()).isEqualTo(dev.agentmanager.model.AgentStatus.ACTIVE);
        } finally {
            a.close();
            b.close();
        }
    }

    private static Set<String> expired(RecordingEventListener... listeners) {
        Set<String> ids = new HashSet<>();
        for (RecordingEventListener events : listeners) {
            events.events(AgentEvent.AgentInactivated.class).forEach(e -> ids.add(e.agentId()));
        }
        return ids;
    }
}

package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.AgentManager;
import dev.agentmanager.TaskSettings;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.RetryPolicy;
import dev.agentmanager.task.TaskAssignment;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Failover on each database, through two managers on two store instances: the agent holding a started idempotent
 * task goes silent, replica A's monitor expires it, and after the grace the task is queued again; replica B's
 * heartbeat response to the other agent says work waits, and that agent claims attempt 2.
 */
class JdbcTaskFailoverTest {
    private static final Duration INTERVAL = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Duration LOST_AFTER = Duration.ofSeconds(60);

    private final MutableClock clock = MutableClock.at(MutableClock.DEFAULT_START);
    private final FakeCertificateService ca = new FakeCertificateService(clock);
    private final ConcurrentHashMap<String, Long> sequences = new ConcurrentHashMap<>();

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aLostAgentsIdempotentTaskIsQueuedAgainAndTheOtherReplicaHintsAndHandsItToAnotherAgent(TestDatabase database) {
        try (StoreFixture fixture = new StoreFixture(database)) {
            JdbcAgentStore storeA = fixture.store(clock);
            JdbcAgentStore storeB = fixture.store(fixture.newPool(), clock, o -> o);
            AgentManager a = manager(storeA);
            AgentManager b = manager(storeB);
            a.timeoutMonitor().runOnce();
            Registration web = register(a, "web");
            Registration db = register(a, "db");
            beat(a, web);
            beat(b, db);
            AgentTask task = a.tasks()
                    .submit(TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker")))
                            .retry(RetryPolicy.idempotent(2))
                            .build());
            TaskAssignment first = a.tasks()
                    .claim(web.agent().id(), web.certificate().thumbprint(), 1)
                    .get(0);
            a.tasks().report(web.agent().id(), web.certificate().thumbprint(), new TaskReport.Started(first.lease()));

            // web goes silent; db keeps heartbeating to B; A's monitor sweeps every 10 s
            for (int s = 10; s <= TIMEOUT.plus(LOST_AFTER).toSeconds() + 20; s += 10) {
                clock.advance(Duration.ofSeconds(10));
                if (s % INTERVAL.toSeconds() == 0) {
                    beat(b, db);
                }
                storeB.flushHeartbeats();
                a.timeoutMonitor().runOnce();
            }
            assertThat(a.findAgent(web.agent().id()).orElseThrow().status()).isEqualTo(AgentStatus.INACTIVE);
            assertThat(b.tasks().find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.QUEUED);

            HeartbeatResponse hint = awaitHint(b, db);
            assertThat(hint.tasks().waiting()).isEqualTo(1);
            List<TaskAssignment> second =
                    b.tasks().claim(db.agent().id(), db.certificate().thumbprint(), 1);
            assertThat(second)
                    .singleElement()
                    .satisfies(x -> assertThat(x.lease().attempt()).isEqualTo(2));
        }
    }

    /** B reads the queue at most every hint refresh (real time): beat until its summary shows the work. */
    private HeartbeatResponse awaitHint(AgentManager b, Registration db) {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HeartbeatResponse response = beat(b, db);
        while (response.tasks().waiting() == 0 && System.nanoTime() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            response = beat(b, db);
        }
        return response;
    }

    /**
     * The agent restarts; replica A hears it first and replica B only after the agent claimed and started a task
     * there. The attempt belongs to the new boot epoch: B must not end it as the old epoch's.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRestartHeardFirstOnOneReplicaDoesNotEndAnAttemptClaimedAfterItOnTheOther(TestDatabase database) {
        try (StoreFixture fixture = new StoreFixture(database)) {
            // flushed by the test: the window a flush interval leaves is what is tested
            JdbcAgentStore storeA =
                    fixture.store(fixture.pool, clock, o -> o.heartbeatFlushInterval(Duration.ofMinutes(1)));
            JdbcAgentStore storeB =
                    fixture.store(fixture.newPool(), clock, o -> o.heartbeatFlushInterval(Duration.ofMinutes(1)));
            AgentManager a = manager(storeA);
            AgentManager b = manager(storeB);
            Registration web = register(a, "web");
            String id = web.agent().id();
            String thumbprint = web.certificate().thumbprint();
            a.heartbeatProcessor().process(Heartbeat.of(id, thumbprint, 1, 1));
            b.heartbeatProcessor().process(Heartbeat.of(id, thumbprint, 1, 2));
            storeA.flushHeartbeats();
            storeB.flushHeartbeats();
            AgentTask task = a.tasks()
                    .submit(TaskRequest.builder("deploy", TaskTarget.agent(id)).build()); // not idempotent

            a.heartbeatProcessor().process(Heartbeat.of(id, thumbprint, 2, 0)); // restarted: A hears it first
            TaskAssignment claimed = b.tasks().claim(id, thumbprint, 1).get(0);
            b.tasks().report(id, thumbprint, new TaskReport.Started(claimed.lease()));
            b.heartbeatProcessor().process(Heartbeat.of(id, thumbprint, 2, 1)); // B hears of epoch 2 only now

            assertThat(b.tasks().find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);
            assertThat(a.tasks().find(task.id()).orElseThrow().state().attempt())
                    .isEqualTo(1);
        }
    }

    private AgentManager manager(JdbcAgentStore store) {
        return AgentManager.builder()
                .store(store)
                .taskStore(store.taskStore())
                .certificateService(ca)
                .clock(clock)
                .heartbeat(INTERVAL, TIMEOUT)
                .sweepInterval(Duration.ofSeconds(10))
                .tasks(TaskSettings.defaults().withLostAfter(LOST_AFTER).withHintRefresh(Duration.ofMillis(50)))
                .build();
    }

    private static Registration register(AgentManager manager, String name) {
        String token =
                manager.createToken(RegistrationTokenRequest.oneTime(name)).plaintext();
        return manager.register(RegistrationRequest.builder()
                .token(token)
                .csr(FakeCertificateService.csrFor(name))
                .name(name)
                .capability("docker", "24.0")
                .build());
    }

    private HeartbeatResponse beat(AgentManager manager, Registration r) {
        String id = r.agent().id();
        return manager.heartbeatProcessor()
                .process(Heartbeat.of(id, r.certificate().thumbprint(), 1, sequences.merge(id, 1L, Long::sum)));
    }
}

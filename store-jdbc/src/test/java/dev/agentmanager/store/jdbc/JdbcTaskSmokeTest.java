package dev.agentmanager.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.agentmanager.AgentManager;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskAssignment;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.testkit.FakeCertificateService;
import dev.agentmanager.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real {@link AgentManager} with tasks on each database: agents register and heartbeat, tasks are submitted,
 * claimed, started and finished through the manager's API; and two managers on two store instances (two pools)
 * claim from threads at once without ever handing one attempt out twice.
 */
class JdbcTaskSmokeTest {
    private static final int TASKS = 20;
    private static final Duration INTERVAL = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final MutableClock clock = MutableClock.at(MutableClock.DEFAULT_START);
    private final FakeCertificateService ca = new FakeCertificateService(clock);
    private final ConcurrentHashMap<String, Long> sequences = new ConcurrentHashMap<>();

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everySubmittedTaskIsClaimedStartedAndSucceedsExactlyOnce(TestDatabase database) {
        try (StoreFixture fixture = new StoreFixture(database);
                AgentManager manager = manager(fixture.store(clock))) {
            List<Registration> agents = List.of(register(manager, "web-01"), register(manager, "web-02"));
            agents.forEach(a -> beat(manager, a));
            submit(manager, "deploy-");

            List<TaskLease> done = new ArrayList<>();
            for (int round = 0; done.size() < TASKS && round < 100; round++) {
                for (Registration a : agents) {
                    for (TaskAssignment t : claim(manager, a)) {
                        run(manager, a, t);
                        done.add(t.lease());
                    }
                }
            }

            assertThat(done).hasSize(TASKS);
            assertThat(new HashSet<>(done)).hasSize(TASKS);
            assertEverySucceededOnce(manager);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void twoManagersOnTwoStoreInstancesNeverClaimOneAttemptTwice(TestDatabase database) throws Exception {
        try (StoreFixture fixture = new StoreFixture(database)) {
            HikariDataSource second = fixture.newPool();
            try (AgentManager a = manager(fixture.store(clock));
                    AgentManager b = manager(fixture.store(second, clock, x -> x))) {
                List<Registration> agents = new ArrayList<>();
                for (int i = 1; i <= 6; i++) {
                    Registration r = register(i % 2 == 0 ? a : b, String.format("web-%02d", i));
                    beat(a, r);
                    agents.add(r);
                }
                submit(a, "deploy-a-");
                submit(b, "deploy-b-");
                int total = 2 * TASKS;

                Set<TaskLease> claimed = ConcurrentHashMap.newKeySet();
                List<String> duplicates = new java.util.concurrent.CopyOnWriteArrayList<>();
                List<Callable<Integer>> workers = new ArrayList<>();
                for (int i = 0; i < agents.size(); i++) {
                    Registration agent = agents.get(i);
                    AgentManager manager = i % 2 == 0 ? a : b;
                    workers.add(() -> {
                        int mine = 0;
                        for (int round = 0; claimed.size() < total && round < 1_000; round++) {
                            for (TaskAssignment t : claim(manager, agent)) {
                                if (!claimed.add(t.lease())) {
                                    duplicates.add(t.lease().toString());
                                }
                                run(manager, agent, t);
                                mine++;
                            }
                        }
                        return mine;
                    });
                }
                int finished = 0;
                for (int n : race(workers)) {
                    finished += n;
                }

                assertThat(duplicates).isEmpty();
                assertThat(finished).isEqualTo(total);
                assertThat(claimed).hasSize(total);
                assertEverySucceededOnce(a);
                assertThat(b.tasks().count(TaskStatus.SUCCEEDED)).isEqualTo(total);
            }
        }
    }

    private AgentManager manager(JdbcAgentStore store) {
        return AgentManager.builder()
                .store(store)
                .taskStore(store.taskStore())
                .certificateService(ca)
                .clock(clock)
                .heartbeat(INTERVAL, TIMEOUT)
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

    private void beat(AgentManager manager, Registration r) {
        String id = r.agent().id();
        manager.heartbeatProcessor()
                .process(Heartbeat.of(id, r.certificate().thumbprint(), 1, sequences.merge(id, 1L, Long::sum)));
        assertThat(manager.findAgent(id).orElseThrow().status()).isEqualTo(AgentStatus.ACTIVE);
    }

    private static void submit(AgentManager manager, String keyPrefix) {
        for (int i = 0; i < TASKS; i++) {
            manager.tasks()
                    .submit(TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker", "24")))
                            .json("{\"n\":" + i + "}")
                            .idempotencyKey(keyPrefix + i)
                            .build());
        }
    }

    private static List<TaskAssignment> claim(AgentManager manager, Registration r) {
        return manager.tasks().claim(r.agent().id(), r.certificate().thumbprint(), 2);
    }

    private static void run(AgentManager manager, Registration r, TaskAssignment t) {
        String id = r.agent().id();
        String thumbprint = r.certificate().thumbprint();
        manager.tasks().report(id, thumbprint, new TaskReport.Started(t.lease()));
        manager.tasks().report(id, thumbprint, new TaskReport.Progress(t.lease(), 50, "halfway"));
        manager.tasks()
                .report(id, thumbprint, new TaskReport.Succeeded(t.lease(), TaskPayload.ofJson("{\"ok\":true}")));
    }

    private static void assertEverySucceededOnce(AgentManager manager) {
        List<AgentTask> all = manager.tasks().find(TaskQuery.all().withLimit(1_000));
        assertThat(all).isNotEmpty();
        for (AgentTask t : all) {
            assertThat(t.status()).as(t.id()).isEqualTo(TaskStatus.SUCCEEDED);
            assertThat(t.state().attempt()).as(t.id()).isEqualTo(1);
            assertThat(manager.tasks().attempts(t.id()))
                    .as(t.id())
                    .singleElement()
                    .satisfies(a -> assertThat(a.outcome()).isEqualTo(TaskStatus.SUCCEEDED));
        }
    }

    private static <T> List<T> race(List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(2, TimeUnit.MINUTES));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}

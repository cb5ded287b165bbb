package dev.agentmanager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.TaskFencedException;
import dev.agentmanager.exception.TaskNotFoundException;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.Registration;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.TaskAssignment;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Bad input is refused with a typed exception and changes nothing; claims race from real threads. */
class TaskInputTest {
    private final Fleet fleet = new Fleet();
    private final AgentTasks tasks = fleet.manager.tasks();

    private List<AgentTask> snapshot() {
        return tasks.find(TaskQuery.all().withLimit(10_000));
    }

    private void refusedUnchanged(Class<? extends Exception> type, Runnable call) {
        List<AgentTask> before = snapshot();
        assertThatThrownBy(call::run).isInstanceOf(type);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void badSubmissionsAreRefused() {
        TaskTarget any = TaskTarget.matching(TaskSelector.capability("docker"));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.submit(TaskRequest.builder("deploy web", any).build()));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.submit(TaskRequest.builder("x".repeat(65), any).build()));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.submit(TaskRequest.builder("deploy", any)
                        .payload(TaskPayload.ofBytes(new byte[64 * 1024 + 1]))
                        .build()));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.submit(
                        TaskRequest.builder("deploy", any).priority(1001).build()));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.submit(TaskRequest.builder(
                                "deploy",
                                TaskTarget.matching(new TaskSelector(Set.of(Capability.of("bad name")), Map.of())))
                        .build()));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.submit(TaskRequest.builder("deploy", TaskTarget.agent("bad\nid"))
                        .build()));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.submit(TaskRequest.builder("deploy", any)
                        .concurrencyGroup("env prod", 1)
                        .build()));
        assertThatThrownBy(() -> TaskRequest.builder("deploy", any)
                        .concurrencyGroup("env", 0)
                        .build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(tasks.submit(TaskRequest.builder("deploy", any)
                                .payload(TaskPayload.ofBytes(new byte[64 * 1024]))
                                .build())
                        .status())
                .isEqualTo(TaskStatus.QUEUED);
    }

    @Test
    void badReportsAreRefusedAndChangeNothing() {
        Registration web = fleet.register("web");
        Registration db = fleet.register("db");
        fleet.beat(web);
        fleet.beat(db);
        tasks.submit(TaskRequest.builder("deploy", TaskTarget.agent(web.agent().id()))
                .build());
        TaskAssignment a =
                tasks.claim(web.agent().id(), web.certificate().thumbprint(), 1).get(0);
        String id = web.agent().id();
        String thumb = web.certificate().thumbprint();
        TaskLease lease = a.lease();

        refusedUnchanged(
                TaskNotFoundException.class,
                () -> tasks.report(
                        id, thumb, new TaskReport.Started(new TaskLease("0000000000000000000000000000nope", 1))));
        refusedUnchanged(
                TaskFencedException.class,
                () -> tasks.report(
                        db.agent().id(), db.certificate().thumbprint(), new TaskReport.Started(lease))); // wrong agent
        refusedUnchanged(
                TaskFencedException.class,
                () -> tasks.report(
                        id, thumb, new TaskReport.Started(new TaskLease(lease.taskId(), 2)))); // wrong fencing token
        refusedUnchanged(
                CertificateMismatchException.class,
                () -> tasks.report(
                        id,
                        db.certificate().thumbprint(),
                        new TaskReport.Started(lease))); // someone else's certificate
        refusedUnchanged(AgentNotFoundException.class, () -> tasks.claim("nobody", thumb, 1));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.report(id, thumb, new TaskReport.Progress(lease, 101, null)));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.report(id, thumb, new TaskReport.Progress(lease, 5, "x".repeat(257))));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.report(id, thumb, new TaskReport.Failed(lease, "bad\u0000reason")));
        refusedUnchanged(
                InvalidRequestException.class,
                () -> tasks.report(
                        id, thumb, new TaskReport.Succeeded(lease, TaskPayload.ofBytes(new byte[64 * 1024 + 1]))));
        refusedUnchanged(InvalidRequestException.class, () -> tasks.claim(id, thumb, 0));
        refusedUnchanged(InvalidRequestException.class, () -> tasks.appendLog(id, thumb, lease, -1, new byte[1]));
        refusedUnchanged(TaskNotFoundException.class, () -> tasks.cancel("0000000000000000000000000000nope"));
        refusedUnchanged(TaskNotFoundException.class, () -> tasks.explain("0000000000000000000000000000nope"));
        assertThat(tasks.find(lease.taskId()).orElseThrow().status()).isEqualTo(TaskStatus.CLAIMED);
    }

    @Test
    void agentsClaimingFromManyThreadsGetEveryTaskExactlyOnce() throws Exception {
        fleet.monitor().runOnce();
        List<Registration> agents = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Registration r = fleet.register("agent-" + i);
            fleet.beat(r);
            agents.add(r);
        }
        int n = 400;
        for (int i = 0; i < n; i++) {
            tasks.submit(TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker")))
                    .build());
        }
        Map<String, String> claimedBy = new ConcurrentHashMap<>();
        List<String> duplicates = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(agents.size());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Registration r : agents) {
                Supplier<List<TaskAssignment>> claim =
                        () -> tasks.claim(r.agent().id(), r.certificate().thumbprint(), 3);
                futures.add(pool.submit(() -> {
                    start.await();
                    while (true) {
                        List<TaskAssignment> got = claim.get();
                        if (got.isEmpty()) {
                            return null;
                        }
                        for (TaskAssignment a : got) {
                            if (claimedBy.putIfAbsent(
                                            a.lease().taskId(), r.agent().id())
                                    != null) {
                                synchronized (duplicates) {
                                    duplicates.add(a.lease().taskId());
                                }
                            }
                            tasks.report(
                                    r.agent().id(),
                                    r.certificate().thumbprint(),
                                    new TaskReport.Succeeded(a.lease(), TaskPayload.empty()));
                        }
                    }
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(duplicates).isEmpty();
        assertThat(claimedBy).hasSize(n);
        assertThat(tasks.count(TaskStatus.SUCCEEDED)).isEqualTo(n);
        assertThat(claimedBy.values().stream().distinct().count()).isGreaterThan(1);
    }
}

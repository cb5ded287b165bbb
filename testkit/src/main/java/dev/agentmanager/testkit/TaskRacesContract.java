package dev.agentmanager.testkit;

import static dev.agentmanager.testkit.TestTasks.id;
import static dev.agentmanager.testkit.TestTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.spi.TaskClaimQuery;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Claims and inserts raced on real threads, on one store instance and split over two instances on the same data
 * ({@link TaskStoreFactory#replica}): every task claimed once per attempt, capacity and concurrency groups never
 * exceeded, one task per idempotency key. They prove atomicity, not speed.
 */
public abstract class TaskRacesContract extends TaskContract {
    /** Threads in every race. */
    protected static final int THREADS = 8;
    /** Distinct agents claiming in the exactly-once race. */
    protected static final int AGENTS = 24;
    /** A bound on a racing thread's claim loop, so that a store that loses tasks fails instead of spinning. */
    private static final int MAX_ROUNDS = 20_000;

    protected TaskRacesContract(TaskStoreFactory factory) {
        super(factory);
    }

    @Test
    void manyAgentsClaimEveryTaskExactlyOncePerAttempt() {
        claimEveryTaskExactlyOncePerAttempt(i -> store);
    }

    @Test
    void manyAgentsOnTwoInstancesClaimEveryTaskExactlyOncePerAttempt() {
        TaskStore second = replica();
        claimEveryTaskExactlyOncePerAttempt(i -> i % 2 == 0 ? store : second);
    }

    @Test
    void oneAgentClaimingFromManyThreadsNeverExceedsItsCapacity() {
        neverExceedCapacity(i -> store);
    }

    @Test
    void oneAgentClaimingFromManyThreadsOnTwoInstancesNeverExceedsItsCapacity() {
        TaskStore second = replica();
        neverExceedCapacity(i -> i % 2 == 0 ? store : second);
    }

    @Test
    void aConcurrencyGroupOfOneNeverHasTwoHeldTasks() {
        neverExceedGroupLimit(i -> store);
    }

    @Test
    void aConcurrencyGroupOfOneNeverHasTwoHeldTasksOnTwoInstances() {
        TaskStore second = replica();
        neverExceedGroupLimit(i -> i % 2 == 0 ? store : second);
    }

    @Test
    void racingInsertsWithOneIdempotencyKeyStoreExactlyOneTask() {
        insertOneKey(i -> store);
    }

    @Test
    void racingInsertsWithOneIdempotencyKeyOnTwoInstancesStoreExactlyOneTask() {
        TaskStore second = replica();
        insertOneKey(i -> i % 2 == 0 ? store : second);
    }

    private void claimEveryTaskExactlyOncePerAttempt(IntFunction<TaskStore> stores) {
        int tasks = 120;
        for (int n = 1; n <= tasks; n++) {
            insert(task(id(n), at(n)).priority(n % 3));
        }
        for (int attempt = 1; attempt <= 2; attempt++) {
            List<List<AgentTask>> perThread = StoreContract.race(THREADS, i -> () -> {
                TaskStore s = stores.apply(i);
                List<AgentTask> mine = new ArrayList<>();
                for (int round = 0; round < MAX_ROUNDS && s.countTasks(TaskStatus.QUEUED) > 0; round++) {
                    String agent = String.format("agent-%03d", (i + round * THREADS) % AGENTS);
                    mine.addAll(s.claimTasks(
                            new TaskClaimQuery(agent, Set.of("docker"), 3, 1_000, 50),
                            queued -> TestTasks.claimed(queued, agent, at(1_000))));
                }
                return mine;
            });
            List<AgentTask> claimed = perThread.stream().flatMap(List::stream).toList();
            Set<TaskLease> leases = claimed.stream().map(AgentTask::lease).collect(Collectors.toSet());

            assertThat(claimed).as("claims in attempt " + attempt).hasSize(tasks);
            assertThat(leases).as("distinct leases").hasSize(tasks);
            for (AgentTask t : claimed) {
                assertThat(t.state().attempt()).isEqualTo(attempt);
                assertThat(store.findTask(t.id())).contains(t);
            }
            for (AgentTask t : claimed) {
                store.updateTask(
                                TestTasks.requeued(t, at(2_000)),
                                t.version(),
                                TestTasks.ended(t, TaskStatus.QUEUED, at(2_000)))
                        .orElseThrow();
            }
        }
        assertThat(store.findAttempts(id(1))).extracting(a -> a.attempt()).containsExactly(1, 2);
    }

    private void neverExceedCapacity(IntFunction<TaskStore> stores) {
        int tasks = 60;
        int capacity = 3;
        for (int n = 1; n <= tasks; n++) {
            insert(n);
        }
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger mostHeld = new AtomicInteger();
        List<Integer> finished = StoreContract.race(THREADS, i -> () -> {
            TaskStore s = stores.apply(i);
            int done = 0;
            for (int round = 0; round < MAX_ROUNDS && s.countTasks(TaskStatus.QUEUED) > 0; round++) {
                List<AgentTask> claimed = s.claimTasks(
                        new TaskClaimQuery("agent-001", Set.of("docker"), 2, capacity, 50),
                        queued -> TestTasks.claimed(queued, "agent-001", at(1_000)));
                mostHeld.accumulateAndGet(holding.addAndGet(claimed.size()), Math::max);
                assertThat(s.findHeldTasks("agent-001").size()).isLessThanOrEqualTo(capacity);
                for (AgentTask t : claimed) {
                    holding.decrementAndGet(); // before the finish is stored, so a correct store never overshoots
                    s.updateTask(TestTasks.finished(t, TaskStatus.SUCCEEDED, at(1_001)), t.version())
                            .orElseThrow(() -> new AssertionError("finish lost for " + t.id()));
                    done++;
                }
            }
            return done;
        });

        assertThat(mostHeld.get()).isLessThanOrEqualTo(capacity);
        assertThat(finished.stream().mapToInt(Integer::intValue).sum()).isEqualTo(tasks);
        assertThat(store.countTasks(TaskStatus.SUCCEEDED)).isEqualTo(tasks);
    }

    private void neverExceedGroupLimit(IntFunction<TaskStore> stores) {
        int tasks = 30;
        for (int n = 1; n <= tasks; n++) {
            insert(task(id(n), at(n)).group("env-prod", 1));
        }
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger mostHeld = new AtomicInteger();
        Map<String, Integer> claimsByTask = new java.util.concurrent.ConcurrentHashMap<>();
        StoreContract.race(THREADS, i -> () -> {
            TaskStore s = stores.apply(i);
            for (int round = 0; round < MAX_ROUNDS && s.countTasks(TaskStatus.QUEUED) > 0; round++) {
                String agent = String.format("agent-%03d", (i + round * THREADS) % AGENTS);
                List<AgentTask> claimed = s.claimTasks(
                        new TaskClaimQuery(agent, Set.of("docker"), 5, 5, 50),
                        queued -> TestTasks.claimed(queued, agent, at(1_000)));
                mostHeld.accumulateAndGet(holding.addAndGet(claimed.size()), Math::max);
                for (AgentTask t : claimed) {
                    claimsByTask.merge(t.id(), 1, Integer::sum);
                    holding.decrementAndGet();
                    s.updateTask(TestTasks.finished(t, TaskStatus.SUCCEEDED, at(1_001)), t.version())
                            .orElseThrow(() -> new AssertionError("finish lost for " + t.id()));
                }
            }
            return Boolean.TRUE;
        });

        assertThat(mostHeld.get()).isLessThanOrEqualTo(1);
        assertThat(claimsByTask).hasSize(tasks);
        assertThat(new HashSet<>(claimsByTask.values())).containsExactly(1);
        assertThat(store.countTasks(TaskStatus.SUCCEEDED)).isEqualTo(tasks);
    }

    private void insertOneKey(IntFunction<TaskStore> stores) {
        int threads = 16;
        List<AgentTask> results = StoreContract.race(
                threads,
                i -> () -> stores.apply(i)
                        .insertTask(task(id(i + 1), at(i + 1))
                                .idempotencyKey("deploy-web-1.2")
                                .build()));

        Set<String> ids = results.stream().map(AgentTask::id).collect(Collectors.toSet());
        assertThat(ids).hasSize(1);
        List<AgentTask> stored = store.findTasks(TaskQuery.all());
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).id()).isEqualTo(ids.iterator().next());
        assertThat(results).allMatch(r -> r.equals(stored.get(0)));
    }
}

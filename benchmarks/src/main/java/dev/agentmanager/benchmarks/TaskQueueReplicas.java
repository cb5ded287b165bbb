package dev.agentmanager.benchmarks;

import dev.agentmanager.AgentManager;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.store.jdbc.JdbcAgentStore;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.TaskAssignment;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.testkit.FakeCertificateService;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * agentmanager's side of {@link TaskThroughputRuns}: two replicas, each a {@link JdbcAgentStore} on its own pool
 * with its own {@link AgentManager}, on one table prefix. Worker threads are split over the replicas; each acts
 * for agents of its own (registered once, ACTIVE, with capability {@code docker}): it claims up to
 * {@link #CLAIM_MAX} tasks for its next agent and reports Succeeded for each (a Succeeded report of a claimed
 * attempt starts and ends it: the equivalent of db-scheduler's pick and complete), until every queued task has
 * succeeded.
 */
final class TaskQueueReplicas implements AutoCloseable {
    /** An agent takes up to its capacity per claim (the default {@code TaskSettings.agentCapacity()}). */
    static final int CLAIM_MAX = 4;
    /** Each worker rotates over agents of its own, so that no two workers claim for one agent. */
    static final int AGENTS_PER_THREAD = 4;
    /** A round fails when no task has succeeded for this long. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private static final TaskRequest REQUEST = TaskRequest.builder(
                    "deploy", TaskTarget.matching(TaskSelector.capability("docker")))
            .build();

    private final String prefix;
    private final int threads;
    private final List<? extends DataSource> pools;
    private final List<JdbcAgentStore> stores = new ArrayList<>();
    private final List<AgentManager> managers = new ArrayList<>();
    private final Fleet.Member[] members;
    private final ExecutorService workers;

    /**
     * Builds one store and manager per pool ({@code prefix}'s schema must exist) and registers
     * {@code threads × AGENTS_PER_THREAD} agents.
     */
    TaskQueueReplicas(List<? extends DataSource> pools, String prefix, int threads) {
        if (threads % pools.size() != 0) {
            throw new IllegalArgumentException(threads + " threads do not split over " + pools.size() + " replicas");
        }
        this.prefix = prefix;
        this.threads = threads;
        this.pools = pools;
        for (DataSource pool : pools) {
            JdbcAgentStore store =
                    JdbcAgentStore.builder(pool).tablePrefix(prefix).build();
            stores.add(store);
            managers.add(AgentManager.builder()
                    .store(store)
                    .taskStore(store.taskStore())
                    .certificateService(new FakeCertificateService(Clock.systemUTC()))
                    .build());
        }
        Instant now = Instant.now();
        members = Fleet.register(
                stores.get(0), threads * AGENTS_PER_THREAD, now, AgentStatus.ACTIVE, now.plusSeconds(24 * 3600));
        workers = Executors.newFixedThreadPool(threads);
    }

    /** Submits {@code tasks} tasks through the managers' {@code submit}, from all workers at once (untimed). */
    void queue(int tasks) throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            AgentTasks api = managers.get(t % managers.size()).tasks();
            work.add(workers.submit(() -> {
                while (next.getAndIncrement() < tasks) {
                    api.submit(REQUEST);
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get();
        }
    }

    /**
     * Claims and completes the {@code tasks} queued tasks with every worker; returns tasks per second, from the
     * workers' start to the last Succeeded. Fails when a task is handed out twice or the work stalls.
     */
    double round(int tasks) throws Exception {
        AtomicInteger done = new AtomicInteger();
        AtomicLong progress = new AtomicLong(System.nanoTime());
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Future<?>> work = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            AgentTasks api = managers.get(t % managers.size()).tasks();
            int first = t * AGENTS_PER_THREAD;
            work.add(workers.submit(() -> {
                int k = 0;
                while (done.get() < tasks) {
                    Fleet.Member m = members[first + k];
                    k = (k + 1) % AGENTS_PER_THREAD;
                    List<TaskAssignment> claimed = api.claim(m.id(), m.thumbprint(), CLAIM_MAX);
                    for (TaskAssignment a : claimed) {
                        if (!seen.add(a.lease().taskId())) {
                            throw new IllegalStateException("task handed out twice: " + a.lease());
                        }
                        api.report(m.id(), m.thumbprint(), new TaskReport.Succeeded(a.lease(), TaskPayload.empty()));
                        done.incrementAndGet();
                        progress.set(System.nanoTime());
                    }
                    if (claimed.isEmpty() && System.nanoTime() - progress.get() > STALL_NANOS) {
                        throw new IllegalStateException(
                                "no task succeeded for 60 s: " + done.get() + " of " + tasks + " done");
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get();
        }
        double rate = tasks * 1e9 / (System.nanoTime() - start);
        if (done.get() != tasks || seen.size() != tasks) {
            throw new IllegalStateException(
                    done.get() + " completions of " + seen.size() + " tasks, " + tasks + " queued");
        }
        return rate;
    }

    /**
     * Checks the tables after a round of {@code tasks}: every task SUCCEEDED at attempt 1, with exactly one
     * finished attempt in the history, itself SUCCEEDED; and each replica counts {@code tasks} succeeded.
     */
    void check(int tasks) throws SQLException {
        long all = count("SELECT COUNT(*) FROM " + prefix + "tasks");
        long once = count("SELECT COUNT(*) FROM " + prefix + "tasks WHERE status = 'SUCCEEDED' AND attempt = 1");
        long attempts = count("SELECT COUNT(*) FROM " + prefix + "task_attempts");
        long succeeded = count("SELECT COUNT(DISTINCT task_id) FROM " + prefix
                + "task_attempts WHERE attempt = 1 AND outcome = 'SUCCEEDED'");
        List<Long> counted = new ArrayList<>();
        for (AgentManager m : managers) {
            counted.add(m.tasks().count(TaskStatus.SUCCEEDED));
        }
        boolean ok = all == tasks && once == tasks && attempts == tasks && succeeded == tasks;
        if (!ok || counted.stream().anyMatch(n -> n != tasks)) {
            throw new IllegalStateException(String.format(
                    Locale.ROOT,
                    "agentmanager: %d tasks queued; %d rows, %d SUCCEEDED at attempt 1, %d attempt rows, %d"
                            + " tasks with one SUCCEEDED attempt 1; replicas count %s SUCCEEDED",
                    tasks,
                    all,
                    once,
                    attempts,
                    succeeded,
                    counted));
        }
    }

    /** Empties the task tables between rounds, so that each round starts from the same table (untimed). */
    void clear() throws SQLException {
        try (Connection c = pools.get(0).getConnection();
                Statement s = c.createStatement()) {
            for (String table : List.of("tasks", "task_attempts", "task_logs")) {
                s.execute("TRUNCATE TABLE " + prefix + table);
            }
        }
    }

    private long count(String select) throws SQLException {
        try (Connection c = pools.get(0).getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(select)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
        managers.forEach(AgentManager::close);
        stores.forEach(JdbcAgentStore::close);
    }
}

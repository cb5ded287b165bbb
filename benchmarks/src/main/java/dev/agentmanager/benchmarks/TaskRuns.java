package dev.agentmanager.benchmarks;

import dev.agentmanager.AgentManager;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.TaskAssignment;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskTarget;
import dev.agentmanager.testkit.FakeCertificateService;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tasks in memory, two measurements in one child JVM.
 *
 * <p>The routine heartbeat with tasks enabled and none waiting against the same heartbeat without tasks: two
 * fleets of {@link HeartbeatBenchmark.Ours} (the suite's in-memory heartbeat: same fleet size, random beat order,
 * request decoding, a full collection after building), one of them built with an empty in-memory task store,
 * beaten in alternating slices ({@link Interleaved}, as {@link PeerRuns} does against Eureka) by one thread.
 *
 * <p>Claim and complete throughput: a fleet of agents (all matching), {@code tasks} tasks queued for any agent with
 * capability {@code docker}; each thread takes its share of the agents in turn, and each agent claims one task and
 * reports Started then Succeeded, until every task has succeeded. Submitting is not timed. One thread and two
 * threads alternate over the rounds; the figure is the median round.
 *
 * <pre>
 * java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.agentmanager.benchmarks.TaskRuns [agents] [rounds] [slice] [tasks]
 * </pre>
 *
 * Defaults: 100,000 agents, 10 heartbeat rounds of 2,000,000-beat slices, 20,000 tasks per claim round (for a fleet
 * of 1,000 agents, 3 rounds per thread count).
 */
public final class TaskRuns {
    static final double HEARTBEAT_TARGET = 0.95;
    private static final int CLAIM_FLEET = 1_000;
    private static final int CLAIM_ROUNDS = 3;

    private TaskRuns() {}

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        long slice = args.length > 2 ? Long.parseLong(args[2]) : 2_000_000;
        int tasks = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        Fleet.quietLogging();
        heartbeats(agents, rounds, slice);
        claims(Math.min(CLAIM_FLEET, agents), tasks);
        System.exit(0); // the managers' background threads
    }

    private static void heartbeats(int agents, int rounds, long slice) throws Exception {
        HeartbeatVariants.compare(
                "tasks.heartbeat", "with tasks enabled (none waiting)", o -> o.tasks = true, agents, rounds, slice);
    }

    private static void claims(int agents, int tasks) throws Exception {
        InMemoryAgentStore store = new InMemoryAgentStore();
        Instant now = Instant.now();
        Fleet.Member[] members = Fleet.register(store, agents, now, AgentStatus.ACTIVE, now.plusSeconds(3600));
        AgentManager manager = AgentManager.builder()
                .store(store)
                .taskStore(store.taskStore())
                .certificateService(new FakeCertificateService(Clock.systemUTC()))
                .build();
        AgentTasks api = manager.tasks();
        TaskRequest request = TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker")))
                .json("{\"service\":\"web\",\"version\":\"1.2\"}")
                .build();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        claimRound(api, members, request, tasks, 1, pool); // warm-up
        claimRound(api, members, request, tasks, 2, pool);
        double[][] rates = new double[2][CLAIM_ROUNDS];
        for (int r = 0; r < CLAIM_ROUNDS; r++) {
            for (int k = 0; k < 2; k++) {
                int threads = r % 2 == 0 ? k + 1 : 2 - k;
                rates[threads - 1][r] = claimRound(api, members, request, tasks, threads, pool);
            }
        }
        pool.shutdown();
        manager.close();
        for (int t = 1; t <= 2; t++) {
            double median = Interleaved.quantile(rates[t - 1], 0.5);
            System.out.printf(
                    Locale.ROOT,
                    "claim + Started + Succeeded, in memory, %d tasks, %d agents, %d thread%s: %.0f tasks/s (median of"
                            + " %d rounds)%n",
                    tasks,
                    agents,
                    t,
                    t == 1 ? "" : "s",
                    median,
                    CLAIM_ROUNDS);
            System.out.printf(Locale.ROOT, "RESULT tasks.claim.t%d %.1f%n", t, median);
        }
        System.out.printf(Locale.ROOT, "RESULT tasks.claim.tasks %d%nRESULT tasks.claim.agents %d%n", tasks, agents);
    }

    /** Queues {@code tasks} tasks (untimed), then claims and completes them all; returns tasks per second. */
    private static double claimRound(
            AgentTasks api, Fleet.Member[] members, TaskRequest request, int tasks, int threads, ExecutorService pool)
            throws Exception {
        for (int i = 0; i < tasks; i++) {
            api.submit(request);
        }
        AtomicInteger done = new AtomicInteger();
        List<Future<?>> work = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            work.add(pool.submit(() -> {
                int k = thread;
                while (done.get() < tasks) {
                    Fleet.Member m = members[k];
                    k += threads;
                    if (k >= members.length) {
                        k = thread;
                    }
                    for (TaskAssignment a : api.claim(m.id(), m.thumbprint(), 1)) {
                        api.report(m.id(), m.thumbprint(), new TaskReport.Started(a.lease()));
                        api.report(m.id(), m.thumbprint(), new TaskReport.Succeeded(a.lease(), TaskPayload.empty()));
                        done.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get();
        }
        double rate = tasks * 1e9 / (System.nanoTime() - start);
        if (done.get() != tasks) {
            throw new IllegalStateException(done.get() + " of " + tasks + " tasks completed");
        }
        return rate;
    }

    /** The suite's rows for this part, from the child's {@code RESULT} figures. */
    static List<String> rows(Map<String, Double> results) {
        List<String> rows = new ArrayList<>();
        rows.add(HeartbeatVariants.row(
                results,
                "tasks.heartbeat",
                "tasks enabled and none waiting vs without",
                "(without tasks)",
                HEARTBEAT_TARGET));
        for (int t = 1; t <= 2; t++) {
            Double rate = results.get("tasks.claim.t" + t);
            rows.add(
                    rate == null
                            ? "| task claim + complete, " + t + " thread(s) | missing | | | | |"
                            : String.format(
                                    Locale.ROOT,
                                    "| tasks/s claimed + Started + Succeeded, in memory, %,.0f queued for %,.0f agents, %d thread%s | %,.0f/s | | | reference | measured |",
                                    results.get("tasks.claim.tasks"),
                                    results.get("tasks.claim.agents"),
                                    t,
                                    t == 1 ? "" : "s",
                                    rate));
        }
        return rows;
    }
}

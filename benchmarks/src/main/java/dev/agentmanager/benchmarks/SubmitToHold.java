package dev.agentmanager.benchmarks;

import dev.agentmanager.AgentManager;
import dev.agentmanager.model.Heartbeat;
import dev.agentmanager.model.HeartbeatResponse;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.TaskAssignment;
import dev.agentmanager.task.TaskPayload;
import dev.agentmanager.task.TaskReport;
import dev.agentmanager.task.TaskRequest;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Submit → the agent holds the task. Per agent, a submitter thread pauses, submits a task the agent may take and
 * waits until the agent holds it; the agent's thread learns of it (a long-poll completing, or the hint in a
 * heartbeat response), claims it, and then reports Started and Succeeded (not timed) before it listens again. A
 * sample runs from just before {@code submit} to {@code claim} returning that task. Agents of a flow run in
 * parallel with independent phases; a submitter submits for its own agent only, so that samples do not race.
 */
final class SubmitToHold {
    /** How an agent learns that work waits. */
    enum Listen {
        /** {@code awaitWork} with a 30 s timeout, re-armed at once. */
        LONG_POLL,
        /** A heartbeat every interval (a fixed period: no jitter), claiming when its response says work waits. */
        HEARTBEAT
    }

    /**
     * One measurement: tasks submitted on {@code submitOn}, the agents listening and claiming on {@code agentOn}.
     */
    record Flow(
            String name,
            AgentManager submitOn,
            AgentManager agentOn,
            List<Fleet.Member> agents,
            Listen listen,
            Function<Fleet.Member, TaskRequest> request) {}

    private record Held(String taskId, long at) {}

    /**
     * A flow's outcome: the latencies (ms) of the tasks held, and how many were lost: not held within the patience
     * ({@code patienceMillis}), then cancelled so that the flow goes on.
     */
    record Result(double[] held, int lost, double patienceMillis) {
        /** Every sample, a lost one counted as the patience (a lower bound of its latency). */
        double[] censored() {
            double[] all = Arrays.copyOf(held, held.length + lost);
            Arrays.fill(all, held.length, all.length, patienceMillis);
            return all;
        }
    }

    static final int POLLERS = 8;
    static final int BEATERS = 10;
    /** The agents {@link #all} needs. */
    static final int AGENTS = 1 + POLLERS + 2 * BEATERS;

    private static final Duration AWAIT = Duration.ofSeconds(30);
    /** Past it a sample counts as lost: three times the default hint refresh, plus two heartbeats when beating. */
    private static final Duration PATIENCE = Duration.ofSeconds(3);
    /** Each agent's heartbeat sequence, across flows. */
    private static final Map<String, Long> SEQUENCES = new ConcurrentHashMap<>();

    private SubmitToHold() {}

    /**
     * Runs the flows at the same time, each until it has {@code samples} samples ({@code samples} divided among its
     * agents, rounded up) or a tenth of them (at least 3) are lost; returns each flow's result, by name. Heartbeat
     * agents beat every {@code interval}, and their submitters pause a random time in [0, {@code interval}) so that
     * submits land at random offsets between beats; long-poll submitters pause 50 to 100 ms (the agent has usually
     * settled in its long-poll again by then).
     */
    static Map<String, Result> measure(List<Flow> flows, int samples, Duration interval) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> agentThreads = new ArrayList<>();
        List<Thread> submitters = new ArrayList<>();
        List<AtomicReference<CompletableFuture<Boolean>>> polls = new ArrayList<>();
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        Map<String, AtomicInteger> lost = new LinkedHashMap<>();
        for (Flow flow : flows) {
            int perAgent = (samples + flow.agents().size() - 1) / flow.agents().size();
            List<double[]> mine = new ArrayList<>();
            results.put(flow.name(), mine);
            AtomicInteger flowLost = new AtomicInteger();
            lost.put(flow.name(), flowLost);
            int lostLimit = Math.max(3, samples / 10);
            Duration patience = patience(flow, interval);
            for (Fleet.Member agent : flow.agents()) {
                BlockingQueue<Held> held = new LinkedBlockingQueue<>();
                AtomicReference<CompletableFuture<Boolean>> poll = new AtomicReference<>();
                polls.add(poll);
                if (flow.listen() == Listen.HEARTBEAT) {
                    beat(flow.agentOn(), agent); // the first beat: a new boot epoch
                }
                Runnable listen = () -> {
                    if (flow.listen() == Listen.LONG_POLL) {
                        longPoll(flow.agentOn().tasks(), agent, held, poll, stop);
                    } else {
                        heartbeats(flow.agentOn(), agent, held, interval, stop);
                    }
                };
                double[] latencies = new double[perAgent];
                Arrays.fill(latencies, Double.NaN);
                mine.add(latencies);
                agentThreads.add(thread(flow.name() + "-agent", listen, failure));
                Set<String> abandoned = new HashSet<>();
                Runnable submitter = () -> {
                    for (int k = 0; k < perAgent && failure.get() == null && flowLost.get() < lostLimit; k++) {
                        latencies[k] = sample(flow, agent, held, interval, patience, flowLost, abandoned);
                    }
                };
                submitters.add(thread(flow.name() + "-submitter", submitter, failure));
            }
        }
        agentThreads.forEach(Thread::start);
        submitters.forEach(Thread::start);
        for (Thread t : submitters) {
            t.join();
        }
        stop.set(true);
        for (AtomicReference<CompletableFuture<Boolean>> poll : polls) {
            CompletableFuture<Boolean> f = poll.get();
            if (f != null) {
                f.complete(false);
            }
        }
        for (Thread t : agentThreads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("submit → hold failed", failure.get());
        }
        Map<String, Result> all = new LinkedHashMap<>();
        for (Flow flow : flows) {
            double[] held = results.get(flow.name()).stream()
                    .flatMapToDouble(Arrays::stream)
                    .filter(ms -> !Double.isNaN(ms) && ms >= 0)
                    .toArray();
            all.put(
                    flow.name(),
                    new Result(
                            held,
                            lost.get(flow.name()).get(),
                            patience(flow, interval).toMillis()));
        }
        return all;
    }

    /**
     * The part's flows, one after the other: long-poll on A of a task submitted on A (one agent, a task that
     * matches by capability); long-poll on B, then on B', of tasks submitted on A ({@value #POLLERS} agents, each
     * task for one of them); then both at once, heartbeat piggy-back on A and on B of tasks submitted on A
     * ({@value #BEATERS} agents each). Prints each flow's {@code RESULT} lines ({@code latency.<flow>.*}); returns
     * how many tasks were submitted. {@code agents} are {@link #AGENTS} ACTIVE agents with capability docker.
     */
    static int all(
            AgentManager a,
            AgentManager b,
            AgentManager bFast,
            List<Fleet.Member> agents,
            int samples,
            Duration interval,
            String payload)
            throws Exception {
        Fleet.Member single = agents.get(0);
        List<Fleet.Member> pollers = agents.subList(1, 1 + POLLERS);
        List<Fleet.Member> beatersA = agents.subList(1 + POLLERS, 1 + POLLERS + BEATERS);
        List<Fleet.Member> beatersB = agents.subList(1 + POLLERS + BEATERS, AGENTS);
        Function<Fleet.Member, TaskRequest> matching =
                m -> TaskRequest.builder("deploy", TaskTarget.matching(TaskSelector.capability("docker")))
                        .json(payload)
                        .build();
        Function<Fleet.Member, TaskRequest> targeted = m -> TaskRequest.builder("deploy", TaskTarget.agent(m.id()))
                .json(payload)
                .build();
        int submitted = 0;
        List<List<Flow>> runs = List.of(
                List.of(new Flow("longpoll.same", a, a, List.of(single), Listen.LONG_POLL, matching)),
                List.of(new Flow("longpoll.cross", a, b, pollers, Listen.LONG_POLL, targeted)),
                List.of(new Flow("longpoll.crossfast", a, bFast, pollers, Listen.LONG_POLL, targeted)),
                List.of(
                        new Flow("piggyback.same", a, a, beatersA, Listen.HEARTBEAT, targeted),
                        new Flow("piggyback.cross", a, b, beatersB, Listen.HEARTBEAT, targeted)));
        for (List<Flow> flows : runs) {
            long t = System.nanoTime();
            Map<String, Result> measured = measure(flows, samples, interval);
            System.out.printf(Locale.ROOT, "(%.1f s)%n", (System.nanoTime() - t) / 1e9);
            for (Flow flow : flows) {
                Result r = measured.get(flow.name());
                submitted += r.held().length + r.lost();
                String key = "latency." + flow.name();
                Latencies.of(r.censored())
                        .print(key, "submit → held, " + flow.name() + " (a lost sample counted as the patience)");
                TaskLatencyRuns.result(key + ".lost", r.lost());
                TaskLatencyRuns.result(key + ".patience", r.patienceMillis());
                if (r.held().length > 0) {
                    TaskLatencyRuns.result(key + ".held.p50", Interleaved.quantile(r.held(), 0.5));
                }
            }
        }
        return submitted;
    }

    private static Duration patience(Flow flow, Duration interval) {
        return flow.listen() == Listen.HEARTBEAT ? PATIENCE.plus(interval.multipliedBy(2)) : PATIENCE;
    }

    private static Thread thread(String name, Runnable body, AtomicReference<Throwable> failure) {
        Thread t = new Thread(
                () -> {
                    try {
                        body.run();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                },
                name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Pauses, submits a task for the agent and waits until the agent holds it: returns the latency in ms, or -1
     * when the agent did not hold it within the patience (the task is then cancelled, and counted in {@code lost}).
     */
    private static double sample(
            Flow flow,
            Fleet.Member agent,
            BlockingQueue<Held> held,
            Duration interval,
            Duration patience,
            AtomicInteger lost,
            Set<String> abandoned) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long pause = flow.listen() == Listen.HEARTBEAT
                ? random.nextLong(interval.toNanos())
                : TimeUnit.MILLISECONDS.toNanos(random.nextLong(50, 100));
        LockSupport.parkNanos(pause);
        long start = System.nanoTime();
        AgentTask task = flow.submitOn().tasks().submit(flow.request().apply(agent));
        try {
            while (System.nanoTime() - start < patience.toNanos()) {
                Held h = held.poll(100, TimeUnit.MILLISECONDS);
                if (h == null || abandoned.contains(h.taskId())) {
                    continue;
                }
                if (!h.taskId().equals(task.id())) {
                    throw new IllegalStateException(
                            flow.name() + ": the agent holds " + h.taskId() + ", not the task submitted " + task.id());
                }
                return (h.at() - start) / 1e6;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        lost.incrementAndGet();
        System.out.printf(
                Locale.ROOT,
                "%s: task %s for %s not held within %d ms: cancelled%n",
                flow.name(),
                task.id(),
                agent.id(),
                patience.toMillis());
        abandoned.add(task.id()); // the agent may still take it, racing the cancel: that hold is not a sample
        flow.submitOn().tasks().cancel(task.id());
        return -1;
    }

    private static void longPoll(
            AgentTasks tasks,
            Fleet.Member agent,
            BlockingQueue<Held> held,
            AtomicReference<CompletableFuture<Boolean>> poll,
            AtomicBoolean stop) {
        while (!stop.get()) {
            CompletableFuture<Boolean> f = tasks.awaitWork(agent.id(), agent.thumbprint(), AWAIT);
            poll.set(f); // so that the end can complete it
            if (stop.get()) {
                return;
            }
            if (f.join()) {
                claimAndRun(tasks, agent, held);
            }
        }
    }

    private static void heartbeats(
            AgentManager on, Fleet.Member agent, BlockingQueue<Held> held, Duration interval, AtomicBoolean stop) {
        long period = interval.toNanos();
        long next = System.nanoTime() + ThreadLocalRandom.current().nextLong(period);
        while (!stop.get()) {
            long wait;
            while ((wait = next - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            next += period;
            if (beat(on, agent).tasks().waiting() > 0) {
                claimAndRun(on.tasks(), agent, held);
            }
        }
    }

    private static HeartbeatResponse beat(AgentManager on, Fleet.Member agent) {
        long sequence = SEQUENCES.merge(agent.id(), 1L, Long::sum);
        return on.heartbeatProcessor().process(Heartbeat.of(agent.id(), agent.thumbprint(), 1, sequence));
    }

    /** Claims one task; the moment claim returns it is when the agent holds it. */
    private static void claimAndRun(AgentTasks tasks, Fleet.Member agent, BlockingQueue<Held> held) {
        for (TaskAssignment a : tasks.claim(agent.id(), agent.thumbprint(), 1)) {
            long at = System.nanoTime();
            tasks.report(agent.id(), agent.thumbprint(), new TaskReport.Started(a.lease()));
            tasks.report(agent.id(), agent.thumbprint(), new TaskReport.Succeeded(a.lease(), TaskPayload.empty()));
            held.add(new Held(a.lease().taskId(), at));
        }
    }
}

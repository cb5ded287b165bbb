package dev.agentmanager;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.spi.QueueSummary;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskDirectives;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStop;
import dev.agentmanager.task.TaskTarget;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Push hints, pull claims: what tells an agent that work may wait for it, without deciding anything. A replica keeps
 * the queue's summary ({@link TaskStore#queueSummary}) read at most every {@code hintRefresh} and counts its own
 * submissions into it at once; heartbeat responses and long-polls answer from it. A hint may be late, early or
 * duplicated; the claim is what decides.
 */
final class TaskHints {
    private static final System.Logger LOG = System.getLogger(TaskHints.class.getName());
    private static final int SUMMARY_LIMIT = 100_000;

    private final TaskStore store;
    private final long refreshNanos;
    private final ReentrantLock refreshing = new ReentrantLock();
    private volatile Snapshot snapshot;
    private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();
    /** Changes whenever what this replica knows of the queue changes (a local submission, a different summary). */
    private final AtomicLong generation = new AtomicLong();
    /** Agents whose last claim came back short, with the generation then: no hint for them until it changes. */
    private final Map<String, Long> emptyAt = new ConcurrentHashMap<>();

    TaskHints(TaskStore store, Duration hintRefresh) {
        this.store = store;
        this.refreshNanos = hintRefresh.toNanos();
        // read at "one interval ago" (never a far-off value: nanoTime differences must not overflow)
        this.snapshot =
                new Snapshot(QueueSummary.empty(), Map.of(), Map.of(), Map.of(), System.nanoTime() - refreshNanos);
    }

    /** The summary as read, plus this replica's submissions since. */
    private record Snapshot(
            QueueSummary summary,
            Map<String, Integer> localByAgent,
            Map<String, Integer> localByCapability,
            Map<String, List<TaskLease>> localCancels,
            long readAt) {

        /** Nothing queued and no cancel pending, as far as this replica knows. */
        boolean isQuiet() {
            return summary.byAgent().isEmpty()
                    && summary.byCapability().isEmpty()
                    && summary.cancelRequests().isEmpty()
                    && localByAgent.isEmpty()
                    && localByCapability.isEmpty()
                    && localCancels.isEmpty();
        }
    }

    private record Waiter(Agent agent, CompletableFuture<Boolean> future) {}

    /** How many tasks may wait for this agent, as far as this replica knows. */
    int waitingFor(Agent agent) {
        return waitingFor(agent, current());
    }

    private int waitingFor(Agent agent, Snapshot s) {
        if (agent.status() != AgentStatus.ACTIVE || s.isQuiet()) {
            return 0;
        }
        Long empty = emptyAt.get(agent.id());
        if (empty != null && empty == generation.get()) {
            return 0; // it just found nothing to claim, and nothing changed since: no busy loop
        }
        int n = s.summary().byAgent().getOrDefault(agent.id(), 0)
                + s.localByAgent().getOrDefault(agent.id(), 0);
        n += s.summary().byCapability().getOrDefault("", 0)
                + s.localByCapability().getOrDefault("", 0);
        for (Capability c : agent.capabilities()) {
            n += s.summary().byCapability().getOrDefault(c.name(), 0)
                    + s.localByCapability().getOrDefault(c.name(), 0);
        }
        return n;
    }

    /** The heartbeat's task part: waiting work, and which of the attempts the agent says it holds to stop. */
    TaskDirectives directives(Agent agent, List<TaskLease> held) {
        Snapshot snap = current();
        if (held.isEmpty() && snap.isQuiet()) {
            return TaskDirectives.none(); // the routine beat: nothing queued, nothing to stop; the agent is not read
        }
        int waiting = waitingFor(agent, snap);
        List<TaskLease> summaryCancels = snap.summary().cancelRequests().get(agent.id());
        List<TaskLease> localCancels = snap.localCancels().get(agent.id());
        if (held.isEmpty() && summaryCancels == null && localCancels == null) { // the routine beat: no allocation
            return waiting == 0 ? TaskDirectives.none() : new TaskDirectives(waiting, List.of());
        }
        List<TaskStop> stop = new ArrayList<>();
        if (!held.isEmpty()) {
            Map<String, AgentTask> tasks = new HashMap<>();
            for (AgentTask t : store.findTasks(
                    held.stream().map(TaskLease::taskId).distinct().toList())) {
                tasks.put(t.id(), t);
            }
            for (TaskLease lease : held) {
                AgentTask t = tasks.get(lease.taskId());
                if (t == null) {
                    stop.add(new TaskStop(lease, TaskStop.Reason.UNKNOWN));
                } else if (!t.status().isHeld()
                        || t.state().attempt() != lease.attempt()
                        || !agent.id().equals(t.state().agentId())) {
                    stop.add(new TaskStop(lease, TaskStop.Reason.SUPERSEDED));
                } else if (t.state().cancelRequested()) {
                    stop.add(new TaskStop(lease, TaskStop.Reason.CANCEL));
                }
            }
        } else { // the agent does not say what it holds: pass on the cancels this replica knows of
            Set<TaskLease> cancelling = new LinkedHashSet<>();
            cancelling.addAll(summaryCancels == null ? List.of() : summaryCancels);
            cancelling.addAll(localCancels == null ? List.of() : localCancels);
            cancelling.forEach(lease -> stop.add(new TaskStop(lease, TaskStop.Reason.CANCEL)));
        }
        return waiting == 0 && stop.isEmpty() ? TaskDirectives.none() : new TaskDirectives(waiting, stop);
    }

    /** What this replica knows of the queue, as a number that changes with it; read before a claim. */
    long generation() {
        return generation.get();
    }

    /**
     * A claim on this replica came back with fewer tasks than asked for ({@code exhausted}) or not; {@code before}
     * is the {@link #generation()} read before the claim, so that a task submitted while it ran is still hinted.
     */
    void claimed(String agentId, boolean exhausted, long before) {
        if (exhausted) {
            emptyAt.put(agentId, before);
        } else {
            emptyAt.remove(agentId);
        }
    }

    /** A task was submitted on this replica: count it at once and wake the agents that may claim it. */
    synchronized void submitted(AgentTask task) {
        generation.incrementAndGet();
        Snapshot s = snapshot;
        Map<String, Integer> byAgent = new HashMap<>(s.localByAgent());
        Map<String, Integer> byCapability = new HashMap<>(s.localByCapability());
        if (task.request().target() instanceof TaskTarget.OneAgent one) {
            byAgent.merge(one.agentId(), 1, Integer::sum);
            wake(one.agentId(), null);
        } else {
            TaskSelector selector = ((TaskTarget.AnyAgent) task.request().target()).selector();
            String key = selector.firstCapabilityName();
            byCapability.merge(key == null ? "" : key, 1, Integer::sum);
            for (String agentId : List.copyOf(waiters.keySet())) {
                wake(agentId, selector);
            }
        }
        snapshot = new Snapshot(s.summary(), byAgent, byCapability, s.localCancels(), s.readAt());
    }

    /** A cancel was requested on this replica: tell the holding agent from its next heartbeat on. */
    synchronized void cancelRequested(String agentId, TaskLease lease) {
        Snapshot s = snapshot;
        Map<String, List<TaskLease>> cancels = new HashMap<>(s.localCancels());
        List<TaskLease> leases = new ArrayList<>(cancels.getOrDefault(agentId, List.of()));
        leases.add(lease);
        cancels.put(agentId, List.copyOf(leases));
        snapshot = new Snapshot(s.summary(), s.localByAgent(), s.localByCapability(), Map.copyOf(cancels), s.readAt());
    }

    /** Completes with true when work may wait for the agent, false after {@code timeout}. */
    CompletableFuture<Boolean> await(Agent agent, Duration timeout) {
        CompletableFuture<Boolean> future = new CompletableFuture<>();
        if (waitingFor(agent) > 0) {
            future.complete(true);
            return future;
        }
        Waiter waiter = new Waiter(agent, future);
        waiters.computeIfAbsent(agent.id(), k -> new CopyOnWriteArrayList<>()).add(waiter);
        future.completeOnTimeout(false, timeout.toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((r, e) -> waiters.computeIfPresent(agent.id(), (k, list) -> {
                    list.remove(waiter);
                    return list.isEmpty() ? null : list;
                }));
        return future;
    }

    /** Reads the queue again if the snapshot is older than the refresh interval and wakes whom it concerns. */
    void refreshIfDue() {
        if (System.nanoTime() - snapshot.readAt() < refreshNanos || !refreshing.tryLock()) {
            return;
        }
        try {
            long readAt = System.nanoTime();
            QueueSummary summary = store.queueSummary(SUMMARY_LIMIT);
            Snapshot old = snapshot;
            if (!summary.equals(old.summary())
                    || !old.localByAgent().isEmpty()
                    || !old.localByCapability().isEmpty()) {
                generation.incrementAndGet();
            }
            snapshot = new Snapshot(summary, Map.of(), Map.of(), Map.of(), readAt);
            for (String agentId : List.copyOf(waiters.keySet())) {
                for (Waiter w : waiters.getOrDefault(agentId, List.of())) {
                    if (waitingFor(w.agent()) > 0) {
                        w.future().complete(true);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "reading the task queue for hints failed; keeping the last summary", e);
        } finally {
            refreshing.unlock();
        }
    }

    /** Whether agents wait on this replica (a background refresh is then worth it). */
    boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    private Snapshot current() {
        refreshIfDue();
        return snapshot;
    }

    private void wake(String agentId, @org.jspecify.annotations.Nullable TaskSelector selector) {
        for (Waiter w : waiters.getOrDefault(agentId, List.of())) {
            if (selector == null || selector.matches(w.agent())) {
                w.future().complete(true);
            }
        }
    }
}

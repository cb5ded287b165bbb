package dev.agentmanager.store.inmemory;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.spi.QueueSummary;
import dev.agentmanager.spi.TaskClaimQuery;
import dev.agentmanager.spi.TaskClaimer;
import dev.agentmanager.spi.TaskStore;
import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.TaskAttempt;
import dev.agentmanager.task.TaskLease;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskSelector;
import dev.agentmanager.task.TaskStatus;
import dev.agentmanager.task.TaskTarget;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Tasks in memory, for tests and a single node: the {@link TaskStore} role beside an {@link InMemoryAgentStore}.
 * One lock guards everything, so every operation is atomic; indexes keep claims and due-task look-ups in
 * proportion to what they return.
 */
public final class InMemoryTaskStore implements TaskStore {
    /** Claim order: priority descending, then creation, then id. */
    private static final Comparator<AgentTask> CLAIM_ORDER = Comparator.comparingInt(
                    (AgentTask t) -> -t.request().priority())
            .thenComparing(AgentTask::createdAt)
            .thenComparing(AgentTask::id);

    private static final Comparator<AgentTask> DEADLINE_ORDER = Comparator.comparing(
                    (AgentTask t) -> requireNonNull(t.state().deadline()))
            .thenComparing(AgentTask::id);

    private final NavigableMap<String, AgentTask> tasks = new TreeMap<>();
    private final Map<String, String> idsByKey = new HashMap<>();
    private final TreeSet<AgentTask> queued = new TreeSet<>(CLAIM_ORDER);
    private final TreeSet<AgentTask> unfinished = new TreeSet<>(DEADLINE_ORDER);
    private final Map<String, Set<String>> heldByAgent = new HashMap<>();
    private final Map<String, List<TaskAttempt>> attempts = new HashMap<>();
    private final Map<TaskLease, ByteArrayOutputStream> logs = new HashMap<>();

    @Override
    public synchronized AgentTask insertTask(AgentTask task) {
        requireNonNull(task, "task");
        String key = task.request().idempotencyKey();
        if (key != null && idsByKey.containsKey(key)) {
            return requireNonNull(tasks.get(idsByKey.get(key)));
        }
        if (tasks.containsKey(task.id())) {
            throw new IllegalStateException("task exists: " + task.id());
        }
        AgentTask stored = task.withVersion(1);
        if (key != null) {
            idsByKey.put(key, task.id());
        }
        index(stored);
        return stored;
    }

    @Override
    public synchronized Optional<AgentTask> findTask(String taskId) {
        return Optional.ofNullable(tasks.get(taskId));
    }

    @Override
    public synchronized List<AgentTask> findTasks(TaskQuery query) {
        Map<String, AgentTask> from = query.afterId() == null ? tasks : tasks.tailMap(query.afterId(), false);
        List<AgentTask> result = new ArrayList<>();
        for (AgentTask t : from.values()) {
            if (query.matches(t)) {
                result.add(t);
                if (result.size() == query.limit()) {
                    break;
                }
            }
        }
        return result;
    }

    @Override
    public synchronized long countTasks(TaskStatus status) {
        return tasks.values().stream().filter(t -> t.status() == status).count();
    }

    @Override
    public synchronized Optional<AgentTask> updateTask(AgentTask updated, long expectedVersion, TaskAttempt ended) {
        Optional<AgentTask> stored = updateTask(updated, expectedVersion);
        stored.ifPresent(
                t -> attempts.computeIfAbsent(t.id(), k -> new ArrayList<>()).add(requireNonNull(ended)));
        return stored;
    }

    @Override
    public synchronized Optional<AgentTask> updateTask(AgentTask updated, long expectedVersion) {
        AgentTask current = tasks.get(updated.id());
        if (current == null || current.version() != expectedVersion) {
            return Optional.empty();
        }
        return Optional.of(replace(current, updated));
    }

    private AgentTask replace(AgentTask current, AgentTask updated) {
        unindex(current);
        AgentTask stored = updated.withVersion(current.version() + 1);
        index(stored);
        return stored;
    }

    @Override
    public synchronized List<AgentTask> claimTasks(TaskClaimQuery query, TaskClaimer claimer) {
        int held = heldByAgent.getOrDefault(query.agentId(), Set.of()).size();
        List<AgentTask[]> decisions = new ArrayList<>(); // {candidate, claimed}
        Map<String, Long> groupsTaken = new HashMap<>();
        int examined = 0;
        for (AgentTask candidate : queued) { // in claim order; written after the walk
            if (decisions.size() >= query.max() || held >= query.capacity() || examined >= query.scanLimit()) {
                break;
            }
            if (!isCandidate(candidate, query)) {
                continue;
            }
            examined++;
            String group = candidate.request().concurrencyGroup();
            if (group != null
                    && heldInGroup(group) + groupsTaken.getOrDefault(group, 0L)
                            >= candidate.request().concurrencyLimit()) {
                continue;
            }
            AgentTask decided = claimer.claim(candidate);
            if (decided == null) {
                continue;
            }
            decisions.add(new AgentTask[] {candidate, decided});
            if (group != null) {
                groupsTaken.merge(group, 1L, Long::sum);
            }
            held++;
        }
        List<AgentTask> claimed = new ArrayList<>(decisions.size());
        for (AgentTask[] d : decisions) {
            claimed.add(replace(d[0], d[1]));
        }
        return claimed;
    }

    private static boolean isCandidate(AgentTask task, TaskClaimQuery query) {
        if (task.request().target() instanceof TaskTarget.OneAgent one) {
            return one.agentId().equals(query.agentId());
        }
        String first =
                ((TaskTarget.AnyAgent) task.request().target()).selector().firstCapabilityName();
        return first == null || query.capabilityNames().contains(first);
    }

    private long heldInGroup(String group) {
        return heldByAgent.values().stream()
                .flatMap(Set::stream)
                .map(tasks::get)
                .filter(t -> t != null && group.equals(t.request().concurrencyGroup()))
                .count();
    }

    @Override
    public synchronized List<AgentTask> findTasksDueBy(Instant now, int limit) {
        List<AgentTask> due = new ArrayList<>();
        for (AgentTask t : unfinished) {
            if (due.size() >= limit || requireNonNull(t.state().deadline()).isAfter(now)) {
                break;
            }
            due.add(t);
        }
        return due;
    }

    @Override
    public synchronized List<AgentTask> findHeldTasks(String agentId) {
        return heldByAgent.getOrDefault(agentId, Set.of()).stream()
                .sorted()
                .map(tasks::get)
                .toList();
    }

    @Override
    public synchronized List<AgentTask> findTasks(List<String> taskIds) {
        List<AgentTask> found = new ArrayList<>();
        for (String id : new HashSet<>(taskIds)) {
            AgentTask t = tasks.get(id);
            if (t != null) {
                found.add(t);
            }
        }
        return found;
    }

    @Override
    public synchronized List<TaskAttempt> findAttempts(String taskId) {
        return List.copyOf(attempts.getOrDefault(taskId, List.of()));
    }

    @Override
    public synchronized void recordLateReport(String taskId, int attempt, String report) {
        List<TaskAttempt> history = attempts.get(taskId);
        if (history == null) {
            return;
        }
        for (int i = 0; i < history.size(); i++) {
            TaskAttempt a = history.get(i);
            if (a.attempt() == attempt) {
                history.set(
                        i,
                        new TaskAttempt(
                                a.taskId(),
                                a.attempt(),
                                a.agentId(),
                                a.claimedAt(),
                                a.startedAt(),
                                a.endedAt(),
                                a.outcome(),
                                a.reason(),
                                report));
            }
        }
    }

    @Override
    public synchronized long appendLog(String taskId, int attempt, long offset, byte[] chunk) {
        if (!tasks.containsKey(taskId)) {
            return 0;
        }
        ByteArrayOutputStream log =
                logs.computeIfAbsent(new TaskLease(taskId, attempt), k -> new ByteArrayOutputStream());
        if (log.size() == offset) {
            log.write(chunk, 0, chunk.length);
        }
        return log.size();
    }

    @Override
    public synchronized byte[] readLog(String taskId, int attempt, long offset, int maxBytes) {
        ByteArrayOutputStream log = logs.get(new TaskLease(taskId, attempt));
        if (log == null || offset >= log.size()) {
            return new byte[0];
        }
        byte[] all = log.toByteArray();
        return Arrays.copyOfRange(all, (int) offset, (int) Math.min(all.length, offset + maxBytes));
    }

    @Override
    public synchronized QueueSummary queueSummary(int limit) {
        Map<String, Integer> byAgent = new HashMap<>();
        Map<String, Integer> byCapability = new HashMap<>();
        int counted = 0;
        long mark = 0;
        for (AgentTask t : queued) {
            if (counted++ >= limit) {
                break;
            }
            mark += QueueSummary.markOf(t.id(), t.version());
            if (t.request().target() instanceof TaskTarget.OneAgent one) {
                byAgent.merge(one.agentId(), 1, Integer::sum);
            } else {
                TaskSelector selector = ((TaskTarget.AnyAgent) t.request().target()).selector();
                String first = selector.firstCapabilityName();
                byCapability.merge(first == null ? "" : first, 1, Integer::sum);
            }
        }
        Map<String, List<TaskLease>> cancels = new HashMap<>();
        heldByAgent.forEach((agent, ids) -> ids.stream()
                .map(tasks::get)
                .filter(t -> t != null && t.state().cancelRequested())
                .forEach(t ->
                        cancels.computeIfAbsent(agent, k -> new ArrayList<>()).add(t.lease())));
        return new QueueSummary(byAgent, byCapability, cancels, mark);
    }

    @Override
    public synchronized int deleteFinishedTasks(Instant before, int limit) {
        List<AgentTask> old = tasks.values().stream()
                .filter(t -> t.status().isFinished()
                        && requireNonNull(t.state().finishedAt()).isBefore(before))
                .limit(limit)
                .toList();
        for (AgentTask t : old) {
            unindex(t);
            tasks.remove(t.id());
            attempts.remove(t.id());
            logs.keySet().removeIf(lease -> lease.taskId().equals(t.id()));
            String key = t.request().idempotencyKey();
            if (key != null) {
                idsByKey.remove(key, t.id());
            }
        }
        return old.size();
    }

    private void index(AgentTask t) {
        tasks.put(t.id(), t);
        if (t.status() == TaskStatus.QUEUED) {
            queued.add(t);
        }
        if (!t.status().isFinished()) {
            unfinished.add(t);
        }
        if (t.status().isHeld()) {
            heldByAgent
                    .computeIfAbsent(requireNonNull(t.state().agentId()), k -> new HashSet<>())
                    .add(t.id());
        }
    }

    private void unindex(AgentTask t) {
        queued.remove(t);
        if (!t.status().isFinished()) {
            unfinished.remove(t);
        }
        if (t.status().isHeld()) {
            Set<String> ids = heldByAgent.get(requireNonNull(t.state().agentId()));
            if (ids != null) {
                ids.remove(t.id());
                if (ids.isEmpty()) {
                    heldByAgent.remove(t.state().agentId());
                }
            }
        }
    }
}

package dev.agentmanager.benchmarks;

import dev.agentmanager.task.AgentTask;
import dev.agentmanager.task.AgentTasks;
import dev.agentmanager.task.TaskAttempt;
import dev.agentmanager.task.TaskQuery;
import dev.agentmanager.task.TaskState;
import dev.agentmanager.task.TaskStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The invariants of a chaos run, checked against the durable record after the run: every task as the store keeps it
 * ({@link AgentTasks#find(TaskQuery)}) and each task's finished attempts ({@link AgentTasks#attempts}), held against
 * what the agents saw ({@link ChaosLedger}).
 *
 * <p>Why the durable record is the witness: the library stores every change before it publishes its event, and a
 * replica killed with {@code SIGKILL} takes its unpublished events with it; so "lost without an event saying so"
 * is judged by what any replica's listener could have learnt at the earliest, the stored attempt history and task
 * state. An attempt that ended has a history row with its outcome and, unless it succeeded, a reason; a task that
 * ended other than SUCCEEDED says why in its reason.
 *
 * <p>Invariants (each a count that must be 0):
 *
 * <ul>
 *   <li>{@code claims.duplicate}: one (task, attempt) received by agents twice;
 *   <li>{@code claims.mismatch}: an attempt an agent received that the record gives another agent, or does not
 *       have;
 *   <li>{@code tasks.unfinished}: a task not in a finished status when the run ended;
 *   <li>{@code submissions.unmatched}: a submitted key without its task, or a key held by more than one task;
 *   <li>{@code lost.silent}: an attempt without its history row, a history row or finished task that ended
 *       other than SUCCEEDED without a reason, a row whose outcome contradicts what followed it, or a success a
 *       replica acknowledged that the task does not end with;
 *   <li>{@code unstarted.not_requeued}: an attempt that ended without a start and was neither queued again nor
 *       ended its task with the reason that too many claims never started;
 *   <li>{@code started.beyond_policy}: a task not marked idempotent with more than one started attempt, or an
 *       idempotent one with more than its retry policy allows.
 * </ul>
 *
 * <p>Observed, not an invariant: {@code attempts.ended_by_stale_restart}, attempts that ended because their agent
 * "restarted" (boot epoch a → b) although the agent received the claim already in epoch b: a replica that learns
 * of a restart late ends attempts the agent took after it.
 */
final class ChaosChecker {
    /** The invariant counts, in the order they print. */
    static final List<String> INVARIANTS = List.of(
            "claims.duplicate",
            "claims.mismatch",
            "tasks.unfinished",
            "submissions.unmatched",
            "lost.silent",
            "unstarted.not_requeued",
            "started.beyond_policy");

    private static final int PAGE = 5_000;
    private static final int MAX_DETAILS = 20;

    private final AgentTasks api;
    private final ChaosLedger ledger;
    private final Map<String, Long> counts = new LinkedHashMap<>();
    private final List<String> details = new ArrayList<>();
    private final Map<String, Long> reasons = new HashMap<>();

    private ChaosChecker(AgentTasks api, ChaosLedger ledger) {
        this.api = api;
        this.ledger = ledger;
        INVARIANTS.forEach(k -> counts.put(k, 0L));
        for (TaskStatus s : TaskStatus.values()) { // printed even when none
            counts.put("tasks." + s.name().toLowerCase(Locale.ROOT), 0L);
            counts.put("attempts." + s.name().toLowerCase(Locale.ROOT), 0L);
        }
        List.of("attempts.unstarted", "attempts.late_report", "attempts.ended_by_stale_restart")
                .forEach(k -> counts.put(k, 0L));
    }

    /**
     * The counts (invariants and what the record says happened), the first violations described, and how many
     * attempts ended for each reason other than success (numbers and ids left out).
     */
    record Findings(Map<String, Long> counts, List<String> details, Map<String, Long> reasons) {
        boolean holds() {
            return INVARIANTS.stream().allMatch(k -> counts.getOrDefault(k, 0L) == 0);
        }
    }

    /** Checks every task of the run; {@code submitted} tasks were keyed {@code task-0 ..}. */
    static Findings check(AgentTasks api, ChaosLedger ledger, long submitted) {
        ChaosChecker c = new ChaosChecker(api, ledger);
        c.run(submitted);
        return new Findings(Map.copyOf(c.counts), List.copyOf(c.details), Map.copyOf(c.reasons));
    }

    private void count(String key, long n) {
        counts.merge(key, n, Long::sum);
    }

    private void violation(String key, String detail) {
        count(key, 1);
        if (details.size() < MAX_DETAILS) {
            details.add(key + ": " + detail);
        }
    }

    private void run(long submitted) {
        Set<String> keys = new HashSet<>();
        Map<String, Integer> claimsLeft = new HashMap<>();
        ledger.claims().keySet().forEach(k -> claimsLeft.put(k, 1));
        long duplicates = ledger.get("claims.duplicate");
        if (duplicates > 0) {
            counts.put("claims.duplicate", duplicates);
            details.add("claims.duplicate: " + duplicates + " (printed as DUPLICATE CLAIM lines)");
        }
        String after = null;
        while (true) {
            TaskQuery query = new TaskQuery(Set.of(), null, null, after, PAGE);
            List<AgentTask> page = api.find(query);
            for (AgentTask task : page) {
                String key = task.request().idempotencyKey();
                if (key == null || !keys.add(key)) {
                    violation("submissions.unmatched", "task " + task.id() + " repeats key " + key);
                }
                check(task, claimsLeft);
            }
            if (page.size() < PAGE) {
                break;
            }
            after = page.get(page.size() - 1).id();
        }
        for (long n = 0; n < submitted; n++) {
            if (!keys.contains(ChaosReplica.key(n))) {
                violation("submissions.unmatched", "no task for key " + ChaosReplica.key(n));
            }
        }
        for (String lease : claimsLeft.keySet()) {
            violation("claims.mismatch", "claim " + lease + " received, but its task is not in the store");
        }
        count("tasks", keys.size());
    }

    private void check(AgentTask task, Map<String, Integer> claimsLeft) {
        String id = task.id();
        TaskState s = task.state();
        TaskStatus status = task.status();
        count("tasks." + status.name().toLowerCase(Locale.ROOT), 1);
        if (!status.isFinished()) {
            violation("tasks.unfinished", id + " is " + status);
        }
        if (status.isFinished() && status != TaskStatus.SUCCEEDED && s.reason() == null) {
            violation("lost.silent", id + " ended " + status + " without a reason");
        }
        Map<Integer, TaskAttempt> history = new HashMap<>();
        for (TaskAttempt a : api.attempts(id)) {
            history.put(a.attempt(), a);
        }
        int last = s.attempt();
        int recorded = status.isHeld() ? last - 1 : last; // a held attempt has not ended yet
        int started = status.isHeld() && s.startedAt() != null ? 1 : 0;
        count("attempts", history.size());
        for (int k = 1; k <= last; k++) {
            String lease = ChaosLedger.lease(id, k);
            claimsLeft.remove(lease);
            TaskAttempt a = history.get(k);
            String agent = a != null ? a.agentId() : k == last && status.isHeld() ? s.agentId() : null;
            ChaosLedger.Claim seen = ledger.claim(id, k);
            if (seen != null && !seen.agentId().equals(agent)) {
                violation("claims.mismatch", lease + " received by " + seen.agentId() + ", recorded for " + agent);
            }
            if (k > recorded) {
                continue;
            }
            if (a == null) {
                violation("lost.silent", lease + " ended without a history row (task " + status + ")");
                continue;
            }
            attempt(task, a, k == last, seen);
            started += a.startedAt() != null ? 1 : 0;
        }
        for (int k : history.keySet()) {
            if (k > recorded) {
                violation("lost.silent", ChaosLedger.lease(id, k) + " in history beyond the task's attempt " + last);
            }
        }
        int allowed =
                task.request().retry().idempotent() ? task.request().retry().maxAttempts() : 1;
        if (started > allowed) {
            violation(
                    "started.beyond_policy",
                    id + " started " + started + " times, retry "
                            + task.request().retry());
        }
        count("attempts.started", started);
        Integer acknowledged = ledger.acknowledgedSuccesses().get(id);
        if (acknowledged != null && (status != TaskStatus.SUCCEEDED || last != acknowledged)) {
            violation(
                    "lost.silent",
                    id + " attempt " + acknowledged + " acknowledged SUCCEEDED, task ends " + status + " attempt "
                            + last);
        }
    }

    /** One ended attempt: its row must say how it ended and why, and agree with what followed. */
    private void attempt(AgentTask task, TaskAttempt a, boolean isLast, ChaosLedger.Claim seen) {
        String lease = ChaosLedger.lease(task.id(), a.attempt());
        TaskStatus outcome = a.outcome();
        count("attempts." + outcome.name().toLowerCase(Locale.ROOT), 1);
        if (a.lateReport() != null) {
            count("attempts.late_report", 1);
        }
        if (a.reason() != null) {
            String general = a.reason()
                    .replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<agent>")
                    .replaceAll("[0-9]+", "<n>");
            reasons.merge(outcome + ": " + general, 1L, Long::sum);
        }
        if (outcome != TaskStatus.SUCCEEDED && a.reason() == null) {
            violation("lost.silent", lease + " ended " + outcome + " without a reason");
        }
        TaskStatus expected = isLast && task.status() != TaskStatus.QUEUED && !queuedThenEnded(task)
                ? task.status()
                : TaskStatus.QUEUED;
        if (outcome != expected) {
            violation("lost.silent", lease + " ended " + outcome + ", but " + expected + " follows it");
        }
        if (a.startedAt() == null) {
            count("attempts.unstarted", 1);
            boolean capped = outcome == TaskStatus.TIMED_OUT && contains(a.reason(), r -> r.contains("never started"));
            if (outcome != TaskStatus.QUEUED && !capped) {
                violation("unstarted.not_requeued", lease + " never started and ended " + outcome + ": " + a.reason());
            }
        }
        String reason = a.reason();
        int arrow = reason == null ? -1 : reason.indexOf("restarted (boot epoch ");
        if (arrow >= 0 && seen != null) {
            // "restarted (boot epoch 1 → 2)": spurious if the agent received the claim already in epoch 2
            String tail =
                    reason.substring(reason.indexOf('→') + 1).replace(")", "").trim();
            long newEpoch = Long.parseLong(tail.split("\\s")[0]);
            if (seen.bootEpoch() >= newEpoch) {
                count("attempts.ended_by_stale_restart", 1);
                if (details.size() < MAX_DETAILS) {
                    details.add("observed: " + lease + " claimed by its agent in epoch " + seen.bootEpoch()
                            + ", ended as " + outcome + ": " + reason);
                }
            }
        }
    }

    /** A task whose last attempt was queued again and which then timed out or was cancelled while queued. */
    private static boolean queuedThenEnded(AgentTask task) {
        return task.status().isFinished() && task.state().claimedAt() == null;
    }

    private static boolean contains(String s, Predicate<String> test) {
        return s != null && test.test(s);
    }
}

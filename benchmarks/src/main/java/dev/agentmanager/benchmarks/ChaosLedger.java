package dev.agentmanager.benchmarks;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the simulated agents and the driver saw during a chaos run, for {@link ChaosChecker} to hold against the
 * durable record: every claim an agent received (task, attempt, agent, the agent's boot epoch then), every success
 * a replica acknowledged, and counters of what happened (faults injected, calls retried).
 */
final class ChaosLedger {
    /** One claim as an agent received it. */
    record Claim(String agentId, long bootEpoch) {}

    private final Map<String, Claim> claims = new ConcurrentHashMap<>();
    private final Map<String, Integer> succeeded = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    /** Records a claim an agent received; false if this (task, attempt) had been received before. */
    boolean claimed(String taskId, int attempt, String agentId, long bootEpoch) {
        add("claims", 1);
        Claim before = claims.putIfAbsent(lease(taskId, attempt), new Claim(agentId, bootEpoch));
        if (before != null) {
            add("claims.duplicate", 1);
            System.out.println("DUPLICATE CLAIM " + lease(taskId, attempt) + " by " + agentId + " (first by "
                    + before.agentId() + ")");
            return false;
        }
        return true;
    }

    /** A replica acknowledged the success of this attempt. */
    void succeeded(String taskId, int attempt) {
        succeeded.put(taskId, attempt);
    }

    /** The claim of this attempt the agents saw, or null. */
    Claim claim(String taskId, int attempt) {
        return claims.get(lease(taskId, attempt));
    }

    Map<String, Claim> claims() {
        return claims;
    }

    Map<String, Integer> acknowledgedSuccesses() {
        return succeeded;
    }

    void add(String counter, long n) {
        counters.computeIfAbsent(counter, k -> new LongAdder()).add(n);
    }

    long get(String counter) {
        LongAdder a = counters.get(counter);
        return a == null ? 0 : a.sum();
    }

    /** Every counter, by name. */
    Map<String, Long> counters() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    static String lease(String taskId, int attempt) {
        return taskId + ":" + attempt;
    }
}

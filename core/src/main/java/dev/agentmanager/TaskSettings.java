package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.task.TaskTimeouts;
import java.time.Duration;

/**
 * How tasks behave. Start from {@link #defaults()} and change what differs.
 *
 * @param timeouts the timeouts of a task submitted without its own
 * @param agentCapacity the most tasks one agent holds at once
 * @param lostAfter how long a started attempt of an agent that went INACTIVE for missed heartbeats waits for it
 *     to come back before it is declared lost (a disconnected agent is not a dead one)
 * @param hintRefresh how often a replica reads the queue for heartbeat hints and long-polls: the bound within
 *     which another replica's submission wakes this replica's waiting agents
 * @param retention how long finished tasks are kept before {@code prune} deletes them
 * @param maxPayloadBytes the largest payload, and the largest result
 * @param maxLogBytes the largest log of one attempt
 * @param claimScanLimit the most queued candidates one claim examines
 */
public record TaskSettings(
        TaskTimeouts timeouts,
        int agentCapacity,
        Duration lostAfter,
        Duration hintRefresh,
        Duration retention,
        int maxPayloadBytes,
        int maxLogBytes,
        int claimScanLimit) {

    public TaskSettings {
        requireNonNull(timeouts, "timeouts");
        Settings.requirePositive(agentCapacity, "agentCapacity");
        Settings.requirePositive(requireNonNull(lostAfter, "lostAfter"), "lostAfter");
        Settings.requirePositive(requireNonNull(hintRefresh, "hintRefresh"), "hintRefresh");
        Settings.requirePositive(requireNonNull(retention, "retention"), "retention");
        Settings.requirePositive(maxPayloadBytes, "maxPayloadBytes");
        Settings.requirePositive(maxLogBytes, "maxLogBytes");
        Settings.requirePositive(claimScanLimit, "claimScanLimit");
    }

    /**
     * Default timeouts ({@link TaskTimeouts#defaults()}), 4 tasks per agent, lost after 5 min, hints every 1 s,
     * 7 days' retention, 64 KiB payloads, 1 MiB logs, 256 candidates per claim.
     */
    public static TaskSettings defaults() {
        return new TaskSettings(
                TaskTimeouts.defaults(),
                4,
                Duration.ofMinutes(5),
                Duration.ofSeconds(1),
                Duration.ofDays(7),
                64 * 1024,
                1024 * 1024,
                256);
    }

    public TaskSettings withTimeouts(TaskTimeouts t) {
        return new TaskSettings(
                t, agentCapacity, lostAfter, hintRefresh, retention, maxPayloadBytes, maxLogBytes, claimScanLimit);
    }

    public TaskSettings withAgentCapacity(int n) {
        return new TaskSettings(
                timeouts, n, lostAfter, hintRefresh, retention, maxPayloadBytes, maxLogBytes, claimScanLimit);
    }

    public TaskSettings withLostAfter(Duration d) {
        return new TaskSettings(
                timeouts, agentCapacity, d, hintRefresh, retention, maxPayloadBytes, maxLogBytes, claimScanLimit);
    }

    public TaskSettings withHintRefresh(Duration d) {
        return new TaskSettings(
                timeouts, agentCapacity, lostAfter, d, retention, maxPayloadBytes, maxLogBytes, claimScanLimit);
    }

    public TaskSettings withRetention(Duration d) {
        return new TaskSettings(
                timeouts, agentCapacity, lostAfter, hintRefresh, d, maxPayloadBytes, maxLogBytes, claimScanLimit);
    }

    public TaskSettings withMaxPayloadBytes(int n) {
        return new TaskSettings(
                timeouts, agentCapacity, lostAfter, hintRefresh, retention, n, maxLogBytes, claimScanLimit);
    }
}

package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A task's timeouts.
 *
 * @param scheduleToStart how long it may stay queued before an agent claims it
 * @param startToClose how long one attempt may take from its claim to its end
 * @param progress how long a claimed or running attempt may go without a report (start, progress or log)
 */
public record TaskTimeouts(Duration scheduleToStart, Duration startToClose, Duration progress) {

    public TaskTimeouts {
        positive(scheduleToStart, "scheduleToStart");
        positive(startToClose, "startToClose");
        positive(progress, "progress");
    }

    /** Queued at most 1 h, an attempt at most 1 h, a report at least every 5 min. */
    public static TaskTimeouts defaults() {
        return new TaskTimeouts(Duration.ofHours(1), Duration.ofHours(1), Duration.ofMinutes(5));
    }

    public TaskTimeouts withScheduleToStart(Duration d) {
        return new TaskTimeouts(d, startToClose, progress);
    }

    public TaskTimeouts withStartToClose(Duration d) {
        return new TaskTimeouts(scheduleToStart, d, progress);
    }

    public TaskTimeouts withProgress(Duration d) {
        return new TaskTimeouts(scheduleToStart, startToClose, d);
    }

    private static void positive(Duration d, String name) {
        requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}

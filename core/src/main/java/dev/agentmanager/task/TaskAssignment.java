package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * A task as an agent receives it from a claim.
 *
 * @param lease the attempt; every report carries it
 * @param type the kind of work
 * @param payload what to do
 * @param reportEvery report (start, progress or a log chunk) at least this often, or the attempt times out
 * @param finishBy the attempt times out at this instant
 */
public record TaskAssignment(
        TaskLease lease, String type, TaskPayload payload, Duration reportEvery, Instant finishBy) {
    public TaskAssignment {
        requireNonNull(lease, "lease");
        requireNonNull(type, "type");
        requireNonNull(payload, "payload");
        requireNonNull(reportEvery, "reportEvery");
        requireNonNull(finishBy, "finishBy");
    }
}

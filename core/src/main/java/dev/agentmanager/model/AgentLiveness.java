package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The fast-changing part of an agent's record, written by every accepted heartbeat.
 *
 * <p>Liveness is judged by the server's clock only: {@code lastHeartbeatAt} and {@code deadline} are server
 * times. The agent's own clock feeds {@code clockSkew} and nothing else.
 *
 * @param lastHeartbeatAt server time of the last accepted heartbeat, {@code null} before the first
 * @param bootEpoch the boot epoch of the last accepted heartbeat, {@link #NO_EPOCH} before the first
 * @param sequence the sequence number of the last accepted heartbeat, {@link #NO_SEQUENCE} before the first
 * @param deadline when the agent counts as overdue if nothing newer arrives
 * @param clockSkew agent clock minus server clock at the last heartbeat that carried a timestamp, or
 *     {@code null}
 */
public record AgentLiveness(
        @Nullable Instant lastHeartbeatAt,
        long bootEpoch,
        long sequence,
        Instant deadline,
        @Nullable Duration clockSkew) {

    /** Boot epoch before any heartbeat. Agents send epochs {@code >= 0}. */
    public static final long NO_EPOCH = -1;
    /** Sequence before any heartbeat. Agents send sequences {@code >= 0}. */
    public static final long NO_SEQUENCE = -1;

    public AgentLiveness {
        requireNonNull(deadline, "deadline");
    }

    /** Liveness of an agent that has not sent a heartbeat yet and must check in by {@code deadline}. */
    public static AgentLiveness awaitingFirstHeartbeat(Instant deadline) {
        return new AgentLiveness(null, NO_EPOCH, NO_SEQUENCE, deadline, null);
    }

    /** Whether a heartbeat with this epoch and sequence is newer than the last accepted one. */
    public boolean isOlderThan(long otherEpoch, long otherSequence) {
        return otherEpoch > bootEpoch || (otherEpoch == bootEpoch && otherSequence > sequence);
    }

    /** Whether the agent is past its deadline at {@code now}. */
    public boolean isOverdueAt(Instant now) {
        return now.isAfter(deadline);
    }
}

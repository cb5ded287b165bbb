package dev.agentmanager.event;

import dev.agentmanager.exception.TokenRejectionReason;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.task.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Something that happened to an agent, a token or the fleet. Sealed: switch over the records below.
 * {@link #at()} is the server's clock at the moment of the change.
 */
public sealed interface AgentEvent {

    /** Server time of the change. */
    Instant at();

    /** An operator created a registration token (its secret never appears in an event). */
    record TokenCreated(Instant at, String tokenId, String description, Instant expiresAt, int maxUses)
            implements AgentEvent {}

    /** An operator revoked a registration token. */
    record TokenRevoked(Instant at, String tokenId) implements AgentEvent {}

    /** A registration consumed one use of a token. */
    record TokenConsumed(
            Instant at,
            String tokenId,
            String agentId,
            int usesLeft,
            @Nullable String remoteAddress) implements AgentEvent {}

    /** Too many wrong secrets: the token is locked and refuses every further registration. */
    record TokenLocked(Instant at, String tokenId, int failedAttempts) implements AgentEvent {}

    /** A registration was refused at the token check; {@code reason} is the precise cause. */
    record RegistrationRejected(
            Instant at,
            @Nullable String tokenId,
            TokenRejectionReason reason,
            @Nullable String remoteAddress) implements AgentEvent {}

    /** An agent registered; it is {@link AgentStatus#PENDING} until its first heartbeat. */
    record AgentRegistered(Instant at, Agent agent) implements AgentEvent {}

    /**
     * An existing agent was re-enrolled with a re-enrollment token: same id, history and capabilities, a new
     * certificate ({@code serial}); the certificates it had before are revoked.
     */
    record AgentReenrolled(Instant at, String agentId, String serial, List<String> revokedSerials)
            implements AgentEvent {
        public AgentReenrolled {
            revokedSerials = List.copyOf(revokedSerials);
        }
    }

    /** A client certificate was issued to an agent, at registration or on renewal. */
    record CertificateIssued(Instant at, String agentId, String serial, Instant notAfter, boolean renewal)
            implements AgentEvent {}

    /** An agent became active: its first heartbeat, a heartbeat after missed ones, or an operator. */
    record AgentActivated(Instant at, String agentId, AgentStatus previousStatus) implements AgentEvent {}

    /** An agent became inactive. */
    record AgentInactivated(Instant at, String agentId, InactiveReason reason) implements AgentEvent {}

    /** An agent was revoked, with the serials of the certificates revoked with it. */
    record AgentRevoked(Instant at, String agentId, List<String> revokedSerials) implements AgentEvent {
        public AgentRevoked {
            revokedSerials = List.copyOf(revokedSerials);
        }
    }

    /** A heartbeat arrived with a new boot epoch: the agent process restarted. */
    record AgentRestarted(Instant at, String agentId, long previousEpoch, long newEpoch) implements AgentEvent {}

    /** An agent reported a different capability set. */
    record CapabilitiesChanged(Instant at, String agentId, Set<Capability> previous, Set<Capability> current)
            implements AgentEvent {
        public CapabilitiesChanged {
            previous = Set.copyOf(previous);
            current = Set.copyOf(current);
        }
    }

    /** An agent reported a different health. */
    record HealthChanged(Instant at, String agentId, AgentHealth previous, AgentHealth current) implements AgentEvent {}

    /** An agent reported a different software version. */
    record AgentVersionChanged(
            Instant at, String agentId, @Nullable String previous, String current) implements AgentEvent {}

    /** A heartbeat was refused. {@code agentId} is the id the heartbeat claimed. */
    record HeartbeatRejected(Instant at, String agentId, HeartbeatRejection reason) implements AgentEvent {}

    /**
     * The timeout monitor found that it had not run for longer than the timeout (or had just started) and
     * gave every live agent a fresh deadline instead of expiring the fleet.
     *
     * @param pausedFor how long the monitor had not run, or {@code null} on its first run
     */
    record GracePeriodGranted(Instant at, @Nullable Duration pausedFor, Instant newDeadline, int agents)
            implements AgentEvent {}

    /**
     * The timeout monitor found that it had not run for a few sweep intervals (a GC pause, a frozen VM, a stalled
     * host) but for less than the timeout: heartbeats that arrived meanwhile could not be processed, so until
     * {@code until} an agent counts as overdue only once its deadline plus {@code pause} has passed.
     *
     * @param pause how long the monitor did not run, beyond one sweep interval
     * @param until when this compensation ends (one timeout after the pause was found)
     */
    record PauseCompensated(Instant at, Duration pause, Instant until) implements AgentEvent {}

    /**
     * Self-preservation: more than the configured share of the live fleet went overdue within one timeout, so
     * the expiries beyond it are held back ({@link dev.agentmanager.SelfPreservation} says for how long).
     *
     * @param overdue how many overdue agents were held when the hold began
     * @param activeFleet the live fleet the share was taken of
     * @param reason why, and what happens next: released evenly over the next timeout, or held until
     *     heartbeats return (fleet-wide)
     */
    record ExpiriesHeld(Instant at, int overdue, long activeFleet, String reason) implements AgentEvent {}

    /** Self-preservation ended: the overdue share fell under the threshold; {@code stillOverdue} expire now. */
    record ExpiriesReleased(Instant at, int stillOverdue) implements AgentEvent {}

    // ---- tasks -------------------------------------------------------------------------------------

    /** A task was queued; {@code target} describes who may claim it. */
    record TaskSubmitted(Instant at, String taskId, String type, String target) implements AgentEvent {}

    /** An agent claimed a task: attempt {@code attempt} begins; it has not run yet. */
    record TaskClaimed(Instant at, String taskId, int attempt, String agentId) implements AgentEvent {}

    /** The agent reported the attempt's start: from now on it may have changed the host. */
    record TaskStarted(Instant at, String taskId, int attempt, String agentId) implements AgentEvent {}

    /** The orchestrator asked the agent holding a task to stop it. */
    record TaskCancelRequested(Instant at, String taskId, int attempt, String agentId) implements AgentEvent {}

    /**
     * An attempt ended without finishing the task, which is queued again as a new attempt: it never started, or
     * it started and the task is idempotent.
     */
    record TaskRequeued(Instant at, String taskId, int endedAttempt, String agentId, boolean started, String reason)
            implements AgentEvent {}

    /**
     * A task finished with {@code status}; {@code reason} says why for every status but SUCCEEDED.
     *
     * @param attempt the attempt that ended it, 0 if it was never claimed
     * @param agentId that attempt's agent, or {@code null}
     */
    record TaskFinished(
            Instant at,
            String taskId,
            TaskStatus status,
            int attempt,
            @Nullable String agentId,
            @Nullable String reason)
            implements AgentEvent {}

    /**
     * An agent reported about an attempt that had already ended (e.g. "succeeded" for an attempt declared lost):
     * refused as a state change, kept in the attempt's history. The orchestrator learns the attempt did run.
     */
    record TaskLateReport(Instant at, String taskId, int attempt, String agentId, String report)
            implements AgentEvent {}
}

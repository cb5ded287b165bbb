package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.task.TaskDirectives;
import java.time.Duration;
import java.time.Instant;

/**
 * What the server tells an agent after an accepted heartbeat: a small control channel.
 *
 * @param serverTime the server's clock when it accepted the heartbeat
 * @param status the agent's status after the heartbeat
 * @param bootEpoch the accepted boot epoch
 * @param sequence the accepted sequence number
 * @param nextHeartbeatIn when to send the next heartbeat (server-set, jittered)
 * @param deadline when the agent counts as missing if no newer heartbeat arrives
 * @param renewCertificate whether the agent should request a new certificate now
 * @param tasks waiting work and attempts to stop ({@link TaskDirectives#none()} without tasks)
 */
public record HeartbeatResponse(
        Instant serverTime,
        AgentStatus status,
        long bootEpoch,
        long sequence,
        Duration nextHeartbeatIn,
        Instant deadline,
        boolean renewCertificate,
        TaskDirectives tasks) {

    public HeartbeatResponse {
        requireNonNull(tasks, "tasks");
        requireNonNull(serverTime, "serverTime");
        requireNonNull(status, "status");
        requireNonNull(nextHeartbeatIn, "nextHeartbeatIn");
        requireNonNull(deadline, "deadline");
    }

    /** A response without task directives. */
    public HeartbeatResponse(
            Instant serverTime,
            AgentStatus status,
            long bootEpoch,
            long sequence,
            Duration nextHeartbeatIn,
            Instant deadline,
            boolean renewCertificate) {
        this(
                serverTime,
                status,
                bootEpoch,
                sequence,
                nextHeartbeatIn,
                deadline,
                renewCertificate,
                TaskDirectives.none());
    }
}

package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.task.TaskLease;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A heartbeat as the host received it. Build with {@link #builder(String, String)}.
 *
 * @param agentId the agent that claims to send it
 * @param certificateThumbprint SHA-256 (hex) of the client certificate the host's TLS layer saw (see
 *     {@code dev.agentmanager.Thumbprints})
 * @param bootEpoch changes whenever the agent process restarts (e.g. its start time in milliseconds);
 *     {@code >= 0}
 * @param sequence strictly increasing within a boot epoch; {@code >= 0}
 * @param agentTime the agent's own clock when it sent the heartbeat, or {@code null}; data only (clock
 *     skew), never used for liveness
 * @param capabilities the agent's full capability set if it reports one, {@code null} for "unchanged"
 * @param health the agent's health, or {@code null} for "unchanged"
 * @param agentVersion the agent software's version, or {@code null} for "unchanged"
 * @param heldTasks the task attempts the agent believes it holds, for reconciliation (the response says which to
 *     stop); empty when it holds none or does not say
 */
public record Heartbeat(
        String agentId,
        String certificateThumbprint,
        long bootEpoch,
        long sequence,
        @Nullable Instant agentTime,
        @Nullable Set<Capability> capabilities,
        @Nullable AgentHealth health,
        @Nullable String agentVersion,
        List<TaskLease> heldTasks) {

    /** The most held attempts one heartbeat may list. */
    public static final int MAX_HELD_TASKS = 1_000;

    public Heartbeat {
        requireNonNull(agentId, "agentId");
        requireNonNull(certificateThumbprint, "certificateThumbprint");
        if (capabilities != null) {
            capabilities = Set.copyOf(capabilities);
        }
        heldTasks = List.copyOf(heldTasks);
    }

    /** A heartbeat that says nothing about tasks. */
    public Heartbeat(
            String agentId,
            String certificateThumbprint,
            long bootEpoch,
            long sequence,
            @Nullable Instant agentTime,
            @Nullable Set<Capability> capabilities,
            @Nullable AgentHealth health,
            @Nullable String agentVersion) {
        this(
                agentId,
                certificateThumbprint,
                bootEpoch,
                sequence,
                agentTime,
                capabilities,
                health,
                agentVersion,
                List.of());
    }

    /** A liveness-only heartbeat. */
    public static Heartbeat of(String agentId, String certificateThumbprint, long bootEpoch, long sequence) {
        return new Heartbeat(agentId, certificateThumbprint, bootEpoch, sequence, null, null, null, null);
    }

    public static Builder builder(String agentId, String certificateThumbprint) {
        return new Builder(agentId, certificateThumbprint);
    }

    /** Builder for {@link Heartbeat}. */
    public static final class Builder {
        private final String agentId;
        private final String certificateThumbprint;
        private long bootEpoch;
        private long sequence;
        private @Nullable Instant agentTime;
        private @Nullable Set<Capability> capabilities;
        private @Nullable AgentHealth health;
        private @Nullable String agentVersion;
        private List<TaskLease> heldTasks = List.of();

        private Builder(String agentId, String certificateThumbprint) {
            this.agentId = requireNonNull(agentId, "agentId");
            this.certificateThumbprint = requireNonNull(certificateThumbprint, "certificateThumbprint");
        }

        public Builder bootEpoch(long bootEpoch) {
            this.bootEpoch = bootEpoch;
            return this;
        }

        public Builder sequence(long sequence) {
            this.sequence = sequence;
            return this;
        }

        public Builder agentTime(Instant agentTime) {
            this.agentTime = requireNonNull(agentTime, "agentTime");
            return this;
        }

        public Builder capabilities(Set<Capability> capabilities) {
            this.capabilities = Set.copyOf(capabilities);
            return this;
        }

        public Builder health(AgentHealth health) {
            this.health = requireNonNull(health, "health");
            return this;
        }

        public Builder agentVersion(String agentVersion) {
            this.agentVersion = requireNonNull(agentVersion, "agentVersion");
            return this;
        }

        /** The task attempts the agent holds. */
        public Builder heldTasks(List<TaskLease> heldTasks) {
            this.heldTasks = List.copyOf(heldTasks);
            return this;
        }

        public Heartbeat build() {
            return new Heartbeat(
                    agentId,
                    certificateThumbprint,
                    bootEpoch,
                    sequence,
                    agentTime,
                    capabilities,
                    health,
                    agentVersion,
                    heldTasks);
        }
    }
}

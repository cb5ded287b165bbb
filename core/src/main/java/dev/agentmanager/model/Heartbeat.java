package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
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
 */
public record Heartbeat(
        String agentId,
        String certificateThumbprint,
        long bootEpoch,
        long sequence,
        @Nullable Instant agentTime,
        @Nullable Set<Capability> capabilities,
        @Nullable AgentHealth health,
        @Nullable String agentVersion) {

    public Heartbeat {
        requireNonNull(agentId, "agentId");
        requireNonNull(certificateThumbprint, "certificateThumbprint");
        if (capabilities != null) {
            capabilities = Set.copyOf(capabilities);
        }
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

        public Heartbeat build() {
            return new Heartbeat(
                    agentId, certificateThumbprint, bootEpoch, sequence, agentTime, capabilities, health, agentVersion);
        }
    }
}

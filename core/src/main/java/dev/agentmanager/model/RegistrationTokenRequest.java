package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What an operator asks for when creating a registration token. Build with {@link #builder()}.
 *
 * @param description what the token is for (shown when listing tokens)
 * @param timeToLive how long the token is valid, or {@code null} for the manager's default
 * @param scope labels and allowed capabilities given to agents that redeem it
 * @param maxUses how many registrations it may make; 1 (the default) makes it one-time
 * @param reenrollAgentId for a re-enrollment token, the existing agent it re-enrolls; {@code null} otherwise
 */
public record RegistrationTokenRequest(
        String description,
        @Nullable Duration timeToLive,
        TokenScope scope,
        int maxUses,
        @Nullable String reenrollAgentId) {

    public RegistrationTokenRequest {
        requireNonNull(description, "description");
        requireNonNull(scope, "scope");
    }

    /** A request for a token that registers new agents. */
    public RegistrationTokenRequest(String description, @Nullable Duration timeToLive, TokenScope scope, int maxUses) {
        this(description, timeToLive, scope, maxUses, null);
    }

    /**
     * A one-time token that re-enrolls an existing agent, e.g. one whose certificate expired while it was
     * offline: redeeming it keeps the agent's id, history and capabilities and issues a new certificate.
     */
    public static RegistrationTokenRequest reenroll(String agentId, String description) {
        return builder().description(description).reenrollAgent(agentId).build();
    }

    /** A one-time token with the default lifetime and no scope. */
    public static RegistrationTokenRequest oneTime(String description) {
        return builder().description(description).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link RegistrationTokenRequest}; validation of limits happens at token creation. */
    public static final class Builder {
        private String description = "";
        private @Nullable Duration timeToLive;
        private final Map<String, String> labels = new LinkedHashMap<>();
        private final Set<String> allowedCapabilities = new LinkedHashSet<>();
        private int maxUses = 1;
        private @Nullable String reenrollAgentId;

        private Builder() {}

        /** Makes this a one-time re-enrollment token for an existing agent. */
        public Builder reenrollAgent(String agentId) {
            this.reenrollAgentId = requireNonNull(agentId, "agentId");
            return this;
        }

        public Builder description(String description) {
            this.description = requireNonNull(description, "description");
            return this;
        }

        public Builder timeToLive(Duration timeToLive) {
            this.timeToLive = requireNonNull(timeToLive, "timeToLive");
            return this;
        }

        /** A label that every agent registered with this token receives. */
        public Builder label(String key, String value) {
            labels.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        /**
         * Restricts the capabilities an agent registered with this token may declare to these names: at
         * registration and in every later heartbeat, for the agent's lifetime ({@link Agent#allowedCapabilities()}).
         */
        public Builder allowCapabilities(String... names) {
            for (String name : names) {
                allowedCapabilities.add(requireNonNull(name, "name"));
            }
            return this;
        }

        /** Allows this many registrations (bulk provisioning); each use is recorded. */
        public Builder maxUses(int maxUses) {
            this.maxUses = maxUses;
            return this;
        }

        public RegistrationTokenRequest build() {
            return new RegistrationTokenRequest(
                    description, timeToLive, new TokenScope(labels, allowedCapabilities), maxUses, reenrollAgentId);
        }
    }
}

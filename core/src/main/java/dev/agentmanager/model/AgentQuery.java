package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A query over agents: every given criterion must hold. Results come ordered by agent id; page with
 * {@code afterId}. Build with {@link #builder()}; {@link #all()} matches every agent.
 *
 * @param statuses statuses to match; empty matches any
 * @param capabilityName a capability the agent must have, or {@code null}
 * @param minimumCapabilityVersion the minimum version of that capability, or {@code null}
 * @param labels labels the agent must carry with exactly these values
 * @param afterId only agents whose id sorts after this one (keyset paging), or {@code null}
 * @param limit the maximum number of agents returned, 1 to {@link #MAX_LIMIT}
 */
public record AgentQuery(
        Set<AgentStatus> statuses,
        @Nullable String capabilityName,
        @Nullable String minimumCapabilityVersion,
        Map<String, String> labels,
        @Nullable String afterId,
        int limit) {

    /** The default page size. */
    public static final int DEFAULT_LIMIT = 1_000;
    /** The largest page a query may ask for. */
    public static final int MAX_LIMIT = 10_000;

    public AgentQuery {
        statuses = Set.copyOf(requireNonNull(statuses, "statuses"));
        labels = Map.copyOf(requireNonNull(labels, "labels"));
        if (minimumCapabilityVersion != null && capabilityName == null) {
            throw new IllegalArgumentException("minimumCapabilityVersion needs capabilityName");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be in [1, " + MAX_LIMIT + "], got " + limit);
        }
    }

    /** Every agent, first page. */
    public static AgentQuery all() {
        return builder().build();
    }

    /** Whether {@code agent} matches every criterion except paging. */
    public boolean matches(Agent agent) {
        if (!statuses.isEmpty() && !statuses.contains(agent.status())) {
            return false;
        }
        if (capabilityName != null && !agent.hasCapability(capabilityName, minimumCapabilityVersion)) {
            return false;
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!e.getValue().equals(agent.labels().get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The same query for the page after {@code lastId}. */
    public AgentQuery after(String lastId) {
        return new AgentQuery(
                statuses, capabilityName, minimumCapabilityVersion, labels, requireNonNull(lastId, "lastId"), limit);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link AgentQuery}. */
    public static final class Builder {
        private final Set<AgentStatus> statuses = EnumSet.noneOf(AgentStatus.class);
        private @Nullable String capabilityName;
        private @Nullable String minimumCapabilityVersion;
        private final Map<String, String> labels = new LinkedHashMap<>();
        private @Nullable String afterId;
        private int limit = DEFAULT_LIMIT;

        private Builder() {}

        /** Matches agents in any of these statuses. */
        public Builder status(AgentStatus... statuses) {
            for (AgentStatus s : statuses) {
                this.statuses.add(requireNonNull(s, "status"));
            }
            return this;
        }

        /** Matches agents with this capability, any version. */
        public Builder capability(String name) {
            this.capabilityName = requireNonNull(name, "name");
            this.minimumCapabilityVersion = null;
            return this;
        }

        /** Matches agents with this capability at or above {@code minimumVersion}. */
        public Builder capability(String name, String minimumVersion) {
            this.capabilityName = requireNonNull(name, "name");
            this.minimumCapabilityVersion = requireNonNull(minimumVersion, "minimumVersion");
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        public Builder afterId(String afterId) {
            this.afterId = requireNonNull(afterId, "afterId");
            return this;
        }

        public Builder limit(int limit) {
            this.limit = limit;
            return this;
        }

        public AgentQuery build() {
            return new AgentQuery(statuses, capabilityName, minimumCapabilityVersion, labels, afterId, limit);
        }
    }
}

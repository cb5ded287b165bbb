package dev.agentmanager.exception;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A registration or heartbeat declared a capability outside the agent's allowed set, the
 * {@link dev.agentmanager.model.TokenScope#allowedCapabilities() scope} of the registration token (kept on the
 * agent as {@link dev.agentmanager.model.Agent#allowedCapabilities()}). Nothing was stored. An
 * {@link InvalidRequestException} on field {@code capabilities}, so hosts that answer those with one client
 * error need no new case.
 */
public final class CapabilityNotAllowedException extends InvalidRequestException {
    private static final long serialVersionUID = 1L;

    private final @Nullable String agentId;
    private final String capability;
    private final Set<String> allowedCapabilities;

    public CapabilityNotAllowedException(@Nullable String agentId, String capability, Set<String> allowedCapabilities) {
        super(
                "capabilities",
                "'" + capability + "' is not allowed by the registration token's scope"
                        + (agentId == null ? "" : " of agent " + agentId));
        this.agentId = agentId;
        this.capability = capability;
        this.allowedCapabilities = Set.copyOf(allowedCapabilities);
    }

    /** The agent whose heartbeat was refused, or {@code null} for a registration (no agent exists yet). */
    public @Nullable String agentId() {
        return agentId;
    }

    /** The first capability name found outside the allowed set. */
    public String capability() {
        return capability;
    }

    /** The names the agent may declare (never empty: an empty set allows any). */
    public Set<String> allowedCapabilities() {
        return allowedCapabilities;
    }
}

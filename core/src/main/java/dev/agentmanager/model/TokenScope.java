package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Set;

/**
 * What a registration token grants the agent that redeems it.
 *
 * @param labels labels given to the registered agent (they win over labels the agent asks for)
 * @param allowedCapabilities capability names the agent may declare; empty means any. The registered agent keeps
 *     them as {@link Agent#allowedCapabilities()}, so they bind its heartbeats too, for good
 */
public record TokenScope(Map<String, String> labels, Set<String> allowedCapabilities) {

    /** No labels, any capability. */
    public static final TokenScope UNRESTRICTED = new TokenScope(Map.of(), Set.of());

    public TokenScope {
        labels = Map.copyOf(requireNonNull(labels, "labels"));
        allowedCapabilities = Set.copyOf(requireNonNull(allowedCapabilities, "allowedCapabilities"));
    }

    /** Whether an agent redeeming this token may declare a capability with this name. */
    public boolean allowsCapability(String name) {
        return allowedCapabilities.isEmpty() || allowedCapabilities.contains(name);
    }
}

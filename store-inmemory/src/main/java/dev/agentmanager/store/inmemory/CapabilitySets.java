package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.Capability;
import java.util.Set;

/**
 * An agent's declared capabilities and the capability names it may declare (its registration token's scope,
 * empty for any), held together so that an {@link AgentEntry} keeps both behind the one reference it had for
 * the declared set alone. {@link Interner} shares equal values: agents registered with one token and reporting
 * the same capabilities share one instance, so the allowed set costs an agent no memory.
 *
 * @param declared the capabilities the agent declared (immutable)
 * @param allowed the allowed capability names (immutable), empty for any
 */
record CapabilitySets(Set<Capability> declared, Set<String> allowed) {
    /** No capabilities, any allowed: shared without a table entry. */
    static final CapabilitySets NONE = new CapabilitySets(Set.of(), Set.of());
}

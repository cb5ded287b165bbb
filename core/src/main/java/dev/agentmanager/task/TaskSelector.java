package dev.agentmanager.task;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.Capability;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which agents may run a task: every capability (its {@link Capability#version()} read as the minimum version,
 * {@code null} for any) and every label must match, as in {@link dev.agentmanager.model.AgentQuery}.
 *
 * @param capabilities required capabilities with minimum versions
 * @param labels labels the agent must carry with exactly these values
 */
public record TaskSelector(Set<Capability> capabilities, Map<String, String> labels) {

    public TaskSelector {
        capabilities = Set.copyOf(requireNonNull(capabilities, "capabilities"));
        labels = Map.copyOf(requireNonNull(labels, "labels"));
    }

    /** Agents with this capability, any version. */
    public static TaskSelector capability(String name) {
        return new TaskSelector(Set.of(Capability.of(name)), Map.of());
    }

    /** Agents with this capability at or above {@code minimumVersion}. */
    public static TaskSelector capability(String name, String minimumVersion) {
        return new TaskSelector(Set.of(Capability.of(name, minimumVersion)), Map.of());
    }

    /** This selector with one more required label. */
    public TaskSelector withLabel(String key, String value) {
        Map<String, String> more = new TreeMap<>(labels);
        more.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
        return new TaskSelector(capabilities, more);
    }

    /** This selector with one more required capability. */
    public TaskSelector withCapability(Capability capability) {
        Set<Capability> more = new TreeSet<>(java.util.Comparator.comparing(Capability::name));
        more.addAll(capabilities);
        more.add(requireNonNull(capability, "capability"));
        return new TaskSelector(more, labels);
    }

    /** Whether {@code agent} has every capability and label. */
    public boolean matches(Agent agent) {
        for (Capability c : capabilities) {
            if (!agent.hasCapability(c.name(), c.version())) {
                return false;
            }
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!e.getValue().equals(agent.labels().get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The required capability whose name sorts first, or {@code null}: a store may index tasks by it. */
    public @org.jspecify.annotations.Nullable String firstCapabilityName() {
        return capabilities.stream().map(Capability::name).sorted().findFirst().orElse(null);
    }

    /** Reads like "capability docker ≥ 24, label env=prod". */
    public String describe() {
        String caps = capabilities.stream()
                .sorted(java.util.Comparator.comparing(Capability::name))
                .map(c -> "capability " + c.name() + (c.version() == null ? "" : " ≥ " + c.version()))
                .collect(Collectors.joining(", "));
        String labelText = new TreeMap<>(labels)
                .entrySet().stream()
                        .map(e -> "label " + e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(", "));
        if (caps.isEmpty()) {
            return labelText.isEmpty() ? "any agent" : labelText;
        }
        return labelText.isEmpty() ? caps : caps + ", " + labelText;
    }
}

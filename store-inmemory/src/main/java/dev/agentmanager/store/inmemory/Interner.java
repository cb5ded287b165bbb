package dev.agentmanager.store.inmemory;

import dev.agentmanager.model.Capability;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Shares equal immutable values between agents: a fleet typically has a handful of distinct capability
 * sets (declared together with the allowed names, {@link CapabilitySets}), label maps and agent versions, so
 * storing one instance of each saves most of their memory (values unique per agent, such as token ids, are
 * not worth interning: the table entry would only add to them). Each table is bounded; past the bound, values
 * are stored unshared (correct, just larger), so that a stream of unique values cannot grow the tables without
 * limit.
 */
final class Interner {
    private final int maxEntries;
    private final ConcurrentHashMap<CapabilitySets, CapabilitySets> capabilitySets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Map<String, String>, Map<String, String>> labelMaps = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> strings = new ConcurrentHashMap<>();

    Interner(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /**
     * A shared value holding sets equal to {@code declared} and {@code allowed} (both immutable, as an
     * {@code Agent} holds them).
     */
    CapabilitySets capabilities(Set<Capability> declared, Set<String> allowed) {
        if (declared.isEmpty() && allowed.isEmpty()) {
            return CapabilitySets.NONE;
        }
        return intern(capabilitySets, new CapabilitySets(declared, allowed));
    }

    /** A shared immutable map equal to {@code map}. */
    Map<String, String> labels(Map<String, String> map) {
        if (map.isEmpty()) {
            return Map.of();
        }
        return intern(labelMaps, map);
    }

    /** A shared string equal to {@code s}, or {@code null}. */
    @Nullable String string(@Nullable String s) {
        return s == null ? null : intern(strings, s);
    }

    private <T> T intern(ConcurrentHashMap<T, T> table, T value) {
        T shared = table.get(value);
        if (shared != null) {
            return shared;
        }
        if (table.size() >= maxEntries) {
            return value;
        }
        shared = table.putIfAbsent(value, value);
        return shared == null ? value : shared;
    }
}

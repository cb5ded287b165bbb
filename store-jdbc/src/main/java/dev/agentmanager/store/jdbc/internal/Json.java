package dev.agentmanager.store.jdbc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentmanager.model.Capability;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The JSON columns: capabilities {@code [{"name":"docker","version":"24.0.7"}, ...]}, labels
 * {@code {"env":"test"}}, allowed capability names {@code ["docker"]}. Output is canonical (sorted), so
 * equal values give equal text.
 *
 * <p>A fleet's agents mostly share their capabilities and labels, and a replica caches every agent that beats on
 * it: parsed capabilities and labels are immutable values shared by every read of the same text (the last
 * {@value #SHARED_MAX} texts of each kind), instead of a copy per agent.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Comparator<Capability> CAPABILITY_ORDER =
            Comparator.comparing(Capability::name).thenComparing(c -> c.version() == null ? "" : c.version());

    static final int SHARED_MAX = 4_096;

    private static final Map<String, Set<Capability>> SHARED_CAPABILITIES = new ConcurrentHashMap<>();
    private static final Map<String, Map<String, String>> SHARED_LABELS = new ConcurrentHashMap<>();

    private Json() {}

    /** The value parsed from {@code json} earlier, or {@code parse}'s (kept, unless too many are kept already). */
    private static <T> T shared(Map<String, T> values, String json, Function<String, T> parse) {
        T value = values.get(json);
        if (value == null) {
            value = parse.apply(json);
            if (values.size() >= SHARED_MAX) {
                values.clear(); // a changing fleet: start again rather than keep old values forever
            }
            values.put(json, value);
        }
        return value;
    }

    public static String capabilities(Set<Capability> capabilities) {
        List<Capability> sorted = new ArrayList<>(capabilities);
        sorted.sort(CAPABILITY_ORDER);
        ArrayNode array = MAPPER.createArrayNode();
        for (Capability c : sorted) {
            ObjectNode node = array.addObject();
            node.put("name", c.name());
            if (c.version() != null) {
                node.put("version", c.version());
            }
        }
        return array.toString();
    }

    /** The capabilities of a column, immutable and shared with other reads of the same text. */
    public static Set<Capability> parseCapabilities(String json) {
        return shared(SHARED_CAPABILITIES, json, Json::capabilitiesOf);
    }

    private static Set<Capability> capabilitiesOf(String json) {
        Set<Capability> result = new HashSet<>();
        for (JsonNode node : read(json)) {
            JsonNode version = node.get("version");
            result.add(new Capability(
                    node.get("name").asText(), version == null || version.isNull() ? null : version.asText()));
        }
        return Set.copyOf(result);
    }

    public static String labels(Map<String, String> labels) {
        ObjectNode object = MAPPER.createObjectNode();
        new TreeMap<>(labels).forEach(object::put);
        return object.toString();
    }

    /** The labels of a column, immutable and shared with other reads of the same text. */
    public static Map<String, String> parseLabels(String json) {
        return shared(SHARED_LABELS, json, Json::labelsOf);
    }

    private static Map<String, String> labelsOf(String json) {
        Map<String, String> result = new LinkedHashMap<>();
        read(json)
                .fields()
                .forEachRemaining(e -> result.put(e.getKey(), e.getValue().asText()));
        return Map.copyOf(result);
    }

    public static String names(Set<String> names) {
        ArrayNode array = MAPPER.createArrayNode();
        names.stream().sorted().forEach(array::add);
        return array.toString();
    }

    public static Set<String> parseNames(String json) {
        Set<String> result = new HashSet<>();
        read(json).forEach(n -> result.add(n.asText()));
        return result;
    }

    private static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt JSON column: " + e.getOriginalMessage(), e);
        }
    }
}

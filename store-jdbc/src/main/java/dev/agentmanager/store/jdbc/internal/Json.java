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

/**
 * The JSON columns: capabilities {@code [{"name":"docker","version":"24.0.7"}, ...]}, labels
 * {@code {"env":"test"}}, allowed capability names {@code ["docker"]}. Output is canonical (sorted), so
 * equal values give equal text.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Comparator<Capability> CAPABILITY_ORDER =
            Comparator.comparing(Capability::name).thenComparing(c -> c.version() == null ? "" : c.version());

    private Json() {}

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

    public static Set<Capability> parseCapabilities(String json) {
        Set<Capability> result = new HashSet<>();
        for (JsonNode node : read(json)) {
            JsonNode version = node.get("version");
            result.add(new Capability(
                    node.get("name").asText(), version == null || version.isNull() ? null : version.asText()));
        }
        return result;
    }

    public static String labels(Map<String, String> labels) {
        ObjectNode object = MAPPER.createObjectNode();
        new TreeMap<>(labels).forEach(object::put);
        return object.toString();
    }

    public static Map<String, String> parseLabels(String json) {
        Map<String, String> result = new LinkedHashMap<>();
        read(json)
                .fields()
                .forEachRemaining(e -> result.put(e.getKey(), e.getValue().asText()));
        return result;
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

package dev.agentmanager.task;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * Opaque bytes handed to or reported by an agent, with whether they are JSON text. The library never parses them.
 * Immutable: {@link #bytes()} returns a copy.
 */
public final class TaskPayload {
    private static final TaskPayload EMPTY = new TaskPayload(new byte[0], false);

    private final byte[] bytes;
    private final boolean json;

    private TaskPayload(byte[] bytes, boolean json) {
        this.bytes = bytes;
        this.json = json;
    }

    /** No payload. */
    public static TaskPayload empty() {
        return EMPTY;
    }

    /** These bytes (copied). */
    public static TaskPayload ofBytes(byte[] bytes) {
        return new TaskPayload(requireNonNull(bytes, "bytes").clone(), false);
    }

    /** JSON text, kept as UTF-8 (not parsed). */
    public static TaskPayload ofJson(String json) {
        return new TaskPayload(requireNonNull(json, "json").getBytes(UTF_8), true);
    }

    /** Bytes as read back from a store (copied). */
    public static TaskPayload of(byte[] bytes, boolean json) {
        return new TaskPayload(requireNonNull(bytes, "bytes").clone(), json);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public boolean isJson() {
        return json;
    }

    public int size() {
        return bytes.length;
    }

    /** The payload as UTF-8 text. */
    public String text() {
        return new String(bytes, UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskPayload p && p.json == json && Arrays.equals(p.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes) * 31 + (json ? 1 : 0);
    }

    @Override
    public String toString() {
        return (json ? "json" : "bytes") + "[" + bytes.length + "]";
    }
}

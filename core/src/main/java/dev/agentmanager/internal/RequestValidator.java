package dev.agentmanager.internal;

import dev.agentmanager.AgentLimits;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.model.Capability;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks everything that enters from outside against {@link AgentLimits}. */
public final class RequestValidator {
    /** Capability names and label keys: alphanumerics inside, plus {@code . _ / -}. */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?");

    private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z.+_-]*");
    /**
     * The longest agent or token id accepted (the library's own are far shorter). 127, not 128: the JDBC store's
     * MariaDB schema keeps ids in {@code VARCHAR(127)}, the widest utf8mb4 key its heartbeat flush can hash in
     * memory.
     */
    public static final int MAX_ID_LENGTH = 127;

    private static final int MAX_ADDRESS_LENGTH = 256;

    private final AgentLimits limits;

    public RequestValidator(AgentLimits limits) {
        this.limits = limits;
    }

    public String name(String field, String value) {
        checkedText(field, value, limits.maxNameLength());
        if (value.isBlank()) {
            throw new InvalidRequestException(field, "must not be blank");
        }
        return value;
    }

    public String description(String value) {
        return checkedText("description", value, limits.maxDescriptionLength());
    }

    /** An id the caller names (agent or token): not blank, short, printable. */
    public String id(String field, String value) {
        checkedText(field, value, MAX_ID_LENGTH);
        if (value.isBlank()) {
            throw new InvalidRequestException(field, "must not be blank");
        }
        return value;
    }

    public String thumbprint(String value) {
        if (!Hex.isHex(value, 64)) {
            throw new InvalidRequestException("certificateThumbprint", "must be 64 hex characters (SHA-256)");
        }
        return value.toLowerCase(java.util.Locale.ROOT);
    }

    public String remoteAddress(String value) {
        return checkedText("remoteAddress", value, MAX_ADDRESS_LENGTH);
    }

    public String version(String field, String value) {
        if (value.length() > limits.maxVersionLength()) {
            throw new InvalidRequestException(field, "longer than " + limits.maxVersionLength() + " characters");
        }
        if (!VERSION.matcher(value).matches()) {
            throw new InvalidRequestException(
                    field, "must be letters, digits and . + _ - (got '" + printable(value) + "')");
        }
        return value;
    }

    public Set<Capability> capabilities(Set<Capability> capabilities) {
        if (capabilities.size() > limits.maxCapabilities()) {
            throw new InvalidRequestException("capabilities", "more than " + limits.maxCapabilities());
        }
        Set<String> names = new HashSet<>();
        for (Capability c : capabilities) {
            key("capabilities", c.name());
            if (c.version() != null) {
                version("capabilities", c.version());
            }
            if (!names.add(c.name())) {
                throw new InvalidRequestException("capabilities", "'" + c.name() + "' declared twice");
            }
        }
        return capabilities;
    }

    public Map<String, String> labels(Map<String, String> labels) {
        if (labels.size() > limits.maxLabels()) {
            throw new InvalidRequestException("labels", "more than " + limits.maxLabels());
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            key("labels", e.getKey());
            text("labels", e.getValue(), limits.maxValueLength());
        }
        return labels;
    }

    public String key(String field, String key) {
        if (key.length() > limits.maxKeyLength()) {
            throw new InvalidRequestException(field, "key longer than " + limits.maxKeyLength() + " characters");
        }
        if (!KEY.matcher(key).matches()) {
            throw new InvalidRequestException(
                    field,
                    "'" + printable(key)
                            + "' must start and end with a letter or digit and contain only letters, digits and . _ / -");
        }
        return key;
    }

    /** Free text: at most {@code maxLength} characters, no control or format characters. */
    public String text(String field, String value, int maxLength) {
        return checkedText(field, value, maxLength);
    }

    private static String checkedText(String field, String value, int maxLength) {
        if (value.length() > maxLength) {
            throw new InvalidRequestException(field, "longer than " + maxLength + " characters");
        }
        if (isPrintableAscii(value)) {
            return value; // the common case, without a per-character Unicode lookup (the heartbeat path)
        }
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            int type = Character.getType(cp);
            if (type == Character.CONTROL
                    || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.SURROGATE) {
                throw new InvalidRequestException(field, "contains a control or format character at index " + i);
            }
            i += Character.charCount(cp);
        }
        return value;
    }

    private static boolean isPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 64));
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}

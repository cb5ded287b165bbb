package dev.agentmanager;

/**
 * Limits on what agents and operators may send. Anything beyond them is refused with an
 * {@link dev.agentmanager.exception.InvalidRequestException}.
 *
 * @param maxNameLength longest agent name
 * @param maxCapabilities most capabilities per agent
 * @param maxLabels most labels per agent (request and token scope together)
 * @param maxKeyLength longest capability name or label key
 * @param maxValueLength longest label value
 * @param maxVersionLength longest capability or agent version
 * @param maxDescriptionLength longest token description
 */
public record AgentLimits(
        int maxNameLength,
        int maxCapabilities,
        int maxLabels,
        int maxKeyLength,
        int maxValueLength,
        int maxVersionLength,
        int maxDescriptionLength) {

    public static final int DEFAULT_MAX_NAME_LENGTH = 128;
    public static final int DEFAULT_MAX_CAPABILITIES = 64;
    public static final int DEFAULT_MAX_LABELS = 32;
    public static final int DEFAULT_MAX_KEY_LENGTH = 63;
    public static final int DEFAULT_MAX_VALUE_LENGTH = 256;
    public static final int DEFAULT_MAX_VERSION_LENGTH = 64;
    public static final int DEFAULT_MAX_DESCRIPTION_LENGTH = 512;

    public AgentLimits {
        Settings.requirePositive(maxNameLength, "maxNameLength");
        Settings.requirePositive(maxCapabilities, "maxCapabilities");
        Settings.requirePositive(maxLabels, "maxLabels");
        Settings.requirePositive(maxKeyLength, "maxKeyLength");
        Settings.requirePositive(maxValueLength, "maxValueLength");
        Settings.requirePositive(maxVersionLength, "maxVersionLength");
        Settings.requirePositive(maxDescriptionLength, "maxDescriptionLength");
    }

    public static AgentLimits defaults() {
        return new AgentLimits(
                DEFAULT_MAX_NAME_LENGTH,
                DEFAULT_MAX_CAPABILITIES,
                DEFAULT_MAX_LABELS,
                DEFAULT_MAX_KEY_LENGTH,
                DEFAULT_MAX_VALUE_LENGTH,
                DEFAULT_MAX_VERSION_LENGTH,
                DEFAULT_MAX_DESCRIPTION_LENGTH);
    }
}

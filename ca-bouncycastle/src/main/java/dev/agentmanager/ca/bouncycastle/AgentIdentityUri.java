package dev.agentmanager.ca.bouncycastle;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * The URI subject alternative name that identifies an agent in its certificate, derived from the agent id
 * the server assigned. The default is {@link #urn()}; {@link #spiffe(String)} gives SPIFFE-style ids.
 */
@FunctionalInterface
public interface AgentIdentityUri {

    /** The URI for this agent id (already checked to be 1-64 URI-unreserved characters). */
    String forAgent(String agentId);

    /** {@code urn:agent:<id>}. */
    static AgentIdentityUri urn() {
        return agentId -> "urn:agent:" + agentId;
    }

    /**
     * {@code spiffe://<trustDomain>/agent/<id>}.
     *
     * @param trustDomain lower-case letters, digits, dots, dashes and underscores, e.g. {@code prod.example.org}
     */
    static AgentIdentityUri spiffe(String trustDomain) {
        requireNonNull(trustDomain, "trustDomain");
        if (trustDomain.length() > 255 || !Pattern.matches("[a-z0-9._-]+", trustDomain)) {
            throw new IllegalArgumentException(
                    "SPIFFE trust domain must be 1-255 characters of [a-z0-9._-], got '" + trustDomain + "'");
        }
        return agentId -> "spiffe://" + trustDomain + "/agent/" + agentId;
    }
}

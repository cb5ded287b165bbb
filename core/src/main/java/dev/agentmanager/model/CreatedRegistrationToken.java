package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

/**
 * The result of creating a registration token: the only place its plaintext ever appears.
 *
 * <p>Hand {@link #plaintext()} to the agent (or the provisioning tool) once; the library keeps only its
 * hash. {@link #toString()} redacts it so that logging this object is safe.
 *
 * @param token the stored token (id, hash, expiry, scope)
 * @param plaintext {@code <id>.<secret>}, the string the agent presents at registration
 * @param trustAnchorSha256 SHA-256 (hex) of the certificate authority's root certificate, so that the agent
 *     can verify the server on first contact
 */
public record CreatedRegistrationToken(RegistrationToken token, String plaintext, String trustAnchorSha256) {

    public CreatedRegistrationToken {
        requireNonNull(token, "token");
        requireNonNull(plaintext, "plaintext");
        requireNonNull(trustAnchorSha256, "trustAnchorSha256");
    }

    @Override
    public String toString() {
        return "CreatedRegistrationToken[token=" + token + ", plaintext=<redacted>, trustAnchorSha256="
                + trustAnchorSha256 + "]";
    }
}

package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

/**
 * What an agent needs to trust the orchestrator's certificate authority.
 *
 * @param certificatesPem the CA certificate chain in PEM, issuing CA first, root last
 * @param rootSha256 SHA-256 (hex) of the root certificate's DER: the pin an agent can check on first
 *     contact
 */
public record TrustBundle(String certificatesPem, String rootSha256) {

    public TrustBundle {
        requireNonNull(certificatesPem, "certificatesPem");
        requireNonNull(rootSha256, "rootSha256");
    }
}

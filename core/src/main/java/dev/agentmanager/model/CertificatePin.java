package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * The identity of one client certificate that an agent is allowed to present, as pinned on its record.
 *
 * @param serial the certificate's serial number, lower-case hex without leading zeros
 * @param thumbprint SHA-256 of the certificate's DER encoding, lower-case hex (64 characters)
 * @param notBefore start of validity
 * @param notAfter end of validity
 */
public record CertificatePin(String serial, String thumbprint, Instant notBefore, Instant notAfter) {

    public CertificatePin {
        requireNonNull(serial, "serial");
        requireNonNull(thumbprint, "thumbprint");
        requireNonNull(notBefore, "notBefore");
        requireNonNull(notAfter, "notAfter");
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter must be after notBefore");
        }
    }

    /** Whether the certificate is within its validity period at {@code now}. */
    public boolean isValidAt(Instant now) {
        return !now.isBefore(notBefore) && now.isBefore(notAfter);
    }
}

package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.internal.Hex;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/**
 * Certificate thumbprints as the library uses them: SHA-256 of the DER encoding, lower-case hex. Hosts
 * compute the thumbprint of the client certificate their TLS layer saw and pass it in a
 * {@link dev.agentmanager.model.Heartbeat}.
 */
public final class Thumbprints {
    private Thumbprints() {}

    /** The thumbprint of a certificate. */
    public static String of(X509Certificate certificate) {
        try {
            return of(requireNonNull(certificate, "certificate").getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
    }

    /** The thumbprint of a DER-encoded certificate. */
    public static String of(byte[] der) {
        return Hex.sha256Hex(requireNonNull(der, "der"));
    }
}

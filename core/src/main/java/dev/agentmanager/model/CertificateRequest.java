package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * A certificate signing request that a certificate service has decoded and checked (signature, key
 * policy), ready to be issued.
 *
 * @param der the PKCS#10 request, DER-encoded (copied in and out)
 * @param publicKeySha256 SHA-256 (hex) of the request's SubjectPublicKeyInfo: the agent's key identity
 * @param keyAlgorithm e.g. {@code EC P-256}, {@code Ed25519}, {@code RSA 3072}
 */
public record CertificateRequest(byte[] der, String publicKeySha256, String keyAlgorithm) {

    public CertificateRequest {
        der = requireNonNull(der, "der").clone();
        requireNonNull(publicKeySha256, "publicKeySha256");
        requireNonNull(keyAlgorithm, "keyAlgorithm");
    }

    @Override
    public byte[] der() {
        return der.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CertificateRequest other && Arrays.equals(der, other.der);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(der);
    }

    @Override
    public String toString() {
        return "CertificateRequest[publicKeySha256=" + publicKeySha256 + ", keyAlgorithm=" + keyAlgorithm + "]";
    }
}

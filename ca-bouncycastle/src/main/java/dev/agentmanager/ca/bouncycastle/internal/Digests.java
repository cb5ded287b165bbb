package dev.agentmanager.ca.bouncycastle.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/** SHA-256 and SHA-1 digests as lower-case hex, the way the library prints thumbprints and pins. */
public final class Digests {
    private Digests() {}

    private static final HexFormat HEX = HexFormat.of();

    public static byte[] sha256(byte[] data) {
        return digest("SHA-256", data);
    }

    public static String sha256Hex(byte[] data) {
        return HEX.formatHex(sha256(data));
    }

    /** SHA-256 (hex) of a certificate's DER encoding: its thumbprint. */
    public static String thumbprint(X509Certificate certificate) {
        try {
            return sha256Hex(certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
    }

    /** SHA-1, only for key identifiers (RFC 5280 section 4.2.1.2 method 1), never for security. */
    public static byte[] sha1(byte[] data) {
        return digest("SHA-1", data);
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JDK", e);
        }
    }
}

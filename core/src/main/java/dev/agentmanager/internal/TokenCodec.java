package dev.agentmanager.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * Registration token format {@code <id>.<secret>}: a 96-bit id (16 base64url characters) and a 256-bit
 * secret (43 base64url characters), both from {@link SecureRandom}. Only the SHA-256 of the secret is
 * stored; with 256 random bits a slow password hash adds nothing. Comparison is constant-time.
 */
public final class TokenCodec {
    static final int ID_BYTES = 12;
    static final int SECRET_BYTES = 32;
    private static final int ID_CHARS = 16;
    private static final int SECRET_CHARS = 43;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private TokenCodec() {}

    /** A parsed token; {@link #toString()} never shows the secret. */
    public record Parsed(String id, String secret) {
        @Override
        public String toString() {
            return "Parsed[id=" + id + ", secret=<redacted>]";
        }
    }

    /** A fresh token: id, secret and the hash to store. */
    public record Generated(String id, String secret, String secretHash) {
        public String plaintext() {
            return id + "." + secret;
        }

        @Override
        public String toString() {
            return "Generated[id=" + id + ", secret=<redacted>]";
        }
    }

    public static Generated generate(SecureRandom random) {
        byte[] id = new byte[ID_BYTES];
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(id);
        random.nextBytes(secret);
        String s = ENCODER.encodeToString(secret);
        return new Generated(ENCODER.encodeToString(id), s, hash(s));
    }

    /** Parses {@code <id>.<secret>}; {@code null} if it is not of that exact shape. */
    public static @Nullable Parsed parse(String token) {
        if (token.length() != ID_CHARS + 1 + SECRET_CHARS || token.charAt(ID_CHARS) != '.') {
            return null;
        }
        String id = token.substring(0, ID_CHARS);
        String secret = token.substring(ID_CHARS + 1);
        if (!isBase64Url(id) || !isBase64Url(secret)) {
            return null;
        }
        return new Parsed(id, secret);
    }

    public static String hash(String secret) {
        return Hex.sha256Hex(secret.getBytes(StandardCharsets.US_ASCII));
    }

    /** Constant-time comparison of a presented secret against a stored hash. */
    public static boolean matches(String secret, String storedHash) {
        byte[] presented = hash(secret).getBytes(StandardCharsets.US_ASCII);
        byte[] stored = storedHash.getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(presented, stored);
    }

    private static boolean isBase64Url(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok =
                    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}

package dev.agentmanager.store.inmemory;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The fields of an X.509 certificate's DER that {@link CertificateBodies} need not keep because they can be
 * made again: the serial number and the validity (which the certificate record holds) and a subject key
 * identifier that is the SHA-1 of the subject public key (RFC 5280 section 4.2.1.2, method 1, as the BouncyCastle CA
 * makes it). Each is a run of content bytes; {@link #mask} zeroes the runs whose content {@link #restore} will
 * make again exactly, and reports which, so the compressed body carries only what cannot be recomputed.
 *
 * <p>Masking changes content bytes only, never a tag or a length, so the masked DER parses to the same runs
 * ({@link CertificateLayout}).
 */
final class DerFields {
    /** {@link #mask} bits. */
    static final int SERIAL = 1;
    static final int NOT_BEFORE = 2;
    static final int NOT_AFTER = 4;
    static final int KEY_IDENTIFIER = 8;

    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** Never updated: each use digests in a clone of it. */
    private static final MessageDigest SHA1 = sha1Prototype();

    /** What the record knows of the certificate. */
    record Known(String serial, Instant notBefore, Instant notAfter) {}

    /** Content runs as [start, end) pairs: serial, notBefore, notAfter, key identifier; -1 where absent. */
    private final int[] runs = new int[8];
    /** The tags of notBefore and notAfter: UTCTime or GeneralizedTime. */
    private final byte[] timeTags = new byte[2];
    /** Content run of the subject public key bit string, without its unused-bits byte; -1 if none. */
    private final int keyStart;
    private final int keyEnd;

    private DerFields(CertificateLayout layout) {
        runs[0] = layout.serialStart;
        runs[1] = layout.serialEnd;
        runs[2] = layout.notBeforeStart;
        runs[3] = layout.notBeforeEnd;
        runs[4] = layout.notAfterStart;
        runs[5] = layout.notAfterEnd;
        runs[6] = layout.keyIdentifierStart;
        runs[7] = layout.keyIdentifierEnd;
        timeTags[0] = layout.notBeforeTag;
        timeTags[1] = layout.notAfterTag;
        keyStart = layout.keyStart;
        keyEnd = layout.keyEnd;
    }

    /**
     * Zeroes the fields of {@code der} that {@link #restore} makes again exactly from {@code known} and returns
     * their bits; 0 (and {@code der} untouched) if none or if {@code der} is not laid out as a certificate.
     */
    static int mask(byte[] der, Known known) {
        CertificateLayout layout = CertificateLayout.of(der);
        return layout == null ? 0 : mask(der, layout, known);
    }

    /** {@link #mask(byte[], Known)} of a {@code der} already parsed to {@code layout}. */
    static int mask(byte[] der, CertificateLayout layout, Known known) {
        DerFields f = new DerFields(layout);
        int masked = 0;
        for (int field = 0; field < 4; field++) {
            int start = f.runs[2 * field];
            int end = f.runs[2 * field + 1];
            byte[] expected = start < 0 ? null : f.expected(field, der, known, end - start);
            if (expected != null && Arrays.equals(der, start, end, expected, 0, expected.length)) {
                masked |= 1 << field;
            }
        }
        for (int field = 0; field < 4; field++) {
            if ((masked & (1 << field)) != 0) {
                Arrays.fill(der, f.runs[2 * field], f.runs[2 * field + 1], (byte) 0);
            }
        }
        return masked;
    }

    /** Undoes {@link #mask} on {@code der} in place: writes the fields of bits {@code masked} again. */
    static void restore(byte[] der, int masked, Known known) {
        if (masked == 0) {
            return;
        }
        DerFields f = parse(der);
        if (f == null) {
            throw new IllegalStateException("a masked certificate body that does not parse");
        }
        // the key identifier is a hash of the key, which is never masked: every field can be made in any order
        for (int field = 0; field < 4; field++) {
            if ((masked & (1 << field)) != 0) {
                int start = f.runs[2 * field];
                int end = f.runs[2 * field + 1];
                byte[] expected = start < 0 ? null : f.expected(field, der, known, end - start);
                if (expected == null) {
                    throw new IllegalStateException("a masked certificate field that cannot be made again");
                }
                System.arraycopy(expected, 0, der, start, expected.length);
            }
        }
    }

    /** The content field {@code field} has when made from {@code known}, or null if it cannot be made. */
    private byte @Nullable [] expected(int field, byte[] der, Known known, int length) {
        byte[] b = switch (field) {
            case 0 -> serialContent(known.serial());
            case 1 -> time(known.notBefore(), timeTags[0]);
            case 2 -> time(known.notAfter(), timeTags[1]);
            default -> keyStart < 0 ? null : sha1(der, keyStart, keyEnd);
        };
        return b != null && b.length == length ? b : null;
    }

    /** The content octets of the serial's DER INTEGER, or null if the serial is not a hex number. */
    private static byte @Nullable [] serialContent(String serial) {
        try {
            return new BigInteger(serial, 16).toByteArray();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The instant as the time of this tag (whole seconds, UTC), or null if it has a fraction or no such tag. */
    private static byte @Nullable [] time(Instant t, byte tag) {
        if (t.getNano() != 0 || (tag != CertificateLayout.UTC_TIME && tag != CertificateLayout.GENERALIZED_TIME)) {
            return null;
        }
        try {
            return (tag == CertificateLayout.UTC_TIME ? UTC : GENERALIZED).format(t).getBytes(StandardCharsets.US_ASCII);
        } catch (java.time.DateTimeException e) {
            return null; // beyond what the pattern can print
        }
    }

    private static byte[] sha1(byte[] b, int from, int to) {
        try {
            MessageDigest sha1 = (MessageDigest) SHA1.clone(); // cheaper than a provider look-up per read
            sha1.update(b, from, to - from);
            return sha1.digest();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-1 is cloneable", e);
        }
    }

    private static MessageDigest sha1Prototype() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /** The runs of {@code der}, or null if it is not a certificate as RFC 5280 lays one out. */
    private static @Nullable DerFields parse(byte[] der) {
        CertificateLayout layout = CertificateLayout.of(der);
        return layout == null ? null : new DerFields(layout);
    }
}

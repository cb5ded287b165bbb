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
 * <p>Masking changes content bytes only, never a tag or a length, so the masked DER parses to the same runs.
 */
final class DerFields {
    /** {@link #mask} bits. */
    static final int SERIAL = 1;
    static final int NOT_BEFORE = 2;
    static final int NOT_AFTER = 4;
    static final int KEY_IDENTIFIER = 8;

    private static final byte BOOLEAN = 0x01;
    private static final byte SEQUENCE = 0x30;
    private static final byte INTEGER = 0x02;
    private static final byte BIT_STRING = 0x03;
    private static final byte OCTET_STRING = 0x04;
    private static final byte OID = 0x06;
    private static final byte UTC_TIME = 0x17;
    private static final byte GENERALIZED_TIME = 0x18;
    private static final byte VERSION = (byte) 0xA0;
    private static final byte EXTENSIONS = (byte) 0xA3;
    /** The content of the OID 2.5.29.14 (subject key identifier). */
    private static final byte[] SKI_OID = {0x55, 0x1D, 0x0E};
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
    private int keyStart = -1;
    private int keyEnd = -1;

    private DerFields() {
        Arrays.fill(runs, -1);
    }

    /**
     * Zeroes the fields of {@code der} that {@link #restore} makes again exactly from {@code known} and returns
     * their bits; 0 (and {@code der} untouched) if none or if {@code der} is not laid out as a certificate.
     */
    static int mask(byte[] der, Known known) {
        DerFields f = parse(der);
        if (f == null) {
            return 0;
        }
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
        if (t.getNano() != 0 || (tag != UTC_TIME && tag != GENERALIZED_TIME)) {
            return null;
        }
        try {
            return (tag == UTC_TIME ? UTC : GENERALIZED).format(t).getBytes(StandardCharsets.US_ASCII);
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
        try {
            DerFields f = new DerFields();
            int[] tlv = new int[2]; // content start and end of the element just read
            read(der, 0, SEQUENCE, tlv); // Certificate
            if (tlv[1] != der.length) {
                return null;
            }
            read(der, tlv[0], SEQUENCE, tlv); // tbsCertificate
            int end = tlv[1];
            int at = tlv[0];
            if (tag(der, at) == VERSION) {
                at = skip(der, at, tlv);
            }
            at = read(der, at, INTEGER, tlv);
            f.run(0, tlv);
            at = skip(der, at, tlv); // signature algorithm
            at = skip(der, at, tlv); // issuer
            int afterValidity = read(der, at, SEQUENCE, tlv);
            at = tlv[0];
            for (int k = 1; k <= 2; k++) {
                f.timeTags[k - 1] = tag(der, at);
                if (f.timeTags[k - 1] != UTC_TIME && f.timeTags[k - 1] != GENERALIZED_TIME) {
                    return null;
                }
                at = skip(der, at, tlv);
                f.run(k, tlv);
            }
            at = skip(der, afterValidity, tlv); // subject
            at = read(der, at, SEQUENCE, tlv); // subjectPublicKeyInfo
            int key = skip(der, tlv[0], tlv); // after the algorithm
            read(der, key, BIT_STRING, tlv);
            if (tlv[1] > tlv[0] && der[tlv[0]] == 0) {
                f.keyStart = tlv[0] + 1; // the key's bits, without the unused-bits count
                f.keyEnd = tlv[1];
            }
            while (at < end && tag(der, at) != EXTENSIONS) { // unique identifiers, if any
                at = skip(der, at, tlv);
            }
            if (at < end) {
                read(der, at, EXTENSIONS, tlv);
                read(der, tlv[0], SEQUENCE, tlv);
                for (int ext = tlv[0], extEnd = tlv[1]; ext < extEnd; ) {
                    int next = read(der, ext, SEQUENCE, tlv);
                    int value = read(der, tlv[0], OID, tlv);
                    if (Arrays.equals(der, tlv[0], tlv[1], SKI_OID, 0, SKI_OID.length)) {
                        if (tag(der, value) == BOOLEAN) { // critical
                            value = skip(der, value, tlv);
                        }
                        read(der, value, OCTET_STRING, tlv);
                        read(der, tlv[0], OCTET_STRING, tlv); // SubjectKeyIdentifier ::= OCTET STRING
                        f.run(3, tlv);
                    }
                    ext = next;
                }
            }
            return f;
        } catch (Malformed e) {
            return null;
        }
    }

    private void run(int field, int[] tlv) {
        runs[2 * field] = tlv[0];
        runs[2 * field + 1] = tlv[1];
    }

    /** Reads the element at {@code at}, which must have tag {@code tag}; returns the index after it. */
    private static int read(byte[] der, int at, byte tag, int[] tlv) {
        if (tag(der, at) != tag) {
            throw new Malformed();
        }
        return skip(der, at, tlv);
    }

    /** Reads the element at {@code at} (any tag): content start and end into {@code tlv}; returns the end. */
    private static int skip(byte[] der, int at, int[] tlv) {
        int length = tag(der, at + 1) & 0xFF;
        int content = at + 2;
        if (length >= 0x80) {
            int octets = length & 0x7F;
            if (octets == 0 || octets > 3) {
                throw new Malformed(); // indefinite, or longer than any certificate
            }
            length = 0;
            for (int i = 0; i < octets; i++) {
                length = (length << 8) | (tag(der, content++) & 0xFF);
            }
        }
        if (content + length > der.length) {
            throw new Malformed();
        }
        tlv[0] = content;
        tlv[1] = content + length;
        return content + length;
    }

    /** The byte at {@code at}, which must exist. */
    private static byte tag(byte[] der, int at) {
        if (at >= der.length) {
            throw new Malformed();
        }
        return der[at];
    }

    /** Not a certificate as expected; cheap (no stack trace), as parsing odd input is no error here. */
    private static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed() {
            super(null, null, false, false);
        }
    }
}

package dev.agentmanager.store.inmemory;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Where the parts of an X.509 certificate's DER (RFC 5280 section 4.1) lie: the to-be-signed part and, in it,
 * the serial, the validity times, the subject public key and a subject key identifier extension; after it the
 * signature algorithm and the signature. Offsets into the array parsed, content runs as [start, end). A walk
 * over tags and definite lengths only: it checks what it reads, not what a certificate means.
 *
 * <p>{@link DerFields} masks fields by it; {@link CertificateBodies} splits a certificate by it into the part
 * that compresses against a template and the random parts it keeps as they are.
 */
final class CertificateLayout {
    static final byte BOOLEAN = 0x01;
    static final byte INTEGER = 0x02;
    static final byte BIT_STRING = 0x03;
    static final byte OCTET_STRING = 0x04;
    static final byte OID = 0x06;
    static final byte SEQUENCE = 0x30;
    static final byte UTC_TIME = 0x17;
    static final byte GENERALIZED_TIME = 0x18;
    private static final byte VERSION = (byte) 0xA0;
    private static final byte EXTENSIONS = (byte) 0xA3;
    /** The content of the OID 2.5.29.14 (subject key identifier). */
    private static final byte[] SKI_OID = {0x55, 0x1D, 0x0E};

    // Written by the parse only, never after: read them as final.

    /** The tbsCertificate element, tag and length included. */
    int tbsStart;
    int tbsEnd;
    /** The end of the signatureAlgorithm element after tbsCertificate; -1 when only a tbsCertificate was parsed. */
    int signatureAlgorithmEnd = -1;
    /** The signature BIT STRING's content after its unused-bits count (which is 0); -1 when not so. */
    int signatureStart = -1;
    int serialStart;
    int serialEnd;
    /** The validity times' content runs and tags (UTCTime or GeneralizedTime). */
    int notBeforeStart;
    int notBeforeEnd;
    byte notBeforeTag;
    int notAfterStart;
    int notAfterEnd;
    byte notAfterTag;
    /** The content of the subject public key's AlgorithmIdentifier SEQUENCE. */
    int keyAlgorithmStart;
    int keyAlgorithmEnd;
    /** The subject public key's bits: its BIT STRING content after the unused-bits count (which is 0); -1 if not so. */
    int keyStart = -1;
    int keyEnd = -1;
    /** The SubjectKeyIdentifier's content (the inner OCTET STRING's); -1 if there is none. */
    int keyIdentifierStart = -1;
    int keyIdentifierEnd = -1;

    private CertificateLayout() {}

    /**
     * The layout of {@code der}, or null if it is not one Certificate SEQUENCE of tbsCertificate, an algorithm
     * and more, filling the array exactly.
     */
    static @Nullable CertificateLayout of(byte[] der) {
        try {
            int[] tlv = new int[2]; // content start and end of the element just read
            read(der, 0, SEQUENCE, tlv);
            if (tlv[1] != der.length) {
                return null;
            }
            int end = tlv[1];
            CertificateLayout f = new CertificateLayout();
            f.tbs(der, tlv[0], tlv);
            try {
                int algorithmEnd = read(der, f.tbsEnd, SEQUENCE, tlv);
                f.signatureAlgorithmEnd = algorithmEnd;
                if (algorithmEnd < end && read(der, algorithmEnd, BIT_STRING, tlv) == end && tlv[1] > tlv[0]
                        && der[tlv[0]] == 0) {
                    f.signatureStart = tlv[0] + 1;
                }
            } catch (Malformed e) {
                // no signature algorithm or signature as expected: the tbsCertificate's runs still hold
            }
            return f;
        } catch (Malformed e) {
            return null;
        }
    }

    /** The layout of the tbsCertificate element at {@code at} of {@code der}, or null if it does not parse. */
    static @Nullable CertificateLayout ofTbs(byte[] der, int at) {
        try {
            CertificateLayout f = new CertificateLayout();
            f.tbs(der, at, new int[2]);
            return f;
        } catch (Malformed e) {
            return null;
        }
    }

    /** Whether the subject public key's algorithm is the object identifier with content {@code oid}. */
    boolean keyAlgorithmIs(byte[] der, byte[] oid) {
        return keyAlgorithmStart + 2 + oid.length <= keyAlgorithmEnd && der[keyAlgorithmStart] == OID
                && der[keyAlgorithmStart + 1] == oid.length
                && Arrays.equals(der, keyAlgorithmStart + 2, keyAlgorithmStart + 2 + oid.length, oid, 0, oid.length);
    }

    /**
     * The content run [start, end) of the key algorithm's parameters when they are one OBJECT IDENTIFIER (a
     * named curve), else null.
     */
    int @Nullable [] keyParameterOid(byte[] der) {
        try {
            int[] tlv = new int[2];
            int parameters = read(der, keyAlgorithmStart, OID, tlv);
            if (parameters >= keyAlgorithmEnd) {
                return null;
            }
            return read(der, parameters, OID, tlv) == keyAlgorithmEnd ? tlv : null;
        } catch (Malformed e) {
            return null;
        }
    }

    private void tbs(byte[] der, int at, int[] tlv) {
        tbsStart = at;
        read(der, at, SEQUENCE, tlv);
        tbsEnd = tlv[1];
        int end = tlv[1];
        at = tlv[0];
        if (tag(der, at) == VERSION) {
            at = skip(der, at, tlv);
        }
        at = read(der, at, INTEGER, tlv);
        serialStart = tlv[0];
        serialEnd = tlv[1];
        at = skip(der, at, tlv); // signature algorithm
        at = skip(der, at, tlv); // issuer
        int afterValidity = read(der, at, SEQUENCE, tlv);
        at = tlv[0];
        notBeforeTag = time(der, at);
        at = skip(der, at, tlv);
        notBeforeStart = tlv[0];
        notBeforeEnd = tlv[1];
        notAfterTag = time(der, at);
        skip(der, at, tlv);
        notAfterStart = tlv[0];
        notAfterEnd = tlv[1];
        at = skip(der, afterValidity, tlv); // subject
        at = read(der, at, SEQUENCE, tlv); // subjectPublicKeyInfo
        int key = read(der, tlv[0], SEQUENCE, tlv); // the algorithm
        keyAlgorithmStart = tlv[0];
        keyAlgorithmEnd = tlv[1];
        read(der, key, BIT_STRING, tlv);
        if (tlv[1] > tlv[0] && der[tlv[0]] == 0) {
            keyStart = tlv[0] + 1; // the key's bits, without the unused-bits count
            keyEnd = tlv[1];
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
                    keyIdentifierStart = tlv[0];
                    keyIdentifierEnd = tlv[1];
                }
                ext = next;
            }
        }
    }

    private static byte time(byte[] der, int at) {
        byte tag = tag(der, at);
        if (tag != UTC_TIME && tag != GENERALIZED_TIME) {
            throw new Malformed();
        }
        return tag;
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

    /**
     * The DER header (tag and definite length, in the shortest form) of an element of {@code tag} with
     * {@code length} content bytes.
     */
    static byte[] header(byte tag, int length) {
        if (length < 0x80) {
            return new byte[] {tag, (byte) length};
        }
        int octets = length < 0x100 ? 1 : length < 0x10000 ? 2 : length < 0x1000000 ? 3 : 4;
        byte[] h = new byte[2 + octets];
        h[0] = tag;
        h[1] = (byte) (0x80 | octets);
        for (int i = 0; i < octets; i++) {
            h[2 + i] = (byte) (length >>> (8 * (octets - 1 - i)));
        }
        return h;
    }

    /** Not a certificate as expected; cheap (no stack trace), as parsing odd input is no error here. */
    private static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed() {
            super(null, null, false, false);
        }
    }
}

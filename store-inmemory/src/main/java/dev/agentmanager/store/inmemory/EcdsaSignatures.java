package dev.agentmanager.store.inmemory;

import java.math.BigInteger;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * An ECDSA signature's DER, {@code ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }} (RFC 3279 section
 * 2.2.3), kept as r and s in fixed width: r || s, each big-endian in w bytes, w the length of the longer of the
 * two without leading zeros (32 for most P-256 signatures). DER is the shortest two's-complement form, so r and
 * s alone determine the encoding: whether an INTEGER has a leading 0x00 (a high bit set) and how many leading
 * zeros were dropped. {@link #fixedWidth} keeps a signature only if {@link #der} makes it again byte for byte;
 * a negative or non-minimal INTEGER, another structure or trailing bytes are left to the caller to keep as
 * they are.
 */
final class EcdsaSignatures {
    private EcdsaSignatures() {}

    /**
     * r || s for the signature {@code b[from, to)} if it is an ECDSA-Sig-Value that {@link #der} makes again
     * exactly from them, else null.
     */
    static byte @Nullable [] fixedWidth(byte[] b, int from, int to) {
        if (to - from < 2 || b[from] != CertificateLayout.SEQUENCE) {
            return null;
        }
        int[] r = integer(b, from + 2 + ((b[from + 1] & 0x80) != 0 ? b[from + 1] & 0x7F : 0), to);
        int[] s = r == null ? null : integer(b, r[1], to);
        if (s == null || s[1] != to) {
            return null;
        }
        BigInteger rv = new BigInteger(Arrays.copyOfRange(b, r[0], r[1]));
        BigInteger sv = new BigInteger(Arrays.copyOfRange(b, s[0], s[1]));
        if (rv.signum() < 0 || sv.signum() < 0) {
            return null;
        }
        int width = (Math.max(rv.bitLength(), sv.bitLength()) + 7) / 8;
        byte[] fixed = new byte[2 * width];
        put(rv, fixed, 0, width);
        put(sv, fixed, width, width);
        byte[] made = der(fixed, 0, fixed.length);
        return made.length == to - from && Arrays.equals(made, 0, made.length, b, from, to) ? fixed : null;
    }

    /** The DER ECDSA-Sig-Value of r || s in {@code rs[from, to)} (even length, r and s in its two halves). */
    static byte[] der(byte[] rs, int from, int to) {
        int width = (to - from) / 2;
        if (2 * width != to - from) {
            throw new IllegalStateException("r || s of odd length");
        }
        byte[] r = new BigInteger(1, Arrays.copyOfRange(rs, from, from + width)).toByteArray();
        byte[] s = new BigInteger(1, Arrays.copyOfRange(rs, from + width, to)).toByteArray();
        byte[] rHeader = CertificateLayout.header(CertificateLayout.INTEGER, r.length);
        byte[] sHeader = CertificateLayout.header(CertificateLayout.INTEGER, s.length);
        int content = rHeader.length + r.length + sHeader.length + s.length;
        return CertificateBodies.concat(CertificateLayout.header(CertificateLayout.SEQUENCE, content), rHeader, r,
                sHeader, s);
    }

    /** The content run [start, end) of the INTEGER at {@code at} (not past {@code limit}), or null. */
    private static int @Nullable [] integer(byte[] b, int at, int limit) {
        if (at + 2 > limit || b[at] != CertificateLayout.INTEGER) {
            return null;
        }
        int length = b[at + 1] & 0xFF;
        int content = at + 2;
        if (length == 0x81) {
            if (content >= limit) {
                return null;
            }
            length = b[content++] & 0xFF;
        } else if (length >= 0x80) {
            return null; // no ECDSA integer needs more than one length octet
        }
        return length == 0 || content + length > limit ? null : new int[] {content, content + length};
    }

    /** Writes v (non-negative, at most {@code width} bytes unsigned) big-endian into {@code out[at, at + width)}. */
    private static void put(BigInteger v, byte[] out, int at, int width) {
        byte[] b = v.toByteArray();
        int n = Math.min(b.length, width);
        System.arraycopy(b, b.length - n, out, at + width - n, n);
    }
}

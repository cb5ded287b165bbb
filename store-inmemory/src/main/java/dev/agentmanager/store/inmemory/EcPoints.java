package dev.agentmanager.store.inmemory;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Point compression on the NIST prime curves P-256, P-384 and P-521 (SEC 1 section 2.3.3): an uncompressed
 * point {@code 04 || X || Y} is kept as X and the parity of Y, and Y is made again as the square root of
 * X³ + aX + b modulo p with that parity. All three primes are 3 modulo 4, so the root is a single
 * exponentiation, (X³ + aX + b)^((p + 1) / 4) mod p, with {@link BigInteger}: about 12 µs for P-256, paid on
 * read. On write the point is only checked against the curve's equation.
 *
 * <p>{@link Curve#parity} says whether a point is made again exactly, byte for byte, so that a caller keeps
 * anything else (an X or Y of p or more, a point not on the curve, another length or form) as it is.
 */
final class EcPoints {
    private EcPoints() {}

    /** The content of the OID 1.2.840.10045.2.1 (id-ecPublicKey, RFC 5480). */
    static final byte[] EC_PUBLIC_KEY = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};

    /** A short Weierstrass curve y² = x³ + ax + b over the prime field of p, p ≡ 3 (mod 4), named by its OID. */
    record Curve(String name, byte[] oid, BigInteger p, BigInteger a, BigInteger b, int size) {
        /**
         * 0 or 1, the parity of Y, if {@code der[from, to)} is an uncompressed point of this curve that
         * {@link #y} makes again exactly from X and that parity; else -1.
         */
        int parity(byte[] der, int from, int to) {
            if (to - from != 1 + 2 * size || der[from] != 0x04) {
                return -1;
            }
            BigInteger x = new BigInteger(1, Arrays.copyOfRange(der, from + 1, from + 1 + size));
            BigInteger y = new BigInteger(1, Arrays.copyOfRange(der, from + 1 + size, to));
            if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
                return -1;
            }
            // On the curve, Y is one of the two square roots of x³ + ax + b, y and p - y, whose parities differ
            // (p is odd): the parity picks Y out, so y() makes it again exactly. Checking the equation costs
            // a few multiplications; making the root (what y() does on read) costs an exponentiation.
            return y.multiply(y).mod(p).equals(rightSide(x)) ? (y.testBit(0) ? 1 : 0) : -1;
        }

        /**
         * Writes the {@link #size} bytes of Y, big-endian, for the X in {@code in[from, from + size)} and the
         * parity {@code odd} to {@code out} at {@code at}. Throws if X is no point's of this curve.
         */
        void y(byte[] in, int from, boolean odd, byte[] out, int at) {
            BigInteger x = new BigInteger(1, Arrays.copyOfRange(in, from, from + size));
            BigInteger y = x.compareTo(p) < 0 ? root(x, odd ? 1 : 0) : null;
            if (y == null) {
                throw new IllegalStateException("a compressed point that is not on " + name);
            }
            byte[] b = y.toByteArray(); // size bytes, one more with a sign byte, fewer with leading zeros
            int n = Math.min(b.length, size);
            Arrays.fill(out, at, at + size - n, (byte) 0);
            System.arraycopy(b, b.length - n, out, at + size - n, n);
        }

        /** x³ + ax + b mod p. */
        private BigInteger rightSide(BigInteger x) {
            return x.multiply(x).add(a).multiply(x).add(b).mod(p);
        }

        /** The square root of x³ + ax + b with this parity, or null if there is none. */
        private @Nullable BigInteger root(BigInteger x, int parity) {
            BigInteger square = rightSide(x);
            BigInteger y = square.modPow(p.add(BigInteger.ONE).shiftRight(2), p);
            if (!y.multiply(y).mod(p).equals(square)) {
                return null;
            }
            if ((y.testBit(0) ? 1 : 0) != parity) {
                if (y.signum() == 0) {
                    return null; // 0 has no odd root
                }
                y = p.subtract(y);
            }
            return y;
        }
    }

    /** P-256 (secp256r1, prime256v1), P-384 (secp384r1), P-521 (secp521r1): SEC 2 section 2.4. */
    static final List<Curve> CURVES = List.of(
            curve("P-256", new byte[] {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x03, 0x01, 0x07},
                    "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
                    "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 32),
            curve("P-384", new byte[] {0x2B, (byte) 0x81, 0x04, 0x00, 0x22},
                    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe"
                            + "ffffffff0000000000000000ffffffff",
                    "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a"
                            + "c656398d8a2ed19d2a85c8edd3ec2aef", 48),
            curve("P-521", new byte[] {0x2B, (byte) 0x81, 0x04, 0x00, 0x23},
                    "1" + "f".repeat(130), // 2^521 - 1
                    "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef1"
                            + "09e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00", 66));

    /** The curve whose OID has the content {@code der[run[0], run[1])}, or null (also for a null run). */
    static @Nullable Curve named(byte[] der, int @Nullable [] run) {
        if (run == null) {
            return null;
        }
        for (Curve c : CURVES) {
            if (Arrays.equals(der, run[0], run[1], c.oid(), 0, c.oid().length)) {
                return c;
            }
        }
        return null;
    }

    private static Curve curve(String name, byte[] oid, String p, String b, int size) {
        BigInteger prime = new BigInteger(p, 16);
        return new Curve(name, oid, prime, prime.subtract(BigInteger.valueOf(3)), new BigInteger(b, 16), size);
    }
}

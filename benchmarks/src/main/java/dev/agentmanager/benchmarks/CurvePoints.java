package dev.agentmanager.benchmarks;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.SplittableRandom;

/**
 * Distinct points of NIST P-256 (public keys, as an agent's key generator makes them, without their private
 * keys), fast enough for a million-agent fleet: {@link #WALKERS} random points (a random x with a square root
 * of x³ + ax + b) each step by the generator G, and the walkers' additions share one modular inverse
 * (Montgomery's trick), about three multiplications a point instead of an inverse. Walker j's t-th point is
 * W<sub>j</sub> + tG: distinct, with x-coordinates as uniform as those of generated keys. Not thread-safe.
 */
final class CurvePoints {
    static final int WALKERS = 256;
    private static final ECParameterSpec P256 = p256();
    private static final BigInteger P = ((ECFieldFp) P256.getCurve().getField()).getP();
    private static final BigInteger A = P256.getCurve().getA();
    private static final BigInteger B = P256.getCurve().getB();
    private static final BigInteger GX = P256.getGenerator().getAffineX();
    private static final BigInteger GY = P256.getGenerator().getAffineY();
    /** (p + 1) / 4: p ≡ 3 (mod 4), so a square root of a square s is s^((p + 1) / 4). */
    private static final BigInteger ROOT = P.add(BigInteger.ONE).shiftRight(2);

    private final BigInteger[] x = new BigInteger[WALKERS];
    private final BigInteger[] y = new BigInteger[WALKERS];
    private int next = WALKERS; // the walkers' current points are handed out; step before the next

    CurvePoints(SplittableRandom random) {
        for (int j = 0; j < WALKERS; j++) {
            while (x[j] == null) {
                byte[] bytes = new byte[32];
                random.nextBytes(bytes);
                BigInteger candidate = new BigInteger(1, bytes);
                if (candidate.compareTo(P) >= 0) {
                    continue;
                }
                BigInteger ySquared = candidate.pow(3).add(A.multiply(candidate)).add(B).mod(P);
                BigInteger root = ySquared.modPow(ROOT, P);
                if (root.multiply(root).mod(P).equals(ySquared)) {
                    x[j] = candidate;
                    y[j] = random.nextBoolean() ? root : P.subtract(root).mod(P);
                }
            }
        }
    }

    /** The next point, uncompressed: x and y as 32 big-endian bytes each. */
    byte[] next() {
        if (next == WALKERS) {
            step();
            next = 0;
        }
        byte[] point = new byte[64];
        put(x[next], point, 0);
        put(y[next], point, 32);
        next++;
        return point;
    }

    /** Adds G to every walker (affine addition; the denominators Gx - x share one inverse). */
    private void step() {
        BigInteger[] prefix = new BigInteger[WALKERS];
        BigInteger product = BigInteger.ONE;
        for (int j = 0; j < WALKERS; j++) {
            BigInteger d = GX.subtract(x[j]).mod(P);
            if (d.signum() == 0) {
                throw new IllegalStateException("a walker reached ±G"); // probability about 2^-248
            }
            prefix[j] = product;
            product = product.multiply(d).mod(P);
        }
        BigInteger inverse = product.modInverse(P);
        for (int j = WALKERS - 1; j >= 0; j--) {
            BigInteger d = GX.subtract(x[j]).mod(P);
            BigInteger dInverse = inverse.multiply(prefix[j]).mod(P);
            inverse = inverse.multiply(d).mod(P);
            BigInteger lambda = GY.subtract(y[j]).multiply(dInverse).mod(P);
            BigInteger x3 = lambda.multiply(lambda).subtract(x[j]).subtract(GX).mod(P);
            y[j] = lambda.multiply(x[j].subtract(x3)).subtract(y[j]).mod(P);
            x[j] = x3;
        }
    }

    /** The group order n of P-256. */
    static BigInteger order() {
        return P256.getOrder();
    }

    private static void put(BigInteger v, byte[] out, int at) {
        byte[] b = v.toByteArray(); // 32 bytes, 33 with a sign byte, fewer with leading zeros
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, out, at + 32 - n, n);
    }

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has P-256", e);
        }
    }
}

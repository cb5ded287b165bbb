package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.KeyPairGenerator;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Point compression: the curves are the JDK's, real keys of both parities round-trip, anything else is refused. */
class EcPointsTest {
    private static final Map<String, String> JDK_NAMES = Map.of("P-256", "secp256r1", "P-384", "secp384r1",
            "P-521", "secp521r1");

    @Test
    void curvesAreTheJdksNamedCurves() throws Exception {
        assertThat(EcPoints.CURVES).extracting(EcPoints.Curve::name).containsExactly("P-256", "P-384", "P-521");
        for (EcPoints.Curve c : EcPoints.CURVES) {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(JDK_NAMES.get(c.name())));
            ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
            assertThat(c.p()).isEqualTo(((ECFieldFp) spec.getCurve().getField()).getP());
            assertThat(c.a()).isEqualTo(spec.getCurve().getA());
            assertThat(c.b()).isEqualTo(spec.getCurve().getB());
            assertThat(c.p().testBit(0) && c.p().testBit(1)).as("p = 3 mod 4").isTrue();
            assertThat(c.size()).isEqualTo((c.p().bitLength() + 7) / 8);
            // a generated key's SubjectPublicKeyInfo names the curve by this OID
            byte[] spki = key(c).clone();
            byte[] named = new byte[c.oid().length + 2];
            named[0] = 0x06;
            named[1] = (byte) c.oid().length;
            System.arraycopy(c.oid(), 0, named, 2, c.oid().length);
            assertThat(indexOf(spki, named)).isPositive();
        }
    }

    @Test
    void realPointsOfBothParitiesAreMadeAgainExactly() throws Exception {
        for (EcPoints.Curve c : EcPoints.CURVES) {
            Set<Integer> parities = new HashSet<>();
            for (int i = 0; i < 8 || parities.size() < 2; i++) {
                byte[] spki = key(c);
                int from = spki.length - (1 + 2 * c.size());
                int parity = c.parity(spki, from, spki.length);
                assertThat(parity).as("%s key %d", c.name(), i).isEqualTo(spki[spki.length - 1] & 1);
                parities.add(parity);
                byte[] y = new byte[c.size()];
                c.y(spki, from + 1, parity == 1, y, 0);
                assertThat(y).isEqualTo(Arrays.copyOfRange(spki, from + 1 + c.size(), spki.length));
            }
            assertThat(parities).as(c.name()).containsExactlyInAnyOrder(0, 1);
        }
    }

    @Test
    void yWithLeadingZerosKeepsItsWidth() {
        EcPoints.Curve p256 = EcPoints.CURVES.get(0);
        // search a point whose Y (of one parity) starts with a zero byte
        for (int x = 1; ; x++) {
            byte[] point = point(p256, BigInteger.valueOf(x), null);
            if (point == null) {
                continue;
            }
            for (boolean odd : new boolean[] {false, true}) {
                byte[] y = new byte[32];
                p256.y(point, 1, odd, y, 0);
                if (y[0] == 0) {
                    byte[] full = point(p256, BigInteger.valueOf(x), odd);
                    assertThat(p256.parity(full, 0, full.length)).isEqualTo(odd ? 1 : 0);
                    return;
                }
            }
        }
    }

    @Test
    void anythingButAnUncompressedPointOfTheCurveIsRefused() throws Exception {
        EcPoints.Curve p256 = EcPoints.CURVES.get(0);
        byte[] spki = key(p256);
        byte[] point = Arrays.copyOfRange(spki, spki.length - 65, spki.length);
        assertThat(p256.parity(point, 0, 65)).isNotNegative();

        byte[] offCurve = point.clone();
        offCurve[64] ^= 2; // another Y, same parity
        assertThat(p256.parity(offCurve, 0, 65)).isEqualTo(-1);
        byte[] otherRoot = point.clone();
        byte[] negated = unsigned(p256.p().subtract(new BigInteger(1, Arrays.copyOfRange(point, 33, 65))), 32);
        System.arraycopy(negated, 0, otherRoot, 33, 32); // p - y: on the curve, the other parity
        assertThat(p256.parity(otherRoot, 0, 65)).isEqualTo(1 - p256.parity(point, 0, 65));
        byte[] yAllOnes = point.clone();
        Arrays.fill(yAllOnes, 33, 65, (byte) 0xFF); // a Y of p or more
        assertThat(p256.parity(yAllOnes, 0, 65)).isEqualTo(-1);
        for (int x = 1; ; x++) { // an X of p or more whose residue is a point's: its Y is right, yet it is refused
            byte[] small = point(p256, BigInteger.valueOf(x), null);
            if (small != null) {
                byte[] xPlusP = small.clone();
                System.arraycopy(unsigned(p256.p().add(BigInteger.valueOf(x)), 32), 0, xPlusP, 1, 32);
                assertThat(p256.parity(small, 0, 65)).isNotNegative();
                assertThat(p256.parity(xPlusP, 0, 65)).isEqualTo(-1);
                break;
            }
        }
        for (int prefix : new int[] {0x00, 0x02, 0x03, 0x05, 0x06, 0x07}) {
            byte[] other = point.clone();
            other[0] = (byte) prefix;
            assertThat(p256.parity(other, 0, 65)).isEqualTo(-1);
        }
        assertThat(p256.parity(point, 0, 64)).isEqualTo(-1);
        assertThat(p256.parity(point, 0, 33)).isEqualTo(-1); // a compressed point's length
        assertThat(EcPoints.CURVES.get(1).parity(point, 0, 65)).isEqualTo(-1); // P-384's length differs

        // an X that is no point's: y() throws instead of making bytes up
        for (int x = 1; ; x++) {
            if (point(p256, BigInteger.valueOf(x), null) == null) {
                byte[] noPoint = unsigned(BigInteger.valueOf(x), 32);
                assertThatThrownBy(() -> p256.y(noPoint, 0, false, new byte[32], 0))
                        .isInstanceOf(IllegalStateException.class);
                break;
            }
        }
    }

    @Test
    void curvesAreFoundByTheirOidOnly() {
        byte[] der = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x2B, (byte) 0x81, 0x04, 0x00, 0x22};
        assertThat(EcPoints.named(der, new int[] {0, 8})).isSameAs(EcPoints.CURVES.get(0));
        assertThat(EcPoints.named(der, new int[] {8, 13})).isSameAs(EcPoints.CURVES.get(1));
        assertThat(EcPoints.named(der, new int[] {0, 7})).isNull();
        assertThat(EcPoints.named(der, new int[] {8, 12})).isNull();
        assertThat(EcPoints.named(der, null)).isNull();
    }

    /** 04 || X || Y for this X and Y of parity {@code odd} (either when null), or null if X is no point's. */
    private static byte[] point(EcPoints.Curve c, BigInteger x, Boolean odd) {
        BigInteger square = x.pow(3).add(c.a().multiply(x)).add(c.b()).mod(c.p());
        BigInteger y = square.modPow(c.p().add(BigInteger.ONE).shiftRight(2), c.p());
        if (!y.multiply(y).mod(c.p()).equals(square)) {
            return null;
        }
        if (odd != null && y.testBit(0) != odd) {
            y = c.p().subtract(y);
        }
        byte[] point = new byte[1 + 2 * c.size()];
        point[0] = 4;
        System.arraycopy(unsigned(x, c.size()), 0, point, 1, c.size());
        System.arraycopy(unsigned(y, c.size()), 0, point, 1 + c.size(), c.size());
        return point;
    }

    private static byte[] unsigned(BigInteger v, int size) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[size];
        int n = Math.min(b.length, size);
        System.arraycopy(b, b.length - n, out, size - n, n);
        return out;
    }

    private static byte[] key(EcPoints.Curve c) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(JDK_NAMES.get(c.name())));
        return generator.generateKeyPair().getPublic().getEncoded();
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

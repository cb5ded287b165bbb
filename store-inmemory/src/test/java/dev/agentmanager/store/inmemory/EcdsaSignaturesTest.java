package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ECDSA signatures as r || s: exact round trips of real and edge-case encodings, refusal of anything else. */
class EcdsaSignaturesTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void realSignaturesRoundTripExactly() throws Exception {
        String[][] curves = {{"secp256r1", "SHA256withECDSA", "32"}, {"secp384r1", "SHA384withECDSA", "48"},
                {"secp521r1", "SHA512withECDSA", "66"}};
        for (String[] c : curves) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(c[0]));
            KeyPair keys = generator.generateKeyPair();
            Set<Integer> lengths = new HashSet<>();
            for (int i = 0; i < 40; i++) {
                Signature signer = Signature.getInstance(c[1]);
                signer.initSign(keys.getPrivate());
                signer.update(new byte[] {(byte) i});
                byte[] der = signer.sign();
                lengths.add(der.length);
                byte[] rs = EcdsaSignatures.fixedWidth(der, 0, der.length);
                assertThat(rs).as("%s signature %d", c[0], i).isNotNull();
                assertThat(rs.length).isLessThanOrEqualTo(2 * Integer.parseInt(c[2]));
                assertThat(EcdsaSignatures.der(rs, 0, rs.length)).isEqualTo(der);
            }
            assertThat(lengths).as("%s: DER lengths vary with the high bits of r and s", c[0]).hasSizeGreaterThan(1);
        }
    }

    @Test
    void edgeCasesOfTheIntegerEncodingRoundTrip() {
        String full = "11".repeat(32);
        String high = "00" + "ff".repeat(32); // a high bit set: a leading 0x00
        String shortR = "7f" + "22".repeat(30); // 31 bytes: a leading zero byte stripped
        String shortest = "01";
        String[][] pairs = {{full, full}, {high, full}, {full, high}, {high, high}, {shortR, full}, {full, shortR},
                {shortR, shortR}, {shortest, high}, {"00", "00"}, {"00", full}};
        for (String[] rs : pairs) {
            byte[] der = signature(rs[0], rs[1]);
            byte[] fixed = EcdsaSignatures.fixedWidth(der, 0, der.length);
            assertThat(fixed).as("r=%s s=%s", rs[0], rs[1]).isNotNull();
            int width = Math.max(unsignedLength(rs[0]), unsignedLength(rs[1]));
            assertThat(fixed).hasSize(2 * width);
            assertThat(EcdsaSignatures.der(fixed, 0, fixed.length)).isEqualTo(der);
            // r || s padded to a wider field (as a record holding 32-byte halves does) makes the same DER
            byte[] wide = new byte[2 * 40];
            System.arraycopy(fixed, 0, wide, 40 - width, width);
            System.arraycopy(fixed, width, wide, 80 - width, width);
            assertThat(EcdsaSignatures.der(wide, 0, wide.length)).isEqualTo(der);
        }
        assertThat(EcdsaSignatures.fixedWidth(signature(shortR, shortR), 0, 2 + 2 * 33)).hasSize(62);
        // a signature inside a larger array
        byte[] der = signature(high, full);
        byte[] padded = new byte[der.length + 7];
        System.arraycopy(der, 0, padded, 3, der.length);
        assertThat(EcdsaSignatures.der(EcdsaSignatures.fixedWidth(padded, 3, 3 + der.length), 0, 64)).isEqualTo(der);
    }

    @Test
    void longFormSequenceLengthsRoundTrip() {
        byte[] der = signature("00" + "ff".repeat(66), "01" + "ab".repeat(65)); // P-521 sized: 0x30 0x81 ..
        assertThat(der[1]).isEqualTo((byte) 0x81);
        byte[] fixed = EcdsaSignatures.fixedWidth(der, 0, der.length);
        assertThat(fixed).hasSize(132);
        assertThat(EcdsaSignatures.der(fixed, 0, fixed.length)).isEqualTo(der);
    }

    @Test
    void encodingsThatAreNotMadeAgainExactlyAreRefused() {
        String full = "11".repeat(32);
        byte[] good = signature(full, full);
        assertThat(EcdsaSignatures.fixedWidth(good, 0, good.length)).isNotNull();
        byte[][] refused = {
                signature("00" + full, full), // a needless leading zero
                signature("0000" + "ff".repeat(32), full),
                signature("ff" + "11".repeat(31), full), // negative
                signature(full, "80"), // negative
                raw("30", "02 20 " + full + " 02 00"), // an empty INTEGER
                raw("30", "02 20 " + full + " 02 20 " + full + " 05 00"), // a trailing element
                raw("31", "02 20 " + full + " 02 20 " + full), // a SET
                raw("30", "04 20 " + full + " 02 20 " + full), // an OCTET STRING
                raw("30", "02 20 " + full), // one INTEGER
                hex("30 81 44 02 20 " + full + " 02 20 " + full), // a long length form where the short one fits
                hex("30 44 02 81 20 " + full + " 02 20 " + full), // likewise for r (and a wrong outer length)
                hex("30 45 02 20 " + full + " 02 20 " + full), // an outer length that is not the content's
                hex("30 80 02 20 " + full + " 02 20 " + full + " 00 00"), // indefinite length
                Arrays.copyOf(good, good.length - 1), // truncated
                new byte[0], new byte[] {0x30}, new byte[] {0x30, 0x00}};
        for (byte[] der : refused) {
            assertThat(EcdsaSignatures.fixedWidth(der, 0, der.length)).as(HEX.formatHex(der)).isNull();
        }
        byte[] trailing = Arrays.copyOf(good, good.length + 1); // a byte after the SEQUENCE
        assertThat(EcdsaSignatures.fixedWidth(trailing, 0, trailing.length)).isNull();
    }

    private static int unsignedLength(String hexInteger) {
        return (new BigInteger(hexInteger, 16).bitLength() + 7) / 8;
    }

    /** SEQUENCE { INTEGER r, INTEGER s } with these content octets, shortest length forms. */
    private static byte[] signature(String r, String s) {
        byte[] ri = element(0x02, HEX.parseHex(r));
        byte[] si = element(0x02, HEX.parseHex(s));
        byte[] content = Arrays.copyOf(ri, ri.length + si.length);
        System.arraycopy(si, 0, content, ri.length, si.length);
        return element(0x30, content);
    }

    private static byte[] raw(String tag, String content) {
        return element(Integer.parseInt(tag, 16), hex(content));
    }

    private static byte[] hex(String spaced) {
        return HEX.parseHex(spaced.replace(" ", ""));
    }

    private static byte[] element(int tag, byte[] content) {
        byte[] header = CertificateLayout.header((byte) tag, content.length);
        byte[] e = Arrays.copyOf(header, header.length + content.length);
        System.arraycopy(content, 0, e, header.length, content.length);
        return e;
    }
}

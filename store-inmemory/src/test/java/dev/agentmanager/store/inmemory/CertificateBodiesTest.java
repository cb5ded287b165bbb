package dev.agentmanager.store.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.testkit.MutableClock;
import dev.agentmanager.testkit.TestAgents;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Certificate bodies kept compressed: exact PEM round trips, compression, and reads racing writes. */
class CertificateBodiesTest {
    private static final Instant T0 = MutableClock.DEFAULT_START;

    /** Real agent certificates of one BouncyCastle CA (EC P-256, defaults), with the agent id each was issued for. */
    private record Issued(String agentId, String pem) {
        /** What a record of this certificate holds: its serial and validity, read from the certificate. */
        DerFields.Known known() {
            X509Certificate x = x509(pem);
            return new DerFields.Known(x.getSerialNumber().toString(16), x.getNotBefore().toInstant(),
                    x.getNotAfter().toInstant());
        }
    }

    /** Values no certificate has: nothing can be masked with them. */
    private static final DerFields.Known UNKNOWN = new DerFields.Known("not hex", T0.plusNanos(1), T0.plusNanos(2));

    private static List<Issued> bouncyCastleCertificates() throws IOException {
        String text;
        try (InputStream in = Objects.requireNonNull(
                CertificateBodiesTest.class.getResourceAsStream("bouncycastle-agent-certificates.pem"))) {
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        List<Issued> issued = new ArrayList<>();
        for (String block : text.split("# agent ")) {
            if (!block.isEmpty()) {
                int eol = block.indexOf('\n');
                issued.add(new Issued(block.substring(0, eol), block.substring(eol + 1)));
            }
        }
        assertThat(issued).hasSize(4);
        return issued;
    }

    @Test
    void realCertificatesRoundTripExactlyAndCompressAgainstTheTemplate() throws IOException {
        CertificateBodies bodies = new CertificateBodies();
        List<Issued> certificates = bouncyCastleCertificates();
        List<Object> kept = new ArrayList<>();
        for (Issued c : certificates) {
            kept.add(bodies.compact(c.pem(), c.agentId(), c.known()));
        }

        for (int i = 0; i < certificates.size(); i++) {
            Issued c = certificates.get(i);
            byte[] body = (byte[]) kept.get(i);
            // serial, validity and the key identifier (the SHA-1 of the key, as the CA makes it) were left out,
            // the key is X and the parity of Y, the signature r || s, and the rest is the template's (the first
            // is the template itself; the others differ from it only in their random fields and agent id)
            boolean odd = ((ECPublicKey) x509(c.pem()).getPublicKey()).getW().getAffineY().testBit(0);
            assertThat(body[0] & 0xFF).isEqualTo(DerFields.SERIAL | DerFields.NOT_BEFORE | DerFields.NOT_AFTER
                    | DerFields.KEY_IDENTIFIER | (odd ? CertificateBodies.KEY_ODD_Y : CertificateBodies.KEY_EVEN_Y)
                    | CertificateBodies.ECDSA | CertificateBodies.TEMPLATE);
            assertThat(body).hasSize(1 + 32 + 64);
            assertThat(bodies.pem(body, c.agentId(), c.known())).isEqualTo(c.pem());
        }
    }

    @Test
    void fieldsTheRecordHoldsAreLeftOutOnlyWhenTheyAreMadeAgainExactly() throws IOException {
        List<Issued> certificates = bouncyCastleCertificates();
        Issued template = certificates.get(0);
        Issued c = certificates.get(1);
        DerFields.Known known = c.known();
        int all = DerFields.SERIAL | DerFields.NOT_BEFORE | DerFields.NOT_AFTER | DerFields.KEY_IDENTIFIER;
        List<DerFields.Known> partly = List.of(
                new DerFields.Known("1" + known.serial(), known.notBefore(), known.notAfter()),
                new DerFields.Known(known.serial(), known.notBefore().plusSeconds(1), known.notAfter()),
                new DerFields.Known(known.serial(), known.notBefore(), known.notAfter().plusNanos(1)),
                UNKNOWN);
        int[] expectedMasks = {all & ~DerFields.SERIAL, all & ~DerFields.NOT_BEFORE, all & ~DerFields.NOT_AFTER,
                DerFields.KEY_IDENTIFIER};
        CertificateBodies bodies = new CertificateBodies();
        byte[] full = (byte[]) bodies.compact(template.pem(), template.agentId(), template.known());
        byte[] lean = (byte[]) bodies.compact(c.pem(), c.agentId(), known);
        assertThat(lean[0] & CertificateBodies.MASK).isEqualTo(all);
        for (int i = 0; i < partly.size(); i++) {
            byte[] kept = (byte[]) bodies.compact(c.pem(), c.agentId(), partly.get(i));
            assertThat(kept[0] & CertificateBodies.MASK).as("mask %d", i).isEqualTo(expectedMasks[i]);
            assertThat(kept[0] & CertificateBodies.TEMPLATE).as("the template's skeleton is masked otherwise").isZero();
            assertThat(bodies.pem(kept, c.agentId(), partly.get(i))).isEqualTo(c.pem());
            assertThat(kept.length).isGreaterThan(lean.length);
        }
        assertThat(bodies.pem(full, template.agentId(), template.known())).isEqualTo(template.pem());

        // a key identifier that is not the SHA-1 of the key is kept as it is
        byte[] der = CertificateBodies.standardDer(c.pem());
        byte[] ski = x509(c.pem()).getExtensionValue("2.5.29.14");
        int at = indexOf(der, java.util.Arrays.copyOfRange(ski, ski.length - 20, ski.length));
        der[at] ^= 1;
        byte[] masked = der.clone();
        assertThat(DerFields.mask(masked, known)).isEqualTo(all & ~DerFields.KEY_IDENTIFIER);
        assertThat(masked[at]).isEqualTo(der[at]);
        DerFields.restore(masked, all & ~DerFields.KEY_IDENTIFIER, known);
        assertThat(masked).isEqualTo(der);
        // what does not parse as a certificate is never masked
        for (int cut : new int[] {0, 1, 2, 10, 100, der.length - 1}) {
            byte[] truncated = java.util.Arrays.copyOf(der, cut);
            assertThat(DerFields.mask(truncated, known)).isZero();
        }
    }

    @Test
    void certificatesInFormsThatAreNotMadeAgainAreKeptAsTheyAre() throws IOException {
        List<Issued> certificates = bouncyCastleCertificates();
        Issued template = certificates.get(0);
        Issued c = certificates.get(1);
        byte[] der = CertificateBodies.standardDer(c.pem());
        CertificateLayout layout = CertificateLayout.of(der);
        byte[] skeleton = java.util.Arrays.copyOfRange(der, layout.tbsStart, layout.signatureAlgorithmEnd);
        byte[] signature = java.util.Arrays.copyOfRange(der, layout.signatureStart, der.length);
        int y = layout.keyEnd - 1; // the last byte of the point's Y

        byte[] offCurve = der.clone();
        offCurve[y] ^= 2; // a Y of the same parity that is not the point's
        // the same key as a compressed point: another SubjectPublicKeyInfo length, lengths around it made anew
        byte[] point = CertificateBodies.concat(new byte[] {(byte) (2 + (der[y] & 1))},
                java.util.Arrays.copyOfRange(der, layout.keyStart + 1, layout.keyStart + 33));
        int spki = layout.keyAlgorithmStart - 4; // SEQUENCE { SEQUENCE { algorithm }, ...}: two short headers
        byte[] tbsContent = CertificateBodies.concat(java.util.Arrays.copyOfRange(der, layout.tbsStart + 4, spki), // 30 82 hi lo
                element(0x30, CertificateBodies.concat(java.util.Arrays.copyOfRange(der, spki + 2, layout.keyAlgorithmEnd),
                        element(0x03, CertificateBodies.concat(new byte[] {0}, point)))),
                java.util.Arrays.copyOfRange(der, layout.keyEnd, layout.tbsEnd));
        byte[] compressedPoint = certificate(CertificateBodies.concat(element(0x30, tbsContent),
                java.util.Arrays.copyOfRange(der, layout.tbsEnd, layout.signatureAlgorithmEnd)), signature);
        assertThat(CertificateLayout.of(compressedPoint).keyEnd - CertificateLayout.of(compressedPoint).keyStart)
                .isEqualTo(33);
        // r with a needless leading zero: DER, but not the shortest form
        byte[] paddedR = certificate(skeleton, CertificateBodies.concat(new byte[] {0x30, (byte) (signature[1] + 1), 0x02,
                (byte) (signature[3] + 1), 0x00}, java.util.Arrays.copyOfRange(signature, 4, signature.length)));
        byte[] longOuterLength = CertificateBodies.concat(new byte[] {0x30, (byte) 0x83, 0, (byte) ((der.length - 4) >> 8),
                (byte) (der.length - 4)}, java.util.Arrays.copyOfRange(der, 4, der.length));
        byte[] unusedBits = der.clone();
        unusedBits[layout.signatureStart - 1] = 1;
        byte[] afterSignature = CertificateBodies.concat(new byte[] {0x30, (byte) 0x82, (byte) ((der.length - 3) >> 8),
                (byte) (der.length - 3)}, java.util.Arrays.copyOfRange(der, 4, der.length), new byte[] {0x05, 0x00});
        byte[] noSignature = certificate(skeleton, new byte[0]);
        List<byte[]> variants = List.of(offCurve, compressedPoint, paddedR, longOuterLength, unusedBits,
                afterSignature, noSignature, java.util.Arrays.copyOf(der, der.length - 1),
                java.util.Arrays.copyOf(der, layout.tbsEnd), java.util.Arrays.copyOf(der, 100));
        int[] keyForms = {CertificateBodies.KEY_RAW, CertificateBodies.KEY_RAW, -1, 0, 0, 0, -1, 0, 0, 0};
        int[] ecdsa = {CertificateBodies.ECDSA, CertificateBodies.ECDSA, 0, 0, 0, 0, 0, 0, 0, 0};

        CertificateBodies bodies = new CertificateBodies();
        bodies.compact(template.pem(), template.agentId(), template.known());
        for (int i = 0; i < variants.size(); i++) {
            String pem = pem(variants.get(i));
            byte[] kept = (byte[]) bodies.compact(pem, c.agentId(), c.known());
            assertThat(bodies.pem(kept, c.agentId(), c.known())).as("variant %d", i).isEqualTo(pem);
            if (keyForms[i] >= 0) {
                assertThat(kept[0] & CertificateBodies.KEY_FORM).as("variant %d", i).isEqualTo(keyForms[i]);
            } else {
                assertThat(kept[0] & CertificateBodies.KEY_FORM).as("variant %d", i).isNotZero();
            }
            assertThat(kept[0] & CertificateBodies.ECDSA).as("variant %d", i).isEqualTo(ecdsa[i]);
        }

        // an agent id of another length than the template's: the skeleton is deflated against it
        String otherId = c.agentId() + "-x";
        byte[] kept = (byte[]) bodies.compact(c.pem(), otherId, c.known());
        assertThat(kept[0] & CertificateBodies.TEMPLATE).isZero();
        assertThat(kept.length).isGreaterThan(97).isLessThan(97 + 40);
        assertThat(bodies.pem(kept, otherId, c.known())).isEqualTo(c.pem());
    }

    /** Certificate ::= SEQUENCE { skeleton, BIT STRING { 0 unused bits, signature } }. */
    private static byte[] certificate(byte[] skeleton, byte[] signature) {
        byte[] bits = CertificateBodies.concat(CertificateLayout.header(CertificateLayout.BIT_STRING, signature.length + 1),
                new byte[] {0}, signature);
        return CertificateBodies.concat(CertificateLayout.header(CertificateLayout.SEQUENCE, skeleton.length + bits.length), skeleton,
                bits);
    }

    private static byte[] element(int tag, byte[] content) {
        return CertificateBodies.concat(CertificateLayout.header((byte) tag, content.length), content);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    private static X509Certificate x509(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void oddPemsAreKeptAsGiven() {
        CertificateBodies bodies = new CertificateBodies();
        String standard = TestAgents.certificate("agent-001", T0).certificatePem();
        for (String odd : List.of(standard.replace("\n", "\r\n"), standard.substring(0, standard.length() - 1),
                "-----BEGIN CERTIFICATE-----\n" + "QUJD".repeat(30) + "\n-----END CERTIFICATE-----\n",
                "-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n",
                "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n", "", "not a pem")) {
            Object kept = bodies.compact(odd, "agent-001", UNKNOWN);
            assertThat(kept).isSameAs(odd);
            assertThat(bodies.pem(kept, "agent-001", UNKNOWN)).isSameAs(odd);
        }
    }

    @Test
    void standardPemsOfAnyContentRoundTripExactly() throws IOException {
        CertificateBodies bodies = new CertificateBodies();
        SplittableRandom random = new SplittableRandom(7);
        List<String> pems = new ArrayList<>();
        Issued real = bouncyCastleCertificates().get(0);
        pems.add(real.pem());
        for (int size : new int[] {1, 2, 3, 47, 48, 49, 510, 20_000}) { // 20,000 random bytes do not compress
            byte[] der = new byte[size];
            random.nextBytes(der);
            pems.add(pem(der));
        }
        List<String> agentIds = List.of("agent-001", "ägent-ünicode", "", "f51bccc6-6ac7-45ee-b232-c6d230e882f9");
        for (String pem : pems) {
            for (String agentId : agentIds) {
                DerFields.Known known = pem.equals(real.pem()) ? real.known() : UNKNOWN;
                Object kept = bodies.compact(pem, agentId, known);
                assertThat(kept).isInstanceOf(byte[].class);
                assertThat(bodies.pem(kept, agentId, known)).isEqualTo(pem);
            }
        }
    }

    @Test
    void theStoreReturnsTheExactPemsOfRealCertificates() throws IOException {
        InMemoryAgentStore store = new InMemoryAgentStore();
        List<AgentCertificate> inserted = new ArrayList<>();
        for (Issued c : bouncyCastleCertificates()) {
            AgentCertificate cert = withPem(TestAgents.certificate(c.agentId(), T0.plusSeconds(inserted.size())),
                    c.pem());
            store.insertCertificate(cert);
            inserted.add(cert);
        }
        for (AgentCertificate c : inserted) {
            assertThat(store.findCertificate(c.serial())).contains(c);
            assertThat(store.findCertificates(c.agentId())).containsExactly(c);
        }
    }

    @Test
    void readsRacingWritesSeeExactPems() throws Exception {
        InMemoryAgentStore store = new InMemoryAgentStore();
        List<Issued> real = bouncyCastleCertificates();
        int writes = 2_000;
        AgentCertificate[] certificates = new AgentCertificate[writes];
        for (int i = 0; i < writes; i++) {
            Issued c = real.get(i % real.size());
            certificates[i] = withPem(TestAgents.certificate("agent-" + i, T0), c.pem());
        }
        AtomicInteger published = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread t = new Thread(() -> {
                SplittableRandom random = new SplittableRandom();
                try {
                    while (published.get() < writes && failure.get() == null) {
                        int n = published.get();
                        if (n > 0) {
                            AgentCertificate expected = certificates[random.nextInt(n)];
                            assertThat(store.findCertificate(expected.serial())).contains(expected);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            t.start();
            readers.add(t);
        }
        for (int i = 0; i < writes; i++) {
            store.insertCertificate(certificates[i]);
            published.set(i + 1);
        }
        for (Thread t : readers) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        for (AgentCertificate c : certificates) {
            assertThat(store.findCertificate(c.serial())).contains(c);
        }
    }

    private static AgentCertificate withPem(AgentCertificate c, String pem) {
        return new AgentCertificate(c.serial(), c.thumbprint(), c.agentId(), c.notBefore(), c.notAfter(), pem, null);
    }

    private static String pem(byte[] der) {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END CERTIFICATE-----\n";
    }
}

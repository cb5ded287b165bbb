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
            assertThat(kept.get(i)).isInstanceOf(byte[].class);
            // serial, validity and the key identifier (the SHA-1 of the key, as the CA makes it) were left out
            assertThat(((byte[]) kept.get(i))[0]).isEqualTo((byte) (DerFields.SERIAL | DerFields.NOT_BEFORE
                    | DerFields.NOT_AFTER | DerFields.KEY_IDENTIFIER));
            assertThat(bodies.pem(kept.get(i), c.agentId(), c.known())).isEqualTo(c.pem());
        }
        // the first is the template itself; the others share all but their random fields and agent id with it
        int der = CertificateBodies.standardDer(certificates.get(1).pem()).length;
        for (Object body : kept.subList(1, kept.size())) {
            assertThat(((byte[]) body).length).isLessThan(der / 2);
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
        assertThat(lean[0]).isEqualTo((byte) all);
        for (int i = 0; i < partly.size(); i++) {
            byte[] kept = (byte[]) bodies.compact(c.pem(), c.agentId(), partly.get(i));
            assertThat(kept[0]).as("mask %d", i).isEqualTo((byte) expectedMasks[i]);
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

package dev.agentmanager.ca.bouncycastle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.spi.CrlContent;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BouncyCastleCertificateService#signCrl}: exactly the content it is given, signed by the CA. */
class CrlSigningTest {
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final BouncyCastleCertificateService ca =
            BouncyCastleCertificateService.builder().clock(clock).build();
    private final CertificateRequest request = ca.decodeRequest(TestPki.csrPem(TestPki.P256));

    private CrlContent content(List<AgentCertificate> revoked, long number) {
        return new CrlContent(revoked, NOW.minus(Duration.ofMinutes(5)), NOW.plus(Duration.ofDays(7)), number);
    }

    private static X509CRL parse(byte[] der) throws Exception {
        return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
    }

    @Test
    void signsTheGivenEntriesDatesAndNumber() throws Exception {
        AgentCertificate kept = ca.issue("agent-1", request);
        AgentCertificate revoked = ca.issue("agent-2", request).withRevokedAt(NOW.minusSeconds(30));
        AgentCertificate other = ca.issue("agent-3", request).withRevokedAt(NOW.minusSeconds(10));

        X509CRL crl = parse(ca.signCrl(content(List.of(revoked, other), 42)));

        X509Certificate root = ca.caCertificates().get(0);
        crl.verify(root.getPublicKey());
        assertThat(crl.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());
        assertThat(crl.getThisUpdate().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(5)));
        assertThat(crl.getNextUpdate().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(7)));
        assertThat(crlNumber(crl)).isEqualTo(42);
        assertThat(authorityKeyId(crl)).isEqualTo(subjectKeyId(root));
        Map<BigInteger, Instant> entries = new HashMap<>();
        for (X509CRLEntry entry : crl.getRevokedCertificates()) {
            entries.put(entry.getSerialNumber(), entry.getRevocationDate().toInstant());
        }
        assertThat(entries)
                .containsOnly(
                        Map.entry(new BigInteger(revoked.serial(), 16), NOW.minusSeconds(30)),
                        Map.entry(new BigInteger(other.serial(), 16), NOW.minusSeconds(10)));
        assertThat(crl.isRevoked(TestPki.certificate(kept.certificatePem()))).isFalse();
        assertThat(crl.isRevoked(TestPki.certificate(revoked.certificatePem()))).isTrue();
    }

    @Test
    void twoInstancesOverTheSameCaSignTheSameContent(@TempDir Path dir) throws Exception {
        // Replicas load the same CA and sign what the store says: the content matches, only the signature differs.
        BouncyCastleCertificateService first = BouncyCastleCertificateService.builder()
                .clock(clock)
                .generatedCaDirectory(dir)
                .build();
        BouncyCastleCertificateService second = BouncyCastleCertificateService.builder()
                .clock(clock)
                .generatedCaDirectory(dir)
                .build();
        AgentCertificate revoked = first.issue("agent-1", request).withRevokedAt(NOW);
        CrlContent content = content(List.of(revoked), 9);

        X509CRL a = parse(first.signCrl(content));
        X509CRL b = parse(second.signCrl(content));

        b.verify(first.caCertificates().get(0).getPublicKey());
        assertThat(b.getTBSCertList()).isEqualTo(a.getTBSCertList());
    }

    @Test
    void anEmptyListIsAValidCrl() throws Exception {
        X509CRL crl = parse(ca.signCrl(content(List.of(), 1)));

        crl.verify(ca.caCertificates().get(0).getPublicKey());
        assertThat(crl.getRevokedCertificates()).isNull();
    }

    @Test
    void anEntryWithoutARevocationDateIsRefused() {
        AgentCertificate unrevoked = ca.issue("agent-1", request);

        assertThatThrownBy(() -> ca.signCrl(content(List.of(unrevoked), 1)))
                .isInstanceOf(dev.agentmanager.exception.CertificateIssuanceException.class);
    }

    @Test
    void jdkPkixValidationWithTheCrlRefusesARevokedCertificate() throws Exception {
        AgentCertificate issued = ca.issue("agent-1", request);
        X509Certificate leaf = TestPki.certificate(issued.certificatePem());
        clock.advance(Duration.ofMinutes(1));

        TestPki.validate(leaf, ca.caCertificates(), clock.instant(), parse(ca.signCrl(content(List.of(), 1))));
        X509CRL listing = parse(ca.signCrl(content(List.of(issued.withRevokedAt(NOW)), 2)));

        assertThatThrownBy(() -> TestPki.validate(leaf, ca.caCertificates(), clock.instant(), listing))
                .isInstanceOf(CertPathValidatorException.class)
                .satisfies(e -> assertThat(((CertPathValidatorException) e).getReason())
                        .isEqualTo(CertPathValidatorException.BasicReason.REVOKED));
    }

    @Test
    void opensslVerifiesTheCrlAndListsEverySerial(@TempDir Path dir) throws Exception {
        assumeThat(onPath("openssl")).as("openssl on the PATH").isTrue();
        AgentCertificate first = ca.issue("agent-1", request).withRevokedAt(NOW.minusSeconds(30));
        AgentCertificate second = ca.issue("agent-2", request).withRevokedAt(NOW.minusSeconds(20));
        Path crl = Files.write(dir.resolve("crl.der"), ca.signCrl(content(List.of(first, second), 7)));
        Path root = Files.writeString(dir.resolve("root.pem"), ca.trustBundle().certificatesPem());

        Process openssl = new ProcessBuilder(
                        "openssl",
                        "crl",
                        "-inform",
                        "DER",
                        "-in",
                        crl.toString(),
                        "-CAfile",
                        root.toString(),
                        "-noout",
                        "-text")
                .redirectErrorStream(true)
                .start();
        assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(openssl.exitValue()).as(output).isZero();
        assertThat(output).contains("verify OK");
        for (AgentCertificate c : List.of(first, second)) {
            assertThat(output.toUpperCase(Locale.ROOT)).contains(c.serial().toUpperCase(Locale.ROOT));
        }
    }

    @Test
    void theCrlTrustManagerRefusesListedCertificatesAndAcceptsOthers() throws Exception {
        AgentCertificate listed = ca.issue("agent-1", request);
        AgentCertificate unlisted = ca.issue("agent-2", request);
        clock.advance(Duration.ofMinutes(1));
        X509CRL crl = parse(ca.signCrl(content(List.of(listed.withRevokedAt(NOW)), 3)));
        var trust = ServerTls.crlTrustManager(ca.trustBundle(), () -> crl, clock);

        trust.checkClientTrusted(chain(unlisted), "EC");
        assertThatThrownBy(() -> trust.checkClientTrusted(chain(listed), "EC"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("revoked");
    }

    @Test
    void theCrlTrustManagerRefusesEveryoneWithoutAGenuineCrl() throws Exception {
        AgentCertificate agent = ca.issue("agent-1", request);
        clock.advance(Duration.ofMinutes(1));
        // Same subject as the real CA, another key: an empty list it signs must not let anyone in.
        BouncyCastleCertificateService forger =
                BouncyCastleCertificateService.builder().clock(clock).build();
        X509CRL forged = parse(forger.signCrl(content(List.of(), 5)));
        assertThat(forged.getIssuerX500Principal())
                .isEqualTo(ca.caCertificates().get(0).getSubjectX500Principal());

        assertThatThrownBy(() -> ServerTls.crlTrustManager(ca.trustBundle(), () -> forged, clock)
                        .checkClientTrusted(chain(agent), "EC"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("signature does not verify");
        assertThatThrownBy(() -> ServerTls.crlTrustManager(ca.trustBundle(), () -> null, clock)
                        .checkClientTrusted(chain(agent), "EC"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("no CRL");
    }

    @Test
    void aCrlPastItsNextUpdateIsStillEnforced() throws Exception {
        AgentCertificate listed = ca.issue("agent-1", request);
        AgentCertificate unlisted = ca.issue("agent-2", request);
        X509CRL crl = parse(ca.signCrl(new CrlContent(
                List.of(listed.withRevokedAt(NOW)), NOW.minusSeconds(60), NOW.plus(Duration.ofMinutes(10)), 4)));
        var trust = ServerTls.crlTrustManager(ca.trustBundle(), () -> crl, clock);
        clock.advance(Duration.ofHours(1)); // the CRL is stale, the certificates are still valid

        trust.checkClientTrusted(chain(unlisted), "EC");
        assertThatThrownBy(() -> trust.checkClientTrusted(chain(listed), "EC"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("revoked");
    }

    private static X509Certificate[] chain(AgentCertificate certificate) throws Exception {
        return new X509Certificate[] {TestPki.certificate(certificate.certificatePem())};
    }

    private static boolean onPath(String binary) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, binary))) {
                return true;
            }
        }
        return false;
    }

    private static byte[] authorityKeyId(X509CRL crl) {
        byte[] value = crl.getExtensionValue(Extension.authorityKeyIdentifier.getId());
        assertThat(value).as("authorityKeyIdentifier").isNotNull();
        return AuthorityKeyIdentifier.getInstance(
                        ASN1OctetString.getInstance(value).getOctets())
                .getKeyIdentifierOctets();
    }

    private static byte[] subjectKeyId(X509Certificate certificate) {
        byte[] value = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        assertThat(value).as("subjectKeyIdentifier").isNotNull();
        return SubjectKeyIdentifier.getInstance(
                        ASN1OctetString.getInstance(value).getOctets())
                .getKeyIdentifier();
    }

    private static BigInteger crlNumber(X509CRL crl) {
        byte[] value = crl.getExtensionValue(Extension.cRLNumber.getId());
        return ASN1Integer.getInstance(ASN1OctetString.getInstance(value).getOctets())
                .getValue();
    }
}

package dev.agentmanager.ca.bouncycastle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import java.math.BigInteger;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.Test;

class RevocationTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final BouncyCastleCertificateService ca =
            BouncyCastleCertificateService.builder().clock(clock).build();
    private final CertificateRequest request = ca.decodeRequest(TestPki.csrPem(TestPki.P256));

    @Test
    void validUntilRevokedThenInvalidBySerialAndThumbprint() {
        AgentCertificate issued = ca.issue("agent-1", request);

        assertThat(ca.isValidSerial(issued.serial())).isTrue();
        assertThat(ca.isValidSerial(issued.serial().toUpperCase(Locale.ROOT))).isTrue();
        assertThat(ca.isValidThumbprint(issued.thumbprint())).isTrue();
        assertThat(ca.isValidSerial("1234abcd")).isFalse();
        assertThat(ca.isValidThumbprint("00".repeat(32))).isFalse();

        ca.revoke(issued.serial(), clock.instant());

        assertThat(ca.isValidSerial(issued.serial())).isFalse();
        assertThat(ca.isValidThumbprint(issued.thumbprint())).isFalse();
    }

    @Test
    void renewalOverlapKeepsBothCertificatesValidUntilOneIsRevoked() {
        AgentCertificate current = ca.issue("agent-1", request);
        clock.advance(Duration.ofHours(16));
        AgentCertificate renewed = ca.issue("agent-1", ca.decodeRequest(TestPki.csrPem(TestPki.P256)));

        assertThat(ca.isValidSerial(current.serial())).isTrue();
        assertThat(ca.isValidSerial(renewed.serial())).isTrue();

        ca.revoke(current.serial(), clock.instant());

        assertThat(ca.isValidSerial(current.serial())).isFalse();
        assertThat(ca.isValidSerial(renewed.serial())).isTrue();
        clock.advance(Duration.ofHours(8));
        assertThat(ca.isValidSerial(renewed.serial())).isTrue();
    }

    @Test
    void expiryFollowsTheClock() {
        AgentCertificate issued = ca.issue("agent-1", request);

        clock.set(issued.notBefore().minusSeconds(1));
        assertThat(ca.isValidSerial(issued.serial())).isFalse();
        clock.set(issued.notBefore());
        assertThat(ca.isValidSerial(issued.serial())).isTrue();
        clock.set(issued.notAfter().minusSeconds(1));
        assertThat(ca.isValidThumbprint(issued.thumbprint())).isTrue();
        clock.set(issued.notAfter());
        assertThat(ca.isValidSerial(issued.serial())).isFalse();
        assertThat(ca.isValidThumbprint(issued.thumbprint())).isFalse();
    }

    @Test
    void revocationAppearsInAFreshlySignedCrl() throws Exception {
        AgentCertificate kept = ca.issue("agent-1", request);
        AgentCertificate revoked = ca.issue("agent-2", request);
        X509CRL before = ca.currentCrl();
        Instant revokedAt = clock.instant().plusMillis(1500);
        clock.advance(Duration.ofMinutes(1));

        ca.revoke(revoked.serial(), revokedAt);
        X509CRL crl = ca.currentCrl();

        X509Certificate root = ca.caCertificates().get(0);
        crl.verify(root.getPublicKey());
        assertThat(crl.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());
        assertThat(crl.getNextUpdate().toInstant())
                .isAfter(clock.instant())
                .isEqualTo(clock.instant().plus(BouncyCastleCertificateService.DEFAULT_CRL_VALIDITY));
        assertThat(crl.getThisUpdate().toInstant()).isBeforeOrEqualTo(clock.instant());
        assertThat(crl.getRevokedCertificates()).hasSize(1);
        var entry = crl.getRevokedCertificate(new BigInteger(revoked.serial(), 16));
        assertThat(entry).isNotNull();
        assertThat(entry.getRevocationDate().toInstant()).isEqualTo(revokedAt.truncatedTo(ChronoUnit.SECONDS));
        assertThat(crl.getRevokedCertificate(new BigInteger(kept.serial(), 16))).isNull();
        assertThat(crlNumber(crl)).isGreaterThan(crlNumber(before));
        assertThat(Pem.decode(Pem.X509_CRL, ca.currentCrlPem()))
                .isEqualTo(crl.getEncoded())
                .isEqualTo(ca.currentCrlDer());
    }

    @Test
    void secondRevocationKeepsTheFirstDateAndUnknownSerialsAreIgnored() throws Exception {
        AgentCertificate issued = ca.issue("agent-1", request);
        Instant first = clock.instant();

        ca.revoke(issued.serial(), first);
        ca.revoke(issued.serial(), first.plus(Duration.ofDays(1)));
        ca.revoke("7fffffffffffffff", first);

        X509CRL crl = ca.currentCrl();
        assertThat(crl.getRevokedCertificates()).hasSize(1);
        assertThat(crl.getRevokedCertificate(new BigInteger(issued.serial(), 16))
                        .getRevocationDate()
                        .toInstant())
                .isEqualTo(first);
        assertThat(ca.isValidSerial("7fffffffffffffff")).isFalse();
    }

    @Test
    void jdkPkixValidationWithTheCrlRefusesTheCertificateOnceRevoked() throws Exception {
        AgentCertificate issued = ca.issue("agent-1", request);
        X509Certificate leaf = TestPki.certificate(issued.certificatePem());

        TestPki.validate(leaf, ca.caCertificates(), clock.instant(), ca.currentCrl());

        ca.revoke(issued.serial(), clock.instant());
        clock.advance(Duration.ofSeconds(1)); // the JDK counts a revocation only from after its date

        assertThatThrownBy(() -> TestPki.validate(leaf, ca.caCertificates(), clock.instant(), ca.currentCrl()))
                .isInstanceOf(CertPathValidatorException.class)
                .satisfies(e -> assertThat(((CertPathValidatorException) e).getReason())
                        .isEqualTo(CertPathValidatorException.BasicReason.REVOKED));
    }

    @Test
    void crlIsReusedUntilHalfItsValidityThenResignedSoItNeverExpires() {
        X509CRL first = ca.currentCrl();
        assertThat(ca.currentCrl()).isSameAs(first);

        clock.advance(Duration.ofDays(3));
        assertThat(ca.currentCrl()).isSameAs(first);

        clock.advance(Duration.ofHours(12));
        X509CRL second = ca.currentCrl();
        assertThat(second).isNotSameAs(first);
        assertThat(second.getNextUpdate()).isAfter(first.getNextUpdate());

        for (int day = 0; day < 30; day++) {
            clock.advance(Duration.ofDays(1));
            Instant nextUpdate = ca.currentCrl().getNextUpdate().toInstant();
            assertThat(nextUpdate)
                    .isAfterOrEqualTo(clock.instant().plus(Duration.ofDays(3).plusHours(12)));
        }
    }

    @Test
    void crlValidityIsConfigurable() {
        BouncyCastleCertificateService hourly = BouncyCastleCertificateService.builder()
                .clock(clock)
                .crlValidity(Duration.ofHours(2))
                .build();

        assertThat(hourly.currentCrl().getNextUpdate().toInstant())
                .isEqualTo(clock.instant().plus(Duration.ofHours(2)));
    }

    @Test
    void expiredRevokedCertificatesLeaveTheCrlOneCrlValidityAfterExpiry() {
        AgentCertificate issued = ca.issue("agent-1", request);
        ca.revoke(issued.serial(), clock.instant());
        BigInteger serial = new BigInteger(issued.serial(), 16);

        clock.set(issued.notAfter().plus(Duration.ofDays(6)));
        assertThat(ca.currentCrl().getRevokedCertificate(serial)).isNotNull();

        clock.set(issued.notAfter().plus(Duration.ofDays(7)).plusSeconds(1));
        ca.revoke(ca.issue("agent-2", request).serial(), clock.instant()); // forces a fresh CRL
        assertThat(ca.currentCrl().getRevokedCertificate(serial)).isNull();
    }

    @Test
    void concurrentIssuanceAndRevocationKeepOneConsistentRecord() throws Exception {
        int threads = 4;
        int perThread = 60;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<AgentCertificate> issued = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> revokedSerials = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        AgentCertificate certificate = ca.issue("agent-" + thread + "-" + i, request);
                        issued.add(certificate);
                        if (i % 2 == 0) {
                            ca.revoke(certificate.serial(), clock.instant());
                            revokedSerials.add(certificate.serial());
                        }
                        ca.currentCrl();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        Set<String> serials = new HashSet<>();
        issued.forEach(c -> serials.add(c.serial()));
        assertThat(serials).hasSize(threads * perThread);
        Set<String> revoked = Set.copyOf(revokedSerials);
        for (AgentCertificate certificate : issued) {
            assertThat(ca.isValidSerial(certificate.serial())).isEqualTo(!revoked.contains(certificate.serial()));
            assertThat(ca.isValidThumbprint(certificate.thumbprint()))
                    .isEqualTo(!revoked.contains(certificate.serial()));
        }
        Set<String> onCrl = new HashSet<>();
        ca.currentCrl()
                .getRevokedCertificates()
                .forEach(e -> onCrl.add(e.getSerialNumber().toString(16)));
        assertThat(onCrl).isEqualTo(revoked);
    }

    private static BigInteger crlNumber(X509CRL crl) {
        byte[] value = crl.getExtensionValue(Extension.cRLNumber.getId());
        return ASN1Integer.getInstance(ASN1OctetString.getInstance(value).getOctets())
                .getValue();
    }
}

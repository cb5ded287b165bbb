package dev.agentmanager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.exception.InvalidCertificateRequestException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.TrustBundle;
import dev.agentmanager.spi.CrlContent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FakeCertificateServiceTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00.750Z");

    private final MutableClock clock = MutableClock.at(START);
    private final FakeCertificateService ca = new FakeCertificateService(clock);

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static byte[] derOf(String pem) {
        String body = pem.replace("-----BEGIN CERTIFICATE-----", "")
                .replace("-----END CERTIFICATE-----", "")
                .replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    @Test
    void requestBytesStandForTheKey() throws Exception {
        byte[] csr = FakeCertificateService.csrFor("web-1");

        CertificateRequest request = ca.decodeRequest(csr);

        assertThat(request.publicKeySha256())
                .isEqualTo(sha256(csr))
                .isEqualTo(FakeCertificateService.publicKeySha256For("web-1"));
        assertThat(request.der()).isEqualTo(csr);
        assertThat(request.keyAlgorithm()).isEqualTo(FakeCertificateService.KEY_ALGORITHM);
        assertThat(FakeCertificateService.csrFor("web-1")).isEqualTo(csr);
        assertThat(FakeCertificateService.publicKeySha256For("web-2")).isNotEqualTo(request.publicKeySha256());
    }

    @Test
    void refusesEmptyAndOversizedRequests() {
        assertThatThrownBy(() -> ca.decodeRequest(new byte[0])).isInstanceOf(InvalidCertificateRequestException.class);
        assertThatThrownBy(() -> ca.decodeRequest(new byte[FakeCertificateService.MAX_REQUEST_BYTES + 1]))
                .isInstanceOf(InvalidCertificateRequestException.class);
        assertThat(ca.decodeRequest(new byte[FakeCertificateService.MAX_REQUEST_BYTES])
                        .publicKeySha256())
                .hasSize(64);
        assertThatThrownBy(() -> ca.decodeRequest(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void issuesWellFormedCertificates() throws Exception {
        CertificateRequest request = ca.decodeRequest(FakeCertificateService.csrFor("web-1"));

        AgentCertificate cert = ca.issue("agent-1", request);

        assertThat(cert.agentId()).isEqualTo("agent-1");
        assertThat(cert.serial()).matches("[1-9a-f][0-9a-f]{15,}");
        assertThat(cert.notBefore()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
        assertThat(cert.notAfter()).isEqualTo(cert.notBefore().plus(FakeCertificateService.DEFAULT_LIFETIME));
        assertThat(cert.revokedAt()).isNull();
        assertThat(cert.certificatePem())
                .startsWith("-----BEGIN CERTIFICATE-----\n")
                .endsWith("-----END CERTIFICATE-----\n");
        assertThat(cert.thumbprint()).isEqualTo(sha256(derOf(cert.certificatePem())));
        assertThat(ca.issuedCount()).isEqualTo(1);
        assertThat(ca.issuedCertificates()).containsExactly(cert);
    }

    @Test
    void serialsAndThumbprintsAreUnique() {
        CertificateRequest request = ca.decodeRequest(FakeCertificateService.csrFor("same key"));
        Set<String> serials = new HashSet<>();
        Set<String> thumbprints = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            AgentCertificate cert = ca.issue("agent-1", request);
            serials.add(cert.serial());
            thumbprints.add(cert.thumbprint());
        }
        assertThat(serials).hasSize(500);
        assertThat(thumbprints).hasSize(500);
    }

    @Test
    void lifetimeIsConfigurable() {
        FakeCertificateService shortLived = new FakeCertificateService(clock, Duration.ofMinutes(5));

        AgentCertificate cert = shortLived.issue("agent-1", shortLived.decodeRequest(new byte[] {1}));

        assertThat(Duration.between(cert.notBefore(), cert.notAfter())).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> new FakeCertificateService(clock, Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void signsTheCrlContentItIsGivenAndRemembersIt() {
        AgentCertificate issued = ca.issue("agent-2", ca.decodeRequest(new byte[] {2}));
        AgentCertificate revoked = issued.withRevokedAt(START.plusSeconds(10));
        CrlContent content = new CrlContent(List.of(revoked), START, START.plus(Duration.ofDays(7)), 42);

        String crl = new String(ca.signCrl(content), StandardCharsets.UTF_8);

        assertThat(crl).contains("number=42").contains(revoked.serial() + "@" + START.plusSeconds(10));
        assertThat(ca.signedCrls()).containsExactly(content);
        assertThat(ca.certificate(revoked.serial())).contains(issued);
        assertThat(ca.certificate("abc123")).isEmpty();
    }

    @Test
    void injectedFailuresAreThrownOnceEachAndIssueNothing() {
        CertificateRequest request = ca.decodeRequest(new byte[] {1});
        CertificateIssuanceException down = new CertificateIssuanceException("CA down", new RuntimeException("x"));
        IllegalStateException weird = new IllegalStateException("weird");
        ca.failNextIssue(down);
        ca.failNextIssue(weird);

        assertThatThrownBy(() -> ca.issue("agent-1", request)).isSameAs(down);
        assertThatThrownBy(() -> ca.issue("agent-1", request)).isSameAs(weird);
        assertThat(ca.issuedCount()).isZero();
        assertThat(ca.issue("agent-1", request)).isNotNull();
        assertThat(ca.issuedCount()).isEqualTo(1);
    }

    @Test
    void trustBundleIsFixedAndPinned() throws Exception {
        TrustBundle bundle = ca.trustBundle();

        assertThat(bundle).isEqualTo(new FakeCertificateService(clock).trustBundle());
        assertThat(bundle.rootSha256()).isEqualTo(sha256(derOf(bundle.certificatesPem())));
        assertThat(new String(derOf(bundle.certificatesPem()), StandardCharsets.US_ASCII))
                .contains("fake root");
    }
}

package dev.agentmanager.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Registration;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RegistrationBenchmark}'s states (the BouncyCastle CA with its 256 CSRs, the manager with an iteration's
 * one-time tokens) and a few calls of each benchmark method: registrations succeed, each uses one token, and the
 * raw crypto issues certificates the CA signed for the agent asked.
 */
class RegistrationBenchmarkSmokeTest {
    private static final RegistrationBenchmark BENCHMARK = new RegistrationBenchmark();
    private static RegistrationBenchmark.Ca ca;

    @BeforeAll
    static void ca() {
        ca = new RegistrationBenchmark.Ca();
        ca.setUp();
    }

    @Test
    void registrations_succeed_one_token_each() throws Exception {
        RegistrationBenchmark.Manager m = new RegistrationBenchmark.Manager();
        m.setUp(ca);
        m.createTokens();
        int tokens = m.tokens.size();
        assertThat(tokens).isPositive();

        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            Registration r = BENCHMARK.register(ca, m);
            assertThat(r.replayed()).isFalse();
            assertThat(r.agent().status()).isEqualTo(AgentStatus.PENDING);
            assertThat(r.agent().name()).startsWith("host-");
            assertThat(r.agent().capabilities()).hasSize(3);
            assertThat(r.agent().labels()).containsEntry("region", "eu-west-1");
            assertThat(r.certificate().agentId()).isEqualTo(r.agent().id());
            assertSignedFor(r.certificate());
            ids.add(r.agent().id());
        }
        assertThat(ids).hasSize(5);
        assertThat(m.tokens).hasSize(tokens - 5);

        m.tokens.clear(); // ran out: the benchmark creates a token inline
        assertThat(BENCHMARK.register(ca, m).agent().id()).isNotIn(ids);
    }

    @Test
    void the_raw_crypto_issues_certificates() throws Exception {
        for (int i = 0; i < 5; i++) {
            AgentCertificate certificate = BENCHMARK.rawCrypto(ca);
            assertThat(certificate.agentId()).startsWith("agent-");
            assertSignedFor(certificate);
        }
    }

    /** The certificate's PEM is an X.509 certificate the benchmark's CA signed, for the agent it names. */
    private static void assertSignedFor(AgentCertificate certificate) throws Exception {
        X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(
                        new ByteArrayInputStream(certificate.certificatePem().getBytes(StandardCharsets.US_ASCII)));
        PublicKey caKey = ca.ca.caCertificates().get(0).getPublicKey();
        x509.verify(caKey);
        assertThat(x509.getSubjectX500Principal().getName()).isEqualTo("CN=" + certificate.agentId());
    }
}

package dev.agentmanager.ca.bouncycastle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class BuilderTest {

    @Test
    void defaultsMakeAnInMemoryEcP256AuthorityOnTheSystemClock() {
        BouncyCastleCertificateService ca =
                BouncyCastleCertificateService.builder().build();

        assertThat(ca.toString()).contains("EC P-256").contains("CN=agentmanager CA");
        assertThat(ca.caCertificates()).hasSize(1);
        assertThat(BouncyCastleCertificateService.DEFAULT_AGENT_KEY_ALGORITHMS)
                .containsExactlyInAnyOrder(
                        AgentKeyAlgorithm.EC_P256,
                        AgentKeyAlgorithm.EC_P384,
                        AgentKeyAlgorithm.ED25519,
                        AgentKeyAlgorithm.RSA);
        var issued = ca.issue("a", ca.decodeRequest(TestPki.csrPem(TestPki.P256)));
        assertThat(Duration.between(issued.notBefore(), issued.notAfter()))
                .isEqualTo(BouncyCastleCertificateService.DEFAULT_CERTIFICATE_LIFETIME.plus(
                        BouncyCastleCertificateService.DEFAULT_CLOCK_SKEW_ALLOWANCE));
    }

    @Test
    void nullIsRefusedAtOnce() {
        var b = BouncyCastleCertificateService.builder();
        for (Consumer<BouncyCastleCertificateServiceBuilder> setter :
                java.util.List.<Consumer<BouncyCastleCertificateServiceBuilder>>of(
                        x -> x.clock(null),
                        x -> x.certificateLifetime(null),
                        x -> x.clockSkewAllowance(null),
                        x -> x.caKeyType(null),
                        x -> x.caSubject(null),
                        x -> x.caValidity(null),
                        x -> x.caFromPkcs12(null, new char[0]),
                        x -> x.caFromPem(Path.of("a"), null),
                        x -> x.generatedCaDirectory(null),
                        x -> x.agentKeyAlgorithms(null),
                        x -> x.identityUri(null),
                        x -> x.cryptoProvider(null))) {
            assertThatThrownBy(() -> setter.accept(b)).isInstanceOf(NullPointerException.class);
        }
    }

    @Test
    void aSettingGivenTwiceIsRefused() {
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .clock(Clock.systemUTC())
                        .clock(Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("clock was already set");
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .minimumRsaKeySize(3072)
                        .minimumRsaKeySize(4096))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("minimumRsaKeySize was already set");
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .caFromPem(Path.of("a"), Path.of("b"))
                        .caFromPkcs12(Path.of("c"), new char[0]))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the CA source was already set");
    }

    @Test
    void valuesOutOfRangeAreRefused() {
        var b = BouncyCastleCertificateService.builder();
        assertThatThrownBy(() -> b.certificateLifetime(Duration.ofSeconds(59)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.certificateLifetime(Duration.ofDays(398)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.clockSkewAllowance(Duration.ofMinutes(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.caValidity(Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.minimumRsaKeySize(1024)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxRequestSize(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.agentKeyAlgorithms(Set.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.caSubject("not a name")).isInstanceOf(IllegalArgumentException.class);
        b.certificateLifetime(Duration.ofHours(1)); // the refused values left nothing set
    }

    @Test
    void generatedRootSettingsCannotBeCombinedWithALoadedCa() {
        assertThatThrownBy(() -> BouncyCastleCertificateService.builder()
                        .caFromPem(Path.of("chain.pem"), Path.of("key.pem"))
                        .caKeyType(KeyType.ED25519)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only to a generated CA");
    }

    @Test
    void anotherCryptoProviderCanDoTheWork() throws Exception {
        java.security.Provider sunEc = java.security.Security.getProvider("SunEC");
        BouncyCastleCertificateService ca =
                BouncyCastleCertificateService.builder().cryptoProvider(sunEc).build();

        var issued = ca.issue("a", ca.decodeRequest(TestPki.csrPem(TestPki.P256)));

        TestPki.validate(
                TestPki.certificate(issued.certificatePem()), ca.caCertificates(), java.time.Instant.now(), null);
        byte[] tampered = TestPki.csr(TestPki.P256, "SHA256withECDSA");
        tampered[tampered.length - 1] ^= 1;
        assertThatThrownBy(() -> ca.decodeRequest(tampered))
                .isInstanceOf(dev.agentmanager.exception.InvalidCertificateRequestException.class);
    }

    @Test
    void maxRequestSizeIsConfigurable() {
        BouncyCastleCertificateService tight =
                BouncyCastleCertificateService.builder().maxRequestSize(1024).build();
        byte[] rsa4096 = TestPki.csrPem(KeyType.RSA_4096.generateKeyPair());

        assertThatThrownBy(() -> tight.decodeRequest(rsa4096))
                .isInstanceOf(dev.agentmanager.exception.InvalidCertificateRequestException.class)
                .hasMessageContaining("more than the 1024 allowed");
    }
}

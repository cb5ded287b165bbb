package dev.agentmanager.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.KeyType;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.testkit.FakeCertificateService;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificate the agent connector presents: issued by the agent CA at start, or read from files. */
class AgentServerIdentityTest {
    private final BouncyCastleCertificateService ca =
            BouncyCastleCertificateService.builder().build();

    @Test
    void issuesACertificateForTheConfiguredNamesFromTheAgentCa() throws Exception {
        AgentServerIdentity identity =
                AgentServerIdentity.of(server(List.of("orchestrator.example.com", "10.0.0.7"), null, null), ca);

        X509Certificate leaf = identity.chain().get(0);
        leaf.verify(ca.caCertificates().get(0).getPublicKey());
        assertThat(leaf.getSubjectAlternativeNames())
                .extracting(name -> (Object) name.get(1))
                .containsExactlyInAnyOrder((Object) "orchestrator.example.com", "10.0.0.7");
        assertThat(Duration.between(
                        leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
                .isLessThanOrEqualTo(Duration.ofDays(91));
    }

    @Test
    void readsTheCertificateAndKeyFromPemFilesWhenGiven(@TempDir Path directory) throws Exception {
        KeyPair keys = KeyType.EC_P256.generateKeyPair();
        X509Certificate leaf = ca.issueServerCertificate(
                keys.getPublic(),
                Set.of("agents.example.com"),
                Set.of(InetAddress.getByName("127.0.0.1")),
                Duration.ofDays(1));
        Path chain = Files.writeString(directory.resolve("chain.pem"), Pem.write(leaf), StandardCharsets.US_ASCII);
        Path key = Files.writeString(
                directory.resolve("key.pem"), Pem.write(keys.getPrivate()), StandardCharsets.US_ASCII);

        AgentServerIdentity identity =
                AgentServerIdentity.of(server(List.of(), chain, key), new FakeCertificateService(Clock.systemUTC()));

        assertThat(identity.chain()).containsExactly(leaf);
        assertThat(identity.key().getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
    }

    @Test
    void needsFilesWhenTheCertificateServiceCannotIssueServerCertificates() {
        assertThatThrownBy(() -> AgentServerIdentity.of(
                        server(List.of("localhost"), null, null), new FakeCertificateService(Clock.systemUTC())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("agentmanager.server.certificate-chain and private-key are required");
    }

    private static AgentManagerProperties.Server server(List<String> names, Path chain, Path key) {
        return new AgentManagerProperties.Server(0, null, names, chain, key, Duration.ofDays(90));
    }
}

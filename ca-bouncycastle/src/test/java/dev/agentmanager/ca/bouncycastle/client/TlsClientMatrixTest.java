package dev.agentmanager.ca.bouncycastle.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.CertificateValidity;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.ca.bouncycastle.ServerTls;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A {@link ServerTls} server with the agent trust manager, talked to by real non-Java clients: {@code openssl
 * s_client} at TLS 1.2 and 1.3 (default options, session tickets on), curl, and Python's {@code ssl} module at
 * TLS 1.2 and 1.3. Valid agents get through; revoked, unknown, expired and foreign certificates are refused in
 * the handshake with an alert the client reports (the JDK's server sends {@code certificate_unknown} for every
 * certificate its trust manager refuses).
 */
class TlsClientMatrixTest {
    private static final String ALERT = "certificate unknown";

    @TempDir
    Path dir;

    private final BouncyCastleCertificateService ca =
            BouncyCastleCertificateService.builder().build();
    private final Map<String, CertificateStatus> statuses = new ConcurrentHashMap<>();
    private final CertificateValidity validity =
            thumbprint -> statuses.getOrDefault(thumbprint, CertificateStatus.UNKNOWN);
    private final List<TlsClients.Server> servers = new ArrayList<>();
    private Path caFile;

    @BeforeEach
    void files() throws Exception {
        caFile = Files.writeString(dir.resolve("ca.pem"), ca.trustBundle().certificatesPem());
    }

    @AfterEach
    void stop() throws Exception {
        for (TlsClients.Server server : servers) {
            server.close();
        }
    }

    /** An agent's key and certificate as files; {@code current} says whether the manager knows it as current. */
    private record AgentFiles(Path certificate, Path key, AgentCertificate issued) {}

    private AgentFiles agent(String id, BouncyCastleCertificateService issuer, boolean current) throws Exception {
        KeyPair keys = AgentKeys.generate();
        AgentCertificate issued =
                issuer.issue(id, issuer.decodeRequest(AgentKeys.csrPem(keys, id).getBytes(StandardCharsets.US_ASCII)));
        if (current) {
            statuses.put(issued.thumbprint(), CertificateStatus.CURRENT);
        }
        return new AgentFiles(
                Files.writeString(dir.resolve(id + ".crt"), issued.certificatePem()),
                Files.writeString(dir.resolve(id + ".key"), Pem.write(keys.getPrivate())),
                issued);
    }

    private int server(Clock clock) throws Exception {
        KeyPair serverKeys = AgentKeys.generate();
        X509Certificate serverCertificate = ca.issueServerCertificate(
                serverKeys.getPublic(),
                Set.of(),
                Set.of(java.net.InetAddress.getLoopbackAddress()),
                Duration.ofDays(1));
        List<X509Certificate> chain = new ArrayList<>(List.of(serverCertificate));
        chain.addAll(ca.caCertificates());
        X509ExtendedTrustManager trust = ServerTls.agentTrustManager(ca.trustBundle(), validity, clock);
        TlsClients.Server server = new TlsClients.Server(ServerTls.sslContext(serverKeys.getPrivate(), chain, trust));
        servers.add(server);
        return server.port();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void opensslConnectsWithAValidCertificate(String version) throws Exception {
        TlsClients.assumeInstalled("openssl");
        AgentFiles agent = agent("agent-1", ca, true);

        TlsClients.Outcome outcome =
                TlsClients.openssl(server(Clock.systemUTC()), version, agent.certificate(), agent.key(), caFile, null);

        assertThat(outcome.output())
                .as(outcome.output())
                .contains("Verify return code: 0")
                .contains("200 OK");
        assertThat(outcome.output()).contains("New, TLSv1." + version.charAt(version.length() - 1));
    }

    @Test
    void curlConnectsWithAValidCertificate() throws Exception {
        TlsClients.assumeInstalled("curl");
        AgentFiles agent = agent("agent-1", ca, true);

        TlsClients.Outcome outcome =
                TlsClients.curl(server(Clock.systemUTC()), agent.certificate(), agent.key(), caFile);

        assertThat(outcome.succeeded()).as(outcome.output()).isTrue();
        assertThat(outcome.output()).isEqualTo("ok\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void pythonConnectsWithAValidCertificate(String version) throws Exception {
        TlsClients.assumeInstalled("python3");
        AgentFiles agent = agent("agent-1", ca, true);

        TlsClients.Outcome outcome =
                TlsClients.python(server(Clock.systemUTC()), version, agent.certificate(), agent.key(), caFile);

        assertThat(outcome.succeeded()).as(outcome.output()).isTrue();
        assertThat(outcome.output())
                .contains("version " + version.replace('_', '.'))
                .contains("200 OK");
    }

    @Test
    void opensslResumesATls12SessionWithItsTicket() throws Exception {
        TlsClients.assumeInstalled("openssl");
        AgentFiles agent = agent("agent-1", ca, true);
        int port = server(Clock.systemUTC());
        Path session = dir.resolve("session.pem");

        TlsClients.Outcome first =
                TlsClients.openssl(port, "-tls1_2", agent.certificate(), agent.key(), caFile, "-sess_out " + session);
        TlsClients.Outcome second =
                TlsClients.openssl(port, "-tls1_2", agent.certificate(), agent.key(), caFile, "-sess_in " + session);

        assertThat(first.output()).as(first.output()).contains("New, TLSv1.2").contains("200 OK");
        assertThat(second.output())
                .as(second.output())
                .contains("Reused, TLSv1.2")
                .contains("200 OK");
    }

    /** The four refusals: revoked, unknown to the manager, expired at the server's time, from a foreign CA. */
    private List<AgentFiles> refusedAgents() throws Exception {
        AgentFiles revoked = agent("revoked", ca, true);
        statuses.put(revoked.issued().thumbprint(), CertificateStatus.REVOKED);
        AgentFiles unknown = agent("unknown", ca, false);
        AgentFiles foreign =
                agent("foreign", BouncyCastleCertificateService.builder().build(), true);
        return List.of(revoked, unknown, foreign);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void opensslIsRefusedWithAnAlert(String version) throws Exception {
        TlsClients.assumeInstalled("openssl");
        int port = server(Clock.systemUTC());
        int expiredPort = server(Clock.offset(Clock.systemUTC(), Duration.ofDays(2)));
        AgentFiles expired = agent("expired", ca, true);

        for (AgentFiles refused : refusedAgents()) {
            TlsClients.Outcome outcome =
                    TlsClients.openssl(port, version, refused.certificate(), refused.key(), caFile, null);
            assertThat(outcome.output())
                    .as(refused.issued().agentId() + ": " + outcome.output())
                    .contains(ALERT)
                    .doesNotContain("200 OK");
        }
        TlsClients.Outcome outcome =
                TlsClients.openssl(expiredPort, version, expired.certificate(), expired.key(), caFile, null);
        assertThat(outcome.output())
                .as("expired: " + outcome.output())
                .contains(ALERT)
                .doesNotContain("200 OK");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void pythonIsRefusedWithAnAlert(String version) throws Exception {
        TlsClients.assumeInstalled("python3");
        int port = server(Clock.systemUTC());
        int expiredPort = server(Clock.offset(Clock.systemUTC(), Duration.ofDays(2)));
        AgentFiles expired = agent("expired", ca, true);

        for (AgentFiles refused : refusedAgents()) {
            TlsClients.Outcome outcome = TlsClients.python(port, version, refused.certificate(), refused.key(), caFile);
            assertThat(outcome.succeeded()).as(outcome.output()).isFalse();
            assertThat(outcome.output()).as(refused.issued().agentId()).contains("CERTIFICATE_UNKNOWN");
        }
        TlsClients.Outcome outcome =
                TlsClients.python(expiredPort, version, expired.certificate(), expired.key(), caFile);
        assertThat(outcome.output()).as("expired: " + outcome.output()).contains("CERTIFICATE_UNKNOWN");
    }

    @Test
    void curlIsRefusedWithAnAlert() throws Exception {
        TlsClients.assumeInstalled("curl");
        int port = server(Clock.systemUTC());

        for (AgentFiles refused : refusedAgents()) {
            TlsClients.Outcome outcome = TlsClients.curl(port, refused.certificate(), refused.key(), caFile);
            assertThat(outcome.succeeded()).as(outcome.output()).isFalse();
            assertThat(outcome.output()).as(refused.issued().agentId()).contains(ALERT);
        }
    }
}

package dev.agentmanager.spring.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agentmanager.AgentManager;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.KeyType;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.spring.AgentConnector;
import dev.agentmanager.spring.AgentManagerHealthIndicator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample orchestrator with the starter on an embedded Tomcat: the application's port serves HTTPS with the
 * host's own web certificate (from a CA of its own, not the agent CA) and the agent connector requires agent
 * certificates. Real agents enrol on the first and heartbeat on the second; a revoked agent is refused in the TLS
 * handshake, before the controller sees its request.
 */
@SpringBootTest(classes = SampleOrchestrator.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleOrchestratorTest {
    private static final Path DIRECTORY = createDirectory();
    /** The host's web PKI for the application port (agents trust it on first contact like any HTTPS client). */
    private static final BouncyCastleCertificateService WEB_CA =
            BouncyCastleCertificateService.builder().caSubject("CN=Host web CA").build();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        writeWebCertificate();
        registry.add("server.ssl.certificate", () -> "file:" + DIRECTORY.resolve("web-chain.pem"));
        registry.add("server.ssl.certificate-private-key", () -> "file:" + DIRECTORY.resolve("web-key.pem"));
        registry.add(
                "agentmanager.ca.generated-directory",
                () -> DIRECTORY.resolve("agent-ca").toString());
        registry.add("agentmanager.server.agent-port", () -> "0");
        registry.add("agentmanager.proxy.trusted-addresses", () -> "192.0.2.1"); // a proxy the tests are not
    }

    @Autowired
    AgentManager manager;

    @Autowired
    AgentConnector connector;

    @Autowired
    AgentApi api;

    @Autowired
    AgentManagerHealthIndicator health;

    @LocalServerPort
    int port;

    @AfterAll
    static void deleteDirectory() throws IOException {
        try (Stream<Path> files = Files.walk(DIRECTORY)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Test
    void enrolsOverHttpsAndHeartbeatsOverMutualTlsOnTheAgentConnector() throws Exception {
        TestAgent agent = enrol("web-01");

        HttpResponse<String> beat = agent.heartbeat(agentEndpoint());

        assertThat(beat.statusCode()).isEqualTo(200);
        AgentApi.BeatReply reply = TestAgent.JSON.readValue(beat.body(), AgentApi.BeatReply.class);
        assertThat(reply.agentId()).isEqualTo(agent.agentId());
        assertThat(reply.status()).isEqualTo("ACTIVE");
        assertThat(manager.findAgent(agent.agentId()).orElseThrow().status().name())
                .isEqualTo("ACTIVE");
    }

    @Test
    void theApplicationPortAsksForNoCertificateAndTheControllerFindsNone() throws Exception {
        TestAgent agent = enrol("web-02");

        HttpResponse<String> beat = agent.heartbeat(applicationEndpoint(), Pem.write(WEB_CA.caCertificates()));

        assertThat(beat.statusCode()).isEqualTo(401); // MissingClientCertificateException
    }

    @Test
    void theAgentConnectorRefusesAClientWithoutCertificate() {
        assertThatThrownBy(() -> TestAgent.heartbeatWithoutCertificate(agentEndpoint(), trusting(agentRoot())))
                .isInstanceOf(SSLException.class);
    }

    @Test
    void aRevokedAgentIsRefusedInTheHandshake() throws Exception {
        TestAgent kept = enrol("db-01");
        TestAgent revoked = enrol("db-02");
        assertThat(kept.heartbeat(agentEndpoint()).statusCode()).isEqualTo(200);
        assertThat(revoked.heartbeat(agentEndpoint()).statusCode()).isEqualTo(200);

        manager.revoke(revoked.agentId());
        int handled = api.heartbeatsHandled.get();

        assertThatThrownBy(() -> revoked.heartbeat(agentEndpoint()))
                .as("the server's trust manager refuses it with a TLS alert")
                .isInstanceOf(SSLException.class);
        assertThat(api.heartbeatsHandled.get())
                .as("the request never reached the controller")
                .isEqualTo(handled);
        assertThat(kept.heartbeat(agentEndpoint()).statusCode()).isEqualTo(200);
    }

    @Test
    void aForwardedCertificateFromAnAddressThatIsNoTrustedProxyIsRefused() throws Exception {
        TestAgent agent = enrol("web-03");
        HttpClient client = HttpClient.newBuilder().sslContext(webTls()).build();
        HttpRequest request = HttpRequest.newBuilder(applicationEndpoint().resolve("/agents/heartbeat"))
                .header("Content-Type", "application/json")
                .header("ssl-client-cert", URLEncoder.encode(agent.certificatePem(), StandardCharsets.UTF_8))
                .POST(HttpRequest.BodyPublishers.ofString("{\"bootEpoch\":1,\"sequence\":1}"))
                .build();
        int handled = api.heartbeatsHandled.get();

        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(api.heartbeatsHandled.get()).isEqualTo(handled);
    }

    @Test
    void aUsedTokenIsRefused() throws Exception {
        CreatedRegistrationToken token = manager.createToken(RegistrationTokenRequest.oneTime("once"));
        TestAgent.enrol(applicationEndpoint(), webTls(), token.plaintext(), token.trustAnchorSha256(), "once-01");

        assertThatThrownBy(() -> TestAgent.enrol(
                        applicationEndpoint(), webTls(), token.plaintext(), token.trustAnchorSha256(), "once-02"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("401");
    }

    @Test
    void healthIsUpWhileTheMonitorSweeps() {
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(health.health().getStatus()).isEqualTo(Status.UP));
        assertThat(health.health().getDetails())
                .containsEntry("store", "reachable")
                .containsEntry("monitor", "sweeping");
    }

    private TestAgent enrol(String name) throws Exception {
        CreatedRegistrationToken token = manager.createToken(RegistrationTokenRequest.oneTime(name));
        return TestAgent.enrol(applicationEndpoint(), webTls(), token.plaintext(), token.trustAnchorSha256(), name);
    }

    private URI applicationEndpoint() {
        return URI.create("https://localhost:" + port);
    }

    private URI agentEndpoint() {
        assertThat(connector.port()).isPositive().isNotEqualTo(port);
        return URI.create("https://localhost:" + connector.port());
    }

    private X509Certificate agentRoot() {
        List<X509Certificate> bundle =
                Pem.readCertificates(manager.trustBundle().certificatesPem());
        return bundle.get(bundle.size() - 1);
    }

    private static SSLContext webTls() throws GeneralSecurityException, IOException {
        List<X509Certificate> chain = WEB_CA.caCertificates();
        return trusting(chain.get(chain.size() - 1));
    }

    private static SSLContext trusting(X509Certificate root) throws GeneralSecurityException, IOException {
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("root", root);
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(anchors);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        return tls;
    }

    private static void writeWebCertificate() {
        try {
            KeyPair keys = KeyType.EC_P256.generateKeyPair();
            X509Certificate leaf = WEB_CA.issueServerCertificate(
                    keys.getPublic(),
                    Set.of("localhost"),
                    Set.of(InetAddress.getByName("127.0.0.1")),
                    Duration.ofDays(1));
            Files.writeString(
                    DIRECTORY.resolve("web-chain.pem"),
                    Pem.write(leaf) + Pem.write(WEB_CA.caCertificates()),
                    StandardCharsets.US_ASCII);
            Files.writeString(
                    DIRECTORY.resolve("web-key.pem"), Pem.write(keys.getPrivate()), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path createDirectory() {
        try {
            return Files.createTempDirectory("agentmanager-sample-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.agentmanager.ca.bouncycastle.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.MutableClock;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.ca.bouncycastle.ServerTls;
import dev.agentmanager.ca.bouncycastle.client.TlsClients.Identity;
import dev.agentmanager.ca.bouncycastle.client.TlsClients.Outcome;
import dev.agentmanager.ca.bouncycastle.internal.AgentClientTrustManager;
import dev.agentmanager.ca.bouncycastle.internal.Digests;
import dev.agentmanager.model.AgentCertificate;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent trust manager on a real TLS server, talked to by real non-Java clients: {@code openssl s_client},
 * curl and Python's {@code ssl} module, each at TLS 1.2 (offering session tickets, as they do by default) and
 * TLS 1.3. A valid agent gets through; revoked, unknown, expired and foreign certificates are refused in the
 * handshake with an alert that the client reports. That alert is always {@code certificate_unknown} (46): the
 * JDK's server sends it for every certificate its trust manager refuses, whatever the reason, so a trust manager
 * cannot choose {@code certificate_revoked} or {@code certificate_expired}.
 */
class TlsClientMatrixTest {
    private static final List<String> VERSIONS = List.of("1.2", "1.3");

    @TempDir
    static Path dir;

    /** Thumbprints the test's "manager" knows, and those it has revoked. */
    private static final Set<String> known = ConcurrentHashMap.newKeySet();

    private static final Set<String> revoked = ConcurrentHashMap.newKeySet();

    private static BouncyCastleCertificateService ca;
    private static PrivateKey serverKey;
    private static List<X509Certificate> serverChain;
    private static Path caFile;
    private static Identity valid;
    private static final Map<Refusal, Identity> refused = new EnumMap<>(Refusal.class);

    private TlsClients.Server server;

    /** Why an agent is refused, and what the server's refusal says about it. */
    enum Refusal {
        REVOKED("refused: revoked"),
        UNKNOWN("refused: unknown"),
        EXPIRED("CertificateExpiredException"),
        FOREIGN("does not chain with any of the trust anchors");

        final String serverSays;

        Refusal(String serverSays) {
            this.serverSays = serverSays;
        }
    }

    /** A client, what it prints when it got through at a version, and how it reports the refusal alert. */
    enum Client {
        OPENSSL("openssl", "alert certificate unknown", "SSL alert number 46") {
            @Override
            Outcome connect(int port, String version, Identity agent) throws Exception {
                return TlsClients.openssl(port, version, agent, caFile);
            }

            @Override
            List<String> gotThrough(String version) {
                return List.of("New, TLSv" + version, "Verify return code: 0 (ok)", "200 OK");
            }
        },
        CURL("curl", "TLS alert, certificate unknown (558)", "alert certificate unknown") {
            @Override
            Outcome connect(int port, String version, Identity agent) throws Exception {
                return TlsClients.curl(port, version, agent, caFile);
            }

            @Override
            List<String> gotThrough(String version) {
                return List.of("SSL connection using TLSv" + version, "200 OK");
            }
        },
        PYTHON("python3", "SSLError", "SSLV3_ALERT_CERTIFICATE_UNKNOWN") {
            @Override
            Outcome connect(int port, String version, Identity agent) throws Exception {
                return TlsClients.python(port, version, agent, caFile);
            }

            @Override
            List<String> gotThrough(String version) {
                return List.of("version TLSv" + version, "200 OK");
            }
        };

        final String binary;
        final List<String> refusalAlert;

        Client(String binary, String... refusalAlert) {
            this.binary = binary;
            this.refusalAlert = List.of(refusalAlert);
        }

        abstract Outcome connect(int port, String version, Identity agent) throws Exception;

        abstract List<String> gotThrough(String version);
    }

    @BeforeAll
    static void pki() throws Exception {
        // the expired agent is issued three days ago with the default one-day lifetime
        MutableClock caClock = new MutableClock(Instant.now().minus(Duration.ofDays(3)));
        ca = BouncyCastleCertificateService.builder().clock(caClock).build();
        refused.put(Refusal.EXPIRED, agent(ca, "expired", true));
        caClock.set(Instant.now());

        caFile = Files.writeString(dir.resolve("ca.pem"), ca.trustBundle().certificatesPem());
        KeyPair serverKeys = AgentKeys.generate();
        serverKey = serverKeys.getPrivate();
        serverChain = new ArrayList<>(List.of(ca.issueServerCertificate(
                serverKeys.getPublic(), Set.of(), Set.of(InetAddress.getLoopbackAddress()), Duration.ofDays(1))));
        serverChain.addAll(ca.caCertificates());

        valid = agent(ca, "valid", true);
        Identity revokedAgent = agent(ca, "revoked", true);
        revoke(revokedAgent);
        refused.put(Refusal.REVOKED, revokedAgent);
        refused.put(Refusal.UNKNOWN, agent(ca, "unknown", false));
        refused.put(
                Refusal.FOREIGN, agent(BouncyCastleCertificateService.builder().build(), "foreign", true));
    }

    private static Identity agent(BouncyCastleCertificateService issuer, String id, boolean knownToTheManager)
            throws IOException {
        KeyPair keys = AgentKeys.generate();
        AgentCertificate issued =
                issuer.issue(id, issuer.decodeRequest(AgentKeys.csrPem(keys, id).getBytes(StandardCharsets.US_ASCII)));
        if (knownToTheManager) {
            known.add(issued.thumbprint());
        }
        return new Identity(
                Files.writeString(dir.resolve(id + ".crt"), issued.certificatePem()),
                Files.writeString(dir.resolve(id + ".key"), Pem.write(keys.getPrivate())));
    }

    private static void revoke(Identity agent) throws IOException {
        revoked.add(Digests.thumbprint(Pem.readCertificate(Files.readString(agent.certificate()))));
    }

    @BeforeEach
    void startServer() throws IOException {
        AgentClientTrustManager trust = new AgentClientTrustManager(ca.caCertificates(), Clock.systemUTC(), leaf -> {
            String thumbprint = Digests.thumbprint(leaf);
            return revoked.contains(thumbprint) ? "revoked" : known.contains(thumbprint) ? null : "unknown";
        });
        server = new TlsClients.Server(ServerTls.sslContext(serverKey, serverChain, trust));
    }

    @AfterEach
    void stopServer() throws IOException {
        server.close();
    }

    static Stream<Arguments> clients() {
        return Stream.of(Client.values())
                .flatMap(client -> VERSIONS.stream().map(version -> Arguments.of(client, version)));
    }

    static Stream<Arguments> refusals() {
        return Stream.of(Refusal.values())
                .flatMap(refusal -> clients().map(client -> Arguments.of(refusal, client.get()[0], client.get()[1])));
    }

    @ParameterizedTest(name = "{0} at TLS {1}")
    @MethodSource("clients")
    void aValidAgentGetsThrough(Client client, String version) throws Exception {
        TlsClients.assumeInstalled(client.binary);

        Outcome outcome = client.connect(server.port(), version, valid);

        assertThat(outcome.succeeded()).as(outcome.output()).isTrue();
        assertThat(outcome.output()).as(outcome.output()).contains(client.gotThrough(version));
        assertThat(server.nextOutcome()).startsWith("accepted").contains("CN=valid");
    }

    @ParameterizedTest(name = "{0} agent, {1} at TLS {2}")
    @MethodSource("refusals")
    void aRefusedAgentIsToldByAnAlert(Refusal refusal, Client client, String version) throws Exception {
        TlsClients.assumeInstalled(client.binary);

        Outcome outcome = client.connect(server.port(), version, refused.get(refusal));

        assertThat(outcome.succeeded()).as(outcome.output()).isFalse();
        assertThat(outcome.output())
                .as(outcome.output())
                .contains(client.refusalAlert)
                .doesNotContain("200 OK");
        assertThat(server.nextOutcome()).contains("refused").contains(refusal.serverSays);
    }

    /**
     * TLS 1.2 sessions resume, with the ticket the client asked for. A resumed handshake skips the trust manager:
     * the agent revoked in between still gets through here, and it is the manager's check of every call that
     * refuses it. A full handshake is refused.
     */
    @Test
    void aTls12SessionResumesPastTheTrustManager() throws Exception {
        TlsClients.assumeInstalled("openssl");
        Identity agent = agent(ca, "resumed-1-2", true);
        Path session = dir.resolve("tls12-session.pem");

        Outcome first = TlsClients.openssl(server.port(), "1.2", agent, caFile, "-sess_out", session.toString());
        revoke(agent);
        Outcome resumed = TlsClients.openssl(server.port(), "1.2", agent, caFile, "-sess_in", session.toString());
        Outcome full = TlsClients.openssl(server.port(), "1.2", agent, caFile);

        assertThat(first.output()).as(first.output()).contains("New, TLSv1.2", "TLS session ticket:", "200 OK");
        assertThat(resumed.succeeded()).as(resumed.output()).isTrue();
        assertThat(resumed.output()).as(resumed.output()).contains("Reused, TLSv1.2", "200 OK");
        assertThat(full.output()).as(full.output()).contains(Client.OPENSSL.refusalAlert);
    }

    /**
     * The trust manager makes TLS 1.3 sessions non-resumable: the server sends no ticket (which TLS 1.3 allows),
     * the client has no session to resume, and its next connection is a full handshake that is checked.
     */
    @Test
    void aTls13SessionGetsNoTicketSoEveryConnectionIsChecked() throws Exception {
        TlsClients.assumeInstalled("openssl");
        Identity agent = agent(ca, "resumed-1-3", true);
        Path session = dir.resolve("tls13-session.pem");

        Outcome first = TlsClients.openssl(server.port(), "1.3", agent, caFile, "-sess_out", session.toString());
        revoke(agent);
        Outcome next = TlsClients.openssl(server.port(), "1.3", agent, caFile);

        assertThat(first.succeeded()).as(first.output()).isTrue();
        assertThat(first.output())
                .as(first.output())
                .contains("New, TLSv1.3", "200 OK")
                .doesNotContain("New Session Ticket");
        assertThat(session).doesNotExist();
        assertThat(next.output()).as(next.output()).contains(Client.OPENSSL.refusalAlert);
    }
}

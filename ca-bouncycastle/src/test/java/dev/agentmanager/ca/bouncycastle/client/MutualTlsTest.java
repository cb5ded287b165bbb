package dev.agentmanager.ca.bouncycastle.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentmanager.CertificateValidity;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.KeyType;
import dev.agentmanager.ca.bouncycastle.MutableClock;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.ca.bouncycastle.ServerTls;
import dev.agentmanager.exception.AgentStoreException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.spi.CrlContent;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real TLS handshakes on 127.0.0.1 between an agent's SSLContext and the host's, both built by the helpers. */
class MutualTlsTest {
    private final MutableClock clock = MutableClock.atNow();
    private final BouncyCastleCertificateService ca =
            BouncyCastleCertificateService.builder().clock(clock).build();
    private final KeyPair serverKeys = AgentKeys.generate();
    private final X509Certificate serverCertificate = ca.issueServerCertificate(
            serverKeys.getPublic(), Set.of("localhost"), Set.of(InetAddress.getLoopbackAddress()), Duration.ofDays(1));

    /** The manager's validity check as the test decides it: current once issued, then revoked on demand. */
    private final Map<String, CertificateStatus> statuses = new ConcurrentHashMap<>();

    private final CertificateValidity validity =
            thumbprint -> statuses.getOrDefault(thumbprint, CertificateStatus.UNKNOWN);

    private X509ExtendedTrustManager agentTrust() {
        return ServerTls.agentTrustManager(ca.trustBundle(), validity, clock);
    }

    private void revoke(Agent agent) {
        statuses.put(agent.certificate().thumbprint(), CertificateStatus.REVOKED);
    }

    private LoopbackTlsServer server(X509TrustManager agents) throws IOException {
        return new LoopbackTlsServer(ServerTls.sslContext(serverKeys.getPrivate(), List.of(serverCertificate), agents));
    }

    private record Agent(KeyPair keys, AgentCertificate certificate) {
        SSLContext tls(BouncyCastleCertificateService ca) {
            return AgentTls.sslContext(keys.getPrivate(), certificate.certificatePem(), ca.trustBundle());
        }
    }

    private Agent enroll(String id, KeyType type) {
        KeyPair keys = AgentKeys.generate(type);
        AgentCertificate certificate =
                ca.issue(id, ca.decodeRequest(AgentKeys.csrPem(keys, "host").getBytes(StandardCharsets.US_ASCII)));
        statuses.put(certificate.thumbprint(), CertificateStatus.CURRENT);
        return new Agent(keys, certificate);
    }

    /** Connects, sends one line, returns the server's answer. */
    private static String exchange(SSLContext tls, int port) throws IOException {
        return exchange(tls, port, null);
    }

    /** {@link #exchange(SSLContext, int)} with only {@code protocol} enabled when given. */
    private static String exchange(SSLContext tls, int port, String protocol) throws IOException {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
            socket.setSSLParameters(AgentTls.sslParameters(tls));
            if (protocol != null) {
                socket.setEnabledProtocols(new String[] {protocol});
            }
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
            out.write("ping\n");
            out.flush();
            String answer = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (answer == null) {
                throw new IOException("connection closed by the server");
            }
            return answer;
        }
    }

    @Test
    void issuedCertificateIsAcceptedAndRefusedOnceRevoked() throws Exception {
        Agent agent = enroll("agent-1", KeyType.EC_P256);
        Agent other = enroll("agent-2", KeyType.EC_P256);
        try (LoopbackTlsServer server = server(agentTrust())) {
            assertThat(exchange(agent.tls(ca), server.port())).isEqualTo("hello CN=agent-1 you said ping");
            assertThat(server.nextOutcome()).isEqualTo("CN=agent-1");

            revoke(agent);

            assertThatThrownBy(() -> exchange(agent.tls(ca), server.port())).isInstanceOf(IOException.class);
            assertThat(server.nextOutcome())
                    .isInstanceOf(SSLHandshakeException.class)
                    .satisfies(e -> assertThat(rootMessage((Throwable) e))
                            .contains("refused")
                            .contains("revoked"));
            assertThat(exchange(other.tls(ca), server.port())).startsWith("hello CN=agent-2");
            assertThat(server.nextOutcome()).isEqualTo("CN=agent-2");
        }
    }

    @Test
    void anAgentReusingItsContextCannotResumeItsWayPastARevocationOnTls13() throws Exception {
        Agent agent = enroll("agent-1", KeyType.EC_P256);
        SSLContext tls = agent.tls(ca); // one context for every connection, as a real agent keeps it
        try (LoopbackTlsServer server = server(agentTrust())) {
            assertThat(exchange(tls, server.port())).startsWith("hello CN=agent-1");
            assertThat(server.nextOutcome()).isEqualTo("CN=agent-1");
            assertThat(exchange(tls, server.port())).startsWith("hello CN=agent-1");
            assertThat(server.nextOutcome()).isEqualTo("CN=agent-1");

            revoke(agent);

            assertThatThrownBy(() -> exchange(tls, server.port())).isInstanceOf(IOException.class);
            assertThat(rootMessage((Throwable) server.nextOutcome()))
                    .contains("refused")
                    .contains("revoked");
        }
    }

    /**
     * TLS 1.2 sessions resume (ordinary TLS 1.2 clients with tickets depend on it), and a resumed handshake
     * skips the trust manager: there the manager's check on every call is what refuses a revoked agent.
     */
    @Test
    void aTls12SessionResumesSoTheManagerMustCheckEveryCall() throws Exception {
        Agent agent = enroll("agent-1", KeyType.EC_P256);
        SSLContext tls = agent.tls(ca);
        try (LoopbackTlsServer server = server(agentTrust())) {
            assertThat(exchange(tls, server.port(), "TLSv1.2")).startsWith("hello CN=agent-1");
            assertThat(server.nextOutcome()).isEqualTo("CN=agent-1");

            revoke(agent);

            assertThat(exchange(tls, server.port(), "TLSv1.2")).as("resumed").startsWith("hello CN=agent-1");
            assertThat(server.nextOutcome()).isEqualTo("CN=agent-1");
            assertThatThrownBy(() -> exchange(agent.tls(ca), server.port(), "TLSv1.2"))
                    .as("a full handshake")
                    .isInstanceOf(IOException.class);
            assertThat(rootMessage((Throwable) server.nextOutcome()))
                    .contains("refused")
                    .contains("revoked");
        }
    }

    /** A certificate the CA signed but the manager does not know (e.g. lost from the store) is refused. */
    @Test
    void aCertificateTheManagerDoesNotKnowIsRefusedAndTheCheckGetsItsSha256() throws Exception {
        Agent agent = enroll("agent-1", KeyType.EC_P256);
        statuses.remove(agent.certificate().thumbprint());
        List<String> asked = new CopyOnWriteArrayList<>();
        CertificateValidity recording = thumbprint -> {
            asked.add(thumbprint);
            return validity.check(thumbprint);
        };
        try (LoopbackTlsServer server = server(ServerTls.agentTrustManager(ca.trustBundle(), recording, clock))) {
            assertThatThrownBy(() -> exchange(agent.tls(ca), server.port())).isInstanceOf(IOException.class);
            assertThat(rootMessage((Throwable) server.nextOutcome()))
                    .contains("refused")
                    .contains("unknown");
        }
        byte[] der = Pem.decode(Pem.CERTIFICATE, agent.certificate().certificatePem());
        String sha256 =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        assertThat(asked).containsExactly(sha256);
    }

    @Test
    void aValidityCheckThatFailsRefusesTheHandshake() throws Exception {
        Agent agent = enroll("agent-1", KeyType.EC_P256);
        CertificateValidity failing = thumbprint -> {
            throw new AgentStoreException("database unreachable");
        };
        try (LoopbackTlsServer server = server(ServerTls.agentTrustManager(ca.trustBundle(), failing, clock))) {
            // the client sees the alert or, writing after it, a broken pipe (TlsClientMatrixTest reads alerts)
            assertThatThrownBy(() -> exchange(agent.tls(ca), server.port())).isInstanceOf(IOException.class);
            assertThat(rootMessage((Throwable) server.nextOutcome())).contains("cannot be checked now");
        }
    }

    @Test
    void crlBasedServerRefusesTheAgentOnceItsRevocationIsInTheCrl() throws Exception {
        Agent agent = enroll("agent-1", KeyType.EC_P256);
        AtomicReference<X509CRL> crl = new AtomicReference<>(crl(List.of()));
        try (LoopbackTlsServer server = server(ServerTls.crlTrustManager(ca.trustBundle(), crl::get, clock))) {
            assertThat(exchange(agent.tls(ca), server.port())).startsWith("hello CN=agent-1");
            assertThat(server.nextOutcome()).isEqualTo("CN=agent-1");

            crl.set(crl(
                    List.of(agent.certificate().withRevokedAt(clock.instant().minusSeconds(1)))));

            assertThatThrownBy(() -> exchange(agent.tls(ca), server.port())).isInstanceOf(IOException.class);
            assertThat(rootMessage((Throwable) server.nextOutcome())).contains("listed in the CRL");
        }
    }

    @Test
    void expiredCertificateIsRefusedByTheClock() throws Exception {
        Agent agent = enroll("agent-1", KeyType.EC_P256);
        try (LoopbackTlsServer server = server(agentTrust())) {
            clock.advance(Duration.ofHours(25));

            assertThatThrownBy(() -> exchange(agent.tls(ca), server.port())).isInstanceOf(IOException.class);
            assertThat(rootMessage((Throwable) server.nextOutcome())).contains("not valid now");
        }
    }

    @Test
    void certificateFromAnotherCaIsRefused() throws Exception {
        BouncyCastleCertificateService rogue =
                BouncyCastleCertificateService.builder().clock(clock).build();
        KeyPair keys = AgentKeys.generate();
        AgentCertificate rogueCertificate = rogue.issue(
                "agent-1", rogue.decodeRequest(AgentKeys.csrPem(keys, "h").getBytes(StandardCharsets.US_ASCII)));
        // The agent trusts the real CA for the server but presents a certificate from another one.
        SSLContext tls = AgentTls.sslContext(
                keys.getPrivate(),
                rogueCertificate.certificatePem(),
                ca.trustBundle().certificatesPem());
        try (LoopbackTlsServer server = server(agentTrust())) {
            assertThatThrownBy(() -> exchange(tls, server.port())).isInstanceOf(IOException.class);
            assertThat(rootMessage((Throwable) server.nextOutcome())).contains("not issued by the agent CA");
        }
    }

    @Test
    void agentRefusesAServerItsBundleDoesNotVouchFor() throws Exception {
        Agent agent = enroll("agent-1", KeyType.EC_P256);
        BouncyCastleCertificateService rogue =
                BouncyCastleCertificateService.builder().clock(clock).build();
        X509Certificate rogueServer = rogue.issueServerCertificate(
                serverKeys.getPublic(),
                Set.of("localhost"),
                Set.of(InetAddress.getLoopbackAddress()),
                Duration.ofDays(1));
        try (LoopbackTlsServer server = new LoopbackTlsServer(
                ServerTls.sslContext(serverKeys.getPrivate(), List.of(rogueServer), agentTrust()))) {
            assertThatThrownBy(() -> exchange(agent.tls(ca), server.port())).isInstanceOf(SSLHandshakeException.class);
            server.nextOutcome();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = KeyType.class,
            names = {"ED25519", "RSA_3072", "EC_P384"})
    void otherAgentKeyTypesHandshakeToo(KeyType type) throws Exception {
        Agent agent =
                enroll("agent-" + type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), type);
        try (LoopbackTlsServer server = server(agentTrust())) {
            assertThat(exchange(agent.tls(ca), server.port()))
                    .startsWith("hello CN=" + agent.certificate().agentId());
            assertThat(server.nextOutcome())
                    .isEqualTo("CN=" + agent.certificate().agentId());
        }
    }

    @Test
    void pinAndKeyMismatchesAreCaughtBeforeAnyConnection() {
        Agent agent = enroll("agent-1", KeyType.EC_P256);
        String bundle = ca.trustBundle().certificatesPem();

        AgentTls.verifyPin(bundle, ca.trustBundle().rootSha256());
        AgentTls.verifyPin(bundle, ca.trustBundle().rootSha256().toUpperCase(java.util.Locale.ROOT));
        assertThatThrownBy(() -> AgentTls.verifyPin(bundle, "00".repeat(32)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match the pin");
        assertThatThrownBy(() -> AgentTls.sslContext(
                        AgentKeys.generate().getPrivate(), agent.certificate().certificatePem(), bundle))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong");
    }

    private X509CRL crl(List<AgentCertificate> revoked) {
        try {
            byte[] der = ca.signCrl(new CrlContent(
                    revoked, clock.instant().minusSeconds(60), clock.instant().plus(Duration.ofDays(1)), 1));
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
        } catch (CertificateException | CRLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String rootMessage(Throwable e) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        return messages.toString();
    }
}

package dev.agentmanager.spring;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.AgentManager;
import dev.agentmanager.ca.bouncycastle.ServerTls;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.util.net.jsse.JSSEImplementation;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;

/**
 * A second connector on the embedded Tomcat for agents: TLS that requires a client certificate and checks it in
 * the handshake with {@link ServerTls#agentTrustManager(dev.agentmanager.IAgentManager)}, so a revoked, unknown or
 * expired agent certificate is refused before any request is read. The application's own port stays as
 * configured ({@code server.port}, {@code server.ssl.*}); agents enrol there over ordinary HTTPS and then
 * heartbeat and renew here. Both ports serve the same application: a controller reads the presented certificate
 * with {@link AgentCertificates}, which finds one only on this connector.
 *
 * <p>How the trust manager reaches Tomcat: Tomcat's {@code SSLHostConfig} builds its TLS context from key and
 * trust store files, and Boot's {@code SslBundle} hands it key stores too, so neither can carry a trust manager
 * that asks the manager. Tomcat also accepts a ready context per certificate
 * ({@code SSLHostConfigCertificate.setSslContext}, meant for embedding); it then creates every engine from that
 * context and only applies its protocol, cipher and client-authentication settings. The connector is pinned to
 * Tomcat's JSSE implementation, since the context is a JSSE one (not OpenSSL).
 */
public final class AgentConnector implements WebServerFactoryCustomizer<TomcatWebServerFactory> {
    private static final System.Logger LOG = System.getLogger(AgentConnector.class.getName());

    private final AgentManager manager;
    private final AgentServerIdentity identity;
    private final int port;
    private final @Nullable String address;
    private volatile @Nullable Connector connector;

    AgentConnector(AgentManager manager, AgentServerIdentity identity, int port, @Nullable String address) {
        this.manager = requireNonNull(manager, "manager");
        this.identity = requireNonNull(identity, "identity");
        this.port = port;
        this.address = address;
    }

    @Override
    public void customize(TomcatWebServerFactory factory) {
        factory.addAdditionalConnectors(createConnector());
    }

    /** A connector with the agents' TLS, on the configured port and address. */
    Connector createConnector() {
        X509ExtendedTrustManager agents = ServerTls.agentTrustManager(manager);
        SSLContext tls = ServerTls.sslContext(identity.key(), identity.chain(), agents);

        SSLHostConfig host = new SSLHostConfig();
        host.setCertificateVerification("required");
        host.setProtocols(String.join(",+", ServerTls.PROTOCOLS)); // Tomcat: "TLSv1.3,+TLSv1.2"
        SSLHostConfigCertificate certificate =
                new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
        certificate.setSslContext(new TomcatSslContext(tls, identity.chain(), agents));
        host.addCertificate(certificate);

        Connector connector = new Connector(Http11NioProtocol.class.getName());
        connector.setPort(port);
        connector.setScheme("https");
        connector.setSecure(true);
        Http11NioProtocol protocol = (Http11NioProtocol) connector.getProtocolHandler();
        protocol.setSSLEnabled(true);
        protocol.setSslImplementationName(JSSEImplementation.class.getName());
        if (address != null) {
            try {
                protocol.setAddress(InetAddress.getByName(address));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("agentmanager.server.agent-address: cannot resolve " + address, e);
            }
        }
        protocol.addSslHostConfig(host);
        this.connector = connector;
        LOG.log(
                Level.INFO,
                "agent connector on port {0}: client certificates required and checked against the agent manager",
                port == 0 ? "(any free)" : String.valueOf(port));
        return connector;
    }

    /** The port the agent connector listens on once the server has started, else -1. */
    public int port() {
        Connector current = connector;
        return current == null ? -1 : current.getLocalPort();
    }

    /** The certificate chain the connector presents (leaf first). */
    public List<X509Certificate> certificateChain() {
        return identity.chain();
    }
}

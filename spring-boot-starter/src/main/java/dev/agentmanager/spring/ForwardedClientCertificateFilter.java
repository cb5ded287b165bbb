package dev.agentmanager.spring;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.IAgentManager;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.model.CertificateStatus;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;

/**
 * For TLS ended at a proxy (nginx, HAProxy, a cloud load balancer) that checks the agent's client certificate and
 * forwards it in a header as URL-encoded PEM (nginx: {@code proxy_set_header ssl-client-cert
 * $ssl_client_escaped_cert;}). The header is believed only from the {@linkplain TrustedProxies trusted proxies}'
 * addresses, and only for a certificate the manager says is current (so a revoked agent is refused here, as the
 * {@linkplain AgentConnector agent connector} refuses it in the handshake); the certificate is then put where the
 * container puts a TLS client certificate, so {@link AgentCertificates} reads both alike.
 *
 * <p>Refused with 403, before any controller runs: the header from any other address (someone reaching the
 * application directly must not claim an agent's identity), a header that is not a certificate, and a certificate
 * that is not current. The address checked is the connection's peer ({@code getRemoteAddr()}): keep Boot's
 * {@code server.forward-headers-strategy} off on this path, or it would be the client's address named by the
 * proxy. A request without the header passes unchanged.
 */
public final class ForwardedClientCertificateFilter implements Filter {
    private static final System.Logger LOG = System.getLogger(ForwardedClientCertificateFilter.class.getName());

    private final TrustedProxies proxies;
    private final String header;
    private final IAgentManager manager;

    /**
     * @param proxies whose header is believed
     * @param header the header's name, e.g. {@code ssl-client-cert}
     * @param manager answers whether the forwarded certificate is current
     */
    public ForwardedClientCertificateFilter(TrustedProxies proxies, String header, IAgentManager manager) {
        this.proxies = requireNonNull(proxies, "proxies");
        this.header = requireNonNull(header, "header");
        this.manager = requireNonNull(manager, "manager");
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        String value = request.getHeader(header);
        if (value == null) {
            chain.doFilter(request, response);
            return;
        }
        String peer = request.getRemoteAddr();
        if (!proxies.contains(peer)) {
            LOG.log(Level.WARNING, "refused a forwarded client certificate from {0}, not a trusted proxy", peer);
            response.sendError(
                    HttpServletResponse.SC_FORBIDDEN, "forwarded client certificate from an untrusted address");
            return;
        }
        X509Certificate certificate;
        try {
            certificate = decode(value);
        } catch (IllegalArgumentException e) {
            LOG.log(
                    Level.WARNING,
                    "refused a malformed forwarded client certificate from {0}: {1}",
                    peer,
                    e.getMessage());
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "malformed forwarded client certificate");
            return;
        }
        CertificateStatus status;
        try {
            status = manager.certificateValidity().check(AgentCertificates.thumbprint(certificate));
        } catch (RuntimeException e) { // as in the handshake: a certificate that cannot be checked is refused
            LOG.log(Level.WARNING, "cannot check a forwarded client certificate; refusing it", e);
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "client certificate not accepted");
            return;
        }
        if (!status.isCurrent()) {
            LOG.log(
                    Level.INFO,
                    "refused a forwarded client certificate: {0}",
                    status.name().toLowerCase(Locale.ROOT));
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "client certificate not accepted");
            return;
        }
        request.setAttribute(AgentCertificates.ATTRIBUTE, new X509Certificate[] {certificate});
        chain.doFilter(request, response);
    }

    /**
     * The certificate in a header value: URL-encoded PEM (a literal {@code +} is kept, since PEM's base64 has
     * them and not every proxy escapes them); the first certificate when a chain is sent.
     *
     * @throws IllegalArgumentException if it holds no certificate
     */
    static X509Certificate decode(String value) {
        String pem = URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
        List<X509Certificate> certificates = Pem.readCertificates(pem);
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no certificate in the header");
        }
        return certificates.get(0);
    }
}

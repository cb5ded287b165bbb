package dev.agentmanager.ca.bouncycastle.internal;

import java.lang.System.Logger.Level;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Authenticates agents' client certificates on the host's TLS server: PKIX path validation to the CA (at
 * the injected clock's time), {@code extendedKeyUsage clientAuth}, then a revocation check that decides
 * whether this particular certificate may still be used. Refusing throws, which fails the handshake with a
 * TLS alert.
 *
 * <p>TLS 1.3 sessions are made non-resumable, so every TLS 1.3 connection is a full handshake checked here.
 * TLS 1.2 sessions stay resumable: making them non-resumable from here breaks TLS 1.2 clients that use
 * session tickets (the JDK has already promised a ticket in its ServerHello and then sends none). A resumed
 * TLS 1.2 session skips this check; the manager checks the presented certificate's thumbprint on every
 * heartbeat and renewal, so a revoked agent on a resumed session is refused at its first call.
 *
 * <p>Whatever the reason, the JDK's server answers a refusal with the alert {@code certificate_unknown}.
 */
public final class AgentClientTrustManager extends X509ExtendedTrustManager {
    private static final System.Logger LOG = System.getLogger(AgentClientTrustManager.class.getName());
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    /** Decides whether a chain-valid leaf is still acceptable. */
    @FunctionalInterface
    public interface RevocationCheck {
        /** Why the certificate is refused, or {@code null} to accept it. */
        @Nullable
        String refusal(X509Certificate leaf);
    }

    private final List<X509Certificate> caCertificates;
    private final Set<TrustAnchor> anchors;
    private final Clock clock;
    private final RevocationCheck revocation;

    public AgentClientTrustManager(List<X509Certificate> caCertificates, Clock clock, RevocationCheck revocation) {
        if (caCertificates.isEmpty()) {
            throw new IllegalArgumentException("no CA certificate to trust");
        }
        this.caCertificates = List.copyOf(caCertificates);
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate ca : caCertificates) {
            anchors.add(new TrustAnchor(ca, null));
        }
        this.anchors = Set.copyOf(anchors);
        this.clock = clock;
        this.revocation = revocation;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
        if (socket instanceof SSLSocket ssl) {
            noTls13Resumption(ssl.getHandshakeSession());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
        if (engine != null) {
            noTls13Resumption(engine.getHandshakeSession());
        }
    }

    /**
     * A resumed session skips the trust manager, so a revoked agent could resume the session it opened before
     * its revocation. Invalidating a TLS 1.3 session while it is established keeps this connection working but
     * stops its resumption (the server then sends no ticket, which TLS 1.3 clients expect to happen).
     */
    private static void noTls13Resumption(@Nullable SSLSession session) {
        if (session != null && "TLSv1.3".equals(session.getProtocol())) {
            session.invalidate();
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager authenticates agents (TLS clients) only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return caCertificates.toArray(X509Certificate[]::new);
    }

    private void check(X509Certificate @Nullable [] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no client certificate");
        }
        X509Certificate leaf = chain[0];
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate certificate : chain) {
            if (!caCertificates.contains(certificate)) {
                path.add(certificate);
            }
        }
        if (path.isEmpty() || !path.get(0).equals(leaf)) {
            throw refuse(leaf, "the client presented a CA certificate, not its own");
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(clock.instant()));
            CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
        } catch (GeneralSecurityException e) {
            throw refuse(leaf, "not issued by the agent CA or not valid now: " + e.getMessage(), e);
        }
        List<String> extendedKeyUsage;
        try {
            extendedKeyUsage = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw refuse(leaf, "unreadable extendedKeyUsage", e);
        }
        if (extendedKeyUsage == null || !extendedKeyUsage.contains(CLIENT_AUTH)) {
            throw refuse(leaf, "not a client certificate (extendedKeyUsage clientAuth missing)");
        }
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null && !keyUsage[0]) {
            throw refuse(leaf, "keyUsage digitalSignature missing");
        }
        String refusal = revocation.refusal(leaf);
        if (refusal != null) {
            throw refuse(leaf, refusal);
        }
    }

    private static CertificateException refuse(X509Certificate leaf, String reason) {
        return refuse(leaf, reason, null);
    }

    private static CertificateException refuse(X509Certificate leaf, String reason, @Nullable Throwable cause) {
        String message = "agent certificate '" + leaf.getSubjectX500Principal() + "' serial "
                + leaf.getSerialNumber().toString(16) + " refused: " + reason;
        LOG.log(Level.INFO, message);
        return cause == null ? new CertificateException(message) : new CertificateException(message, cause);
    }
}

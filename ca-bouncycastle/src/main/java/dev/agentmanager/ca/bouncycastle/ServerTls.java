package dev.agentmanager.ca.bouncycastle;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.CertificateValidity;
import dev.agentmanager.IAgentManager;
import dev.agentmanager.ca.bouncycastle.internal.AgentClientTrustManager;
import dev.agentmanager.ca.bouncycastle.internal.Digests;
import dev.agentmanager.ca.bouncycastle.internal.TlsSupport;
import dev.agentmanager.model.CertificateStatus;
import dev.agentmanager.model.TrustBundle;
import java.lang.System.Logger.Level;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The host's TLS server side: require agents' client certificates and refuse revoked ones in the handshake.
 *
 * <pre>{@code
 * X509ExtendedTrustManager agents = ServerTls.agentTrustManager(manager);
 * SSLContext tls = ServerTls.sslContext(serverKey, serverChain, agents);
 * SSLServerSocket socket = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(8443);
 * socket.setSSLParameters(ServerTls.sslParameters(tls));       // client certificate required
 * // HttpsServer: in HttpsConfigurator.configure(params) call params.setSSLParameters(ServerTls.sslParameters(tls))
 * }</pre>
 *
 * The trust managers validate the client's chain to the agent CA at the clock's time, require
 * {@code extendedKeyUsage clientAuth}, then ask either the manager ({@link IAgentManager#certificateValidity()},
 * exact, from a per-replica cache) or a CRL (for a server that only has the published CRL). A refused
 * certificate fails the handshake with a TLS alert (the JDK's server sends {@code certificate_unknown} for
 * every refusal). TLS 1.3 sessions are never resumed, so every TLS 1.3 connection is checked here; TLS 1.2
 * sessions may be (clients that use tickets need it), which skips the trust manager, and the manager checks
 * the presented certificate again on every heartbeat and renewal.
 */
public final class ServerTls {
    private static final System.Logger LOG = System.getLogger(ServerTls.class.getName());

    private ServerTls() {}

    /** The protocols enabled by {@link #sslParameters}: TLS 1.3 and 1.2. */
    public static final List<String> PROTOCOLS = TlsSupport.PROTOCOLS;

    /**
     * A trust manager that accepts an agent only while the manager says its exact certificate is current
     * ({@link IAgentManager#certificateValidity()}: known to the store, pinned on an unrevoked agent, unrevoked,
     * within validity; answered from the manager's cache). A revocation on any replica is refused here within
     * the manager's propagation bound.
     */
    public static X509ExtendedTrustManager agentTrustManager(IAgentManager manager) {
        requireNonNull(manager, "manager");
        return agentTrustManager(manager.trustBundle(), manager.certificateValidity(), Clock.systemUTC());
    }

    /**
     * A trust manager that validates chains to {@code trustBundle} at {@code clock}'s time and then accepts an
     * agent only while {@code validity} says its certificate is {@linkplain CertificateStatus#CURRENT current}.
     * A check that fails (the store unreachable while the cache must consult it) refuses the handshake.
     */
    public static X509ExtendedTrustManager agentTrustManager(
            TrustBundle trustBundle, CertificateValidity validity, Clock clock) {
        requireNonNull(trustBundle, "trustBundle");
        requireNonNull(validity, "validity");
        requireNonNull(clock, "clock");
        List<X509Certificate> cas = Pem.readCertificates(trustBundle.certificatesPem());
        return new AgentClientTrustManager(cas, clock, leaf -> {
            CertificateStatus status;
            try {
                status = validity.check(Digests.thumbprint(leaf));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot check an agent certificate; refusing it", e);
                return "cannot be checked now: " + e.getMessage();
            }
            return status.isCurrent()
                    ? null
                    : status.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        });
    }

    /**
     * A trust manager that refuses agents listed in the CRL that {@code crls} returns at each handshake
     * (e.g. the last one fetched from a distribution point that serves the manager's {@code currentCrl()}), for
     * a server that has no manager of its own. The CRL must be
     * signed by a CA of the bundle, or every agent is refused. A CRL past its {@code nextUpdate} is still
     * used, with a warning: a stale CRL must not take the fleet down.
     */
    public static X509ExtendedTrustManager crlTrustManager(
            TrustBundle trustBundle, Supplier<X509CRL> crls, Clock clock) {
        requireNonNull(trustBundle, "trustBundle");
        requireNonNull(crls, "crls");
        requireNonNull(clock, "clock");
        List<X509Certificate> cas = Pem.readCertificates(trustBundle.certificatesPem());
        AtomicReference<@Nullable X509CRL> verified = new AtomicReference<>();
        AtomicReference<@Nullable X509CRL> warnedStale = new AtomicReference<>();
        return new AgentClientTrustManager(cas, clock, leaf -> {
            X509CRL crl = crls.get();
            if (crl == null) {
                return "no CRL available";
            }
            if (!crl.getIssuerX500Principal().equals(leaf.getIssuerX500Principal())) {
                return "the CRL is not from the certificate's issuer";
            }
            if (verified.get() != crl) {
                X509Certificate issuer = cas.stream()
                        .filter(ca -> ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal()))
                        .findFirst()
                        .orElse(null);
                try {
                    if (issuer == null) {
                        return "the CRL's issuer is not in the trust bundle";
                    }
                    crl.verify(issuer.getPublicKey());
                } catch (GeneralSecurityException e) {
                    LOG.log(
                            Level.ERROR,
                            "CRL signature does not verify: refusing every agent until a good CRL arrives",
                            e);
                    return "the CRL's signature does not verify";
                }
                verified.set(crl);
            }
            Instant now = clock.instant();
            if (crl.getNextUpdate() != null
                    && now.isAfter(crl.getNextUpdate().toInstant())
                    && warnedStale.getAndSet(crl) != crl) {
                LOG.log(
                        Level.WARNING,
                        "CRL is past its nextUpdate ({0}); still using it, refresh it",
                        crl.getNextUpdate());
            }
            return crl.isRevoked(leaf) ? "revoked (listed in the CRL)" : null;
        });
    }

    /**
     * An SSL context for the host's server: presents {@code serverChain} (leaf first) with {@code serverKey}
     * and authenticates clients with {@code agentTrust}. Combine with {@link #sslParameters} so that a
     * client certificate is required.
     */
    public static SSLContext sslContext(
            PrivateKey serverKey, List<X509Certificate> serverChain, X509TrustManager agentTrust) {
        requireNonNull(serverKey, "serverKey");
        requireNonNull(serverChain, "serverChain");
        requireNonNull(agentTrust, "agentTrust");
        return TlsSupport.sslContext(serverKey, List.copyOf(serverChain), agentTrust);
    }

    /** Parameters for the server's sockets or engines: client certificate required, {@link #PROTOCOLS}. */
    public static SSLParameters sslParameters(SSLContext context) {
        SSLParameters parameters = requireNonNull(context, "context").getDefaultSSLParameters();
        parameters.setProtocols(PROTOCOLS.toArray(String[]::new));
        parameters.setNeedClientAuth(true);
        return parameters;
    }
}

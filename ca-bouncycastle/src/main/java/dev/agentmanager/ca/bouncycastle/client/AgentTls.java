package dev.agentmanager.ca.bouncycastle.client;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.ca.bouncycastle.internal.Digests;
import dev.agentmanager.ca.bouncycastle.internal.TlsSupport;
import dev.agentmanager.model.TrustBundle;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The agent's TLS client: an {@link SSLContext} that presents the agent's certificate and trusts only the
 * orchestrator's CA, TLS 1.3 and 1.2.
 */
public final class AgentTls {
    private AgentTls() {}

    /** The protocols the helpers enable, strongest first. */
    public static final List<String> PROTOCOLS = TlsSupport.PROTOCOLS;

    /**
     * An SSL context for the agent.
     *
     * @param privateKey the agent's private key (from {@link AgentKeys}, or read with
     *     {@link Pem#readPrivateKey(String)})
     * @param certificatePem the issued certificate ({@code AgentCertificate.certificatePem()}), optionally
     *     followed by intermediates
     * @param trustBundlePem the CA chain ({@code TrustBundle.certificatesPem()}): the only certificates the
     *     agent trusts for the server; intermediates in it are also sent along with the agent's certificate
     * @throws IllegalArgumentException if the PEM is malformed or the key does not belong to the certificate
     */
    public static SSLContext sslContext(PrivateKey privateKey, String certificatePem, String trustBundlePem) {
        requireNonNull(privateKey, "privateKey");
        List<X509Certificate> own = Pem.readCertificates(requireNonNull(certificatePem, "certificatePem"));
        List<X509Certificate> trusted = Pem.readCertificates(requireNonNull(trustBundlePem, "trustBundlePem"));
        List<X509Certificate> chain = new ArrayList<>(own);
        for (X509Certificate ca : trusted) {
            boolean selfSigned = ca.getSubjectX500Principal().equals(ca.getIssuerX500Principal());
            if (!selfSigned && !chain.contains(ca)) {
                chain.add(ca);
            }
        }
        return TlsSupport.sslContext(privateKey, chain, TlsSupport.trustManager(trusted));
    }

    /** {@link #sslContext(PrivateKey, String, String)} after checking the bundle against its own pin. */
    public static SSLContext sslContext(PrivateKey privateKey, String certificatePem, TrustBundle trustBundle) {
        requireNonNull(trustBundle, "trustBundle");
        verifyPin(trustBundle.certificatesPem(), trustBundle.rootSha256());
        return sslContext(privateKey, certificatePem, trustBundle.certificatesPem());
    }

    /**
     * Checks, on first contact, that the trust bundle's root (its last certificate) is the one whose
     * SHA-256 the agent was given out of band (with its registration token).
     *
     * @throws IllegalArgumentException if the bundle is malformed or its root does not match the pin
     */
    public static void verifyPin(String trustBundlePem, String expectedRootSha256) {
        requireNonNull(expectedRootSha256, "expectedRootSha256");
        List<X509Certificate> bundle = Pem.readCertificates(requireNonNull(trustBundlePem, "trustBundlePem"));
        String actual = Digests.thumbprint(bundle.get(bundle.size() - 1));
        String expected = expectedRootSha256.replace(":", "").toLowerCase(Locale.ROOT);
        if (!MessageDigest.isEqual(
                actual.getBytes(StandardCharsets.US_ASCII), expected.getBytes(StandardCharsets.US_ASCII))) {
            throw new IllegalArgumentException("trust bundle root " + actual + " does not match the pin " + expected);
        }
    }

    /**
     * Parameters for the agent's sockets or engines: {@link #PROTOCOLS}, and host name verification
     * ({@code HTTPS} endpoint identification) so the server certificate must name the host connected to.
     */
    public static SSLParameters sslParameters(SSLContext context) {
        SSLParameters parameters = requireNonNull(context, "context").getDefaultSSLParameters();
        parameters.setProtocols(PROTOCOLS.toArray(String[]::new));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return parameters;
    }
}

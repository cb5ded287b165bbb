package dev.agentmanager.spring;

import static java.util.Objects.requireNonNull;

import jakarta.servlet.ServletRequest;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The agent certificate a request presented, for a controller: on the {@linkplain AgentConnector agent connector}
 * it is the certificate of the TLS handshake (already checked there against the manager), behind a trusted proxy
 * the one it forwarded ({@link ForwardedClientCertificateFilter}). The thumbprint is what
 * {@code Heartbeat.of(agentId, thumbprint, ...)} and {@code renewCertificate} take.
 *
 * <pre>{@code
 * @PostMapping("/agents/heartbeat")
 * HeartbeatView heartbeat(HttpServletRequest request, @RequestBody Beat beat) {
 *     String thumbprint = AgentCertificates.requireThumbprint(request);   // 401 without a certificate
 *     Agent agent = manager.findAgentByThumbprint(thumbprint).orElseThrow(...);
 *     ...
 * }
 * }</pre>
 */
public final class AgentCertificates {
    /** The servlet request attribute under which containers put the client's certificate chain. */
    public static final String ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

    private AgentCertificates() {}

    /** The client's certificate (the chain's first), if it presented one. */
    public static Optional<X509Certificate> certificate(ServletRequest request) {
        Object chain = requireNonNull(request, "request").getAttribute(ATTRIBUTE);
        if (chain instanceof X509Certificate[] certificates && certificates.length > 0) {
            return Optional.of(certificates[0]);
        }
        return Optional.empty();
    }

    /** The SHA-256 thumbprint (lower-case hex of the DER encoding) of the client's certificate, if any. */
    public static Optional<String> thumbprint(ServletRequest request) {
        return certificate(request).map(AgentCertificates::thumbprint);
    }

    /**
     * The thumbprint of the client's certificate.
     *
     * @throws MissingClientCertificateException if none was presented (Spring MVC answers 401)
     */
    public static String requireThumbprint(ServletRequest request) {
        return thumbprint(request).orElseThrow(MissingClientCertificateException::new);
    }

    /** The SHA-256 thumbprint of a certificate, as the manager keys certificates. */
    public static String thumbprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.of().formatHex(digest);
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("the certificate cannot be encoded", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}

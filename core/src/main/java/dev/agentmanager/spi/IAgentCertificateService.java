package dev.agentmanager.spi;

import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.exception.InvalidCertificateRequestException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.TrustBundle;
import java.time.Instant;

/**
 * The certificate authority behind registration and renewal. (Name from the original design card.)
 *
 * <p>Core ships only this interface. {@code agentmanager-ca-bouncycastle} implements it with a real X.509
 * authority; {@code agentmanager-testkit} has a fake for hosts' tests. Implementations must be thread-safe.
 */
public interface IAgentCertificateService {

    /**
     * Decodes a PKCS#10 certificate signing request (PEM or DER), verifies its signature (proof of
     * possession) and checks the key against the authority's policy. Does not issue anything.
     *
     * @throws InvalidCertificateRequestException if the request is unparseable, badly signed, too large, or
     *     its key is not allowed
     */
    CertificateRequest decodeRequest(byte[] pemOrDer);

    /**
     * Issues a client certificate for {@code agentId} from a decoded request. The identity in the
     * certificate is the server's decision ({@code agentId}), never the request's subject or extensions.
     * The caller records the result in the {@link IAgentStore}.
     *
     * @throws CertificateIssuanceException if the authority cannot issue right now
     */
    AgentCertificate issue(String agentId, CertificateRequest request);

    /**
     * Revokes a certificate by serial. Idempotent; revoking an unknown serial is a no-op.
     *
     * @param serial lower-case hex serial
     * @param revokedAt when the revocation takes effect
     */
    void revoke(String serial, Instant revokedAt);

    /** Whether the certificate with this serial was issued here, is unrevoked and is within validity now. */
    boolean isValidSerial(String serial);

    /** Whether the certificate with this SHA-256 thumbprint was issued here, is unrevoked and is valid now. */
    boolean isValidThumbprint(String thumbprint);

    /** The chain agents should trust, with the root's SHA-256 pin. */
    TrustBundle trustBundle();
}

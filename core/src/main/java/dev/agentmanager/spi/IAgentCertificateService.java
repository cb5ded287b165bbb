package dev.agentmanager.spi;

import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.exception.InvalidCertificateRequestException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.TrustBundle;

/**
 * The certificate authority behind registration and renewal. (Name from the original design card.)
 *
 * <p>An implementation is a stateless issuer: it decodes and checks requests and signs certificates and
 * revocation lists, and keeps no record of what it signed. Core records every certificate in the
 * {@link IAgentStore} in the same atomic step as the registration or renewal it belongs to; a certificate
 * that never reaches the store (signed for the loser of a token race, say) is never valid, and revocation
 * is a fact of the store, not of the authority. So several replicas may each hold an instance over the same
 * CA key, and an implementation may assume that nothing needs cleaning up after a signature that is not used.
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
     * Signs a certificate revocation list with the authority's key: exactly the entries, dates and number of
     * {@code content}, so that replicas sign the same list for the same revocations.
     *
     * @return the CRL in DER
     */
    byte[] signCrl(CrlContent content);

    /** The chain agents should trust, with the root's SHA-256 pin. */
    TrustBundle trustBundle();
}

package dev.agentmanager;

import dev.agentmanager.exception.AgentManagerException;
import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.spi.IAgentCertificateService;
import dev.agentmanager.spi.IAgentStore;
import java.lang.System.Logger.Level;
import java.time.Instant;

/**
 * Issuing and retiring agent certificates: the authority signs, the store keeps the one record, and a
 * certificate that stops being used is marked revoked there (which every replica's validity cache and the CRL
 * read).
 */
final class IssuedCertificates {
    private static final System.Logger LOG = System.getLogger(IssuedCertificates.class.getName());

    private final IAgentStore store;
    private final IAgentCertificateService authority;
    private final CertificateValidityCache validity;

    IssuedCertificates(IAgentStore store, IAgentCertificateService authority, CertificateValidityCache validity) {
        this.store = store;
        this.authority = authority;
        this.validity = validity;
    }

    /** Has the authority sign {@code csr} for {@code agentId}; its failures become {@link CertificateIssuanceException}. */
    AgentCertificate issue(String agentId, CertificateRequest csr) {
        try {
            return authority.issue(agentId, csr);
        } catch (AgentManagerException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CertificateIssuanceException("certificate authority failed to issue for agent " + agentId, e);
        }
    }

    /**
     * Retires a certificate its agent no longer uses (superseded by a renewal or a re-enrollment, or recorded and
     * then abandoned). Bookkeeping: a failure is logged, not thrown (the operation that retired it has already
     * taken effect, and the certificate is no longer pinned, so no check accepts it). A serial the store does
     * not hold is ignored. This replica's validity cache forgets it at once.
     */
    void retire(String serial, Instant now) {
        try {
            if (store.revokeCertificate(serial, now)) {
                validity.readFeed();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not mark certificate " + serial + " revoked in the store", e);
        }
    }
}

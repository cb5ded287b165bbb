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
 * Issuing and retiring agent certificates: the authority signs and revokes, the store keeps the record, and
 * both are told when a certificate stops being used.
 */
final class IssuedCertificates {
    private static final System.Logger LOG = System.getLogger(IssuedCertificates.class.getName());

    private final IAgentStore store;
    private final IAgentCertificateService authority;

    IssuedCertificates(IAgentStore store, IAgentCertificateService authority) {
        this.store = store;
        this.authority = authority;
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

    /** Revokes a certificate that was signed but will never be used; failures are logged, not thrown. */
    void revokeUnused(AgentCertificate certificate, Instant now) {
        try {
            authority.revoke(certificate.serial(), now);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not revoke unused certificate " + certificate.serial(), e);
        }
        markRevoked(certificate.serial(), now); // a renewal stores its certificate before it is pinned
    }

    /**
     * Retires a certificate its agent no longer uses (superseded by a renewal or a re-enrollment): revoked at the
     * authority, so that TLS layers that consult it refuse it, and in the store's record.
     */
    void retire(String serial, Instant now) {
        try {
            authority.revoke(serial, now);
        } catch (RuntimeException e) {
            LOG.log(
                    Level.WARNING,
                    "could not revoke superseded certificate " + serial + "; it stays valid for TLS until it expires",
                    e);
        }
        markRevoked(serial, now);
    }

    /**
     * Marks a certificate revoked in the store's record as well. Bookkeeping: a failure is logged, not thrown (the
     * operation that retired it has already taken effect). A serial the store does not hold is ignored.
     */
    private void markRevoked(String serial, Instant now) {
        try {
            store.revokeCertificate(serial, now);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not mark certificate " + serial + " revoked in the store", e);
        }
    }
}

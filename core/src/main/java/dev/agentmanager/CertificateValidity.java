package dev.agentmanager;

import dev.agentmanager.model.CertificateStatus;

/**
 * Whether a certificate an agent presents may be used now: the one question the TLS layer, renewal and the
 * heartbeat path ask. Obtain it from {@link IAgentManager#certificateValidity()}.
 *
 * <p>The manager's implementation answers from a bounded per-replica cache fed by the store's revocation
 * feed: no database round trip per call once a certificate is known, and a revocation made on any replica is
 * refused here within the configured {@linkplain AgentManagerBuilder#revocationPropagation propagation bound}
 * (on the replica that revoked, before {@code revoke} returns). Thread-safe.
 */
@FunctionalInterface
public interface CertificateValidity {

    /**
     * The status of the certificate with this SHA-256 thumbprint (64 hex digits, any case) now.
     *
     * @throws dev.agentmanager.exception.AgentStoreException if the store had to be asked and failed (callers
     *     that authenticate must then refuse)
     */
    CertificateStatus check(String thumbprint);
}

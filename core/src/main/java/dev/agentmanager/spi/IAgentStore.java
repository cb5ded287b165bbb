package dev.agentmanager.spi;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.TokenRedemption;
import java.time.Instant;
import java.util.Optional;

/**
 * Persistence of agents, registration tokens and certificate records. (Name from the original design card.)
 *
 * <p>A store plays four roles, one short interface each: {@link RegistrationTokenStore},
 * {@link AgentRecordStore}, {@link LivenessStore} and {@link CertificateStore}. This interface joins them and
 * adds the two operations that span roles: registration and re-enrollment, each one atomic step over a token,
 * an agent and a certificate record.
 *
 * <p>Stores store and find values; every operation that must be atomic is one method whose {@code boolean}
 * or {@code Optional} result says whether it took effect. Business rules (token secrets, lifecycle,
 * heartbeat acceptance, events) live in core, never here. Implementations must be thread-safe and, for
 * shared databases, safe across several processes. Every method throws only unchecked exceptions; arguments
 * are never {@code null} unless marked.
 *
 * <p>Agents have durable state (everything but {@link Agent#liveness()}, versioned by
 * {@link Agent#version()}) and liveness (written only by {@link LivenessStore}, never bumping the version).
 * Reads return both, merged. Durable state includes {@link Agent#allowedCapabilities()}, the registration
 * token's scope: a store keeps and returns it like every other field (an empty set stays empty) and enforces
 * nothing.
 *
 * <p>The contract is pinned down by {@code dev.agentmanager.testkit.AgentStoreContractTest} in
 * {@code agentmanager-testkit}, one nested group per role: a store is correct when its test extends that
 * suite and passes.
 */
public interface IAgentStore extends RegistrationTokenStore, AgentRecordStore, LivenessStore, CertificateStore {

    /**
     * Whether other processes may share these records (orchestrator replicas on one database). Core then
     * waits out the revocation propagation bound before {@code revoke} returns, so that no replica accepts the
     * revoked agent afterwards. An in-process store answers false.
     */
    default boolean isShared() {
        return false;
    }

    /**
     * Registers an agent in one atomic step: consumes one use of the token (appending {@code redemption}),
     * inserts the agent and inserts its certificate record. It takes effect only if, at the moment of the
     * write, the token exists, is not revoked, has not expired at {@code now} and has a use left; otherwise
     * nothing at all is written. Of any number of racing calls for a token with one use left, exactly one
     * returns true, across processes too.
     *
     * @param agent the new agent, version 1
     * @param certificate its first certificate, whose serial and thumbprint are pinned on {@code agent}
     * @return true if registered; false if the token could not be consumed (nothing written)
     * @throws IllegalStateException if the agent id or certificate serial already exists (nothing written)
     */
    boolean registerAgent(
            String tokenId, TokenRedemption redemption, Instant now, Agent agent, AgentCertificate certificate);

    /**
     * Re-enrolls an existing agent in one atomic step: consumes one use of the token (appending
     * {@code redemption}), writes {@code updated} as the agent's durable state with version
     * {@code expectedVersion + 1} (as {@link #updateAgent} would) and inserts the new certificate record. It
     * takes effect only if the token could be consumed (as in {@link #registerAgent}) and the agent's stored
     * version is {@code expectedVersion}; otherwise nothing at all is written.
     *
     * @return the agent as now stored; empty if the token could not be consumed or the version did not match
     * @throws IllegalStateException if the certificate serial already exists (nothing written)
     */
    Optional<Agent> reenrollAgent(
            String tokenId,
            TokenRedemption redemption,
            Instant now,
            Agent updated,
            long expectedVersion,
            AgentCertificate certificate);
}

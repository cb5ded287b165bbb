package dev.agentmanager;

import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CapabilityNotAllowedException;
import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.RegistrationTokenNotFoundException;
import dev.agentmanager.exception.RegistrationTokenRejectedException;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.model.TrustBundle;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Server-side management of agents: registration tokens, registration, lifecycle and queries. (Name from
 * the original design card; {@link AgentManager} is the implementation.)
 *
 * <p>Every method is thread-safe. Every state change is stored before its {@link dev.agentmanager.event
 * event} is published. Bad input is refused with an {@link InvalidRequestException} and changes nothing.
 */
public interface IAgentManager {

    // ---- registration tokens (operator) --------------------------------------------------------------

    /**
     * Creates a registration token. The returned object holds the plaintext {@code <id>.<secret>}: the only
     * time it exists; the store keeps a hash.
     *
     * @throws InvalidRequestException if the request breaks a limit (lifetime, uses, scope)
     */
    CreatedRegistrationToken createToken(RegistrationTokenRequest request);

    /** Tokens (never their secrets) ordered by id, after {@code afterId} when given, at most {@code limit}. */
    List<RegistrationToken> listTokens(@Nullable String afterId, int limit);

    /**
     * The token with this id (never its secret).
     *
     * @throws InvalidRequestException if the id is not well formed (see {@link #findAgent})
     */
    Optional<RegistrationToken> findToken(String tokenId);

    /**
     * Revokes a token that still has uses left.
     *
     * @return true if this call revoked it; false if it was already revoked or exhausted
     * @throws RegistrationTokenNotFoundException if no token has this id
     */
    boolean revokeToken(String tokenId);

    /**
     * Deletes expired, revoked and exhausted tokens older than the configured retention, in bounded
     * batches.
     *
     * @return how many were deleted
     */
    int pruneTokens();

    // ---- registration (agent) -------------------------------------------------------------------------

    /**
     * Registers an agent: checks the token, checks the certificate signing request, issues a certificate and
     * stores agent, certificate and token use in one atomic step. The agent is PENDING until its first
     * heartbeat. It keeps the token's allowed capabilities as {@link Agent#allowedCapabilities()} for good:
     * neither this request nor any later heartbeat may declare a capability outside them.
     *
     * <p>A retry of a registration that already succeeded (same token, same public key, within the retry
     * grace window) returns the same agent and certificate, marked {@link Registration#replayed()}.
     *
     * @throws RegistrationTokenRejectedException for any token problem, always with the same message
     * @throws CapabilityNotAllowedException if a capability is outside the token's scope (nothing consumed)
     * @throws InvalidRequestException for bad names, capabilities, labels or a bad request (nothing consumed)
     * @throws CertificateIssuanceException if the authority fails (the token stays usable)
     */
    Registration register(RegistrationRequest request);

    /**
     * Renews an agent's certificate: authenticated by the certificate it presents now, which must be its
     * pinned current (or pending next) certificate. The new certificate is pinned as next; the old one keeps
     * working until the agent presents the new one in a heartbeat.
     *
     * @param presentedThumbprint SHA-256 (hex) of the certificate the TLS layer saw
     * @param csr a new PKCS#10 request, PEM or DER
     * @throws AgentNotFoundException if no such agent
     * @throws AgentRevokedException if the agent is revoked
     * @throws CertificateMismatchException if the presented certificate is not pinned on the agent, outside
     *     its validity, or revoked
     * @throws InvalidRequestException if the request is malformed
     * @throws CertificateIssuanceException if the authority fails
     */
    AgentCertificate renewCertificate(String agentId, String presentedThumbprint, byte[] csr);

    /** The trust bundle agents should use to verify the orchestrator. */
    TrustBundle trustBundle();

    /**
     * Whether a certificate an agent presents may be used now: the check behind heartbeats, renewals and the
     * host's TLS trust manager (answered from a per-replica cache; see {@link CertificateValidity}).
     */
    CertificateValidity certificateValidity();

    /**
     * The current certificate revocation list in DER, signed by the certificate authority: every revoked
     * certificate that has not expired. Every replica signs the same content for the same revocations.
     */
    byte[] currentCrl();

    // ---- lifecycle (operator) ------------------------------------------------------------------------

    /**
     * Deactivates an agent: it stays INACTIVE with reason OPERATOR (its heartbeats are still recorded)
     * until {@link #reactivate}. Idempotent.
     *
     * @throws AgentNotFoundException if no such agent
     * @throws AgentRevokedException if it is revoked
     */
    Agent deactivate(String agentId);

    /**
     * Ends an operator deactivation: the agent becomes ACTIVE if its deadline has not passed, else INACTIVE
     * for missed heartbeats (its next heartbeat activates it). A no-op for agents not deactivated by an
     * operator.
     *
     * @throws AgentNotFoundException if no such agent
     * @throws AgentRevokedException if it is revoked
     */
    Agent reactivate(String agentId);

    /**
     * Revokes an agent (terminal) and all its certificates. Wins over racing heartbeats: once this returns,
     * no replica accepts a heartbeat, a renewal or (through {@link #certificateValidity()}) a TLS handshake of
     * the agent. On a store shared by replicas that costs a wait of the revocation propagation bound (2 s by
     * default) inside this call. Idempotent.
     *
     * @throws AgentNotFoundException if no such agent
     */
    Agent revoke(String agentId);

    // ---- queries ------------------------------------------------------------------------------------

    /**
     * The agent with this id.
     *
     * @throws InvalidRequestException if the id is blank, too long or holds control characters or lone
     *     surrogates (such an id names no agent; every store refuses it alike)
     */
    Optional<Agent> findAgent(String agentId);

    /** The agent with this certificate (current or next) pinned. */
    Optional<Agent> findAgentByThumbprint(String thumbprint);

    /**
     * Agents matching the query, ordered by id; page with {@link AgentQuery#after(String)}.
     *
     * @throws InvalidRequestException if {@code afterId} is not a well-formed id (see {@link #findAgent})
     */
    List<Agent> findAgents(AgentQuery query);

    /**
     * The certificates issued to an agent, oldest first.
     *
     * @throws InvalidRequestException if the id is not well formed (see {@link #findAgent})
     */
    List<AgentCertificate> certificates(String agentId);
}

package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CapabilityNotAllowedException;
import dev.agentmanager.exception.ConcurrentAgentModificationException;
import dev.agentmanager.exception.TokenRejectionReason;
import dev.agentmanager.internal.EventDispatcher;
import dev.agentmanager.internal.RequestValidator;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.spi.IAgentCertificateService;
import dev.agentmanager.spi.IAgentStore;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Registration and re-enrollment: checks the request, redeems the token through the
 * {@link RegistrationTokenService}, has the authority sign the CSR and stores token use, agent and certificate in
 * one atomic step. A certificate signed for a registration that then loses its token race is revoked at once;
 * a retry of a registration that succeeded (same token, same key, within the retry grace) gets the same answer.
 */
final class AgentRegistrar {
    private static final System.Logger LOG = System.getLogger(AgentRegistrar.class.getName());
    private static final int MAX_ATTEMPTS = 16;

    private final IAgentStore store;
    private final IAgentCertificateService certificates;
    private final IssuedCertificates issued;
    private final RegistrationTokenService tokens;
    private final Clock clock;
    private final HeartbeatSettings heartbeat;
    private final RequestValidator validator;
    private final EventDispatcher events;

    AgentRegistrar(
            IAgentStore store,
            IAgentCertificateService certificates,
            IssuedCertificates issued,
            RegistrationTokenService tokens,
            Clock clock,
            HeartbeatSettings heartbeat,
            RequestValidator validator,
            EventDispatcher events) {
        this.store = store;
        this.certificates = certificates;
        this.issued = issued;
        this.tokens = tokens;
        this.clock = clock;
        this.heartbeat = heartbeat;
        this.validator = validator;
        this.events = events;
    }

    Registration register(RegistrationRequest request) {
        requireNonNull(request, "request");
        String remote = request.remoteAddress();
        validator.name("name", request.name());
        validator.capabilities(request.capabilities());
        validator.labels(request.labels());
        if (request.agentVersion() != null) {
            validator.version("agentVersion", request.agentVersion());
        }
        if (remote != null) {
            validator.remoteAddress(remote);
        }
        // Checked before the token so that a CSR error cannot tell a caller anything about the token.
        CertificateRequest csr = certificates.decodeRequest(request.csr());
        Instant now = clock.instant();

        RegistrationToken token = tokens.authenticate(request.token(), csr.publicKeySha256(), now, remote);
        String tokenId = token.id();
        Optional<Registration> replay = replay(token, csr, now);
        if (replay.isPresent()) {
            return replay.get();
        }
        tokens.requireRedeemable(token, now, remote);
        if (token.reenrollAgentId() != null) {
            return reenroll(token, token.reenrollAgentId(), csr, now, remote);
        }

        Set<String> allowed = token.scope().allowedCapabilities();
        for (Capability c : request.capabilities()) {
            if (!token.scope().allowsCapability(c.name())) {
                throw new CapabilityNotAllowedException(null, c.name(), allowed);
            }
        }
        Map<String, String> labels = new LinkedHashMap<>(request.labels());
        labels.putAll(token.scope().labels()); // the operator's scope wins
        validator.labels(labels);

        String agentId = UUID.randomUUID().toString();
        AgentCertificate certificate = issued.issue(agentId, csr);
        // The scope's allowed capabilities stay with the agent: its heartbeats are held to them for good.
        Agent agent = new Agent(
                agentId,
                request.name(),
                AgentStatus.PENDING,
                null,
                request.capabilities(),
                allowed,
                labels,
                request.agentVersion(),
                AgentHealth.UNKNOWN,
                certificate.pin(),
                null,
                now,
                now,
                tokenId,
                1,
                AgentLiveness.awaitingFirstHeartbeat(now.plus(heartbeat.timeout())));
        TokenRedemption redemption = new TokenRedemption(now, agentId, csr.publicKeySha256(), remote);
        // A certificate that does not reach the store is never valid: nothing to clean up on failure.
        if (!store.registerAgent(tokenId, redemption, now, agent, certificate)) {
            // Lost a race for the token's last use, or it changed meanwhile. A concurrent retry of the same
            // registration (same key) may have won: then answer like a replay.
            RegistrationToken fresh =
                    store.findTokenForRedemption(tokenId, csr.publicKeySha256()).orElse(null);
            if (fresh == null) {
                throw tokens.reject(TokenRejectionReason.UNKNOWN, tokenId, now, remote);
            }
            Optional<Registration> winner = replay(fresh, csr, now);
            if (winner.isPresent()) {
                return winner.get();
            }
            tokens.requireRedeemable(fresh, now, remote);
            throw tokens.reject(TokenRejectionReason.USED, tokenId, now, remote);
        }

        int usesLeft = Math.max(0, token.maxUses() - token.uses() - 1);
        LOG.log(Level.INFO, () -> "agent registered: id=" + agentId + " name=" + agent.name() + " token=" + tokenId);
        events.publish(new AgentEvent.TokenConsumed(now, tokenId, agentId, usesLeft, remote));
        events.publish(new AgentEvent.AgentRegistered(now, agent));
        events.publish(
                new AgentEvent.CertificateIssued(now, agentId, certificate.serial(), certificate.notAfter(), false));
        return new Registration(agent, certificate, certificates.trustBundle(), heartbeat.interval(), false);
    }

    /**
     * Redeems a re-enrollment token: the existing agent keeps its id, history, capabilities, allowed
     * capabilities (the scope of the token it first registered with; a re-enrollment token has none of its own)
     * and status, gets a certificate for the new key, and the certificates pinned before are revoked.
     */
    private Registration reenroll(
            RegistrationToken token, String agentId, CertificateRequest csr, Instant now, @Nullable String remote) {
        Agent agent = store.findAgent(agentId).orElseThrow(() -> new AgentNotFoundException(agentId));
        if (agent.status() == AgentStatus.REVOKED) {
            throw new AgentRevokedException(agentId);
        }
        AgentCertificate certificate = issued.issue(agentId, csr);
        TokenRedemption redemption = new TokenRedemption(now, agentId, csr.publicKeySha256(), remote);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Agent> stored = store.reenrollAgent(
                    token.id(),
                    redemption,
                    now,
                    agent.withCertificates(certificate.pin(), null),
                    agent.version(),
                    certificate);
            if (stored.isPresent()) {
                List<String> superseded = new ArrayList<>(2);
                superseded.add(agent.certificate().serial());
                if (agent.nextCertificate() != null) {
                    superseded.add(agent.nextCertificate().serial());
                }
                for (String serial : superseded) {
                    issued.retire(serial, now);
                }
                LOG.log(Level.INFO, () -> "agent re-enrolled: id=" + agentId + " token=" + token.id());
                events.publish(new AgentEvent.TokenConsumed(now, token.id(), agentId, 0, remote));
                events.publish(new AgentEvent.AgentReenrolled(now, agentId, certificate.serial(), superseded));
                events.publish(new AgentEvent.CertificateIssued(
                        now, agentId, certificate.serial(), certificate.notAfter(), false));
                return new Registration(
                        stored.get(), certificate, certificates.trustBundle(), heartbeat.interval(), false);
            }
            RegistrationToken fresh = store.findTokenForRedemption(token.id(), csr.publicKeySha256())
                    .orElse(null);
            Agent current = store.findAgent(agentId).orElse(null);
            if (fresh == null
                    || !fresh.isRedeemableAt(now)
                    || current == null
                    || current.status() == AgentStatus.REVOKED) {
                Optional<Registration> winner = fresh == null ? Optional.empty() : replay(fresh, csr, now);
                if (winner.isPresent()) {
                    return winner.get();
                }
                if (current == null) {
                    throw new AgentNotFoundException(agentId);
                }
                if (current.status() == AgentStatus.REVOKED) {
                    throw new AgentRevokedException(agentId);
                }
                if (fresh == null) {
                    throw tokens.reject(TokenRejectionReason.UNKNOWN, token.id(), now, remote);
                }
                tokens.requireRedeemable(fresh, now, remote);
            }
            agent = requireNonNull(current); // the agent changed meanwhile (a heartbeat, an operator): again
        }
        throw new ConcurrentAgentModificationException(agentId);
    }

    /** The answer to a retry of a registration that already succeeded with this token and key. */
    private Optional<Registration> replay(RegistrationToken token, CertificateRequest csr, Instant now) {
        Optional<TokenRedemption> prior = token.redemptionByKey(csr.publicKeySha256());
        if (prior.isEmpty() || !now.isBefore(prior.get().redeemedAt().plus(tokens.retryGrace()))) {
            return Optional.empty();
        }
        Agent agent = store.findAgent(prior.get().agentId()).orElse(null);
        if (agent == null || agent.status() == AgentStatus.REVOKED) {
            return Optional.empty();
        }
        AgentCertificate certificate =
                store.findCertificate(agent.certificate().serial()).orElse(null);
        if (certificate == null || !certificate.isValidAt(now)) {
            return Optional.empty();
        }
        LOG.log(Level.INFO, () -> "registration retried within grace: token=" + token.id() + " agent=" + agent.id());
        return Optional.of(
                new Registration(agent, certificate, certificates.trustBundle(), heartbeat.interval(), true));
    }
}

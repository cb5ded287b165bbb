package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.event.AgentEventListener;
import dev.agentmanager.exception.AgentManagerException;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.CapabilityNotAllowedException;
import dev.agentmanager.exception.CertificateIssuanceException;
import dev.agentmanager.exception.CertificateMismatchException;
import dev.agentmanager.exception.ConcurrentAgentModificationException;
import dev.agentmanager.exception.ExpiredTokenException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.InvalidTokenSecretException;
import dev.agentmanager.exception.LockedTokenException;
import dev.agentmanager.exception.MalformedTokenException;
import dev.agentmanager.exception.RegistrationTokenNotFoundException;
import dev.agentmanager.exception.RegistrationTokenRejectedException;
import dev.agentmanager.exception.RevokedTokenException;
import dev.agentmanager.exception.UnknownTokenException;
import dev.agentmanager.exception.UsedTokenException;
import dev.agentmanager.internal.EventDispatcher;
import dev.agentmanager.internal.RequestValidator;
import dev.agentmanager.internal.TokenCodec;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.CertificatePin;
import dev.agentmanager.model.CertificateRequest;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.model.TokenScope;
import dev.agentmanager.model.TrustBundle;
import dev.agentmanager.spi.IAgentCertificateService;
import dev.agentmanager.spi.IAgentStore;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The agent manager: registration tokens, registration, lifecycle and queries, plus the
 * {@link #heartbeatProcessor() heartbeat processor} and {@link #timeoutMonitor() timeout monitor} that
 * share its store, clock and listeners.
 *
 * <pre>{@code
 * AgentManager manager = AgentManager.builder()
 *         .store(new InMemoryAgentStore())
 *         .certificateService(certificateAuthority)
 *         .listener(event -> log.info("{}", event))
 *         .build();
 * manager.start();                                   // timeout monitor on its own thread
 * CreatedRegistrationToken token = manager.createToken(RegistrationTokenRequest.oneTime("web-01"));
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the monitor; the store and certificate service belong to the
 * host.
 */
public final class AgentManager implements IAgentManager, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AgentManager.class.getName());
    private static final int MAX_ATTEMPTS = 16;
    private static final int MAX_TOKEN_PAGE = 10_000;

    private final IAgentStore store;
    private final IAgentCertificateService certificates;
    private final Clock clock;
    private final HeartbeatSettings heartbeat;
    private final TokenSettings tokens;
    private final RequestValidator validator;
    private final EventDispatcher events;
    private final SecureRandom random;
    private final HeartbeatProcessor heartbeatProcessor;
    private final HeartbeatTimeoutMonitor timeoutMonitor;

    private AgentManager(Builder b) {
        this.store = requireNonNull(b.store);
        this.certificates = requireNonNull(b.certificateService);
        this.clock = b.clock;
        this.heartbeat = b.heartbeat;
        this.tokens = b.tokens;
        this.validator = new RequestValidator(b.limits);
        this.events = new EventDispatcher(b.listeners);
        this.random = b.random;
        this.heartbeatProcessor = new HeartbeatProcessor(store, certificates, clock, heartbeat, b.renewal, validator,
                events);
        this.timeoutMonitor = new HeartbeatTimeoutMonitor(store, clock, heartbeat, b.selfPreservation, tokens,
                events, b.sweepInterval, b.sweepBatchSize);
    }

    /** Starts configuring a manager. {@code store} and {@code certificateService} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The heartbeat processor bound to this manager. */
    public HeartbeatProcessor heartbeatProcessor() {
        return heartbeatProcessor;
    }

    /** The timeout monitor bound to this manager (not started until {@link #start()}). */
    public HeartbeatTimeoutMonitor timeoutMonitor() {
        return timeoutMonitor;
    }

    /** The heartbeat settings agents are told about. */
    public HeartbeatSettings heartbeatSettings() {
        return heartbeat;
    }

    /** Starts the timeout monitor on its own daemon thread. */
    public void start() {
        timeoutMonitor.start();
    }

    /** Stops the timeout monitor. Idempotent. */
    @Override
    public void close() {
        timeoutMonitor.close();
    }

    // ---- registration tokens ----------------------------------------------------------------------

    @Override
    public CreatedRegistrationToken createToken(RegistrationTokenRequest request) {
        requireNonNull(request, "request");
        validator.description(request.description());
        Duration ttl = request.timeToLive() == null ? tokens.defaultTimeToLive() : request.timeToLive();
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(tokens.maxTimeToLive()) > 0) {
            throw new InvalidRequestException("timeToLive", "must be positive and at most " + tokens.maxTimeToLive());
        }
        if (request.maxUses() < 1 || request.maxUses() > tokens.maxUses()) {
            throw new InvalidRequestException("maxUses", "must be between 1 and " + tokens.maxUses());
        }
        TokenScope scope = request.scope();
        validator.labels(scope.labels());
        for (String name : scope.allowedCapabilities()) {
            validator.key("allowedCapabilities", name);
        }
        String reenroll = request.reenrollAgentId();
        if (reenroll != null) {
            validator.id("reenrollAgentId", reenroll);
            if (request.maxUses() != 1 || !scope.labels().isEmpty() || !scope.allowedCapabilities().isEmpty()) {
                throw new InvalidRequestException("reenrollAgentId",
                        "a re-enrollment token is one-time and has no scope (the agent keeps its own)");
            }
            Agent agent = store.findAgent(reenroll).orElseThrow(() -> new AgentNotFoundException(reenroll));
            if (agent.status() == AgentStatus.REVOKED) {
                throw new AgentRevokedException(reenroll);
            }
        }
        String trustPin = certificates.trustBundle().rootSha256();
        Instant now = clock.instant();
        for (int attempt = 0; ; attempt++) {
            TokenCodec.Generated generated = TokenCodec.generate(random);
            RegistrationToken token = new RegistrationToken(generated.id(), generated.secretHash(),
                    request.description(), now, now.plus(ttl), scope, request.maxUses(), List.of(), 0, null,
                    reenroll);
            try {
                store.insertToken(token);
            } catch (IllegalStateException idCollision) {
                if (attempt < 2) {
                    continue; // 96 random bits: practically never
                }
                throw idCollision;
            }
            LOG.log(Level.INFO, () -> "registration token created: id=" + token.id() + " expiresAt="
                    + token.expiresAt() + " maxUses=" + token.maxUses());
            events.publish(new AgentEvent.TokenCreated(now, token.id(), token.description(), token.expiresAt(),
                    token.maxUses()));
            return new CreatedRegistrationToken(token, generated.plaintext(), trustPin);
        }
    }

    @Override
    public List<RegistrationToken> listTokens(@Nullable String afterId, int limit) {
        if (limit < 1 || limit > MAX_TOKEN_PAGE) {
            throw new InvalidRequestException("limit", "must be between 1 and " + MAX_TOKEN_PAGE);
        }
        return store.listTokens(afterId, limit);
    }

    @Override
    public Optional<RegistrationToken> findToken(String tokenId) {
        requireNonNull(tokenId, "tokenId");
        return store.findToken(tokenId);
    }

    @Override
    public boolean revokeToken(String tokenId) {
        validator.id("tokenId", requireNonNull(tokenId, "tokenId"));
        Instant now = clock.instant();
        if (store.findToken(tokenId).isEmpty()) {
            throw new RegistrationTokenNotFoundException(tokenId);
        }
        boolean revoked = store.revokeToken(tokenId, now);
        if (revoked) {
            LOG.log(Level.INFO, () -> "registration token revoked: id=" + tokenId);
            events.publish(new AgentEvent.TokenRevoked(now, tokenId));
        }
        return revoked;
    }

    @Override
    public int pruneTokens() {
        return timeoutMonitor.pruneTokens(clock.instant());
    }

    // ---- registration -----------------------------------------------------------------------------

    @Override
    public Registration register(RegistrationRequest request) {
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

        TokenCodec.Parsed parsed = TokenCodec.parse(request.token());
        if (parsed == null) {
            throw rejectToken(new MalformedTokenException(null), now, remote);
        }
        String tokenId = parsed.id();
        RegistrationToken token = store.findToken(tokenId).orElse(null);
        if (token == null) {
            throw rejectToken(new UnknownTokenException(tokenId), now, remote);
        }
        if (token.failedAttempts() >= tokens.maxFailedAttempts()) {
            throw rejectToken(new LockedTokenException(tokenId), now, remote);
        }
        if (!TokenCodec.matches(parsed.secret(), token.secretHash())) {
            int failures = store.recordFailedAttempt(tokenId);
            if (failures == tokens.maxFailedAttempts()) {
                LOG.log(Level.WARNING, "registration token locked after " + failures + " wrong secrets: id="
                        + tokenId);
                events.publish(new AgentEvent.TokenLocked(now, tokenId, failures));
            }
            throw rejectToken(new InvalidTokenSecretException(tokenId), now, remote);
        }
        Optional<Registration> replay = replay(token, csr, now);
        if (replay.isPresent()) {
            return replay.get();
        }
        checkRedeemable(token, now, remote);
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
        AgentCertificate certificate = issue(agentId, csr);
        // The scope's allowed capabilities stay with the agent: its heartbeats are held to them for good.
        Agent agent = new Agent(agentId, request.name(), AgentStatus.PENDING, null, request.capabilities(), allowed,
                labels, request.agentVersion(), AgentHealth.UNKNOWN, certificate.pin(), null, now, now, tokenId, 1,
                AgentLiveness.awaitingFirstHeartbeat(now.plus(heartbeat.timeout())));
        TokenRedemption redemption = new TokenRedemption(now, agentId, csr.publicKeySha256(), remote);
        boolean registered;
        try {
            registered = store.registerAgent(tokenId, redemption, now, agent, certificate);
        } catch (RuntimeException e) {
            revokeQuietly(certificate, now);
            throw e;
        }
        if (!registered) {
            // Lost a race for the token's last use, or it changed meanwhile. A concurrent retry of the same
            // registration (same key) may have won: then answer like a replay.
            revokeQuietly(certificate, now);
            RegistrationToken fresh = store.findToken(tokenId).orElse(null);
            if (fresh == null) {
                throw rejectToken(new UnknownTokenException(tokenId), now, remote);
            }
            Optional<Registration> winner = replay(fresh, csr, now);
            if (winner.isPresent()) {
                return winner.get();
            }
            checkRedeemable(fresh, now, remote);
            throw rejectToken(new UsedTokenException(tokenId), now, remote);
        }

        int usesLeft = Math.max(0, token.maxUses() - token.uses() - 1);
        LOG.log(Level.INFO, () -> "agent registered: id=" + agentId + " name=" + agent.name() + " token="
                + tokenId);
        events.publish(new AgentEvent.TokenConsumed(now, tokenId, agentId, usesLeft, remote));
        events.publish(new AgentEvent.AgentRegistered(now, agent));
        events.publish(new AgentEvent.CertificateIssued(now, agentId, certificate.serial(), certificate.notAfter(),
                false));
        return new Registration(agent, certificate, certificates.trustBundle(), heartbeat.interval(), false);
    }

    /**
     * Redeems a re-enrollment token: the existing agent keeps its id, history, capabilities, allowed
     * capabilities (the scope of the token it first registered with; a re-enrollment token has none of its own)
     * and status, gets a certificate for the new key, and the certificates pinned before are revoked.
     */
    private Registration reenroll(RegistrationToken token, String agentId, CertificateRequest csr, Instant now,
            @Nullable String remote) {
        Agent agent = store.findAgent(agentId).orElseThrow(() -> new AgentNotFoundException(agentId));
        if (agent.status() == AgentStatus.REVOKED) {
            throw new AgentRevokedException(agentId);
        }
        AgentCertificate certificate = issue(agentId, csr);
        TokenRedemption redemption = new TokenRedemption(now, agentId, csr.publicKeySha256(), remote);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Agent> stored;
            try {
                stored = store.reenrollAgent(token.id(), redemption, now,
                        agent.withCertificates(certificate.pin(), null), agent.version(), certificate);
            } catch (RuntimeException e) {
                revokeQuietly(certificate, now);
                throw e;
            }
            if (stored.isPresent()) {
                List<String> superseded = new ArrayList<>(2);
                superseded.add(agent.certificate().serial());
                if (agent.nextCertificate() != null) {
                    superseded.add(agent.nextCertificate().serial());
                }
                for (String serial : superseded) {
                    certificates.revoke(serial, now);
                    markRevoked(store, serial, now);
                }
                LOG.log(Level.INFO, () -> "agent re-enrolled: id=" + agentId + " token=" + token.id());
                events.publish(new AgentEvent.TokenConsumed(now, token.id(), agentId, 0, remote));
                events.publish(new AgentEvent.AgentReenrolled(now, agentId, certificate.serial(), superseded));
                events.publish(new AgentEvent.CertificateIssued(now, agentId, certificate.serial(),
                        certificate.notAfter(), false));
                return new Registration(stored.get(), certificate, certificates.trustBundle(), heartbeat.interval(),
                        false);
            }
            RegistrationToken fresh = store.findToken(token.id()).orElse(null);
            Agent current = store.findAgent(agentId).orElse(null);
            if (fresh == null || !fresh.isRedeemableAt(now) || current == null
                    || current.status() == AgentStatus.REVOKED) {
                revokeQuietly(certificate, now);
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
                    throw rejectToken(new UnknownTokenException(token.id()), now, remote);
                }
                checkRedeemable(fresh, now, remote);
            }
            agent = requireNonNull(current); // the agent changed meanwhile (a heartbeat, an operator): again
        }
        revokeQuietly(certificate, now);
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
        AgentCertificate certificate = store.findCertificate(agent.certificate().serial()).orElse(null);
        if (certificate == null || !certificate.isValidAt(now)) {
            return Optional.empty();
        }
        LOG.log(Level.INFO, () -> "registration retried within grace: token=" + token.id() + " agent=" + agent.id());
        return Optional.of(new Registration(agent, certificate, certificates.trustBundle(), heartbeat.interval(),
                true));
    }

    private void checkRedeemable(RegistrationToken token, Instant now, @Nullable String remote) {
        if (token.isRevoked()) {
            throw rejectToken(new RevokedTokenException(token.id()), now, remote);
        }
        if (token.isExpiredAt(now)) {
            throw rejectToken(new ExpiredTokenException(token.id()), now, remote);
        }
        if (token.isExhausted()) {
            throw rejectToken(new UsedTokenException(token.id()), now, remote);
        }
    }

    private RegistrationTokenRejectedException rejectToken(RegistrationTokenRejectedException e, Instant now,
            @Nullable String remote) {
        LOG.log(Level.WARNING, () -> "registration rejected: token=" + e.tokenId() + " reason=" + e.reason()
                + " remote=" + remote);
        events.publish(new AgentEvent.RegistrationRejected(now, e.tokenId(), e.reason(), remote));
        return e;
    }

    private AgentCertificate issue(String agentId, CertificateRequest csr) {
        try {
            return certificates.issue(agentId, csr);
        } catch (AgentManagerException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CertificateIssuanceException("certificate authority failed to issue for agent " + agentId, e);
        }
    }

    private void revokeQuietly(AgentCertificate certificate, Instant now) {
        try {
            certificates.revoke(certificate.serial(), now);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not revoke unused certificate " + certificate.serial(), e);
        }
        markRevoked(store, certificate.serial(), now); // a renewal stores its certificate before it is pinned
    }

    /**
     * Marks a certificate that stopped being used revoked in the store's record as well, so that
     * {@link #certificates} agrees with the authority. Bookkeeping: a failure is logged, not thrown (the
     * authority's revocation, which TLS layers consult, is what refuses the certificate; the operation that
     * retired it has already taken effect). A serial the store does not hold is ignored.
     */
    static void markRevoked(IAgentStore store, String serial, Instant now) {
        try {
            store.revokeCertificate(serial, now);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not mark certificate " + serial + " revoked in the store", e);
        }
    }

    @Override
    public AgentCertificate renewCertificate(String agentId, String presentedThumbprint, byte[] csrBytes) {
        validator.id("agentId", requireNonNull(agentId, "agentId"));
        String thumbprint = validator.thumbprint(requireNonNull(presentedThumbprint, "presentedThumbprint"));
        CertificateRequest csr = certificates.decodeRequest(requireNonNull(csrBytes, "csr"));
        Instant now = clock.instant();
        Agent agent = requireRenewable(store.findAgent(agentId).orElseThrow(() -> new AgentNotFoundException(agentId)),
                thumbprint, now);
        if (!certificates.isValidThumbprint(thumbprint)) {
            throw new CertificateMismatchException(agentId, thumbprint, "certificate revoked or unknown to the CA");
        }
        AgentCertificate issued = issue(agentId, csr);
        try {
            store.insertCertificate(issued);
        } catch (RuntimeException e) {
            revokeQuietly(issued, now);
            throw e;
        }
        CertificatePin newPin = issued.pin();
        List<String> superseded = new ArrayList<>(1);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            CertificatePin presented = HeartbeatProcessor.pinFor(agent, thumbprint);
            CertificatePin oldNext = agent.nextCertificate();
            // Renewing with the current certificate keeps it working until the new one is used; renewing with
            // a pending next certificate makes that one current.
            Agent updated = agent.withCertificates(requireNonNull(presented), newPin);
            Optional<Agent> stored = store.updateAgent(updated, agent.version());
            if (stored.isPresent()) {
                if (oldNext != null && !oldNext.serial().equals(requireNonNull(presented).serial())) {
                    superseded.add(oldNext.serial()); // issued, never used, now replaced
                }
                if (presented != agent.certificate()) {
                    superseded.add(agent.certificate().serial());
                }
                for (String serial : superseded) {
                    certificates.revoke(serial, now);
                    markRevoked(store, serial, now);
                }
                LOG.log(Level.INFO, () -> "certificate renewed: agent=" + agentId + " serial=" + issued.serial());
                events.publish(new AgentEvent.CertificateIssued(now, agentId, issued.serial(), issued.notAfter(),
                        true));
                return issued;
            }
            Agent fresh = store.findAgent(agentId).orElse(null);
            if (fresh == null) {
                revokeQuietly(issued, now);
                throw new AgentNotFoundException(agentId);
            }
            try {
                agent = requireRenewable(fresh, thumbprint, now);
            } catch (AgentManagerException e) {
                revokeQuietly(issued, now);
                throw e;
            }
        }
        revokeQuietly(issued, now);
        throw new ConcurrentAgentModificationException(agentId);
    }

    private static Agent requireRenewable(Agent agent, String thumbprint, Instant now) {
        if (agent.status() == AgentStatus.REVOKED) {
            throw new AgentRevokedException(agent.id());
        }
        CertificatePin pin = HeartbeatProcessor.pinFor(agent, thumbprint);
        if (pin == null) {
            throw new CertificateMismatchException(agent.id(), thumbprint, "not a certificate of this agent");
        }
        if (!pin.isValidAt(now)) {
            throw new CertificateMismatchException(agent.id(), thumbprint, "certificate outside its validity");
        }
        return agent;
    }

    @Override
    public TrustBundle trustBundle() {
        return certificates.trustBundle();
    }

    // ---- lifecycle --------------------------------------------------------------------------------

    @Override
    public Agent deactivate(String agentId) {
        return transition(agentId, agent -> {
            if (agent.status() == AgentStatus.INACTIVE && agent.inactiveReason() == InactiveReason.OPERATOR) {
                return agent;
            }
            return agent.withStatus(AgentStatus.INACTIVE, InactiveReason.OPERATOR, clock.instant());
        });
    }

    @Override
    public Agent reactivate(String agentId) {
        return transition(agentId, agent -> {
            if (agent.status() != AgentStatus.INACTIVE || agent.inactiveReason() != InactiveReason.OPERATOR) {
                return agent;
            }
            Instant now = clock.instant();
            boolean live = !agent.liveness().isOverdueAt(now);
            if (agent.liveness().lastHeartbeatAt() == null) {
                return live ? agent.withStatus(AgentStatus.PENDING, null, now)
                        : agent.withStatus(AgentStatus.INACTIVE, InactiveReason.NEVER_CHECKED_IN, now);
            }
            return live ? agent.withStatus(AgentStatus.ACTIVE, null, now)
                    : agent.withStatus(AgentStatus.INACTIVE, InactiveReason.MISSED_HEARTBEATS, now);
        });
    }

    @Override
    public Agent revoke(String agentId) {
        validator.id("agentId", requireNonNull(agentId, "agentId"));
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Agent agent = store.findAgent(agentId).orElseThrow(() -> new AgentNotFoundException(agentId));
            Instant now = clock.instant();
            Agent revoked = agent;
            if (agent.status() != AgentStatus.REVOKED) {
                Optional<Agent> stored = store.updateAgent(agent.withStatus(AgentStatus.REVOKED, null, now),
                        agent.version());
                if (stored.isEmpty()) {
                    continue;
                }
                revoked = stored.get();
            }
            // Also runs for an already revoked agent, so that a revoke interrupted after the status write
            // finishes revoking its certificates when called again.
            List<String> serials = store.revokeCertificates(agentId, now);
            for (String serial : serials) {
                certificates.revoke(serial, now);
            }
            if (agent.status() != AgentStatus.REVOKED) {
                LOG.log(Level.INFO, () -> "agent revoked: id=" + agentId + " certificates=" + serials);
                events.publish(new AgentEvent.AgentRevoked(now, agentId, serials));
            }
            return revoked;
        }
        throw new ConcurrentAgentModificationException(agentId);
    }

    /** Applies a status change with optimistic retries and publishes the matching event. */
    private Agent transition(String agentId, UnaryOperator<Agent> change) {
        validator.id("agentId", requireNonNull(agentId, "agentId"));
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Agent agent = store.findAgent(agentId).orElseThrow(() -> new AgentNotFoundException(agentId));
            if (agent.status() == AgentStatus.REVOKED) {
                throw new AgentRevokedException(agentId);
            }
            Agent desired = change.apply(agent);
            if (desired == agent) {
                return agent;
            }
            Optional<Agent> stored = store.updateAgent(desired, agent.version());
            if (stored.isPresent()) {
                Agent after = stored.get();
                LOG.log(Level.INFO, () -> "agent " + agentId + ": " + agent.status() + " -> " + after.status()
                        + (after.inactiveReason() == null ? "" : " (" + after.inactiveReason() + ")"));
                if (after.status() == AgentStatus.ACTIVE) {
                    events.publish(new AgentEvent.AgentActivated(after.statusChangedAt(), agentId, agent.status()));
                } else if (after.status() == AgentStatus.INACTIVE) {
                    events.publish(new AgentEvent.AgentInactivated(after.statusChangedAt(), agentId,
                            requireNonNull(after.inactiveReason())));
                }
                return after;
            }
        }
        throw new ConcurrentAgentModificationException(agentId);
    }

    // ---- queries ----------------------------------------------------------------------------------

    @Override
    public Optional<Agent> findAgent(String agentId) {
        return store.findAgent(requireNonNull(agentId, "agentId"));
    }

    @Override
    public Optional<Agent> findAgentByThumbprint(String thumbprint) {
        return store.findAgentByThumbprint(validator.thumbprint(requireNonNull(thumbprint, "thumbprint")));
    }

    @Override
    public List<Agent> findAgents(AgentQuery query) {
        return store.findAgents(requireNonNull(query, "query"));
    }

    @Override
    public List<AgentCertificate> certificates(String agentId) {
        return store.findCertificates(requireNonNull(agentId, "agentId"));
    }

    /**
     * Builder for {@link AgentManager}. Every setting may be set once; {@code null} is refused at once.
     * {@link #store} and {@link #certificateService} are required; everything else has a default.
     */
    public static final class Builder {
        private @Nullable IAgentStore store;
        private @Nullable IAgentCertificateService certificateService;
        private Clock clock = Clock.systemUTC();
        private HeartbeatSettings heartbeat = HeartbeatSettings.defaults();
        private TokenSettings tokens = TokenSettings.defaults();
        private AgentLimits limits = AgentLimits.defaults();
        private SelfPreservation selfPreservation = SelfPreservation.defaults();
        private RenewalPolicy renewal = RenewalPolicy.defaults();
        private Duration sweepInterval = HeartbeatTimeoutMonitor.DEFAULT_SWEEP_INTERVAL;
        private int sweepBatchSize = HeartbeatTimeoutMonitor.DEFAULT_SWEEP_BATCH_SIZE;
        private SecureRandom random = new SecureRandom();
        private final List<AgentEventListener> listeners = new ArrayList<>();
        private final java.util.Set<String> set = new java.util.HashSet<>();

        private Builder() {}

        private void once(String setting) {
            if (!set.add(setting)) {
                throw new IllegalStateException(setting + " was already set");
            }
        }

        /** Where agents, tokens and certificate records live. Required. */
        public Builder store(IAgentStore store) {
            once("store");
            this.store = requireNonNull(store, "store");
            return this;
        }

        /** The certificate authority. Required. */
        public Builder certificateService(IAgentCertificateService certificateService) {
            once("certificateService");
            this.certificateService = requireNonNull(certificateService, "certificateService");
            return this;
        }

        /** The only source of time. Default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            once("clock");
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** Heartbeat interval, timeout and jitter. Default {@link HeartbeatSettings#defaults()}. */
        public Builder heartbeat(HeartbeatSettings heartbeat) {
            once("heartbeat");
            this.heartbeat = requireNonNull(heartbeat, "heartbeat");
            return this;
        }

        /** Shorthand for {@code heartbeat(HeartbeatSettings.of(interval, timeout))}. */
        public Builder heartbeat(Duration interval, Duration timeout) {
            return heartbeat(HeartbeatSettings.of(interval, timeout));
        }

        /** Token lifetimes, lock-out, retry grace and pruning. Default {@link TokenSettings#defaults()}. */
        public Builder tokens(TokenSettings tokens) {
            once("tokens");
            this.tokens = requireNonNull(tokens, "tokens");
            return this;
        }

        /** Input limits. Default {@link AgentLimits#defaults()}. */
        public Builder limits(AgentLimits limits) {
            once("limits");
            this.limits = requireNonNull(limits, "limits");
            return this;
        }

        /** Mass-expiry protection. Default {@link SelfPreservation#defaults()}. */
        public Builder selfPreservation(SelfPreservation selfPreservation) {
            once("selfPreservation");
            this.selfPreservation = requireNonNull(selfPreservation, "selfPreservation");
            return this;
        }

        /** When agents are told to renew. Default {@link RenewalPolicy#defaults()}. */
        public Builder renewal(RenewalPolicy renewal) {
            once("renewal");
            this.renewal = requireNonNull(renewal, "renewal");
            return this;
        }

        /** Time between timeout sweeps once started. Default 1 s. */
        public Builder sweepInterval(Duration sweepInterval) {
            once("sweepInterval");
            this.sweepInterval = Settings.requirePositive(requireNonNull(sweepInterval, "sweepInterval"),
                    "sweepInterval");
            return this;
        }

        /** Most overdue agents one sweep examines. Default 10,000. */
        public Builder sweepBatchSize(int sweepBatchSize) {
            once("sweepBatchSize");
            this.sweepBatchSize = Settings.requirePositive(sweepBatchSize, "sweepBatchSize");
            return this;
        }

        /** Randomness for token ids and secrets. Default a new {@link SecureRandom}. */
        public Builder secureRandom(SecureRandom random) {
            once("secureRandom");
            this.random = requireNonNull(random, "random");
            return this;
        }

        /** Adds an event listener; may be called several times. */
        public Builder listener(AgentEventListener listener) {
            listeners.add(requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * @throws IllegalStateException if the store or the certificate service is missing, or the sweep
         *     interval is not shorter than the heartbeat timeout
         */
        public AgentManager build() {
            if (store == null) {
                throw new IllegalStateException("store is required");
            }
            if (certificateService == null) {
                throw new IllegalStateException("certificateService is required");
            }
            if (sweepInterval.compareTo(heartbeat.timeout()) >= 0) {
                throw new IllegalStateException("sweepInterval (" + sweepInterval
                        + ") must be shorter than the heartbeat timeout (" + heartbeat.timeout() + ")");
            }
            return new AgentManager(this);
        }
    }
}

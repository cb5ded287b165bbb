package dev.agentmanager;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.event.AgentEvent;
import dev.agentmanager.exception.AgentNotFoundException;
import dev.agentmanager.exception.AgentRevokedException;
import dev.agentmanager.exception.InvalidRequestException;
import dev.agentmanager.exception.RegistrationTokenNotFoundException;
import dev.agentmanager.exception.RegistrationTokenRejectedException;
import dev.agentmanager.exception.TokenRejectionReason;
import dev.agentmanager.internal.EventDispatcher;
import dev.agentmanager.internal.RequestValidator;
import dev.agentmanager.internal.TokenCodec;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CreatedRegistrationToken;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.model.TokenScope;
import dev.agentmanager.spi.IAgentStore;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Registration tokens (a service of the original design): creation, lookup, revocation, the checks a
 * redemption must pass (format, existence, lock-out, secret, revocation, expiry, uses left) and pruning. The
 * {@link AgentManager} uses it for registration; the {@link HeartbeatTimeoutMonitor} prunes through it.
 *
 * <p>Every refusal of a presented token is one {@link RegistrationTokenRejectedException} whose reason goes to
 * the log and a {@link AgentEvent.RegistrationRejected} event, never to the caller.
 */
final class RegistrationTokenService {
    private static final System.Logger LOG = System.getLogger(RegistrationTokenService.class.getName());
    private static final int MAX_PAGE = 10_000;
    private static final int MAX_PRUNE_BATCHES = 20;

    private final IAgentStore store;
    private final Clock clock;
    private final TokenSettings settings;
    private final RequestValidator validator;
    private final EventDispatcher events;
    private final SecureRandom random;
    /** The CA root's SHA-256 pin, given to the token's holder so that the agent can verify the server. */
    private final Supplier<String> trustPin;

    RegistrationTokenService(
            IAgentStore store,
            Clock clock,
            TokenSettings settings,
            RequestValidator validator,
            EventDispatcher events,
            SecureRandom random,
            Supplier<String> trustPin) {
        this.store = store;
        this.clock = clock;
        this.settings = settings;
        this.validator = validator;
        this.events = events;
        this.random = random;
        this.trustPin = trustPin;
    }

    CreatedRegistrationToken create(RegistrationTokenRequest request) {
        requireNonNull(request, "request");
        validator.description(request.description());
        Duration ttl = request.timeToLive() == null ? settings.defaultTimeToLive() : request.timeToLive();
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(settings.maxTimeToLive()) > 0) {
            throw new InvalidRequestException("timeToLive", "must be positive and at most " + settings.maxTimeToLive());
        }
        if (request.maxUses() < 1 || request.maxUses() > settings.maxUses()) {
            throw new InvalidRequestException("maxUses", "must be between 1 and " + settings.maxUses());
        }
        TokenScope scope = request.scope();
        validator.labels(scope.labels());
        for (String name : scope.allowedCapabilities()) {
            validator.key("allowedCapabilities", name);
        }
        String reenroll = request.reenrollAgentId();
        if (reenroll != null) {
            validator.id("reenrollAgentId", reenroll);
            if (request.maxUses() != 1
                    || !scope.labels().isEmpty()
                    || !scope.allowedCapabilities().isEmpty()) {
                throw new InvalidRequestException(
                        "reenrollAgentId",
                        "a re-enrollment token is one-time and has no scope (the agent keeps its own)");
            }
            Agent agent = store.findAgent(reenroll).orElseThrow(() -> new AgentNotFoundException(reenroll));
            if (agent.status() == AgentStatus.REVOKED) {
                throw new AgentRevokedException(reenroll);
            }
        }
        String pin = trustPin.get();
        Instant now = clock.instant();
        for (int attempt = 0; ; attempt++) {
            TokenCodec.Generated generated = TokenCodec.generate(random);
            RegistrationToken token = new RegistrationToken(
                    generated.id(),
                    generated.secretHash(),
                    request.description(),
                    now,
                    now.plus(ttl),
                    scope,
                    request.maxUses(),
                    List.of(),
                    0,
                    null,
                    reenroll);
            try {
                store.insertToken(token);
            } catch (IllegalStateException idCollision) {
                if (attempt < 2) {
                    continue; // 96 random bits: practically never
                }
                throw idCollision;
            }
            LOG.log(
                    Level.INFO,
                    () -> "registration token created: id=" + token.id() + " expiresAt=" + token.expiresAt()
                            + " maxUses=" + token.maxUses());
            events.publish(new AgentEvent.TokenCreated(
                    now, token.id(), token.description(), token.expiresAt(), token.maxUses()));
            return new CreatedRegistrationToken(token, generated.plaintext(), pin);
        }
    }

    List<RegistrationToken> list(@Nullable String afterId, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new InvalidRequestException("limit", "must be between 1 and " + MAX_PAGE);
        }
        if (afterId != null) {
            validator.id("afterId", afterId);
        }
        return store.listTokens(afterId, limit);
    }

    Optional<RegistrationToken> find(String tokenId) {
        return store.findToken(validator.id("tokenId", requireNonNull(tokenId, "tokenId")));
    }

    boolean revoke(String tokenId) {
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

    /**
     * The stored token a presented {@code <id>.<secret>} names, if it is well formed, known, not locked and its
     * secret matches (a wrong secret counts towards the lock-out). Whether it can still be redeemed is
     * {@link #requireRedeemable}'s question: a retry of a redemption that succeeded must get past this check.
     * The token lists only the redemptions by {@code publicKeySha256} (the key of the request), which is all a
     * registration needs, however many uses a bulk token has.
     *
     * @throws RegistrationTokenRejectedException otherwise
     */
    RegistrationToken authenticate(String presented, String publicKeySha256, Instant now, @Nullable String remote) {
        TokenCodec.Parsed parsed = TokenCodec.parse(presented);
        if (parsed == null) {
            throw reject(TokenRejectionReason.MALFORMED, null, now, remote);
        }
        String tokenId = parsed.id();
        RegistrationToken token =
                store.findTokenForRedemption(tokenId, publicKeySha256).orElse(null);
        if (token == null) {
            throw reject(TokenRejectionReason.UNKNOWN, tokenId, now, remote);
        }
        if (token.failedAttempts() >= settings.maxFailedAttempts()) {
            throw reject(TokenRejectionReason.LOCKED, tokenId, now, remote);
        }
        if (!TokenCodec.matches(parsed.secret(), token.secretHash())) {
            int failures = store.recordFailedAttempt(tokenId);
            if (failures == settings.maxFailedAttempts()) {
                LOG.log(Level.WARNING, "registration token locked after " + failures + " wrong secrets: id=" + tokenId);
                events.publish(new AgentEvent.TokenLocked(now, tokenId, failures));
            }
            throw reject(TokenRejectionReason.WRONG_SECRET, tokenId, now, remote);
        }
        return token;
    }

    /**
     * @throws RegistrationTokenRejectedException if the token is revoked, expired or has no use left
     */
    void requireRedeemable(RegistrationToken token, Instant now, @Nullable String remote) {
        if (token.isRevoked()) {
            throw reject(TokenRejectionReason.REVOKED, token.id(), now, remote);
        }
        if (token.isExpiredAt(now)) {
            throw reject(TokenRejectionReason.EXPIRED, token.id(), now, remote);
        }
        if (token.isExhausted()) {
            throw reject(TokenRejectionReason.USED, token.id(), now, remote);
        }
    }

    /** Logs and publishes a refusal; returns the exception to throw. */
    RegistrationTokenRejectedException reject(
            TokenRejectionReason reason, @Nullable String tokenId, Instant now, @Nullable String remote) {
        LOG.log(
                Level.WARNING,
                () -> "registration rejected: token=" + tokenId + " reason=" + reason + " remote=" + remote);
        events.publish(new AgentEvent.RegistrationRejected(now, tokenId, reason, remote));
        return new RegistrationTokenRejectedException(reason, tokenId);
    }

    /** Deletes prunable tokens (older than the retention) in bounded batches. */
    int prune(Instant now) {
        Instant cutoff = now.minus(settings.retention());
        int total = 0;
        for (int i = 0; i < MAX_PRUNE_BATCHES; i++) {
            int n = store.pruneTokens(cutoff, settings.pruneBatchSize());
            total += n;
            if (n < settings.pruneBatchSize()) {
                break;
            }
        }
        if (total > 0) {
            int pruned = total;
            LOG.log(Level.DEBUG, () -> "pruned " + pruned + " registration tokens");
        }
        return total;
    }

    /** The retry grace of a registration whose answer was lost. */
    Duration retryGrace() {
        return settings.retryGrace();
    }
}

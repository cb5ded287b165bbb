package dev.agentmanager.spi;

import dev.agentmanager.RenewalPolicy;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Persistence of agents, registration tokens and certificate records. (Name from the original design card.)
 *
 * <p>The interface is deliberately narrow: it stores and finds values, and every operation that must be
 * atomic is one method whose {@code boolean} or {@code Optional} result says whether it took effect. Business
 * rules (token secrets, lifecycle, events) live in core, not here. Implementations must be thread-safe and,
 * for shared databases, safe across several processes. Every method throws only unchecked exceptions;
 * arguments are never {@code null} unless marked.
 *
 * <p>Agents have durable state (everything but {@link Agent#liveness()}, versioned by
 * {@link Agent#version()}) and liveness (written only by {@link #recordHeartbeat} and
 * {@link #extendDeadlines}, never bumping the version). Reads return both, merged. Durable state includes
 * {@link Agent#allowedCapabilities()}, the registration token's scope: a store keeps and returns it like every
 * other field (an empty set stays empty) and enforces nothing; the engine holds capabilities to it.
 *
 * <p>The contract is pinned down by {@code dev.agentmanager.testkit.AgentStoreContractTest} in
 * {@code agentmanager-testkit}: a store is correct when its test extends that suite and passes.
 */
public interface IAgentStore {

    // ---- registration tokens -------------------------------------------------------------------------

    /**
     * Stores a new token.
     *
     * @throws IllegalStateException if a token with the same id exists (nothing is changed)
     */
    void insertToken(RegistrationToken token);

    /** The token with this id. */
    Optional<RegistrationToken> findToken(String tokenId);

    /**
     * Tokens ordered by id, after {@code afterId} (exclusive) when given, at most {@code limit}.
     *
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    List<RegistrationToken> listTokens(@Nullable String afterId, int limit);

    /**
     * Revokes a token if it is neither revoked nor exhausted.
     *
     * @return true if this call revoked it; false if it does not exist, is already revoked or is exhausted
     */
    boolean revokeToken(String tokenId, Instant revokedAt);

    /**
     * Atomically adds one to the token's failed-attempt count.
     *
     * @return the new count, or 0 if no such token exists
     */
    int recordFailedAttempt(String tokenId);

    /**
     * Deletes, in one bounded batch, tokens that can no longer register anything and are older than the
     * cutoff: expired before {@code cutoff}, or revoked before {@code cutoff}, or exhausted with their last
     * redemption before {@code cutoff}.
     *
     * @return how many were deleted (at most {@code limit}); call again while it returns {@code limit}
     * @throws IllegalArgumentException if {@code limit < 1} (nothing is deleted)
     */
    int pruneTokens(Instant cutoff, int limit);

    // ---- registration --------------------------------------------------------------------------------

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
    Optional<Agent> reenrollAgent(String tokenId, TokenRedemption redemption, Instant now, Agent updated,
            long expectedVersion, AgentCertificate certificate);

    // ---- agents --------------------------------------------------------------------------------------

    /** The agent with this id, durable state and liveness merged. */
    Optional<Agent> findAgent(String agentId);

    /**
     * The agent as the heartbeat path needs it. Defaults to {@link #findAgent}. A store whose reads are
     * expensive (a database) may answer from a replica-local cache that is at most one flush interval
     * stale: the heartbeat path only uses the answer to authenticate and to pass the agent's version to
     * {@link #recordHeartbeat}, whose version check catches staleness.
     */
    default Optional<Agent> findAgentForHeartbeat(String agentId) {
        return findAgent(agentId);
    }

    /**
     * The agent that has a certificate with this SHA-256 thumbprint pinned (current or next), for hosts
     * whose TLS layer knows the certificate but not the agent id. O(1).
     */
    Optional<Agent> findAgentByThumbprint(String thumbprint);

    /** Agents matching the query, ordered by id, at most {@code query.limit()}. */
    List<Agent> findAgents(AgentQuery query);

    /** How many agents have this status. */
    long countAgents(AgentStatus status);

    /**
     * Optimistic update of an agent's durable state: writes {@code updated} (liveness ignored) with version
     * {@code expectedVersion + 1}, only if the stored version is {@code expectedVersion}.
     *
     * @return the stored agent as now read back (new version, current liveness); empty if the version did
     *     not match or the agent does not exist (nothing written)
     */
    Optional<Agent> updateAgent(Agent updated, long expectedVersion);

    /**
     * The heartbeat hot path: atomically records liveness if the agent's durable version is
     * {@code expectedVersion} and ({@code bootEpoch}, {@code sequence}) is newer than the stored pair (a
     * higher epoch, or the same epoch and a higher sequence). On success sets last-heartbeat time,
     * epoch, sequence, deadline and clock skew; the durable version does not change.
     *
     * <p>Stores may buffer these writes (see the JDBC store's coalescing) as long as reads through this
     * store see them, a later stale pair is still refused, and a state change is never lost.
     */
    HeartbeatWrite recordHeartbeat(
            String agentId,
            long expectedVersion,
            long bootEpoch,
            long sequence,
            Instant receivedAt,
            Instant deadline,
            @Nullable Duration clockSkew);

    /**
     * Optional fast path for the routine heartbeat, the one a healthy fleet sends all day: an ACTIVE agent,
     * presenting its current pinned certificate within that certificate's validity, in the same boot epoch as
     * its last accepted heartbeat. A store that can check all of that cheaply under one lock records the
     * liveness exactly as {@link #recordHeartbeat} would (the durable version does not change) and answers
     * {@link RoutineHeartbeat#ACCEPTED}, or {@link RoutineHeartbeat#ACCEPTED_RENEW_DUE} when the agent has no
     * next certificate and {@code receivedAt} is at or past {@code notBefore + share × lifetime} of the
     * current one, where {@code share} is {@code renewal.shareFor(thumbprint)}; a same-epoch heartbeat that is not newer is {@link RoutineHeartbeat#STALE}. Anything else
     * (another status, another certificate, another epoch, an unknown agent) writes nothing and answers
     * {@link RoutineHeartbeat#FALLBACK}, and the caller takes the full path. The default always answers
     * FALLBACK.
     *
     * <p>{@code agentId} and {@code thumbprint} are passed as the agent presented them, not yet validated
     * (the caller bounds their length): a store must treat them as untrusted keys and answer FALLBACK unless
     * they equal a stored agent's id and its current pin's thumbprint. A store may compare the thumbprint exactly
     * (stored thumbprints are lower case) and answer FALLBACK for an upper-case one: the full path normalises it.
     *
     * @param renewal when agents should renew ({@link RenewalPolicy#shareFor(String)} per certificate, or
     *     {@link RenewalPolicy#shareForLeadingBits(long)} for a store that keeps thumbprints as words)
     */
    default RoutineHeartbeat recordRoutineHeartbeat(
            String agentId,
            String thumbprint,
            long bootEpoch,
            long sequence,
            Instant receivedAt,
            Instant deadline,
            @Nullable Duration clockSkew,
            RenewalPolicy renewal) {
        return RoutineHeartbeat.FALLBACK;
    }

    // ---- timeout monitor -----------------------------------------------------------------------------

    /**
     * Agents with status ACTIVE or PENDING whose liveness deadline is before {@code now}, at most
     * {@code limit}, in no particular order. Must cost in proportion to the number returned, not to the
     * fleet (a deadline index).
     *
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    List<Agent> findOverdue(Instant now, int limit);

    /**
     * Marks an overdue agent inactive, exactly once across processes: writes {@code inactive} (status
     * INACTIVE) with version {@code expectedVersion + 1} only if the stored version is
     * {@code expectedVersion} and its deadline is still before {@code now} (no heartbeat extended it
     * meanwhile).
     *
     * @return the stored agent as now read back; empty if any condition failed (nothing written)
     */
    Optional<Agent> expireAgent(Agent inactive, long expectedVersion, Instant now);

    /**
     * The overdue agents as the timeout monitor needs them: the same agents {@link #findOverdue} would return
     * (ACTIVE or PENDING, deadline before {@code now}, at most {@code limit}, in no particular order), each as
     * a handle to pass to {@link #expireOverdue}. The default wraps what {@link #findOverdue} returns
     * ({@link OverdueAgent#of}); a store may return lighter handles that skip building each {@link Agent} and
     * let {@link #expireOverdue} find the stored agent without a second lookup.
     *
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    default List<? extends OverdueAgent> findOverdueAgents(Instant now, int limit) {
        List<Agent> found = findOverdue(now, limit);
        List<OverdueAgent> handles = new ArrayList<>(found.size());
        for (Agent a : found) {
            handles.add(OverdueAgent.of(a));
        }
        return handles;
    }

    /**
     * The timeout monitor's expiry of an agent that {@link #findOverdueAgents} returned. It has exactly the
     * effect of
     * <pre>{@code
     * expireAgent(agent.withStatus(AgentStatus.INACTIVE, reason, now), overdue.version(), now)
     * }</pre>
     * where {@code agent} is the agent as stored at {@code overdue.version()}, with the same exactly-once
     * guarantee: it writes only if the stored version is still {@code overdue.version()} and the stored
     * deadline is still before {@code now}. The agent's status becomes INACTIVE with {@code reason} since
     * {@code now} and its version {@code overdue.version() + 1}; the rest of its durable state and its
     * liveness stay as stored. It only reports whether it took effect, so the store need not read the written
     * agent back.
     *
     * <p>The default does the call above, taking {@code agent} from an {@link OverdueAgent.Found} handle, or
     * else reading it with {@link #findAgent} (and writing nothing if its version is no longer
     * {@code overdue.version()}). A store that returns its own handles overrides this method.
     *
     * @param overdue a handle returned by this store's {@link #findOverdueAgents} (or {@link OverdueAgent#of}
     *     of an agent read from this store)
     * @param reason the inactive reason to record ({@link InactiveReason#MISSED_HEARTBEATS} or
     *     {@link InactiveReason#NEVER_CHECKED_IN} from the monitor)
     * @return true if this call marked the agent inactive; false if nothing was written (the version changed,
     *     a heartbeat or grace period extended the deadline, or the agent does not exist)
     */
    default boolean expireOverdue(OverdueAgent overdue, InactiveReason reason, Instant now) {
        Agent agent = overdue instanceof OverdueAgent.Found found ? found.agent()
                : findAgent(overdue.id()).filter(a -> a.version() == overdue.version()).orElse(null);
        return agent != null
                && expireAgent(agent.withStatus(AgentStatus.INACTIVE, reason, now), overdue.version(), now).isPresent();
    }

    /**
     * Grace period: sets the deadline of every ACTIVE or PENDING agent to {@code deadline} where it is
     * earlier.
     *
     * @return how many agents got a later deadline
     */
    int extendDeadlines(Instant deadline);

    /**
     * Records that a timeout sweep ran at {@code now} and returns the previous sweep time (across
     * processes: the latest any monitor recorded). The stored value never goes backwards.
     */
    Optional<Instant> recordSweep(Instant now);

    // ---- certificates --------------------------------------------------------------------------------

    /**
     * Records a certificate issued outside registration (renewal).
     *
     * @throws IllegalStateException if the serial exists (nothing written)
     */
    void insertCertificate(AgentCertificate certificate);

    /** The certificate record with this serial. */
    Optional<AgentCertificate> findCertificate(String serial);

    /** All certificate records of an agent, oldest first. */
    List<AgentCertificate> findCertificates(String agentId);

    /**
     * Marks every unrevoked certificate of an agent revoked at {@code revokedAt}.
     *
     * @return the serials this call revoked
     */
    List<String> revokeCertificates(String agentId, Instant revokedAt);

    /**
     * Marks the certificate with this serial revoked at {@code revokedAt} unless it is revoked already: for a
     * certificate that stops being used while its agent lives on (superseded by a renewal or a re-enrollment,
     * or issued and then abandoned), so that the store's record agrees with the certificate authority.
     *
     * @return whether this call revoked it (false for an unknown serial or one revoked before)
     */
    boolean revokeCertificate(String serial, Instant revokedAt);
}

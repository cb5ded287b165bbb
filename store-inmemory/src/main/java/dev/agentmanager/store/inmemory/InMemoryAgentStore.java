package dev.agentmanager.store.inmemory;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CertificatePin;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.spi.MonitorPause;
import dev.agentmanager.spi.RevocationFeed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe {@link IAgentStore} in the JVM's heap: for tests, demos and single-node hosts that can
 * afford to lose their fleet on restart (agents then register again with new tokens).
 *
 * <pre>{@code
 * AgentManager manager = AgentManager.builder().store(new InMemoryAgentStore()).certificateService(ca).build();
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Every method is linearizable with respect to the agent, token or certificate it writes. Each agent is
 *       an immutable {@link Agent} value in a slot guarded by the slot's own monitor: heartbeats and updates of
 *       different agents never contend, and a read is a map lookup.</li>
 *   <li>{@link #registerAgent} and {@link #reenrollAgent} are all-or-nothing: the token use, the agent and its
 *       certificate record are written together or not at all. They, the other token writes and the
 *       certificate writes serialize on one write lock (they are rare); reads and heartbeats never take it, so
 *       a reader racing a registration may see the agent a moment before the token's redemption.</li>
 *   <li>Lookups by id and by the thumbprint of a pinned certificate are hash lookups; {@link #countAgents} reads
 *       a counter; {@link #findOverdue} costs in proportion to the agents it returns ({@link DeadlineIndex});
 *       {@link #findAgents} walks the agents in id order from {@code afterId} and stops at the limit (there are
 *       no secondary indexes, so a selective query may examine many agents).</li>
 * </ul>
 *
 * <h2>Where the SPI leaves room</h2>
 * <ul>
 *   <li>A heartbeat without a clock skew keeps the skew recorded by the last heartbeat that had one.</li>
 *   <li>{@code limit} below 1 is refused with {@link IllegalArgumentException}.</li>
 *   <li>The token check of {@link #registerAgent} comes before the duplicate checks: an unusable token returns
 *       {@code false} even if the agent id also exists.</li>
 * </ul>
 */
public final class InMemoryAgentStore implements IAgentStore {
    private final InMemoryTaskStore tasks = new InMemoryTaskStore();

    private final ConcurrentHashMap<String, AgentSlot> agents = new ConcurrentHashMap<>();
    /** Agent ids in order, for {@link #findAgents}; written only under {@link #writeLock}. */
    private final ConcurrentSkipListMap<String, AgentSlot> agentsById = new ConcurrentSkipListMap<>();
    /** Thumbprint of a pinned certificate (current or next) to the agent pinning it. */
    private final ConcurrentHashMap<String, String> pinnedBy = new ConcurrentHashMap<>();

    private final TokenTable tokens = new TokenTable();
    private final CertificateTable certificates = new CertificateTable();
    private final DeadlineIndex deadlines = new DeadlineIndex();
    private final AtomicLongArray statusCounts = new AtomicLongArray(AgentStatus.values().length);
    private final MonitorState monitor = new MonitorState();
    /** Serializes registration, token and certificate writes. Never taken on the heartbeat path. */
    private final ReentrantLock writeLock = new ReentrantLock();

    /** An empty store. */
    public InMemoryAgentStore() {}

    /** The task role beside this store, one per store: {@code builder.taskStore(store.taskStore())}. */
    public InMemoryTaskStore taskStore() {
        return tasks;
    }

    // ---- registration tokens -------------------------------------------------------------------------

    @Override
    public void insertToken(RegistrationToken token) {
        requireNonNull(token, "token");
        locked(() -> tokens.insert(token));
    }

    @Override
    public Optional<RegistrationToken> findToken(String tokenId) {
        return tokens.find(tokenId);
    }

    @Override
    public List<RegistrationToken> listTokens(@Nullable String afterId, int limit) {
        requireLimit(limit);
        return tokens.list(afterId, limit);
    }

    @Override
    public boolean revokeToken(String tokenId, Instant revokedAt) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(revokedAt, "revokedAt");
        return locked(() -> tokens.revoke(tokenId, revokedAt));
    }

    @Override
    public int recordFailedAttempt(String tokenId) {
        requireNonNull(tokenId, "tokenId");
        return locked(() -> tokens.recordFailedAttempt(tokenId));
    }

    @Override
    public int pruneTokens(Instant cutoff, int limit) {
        requireNonNull(cutoff, "cutoff");
        requireLimit(limit);
        return locked(() -> tokens.prune(cutoff, limit));
    }

    // ---- registration --------------------------------------------------------------------------------

    @Override
    public boolean registerAgent(
            String tokenId, TokenRedemption redemption, Instant now, Agent agent, AgentCertificate certificate) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(redemption, "redemption");
        requireNonNull(now, "now");
        requireNonNull(agent, "agent");
        requireNonNull(certificate, "certificate");
        return locked(() -> {
            RegistrationToken token = tokens.get(tokenId);
            if (token == null || !token.isRedeemableAt(now)) {
                return false;
            }
            if (agents.containsKey(agent.id())) {
                throw new IllegalStateException("an agent with id " + agent.id() + " exists");
            }
            if (certificates.contains(certificate.serial())) {
                throw new IllegalStateException("a certificate with serial " + certificate.serial() + " exists");
            }
            AgentSlot slot = new AgentSlot(agent);
            synchronized (slot) { // visible through the maps before it is filed: hold it until it is
                certificates.insert(certificate);
                agents.put(agent.id(), slot);
                agentsById.put(agent.id(), slot);
                pin(agent, null);
                statusCounts.incrementAndGet(agent.status().ordinal());
                deadlines.file(slot);
            }
            tokens.put(token.withRedemption(redemption));
            return true;
        });
    }

    @Override
    public Optional<Agent> reenrollAgent(
            String tokenId,
            TokenRedemption redemption,
            Instant now,
            Agent updated,
            long expectedVersion,
            AgentCertificate certificate) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(redemption, "redemption");
        requireNonNull(now, "now");
        requireNonNull(updated, "updated");
        requireNonNull(certificate, "certificate");
        return locked(() -> {
            RegistrationToken token = tokens.get(tokenId);
            if (token == null || !token.isRedeemableAt(now)) {
                return Optional.empty();
            }
            if (certificates.contains(certificate.serial())) {
                throw new IllegalStateException("a certificate with serial " + certificate.serial() + " exists");
            }
            // the version check comes first: only if the agent is written are the token and certificate too
            Optional<Agent> written = writeDurable(updated, expectedVersion, null);
            if (written.isPresent()) {
                certificates.insert(certificate);
                tokens.put(token.withRedemption(redemption));
            }
            return written;
        });
    }

    // ---- agents --------------------------------------------------------------------------------------

    @Override
    public Optional<Agent> findAgent(String agentId) {
        AgentSlot slot = agents.get(requireNonNull(agentId, "agentId"));
        return slot == null ? Optional.empty() : Optional.of(slot.agent);
    }

    @Override
    public Optional<Agent> findAgentByThumbprint(String thumbprint) {
        String agentId = pinnedBy.get(requireNonNull(thumbprint, "thumbprint"));
        AgentSlot slot = agentId == null ? null : agents.get(agentId);
        if (slot == null) {
            return Optional.empty();
        }
        Agent agent = slot.agent;
        return pins(agent, thumbprint) ? Optional.of(agent) : Optional.empty();
    }

    @Override
    public List<Agent> findAgents(AgentQuery query) {
        requireNonNull(query, "query");
        String afterId = query.afterId();
        var view = afterId == null ? agentsById : agentsById.tailMap(afterId, false);
        List<Agent> page = new ArrayList<>(Math.min(query.limit(), 256));
        for (AgentSlot slot : view.values()) {
            Agent agent = slot.agent;
            if (query.matches(agent)) {
                page.add(agent);
                if (page.size() >= query.limit()) {
                    break;
                }
            }
        }
        return page;
    }

    @Override
    public long countAgents(AgentStatus status) {
        return statusCounts.get(requireNonNull(status, "status").ordinal());
    }

    @Override
    public Optional<Agent> updateAgent(Agent updated, long expectedVersion) {
        requireNonNull(updated, "updated");
        return writeDurable(updated, expectedVersion, null);
    }

    // ---- liveness ------------------------------------------------------------------------------------

    @Override
    public HeartbeatWrite recordHeartbeat(
            String agentId,
            long expectedVersion,
            long bootEpoch,
            long sequence,
            Instant receivedAt,
            Instant deadline,
            @Nullable Duration clockSkew) {
        requireNonNull(receivedAt, "receivedAt");
        requireNonNull(deadline, "deadline");
        AgentSlot slot = agents.get(requireNonNull(agentId, "agentId"));
        if (slot == null) {
            return HeartbeatWrite.NOT_FOUND;
        }
        synchronized (slot) {
            Agent agent = slot.agent;
            AgentLiveness before = agent.liveness();
            if (agent.version() != expectedVersion) {
                return HeartbeatWrite.VERSION_CHANGED;
            }
            if (!before.isOlderThan(bootEpoch, sequence)) {
                return HeartbeatWrite.STALE;
            }
            Duration skew = clockSkew != null ? clockSkew : before.clockSkew();
            slot.agent = agent.withLiveness(new AgentLiveness(receivedAt, bootEpoch, sequence, deadline, skew));
            deadlines.file(slot); // one comparison unless the deadline moved earlier
            return bootEpoch > before.bootEpoch() ? HeartbeatWrite.ACCEPTED_NEW_EPOCH : HeartbeatWrite.ACCEPTED;
        }
    }

    @Override
    public List<Agent> findOverdue(Instant now, int limit) {
        requireNonNull(now, "now");
        requireLimit(limit);
        return deadlines.overdue(now, limit, agent -> agent);
    }

    @Override
    public Optional<Agent> expireAgent(Agent inactive, long expectedVersion, Instant now) {
        requireNonNull(inactive, "inactive");
        requireNonNull(now, "now");
        return writeDurable(inactive, expectedVersion, now);
    }

    @Override
    public int extendDeadlines(Instant deadline) {
        requireNonNull(deadline, "deadline");
        int extended = 0;
        for (AgentSlot slot : agents.values()) {
            synchronized (slot) {
                Agent agent = slot.agent;
                AgentLiveness l = agent.liveness();
                if (AgentSlot.isWatched(agent.status()) && l.deadline().isBefore(deadline)) {
                    slot.agent = agent.withLiveness(new AgentLiveness(
                            l.lastHeartbeatAt(), l.bootEpoch(), l.sequence(), deadline, l.clockSkew()));
                    extended++; // a later deadline needs no re-filing: the index re-files lazily
                }
            }
        }
        return extended;
    }

    @Override
    public Optional<Instant> recordSweep(Instant now) {
        return monitor.recordSweep(now);
    }

    @Override
    public boolean tryLockSweep(String owner, Instant now, Duration lease) {
        return monitor.tryLockSweep(owner, now, lease);
    }

    @Override
    public void unlockSweep(String owner, Instant now) {
        monitor.unlockSweep(requireNonNull(owner, "owner"));
    }

    @Override
    public void recordPause(MonitorPause pause) {
        monitor.recordPause(pause);
    }

    @Override
    public Optional<MonitorPause> findPause(Instant now) {
        return monitor.findPause(now);
    }

    /** O(fleet): core asks only stores shared by replicas, which this one is not. */
    @Override
    public long countExpiredSince(Instant since) {
        requireNonNull(since, "since");
        return agents.values().stream()
                .map(slot -> slot.agent)
                .filter(a -> a.status() == AgentStatus.INACTIVE
                        && a.inactiveReason() == InactiveReason.MISSED_HEARTBEATS
                        && !a.statusChangedAt().isBefore(since))
                .count();
    }

    // ---- certificates --------------------------------------------------------------------------------

    @Override
    public void insertCertificate(AgentCertificate certificate) {
        requireNonNull(certificate, "certificate");
        locked(() -> certificates.insert(certificate));
    }

    @Override
    public Optional<AgentCertificate> findCertificate(String serial) {
        return certificates.find(requireNonNull(serial, "serial"));
    }

    @Override
    public Optional<AgentCertificate> findCertificateByThumbprint(String thumbprint) {
        return certificates.findByThumbprint(requireNonNull(thumbprint, "thumbprint"));
    }

    @Override
    public List<AgentCertificate> findRevokedCertificates(Instant expiringAfter) {
        return certificates.revokedExpiringAfter(requireNonNull(expiringAfter, "expiringAfter"));
    }

    @Override
    public long revocationFeedPosition() {
        return certificates.feedPosition();
    }

    @Override
    public RevocationFeed revocationsSince(long position) {
        long next = certificates.feedPosition();
        return new RevocationFeed(certificates.revokedFrom(Math.min(position, next)), next);
    }

    @Override
    public List<AgentCertificate> findCertificates(String agentId) {
        return certificates.ofAgent(requireNonNull(agentId, "agentId"));
    }

    @Override
    public List<String> revokeCertificates(String agentId, Instant revokedAt) {
        requireNonNull(agentId, "agentId");
        requireNonNull(revokedAt, "revokedAt");
        return locked(() -> certificates.revokeAll(agentId, revokedAt));
    }

    @Override
    public boolean revokeCertificate(String serial, Instant revokedAt) {
        requireNonNull(serial, "serial");
        requireNonNull(revokedAt, "revokedAt");
        return locked(() -> certificates.revoke(serial, revokedAt));
    }

    // ---- internals -----------------------------------------------------------------------------------

    /**
     * updateAgent, expireAgent and re-enrollment: writes the durable state of {@code updated} (its liveness
     * ignored) with version {@code expectedVersion + 1} if the version matches and, when {@code overdueAt} is
     * given, the stored deadline is before it.
     */
    private Optional<Agent> writeDurable(Agent updated, long expectedVersion, @Nullable Instant overdueAt) {
        AgentSlot slot = agents.get(updated.id());
        if (slot == null) {
            return Optional.empty();
        }
        synchronized (slot) {
            Agent before = slot.agent;
            if (before.version() != expectedVersion) {
                return Optional.empty();
            }
            if (overdueAt != null && !before.liveness().deadline().isBefore(overdueAt)) {
                return Optional.empty();
            }
            Agent after = updated.withVersion(expectedVersion + 1).withLiveness(before.liveness());
            slot.agent = after;
            pin(after, before);
            if (before.status() != after.status()) {
                statusCounts.decrementAndGet(before.status().ordinal());
                statusCounts.incrementAndGet(after.status().ordinal());
            }
            deadlines.file(slot);
            return Optional.of(after);
        }
    }

    /** Points the thumbprint index at the agent's pins, dropping those it no longer pins. Hold its monitor. */
    private void pin(Agent agent, @Nullable Agent before) {
        if (before != null) {
            unpin(before.certificate(), agent);
            unpin(before.nextCertificate(), agent);
        }
        pinnedBy.put(agent.certificate().thumbprint(), agent.id());
        CertificatePin next = agent.nextCertificate();
        if (next != null) {
            pinnedBy.put(next.thumbprint(), agent.id());
        }
    }

    private void unpin(@Nullable CertificatePin old, Agent agent) {
        if (old != null && !pins(agent, old.thumbprint())) {
            pinnedBy.remove(old.thumbprint(), agent.id());
        }
    }

    private static boolean pins(Agent agent, String thumbprint) {
        CertificatePin next = agent.nextCertificate();
        return agent.certificate().thumbprint().equals(thumbprint)
                || (next != null && next.thumbprint().equals(thumbprint));
    }

    private <T> T locked(java.util.function.Supplier<T> write) {
        writeLock.lock();
        try {
            return write.get();
        } finally {
            writeLock.unlock();
        }
    }

    private void locked(Runnable write) {
        writeLock.lock();
        try {
            write.run();
        } finally {
            writeLock.unlock();
        }
    }

    private static void requireLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
    }

    /** How many entries the deadline index holds; for tests. */
    int indexedDeadlines() {
        return deadlines.size();
    }

    @Override
    public String toString() {
        return "InMemoryAgentStore[agents=" + agents.size() + ", tokens=" + tokens.size() + ", certificates="
                + certificates.size() + "]";
    }
}

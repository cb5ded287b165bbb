package dev.agentmanager.store.inmemory;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.RenewalPolicy;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentCertificate;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.CertificatePin;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.model.RegistrationToken;
import dev.agentmanager.model.TokenRedemption;
import dev.agentmanager.spi.HeartbeatWrite;
import dev.agentmanager.spi.IAgentStore;
import dev.agentmanager.spi.OverdueAgent;
import dev.agentmanager.spi.RoutineHeartbeat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe {@link IAgentStore} in the JVM's heap: for tests, demos and single-node hosts that can
 * afford to lose their fleet on restart (agents then register again with new tokens).
 *
 * <h2>Usage</h2>
 * <pre>{@code
 * IAgentStore store = new InMemoryAgentStore();
 * AgentManager manager = AgentManager.builder().store(store).certificateService(ca).build();
 * }</pre>
 * {@link #builder()} tunes the deadline index and presizes the tables for a known fleet size.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Every method is linearizable with respect to the agent, token or certificate it writes.
 *       {@link #registerAgent} is all-or-nothing: the token use, the agent and its certificate record are
 *       written together, or nothing is (registration and token operations serialize on one write lock;
 *       they are rare). Reads do not take that lock, so a reader racing a registration may see the agent
 *       a moment before the token's redemption.</li>
 *   <li>O(1) lookups by agent id ({@link #findAgent}) and by the thumbprint of the current or next
 *       certificate ({@link #findAgentByThumbprint}); {@link #countAgents} is O(1) (maintained counters).</li>
 *   <li>{@link #recordHeartbeat}, the hot path, takes no global lock: one hash lookup, the agent entry's own
 *       monitor, a few comparisons and field writes, and no allocation. Heartbeats for different agents
 *       never contend.</li>
 *   <li>{@link #findOverdue} uses a hashed timing wheel with lazy re-filing (see {@code DeadlineWheel}):
 *       a heartbeat only writes the deadline field; a sweep re-files entries whose deadline moved later when
 *       it reaches their bucket. A sweep costs the buckets between the previous sweep and {@code now} plus
 *       the entries filed in them, never the fleet size; it stays correct when the clock jumps hours or days
 *       ahead or steps back, after {@link #extendDeadlines}, and when the caller does not expire what it is
 *       given (such agents are returned again).</li>
 *   <li>{@link #findAgents} finds {@code afterId} by binary search in a sorted array of the agents
 *       ({@code IdOrder}), walks on in id order and stops at the limit; a selective query may examine many
 *       agents (there are no secondary indexes).</li>
 * </ul>
 *
 * <h2>Memory</h2>
 * Each agent is one compact entry: instants and durations as primitive fields, enums as bytes, a UUID id as two
 * {@code long}s only (its string is made on read), name and registration-token id packed in one byte array
 * ({@code EntryText}), and capability sets (the declared ones and the allowed names in one value, so that a
 * token's scope costs an agent no memory), label maps and agent versions shared between agents
 * ({@code Interner}). The agent's certificate pins are its certificate records themselves, and a record holds
 * its agent's entry rather than the id. A record keeps a hex thumbprint and a hex serial as {@code long} words
 * (the strings are made on read) and sits directly in two open-addressing tables, by serial and by thumbprint
 * ({@code CertificateTable}); an agent pinning its own stored certificate needs no other thumbprint index
 * entry. {@link #findAgents} pages over a sorted array of the entries ({@code IdOrder}). A standard PEM is kept
 * as its DER split in three ({@code CertificateBodies}): the rest of the certificate less the fields the record
 * can make again (serial, validity, a key identifier that is the SHA-1 of the key), which is nothing when it is
 * the first certificate's with this agent's id, else deflated against that; the key, an EC point as its X and
 * the parity of Y; the signature, ECDSA's as r || s. 97 bytes for an EC P-256 client certificate of the
 * BouncyCastle CA, which its record holds in its own fields ({@code CertificateRecord.Inline}), restored to the
 * exact PEM on read. Measured with the benchmarks' {@code MemoryFootprint} (1,000,000 agents as
 * {@code AgentManager.register} leaves them: 3 capabilities, 2 labels, a realistic BouncyCastle certificate
 * each; used tokens pruned; JDK 17, compressed pointers, serial GC): 495 bytes per agent, 407 without the
 * certificate body. Of those: the entry (232), its certificate record with the body (176; 88 without), the
 * name and token-id array (48), the hash tables' slots and the agent table's tags (27) and the id-order array
 * (4).
 *
 * <h2>Semantics where the SPI leaves room</h2>
 * <ul>
 *   <li>A heartbeat without a clock skew ({@code null}) keeps the skew recorded by the last heartbeat
 *       that had one, as {@link dev.agentmanager.model.AgentLiveness#clockSkew()} describes.</li>
 *   <li>{@link #listTokens} and {@link #pruneTokens} reject a {@code limit} below 1 with
 *       {@link IllegalArgumentException}.</li>
 *   <li>The token check of {@link #registerAgent} comes before the duplicate checks: an unusable token
 *       returns {@code false} even if the agent id also exists.</li>
 * </ul>
 */
public final class InMemoryAgentStore implements IAgentStore {

    /** Compared with {@link AgentEntry#warm()} only so that its reads are kept. */
    private static final long WARM_SENTINEL = 0x7EAD_BEEF_7EAD_BEEFL;
    /** Default width of one bucket of the deadline index. */
    public static final Duration DEFAULT_TICK = Duration.ofMillis(100);
    /** Default number of buckets of the deadline index (with the default tick, one rotation is 13.6 min). */
    public static final int DEFAULT_WHEEL_SIZE = 8192;
    /** How many distinct capability sets, label maps and strings are shared at most (each). */
    static final int MAX_INTERNED = 1 << 16;

    private final AgentTable agents;
    /** The agents in id order, for {@link #findAgents}. */
    private final IdOrder agentsInIdOrder = new IdOrder();
    /**
     * The agents pinning detached records (pins that match no stored certificate of theirs), keyed by those
     * records ({@link Thumbprint}s); looked up with a {@link Thumbprint#of} probe. Pins of stored certificates
     * are found through {@link #certificates} instead, by thumbprint and then the record's agent.
     */
    private final ConcurrentHashMap<Thumbprint, AgentEntry> detachedPins = new ConcurrentHashMap<>();
    private final CertificateTable certificates;
    /** The oldest certificate record of agent ids that have no entry (inserted without a registration). */
    private final ConcurrentHashMap<String, CertificateRecord> unattachedCertificates = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<String, RegistrationToken> tokens = new ConcurrentSkipListMap<>();
    /** Serializes registration, token and certificate-record writes. Never taken on the heartbeat path. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final AtomicLongArray statusCounts = new AtomicLongArray(AgentStatus.values().length);
    private final AtomicReference<@Nullable Instant> lastSweep = new AtomicReference<>();
    private final DeadlineWheel<AgentEntry> wheel;
    private final Interner interner = new Interner(MAX_INTERNED);
    /** Compresses certificate bodies (under {@link #writeLock}) and restores them. */
    private final CertificateBodies bodies = new CertificateBodies();

    /** A store with the default deadline index ({@link #DEFAULT_TICK}, {@link #DEFAULT_WHEEL_SIZE}). */
    public InMemoryAgentStore() {
        this(builder());
    }

    private InMemoryAgentStore(Builder b) {
        this.wheel = new DeadlineWheel<>(b.tick.toMillis(), b.wheelSize);
        int capacity = b.expectedAgents;
        this.agents = new AgentTable(capacity);
        this.certificates = new CertificateTable(capacity);
    }

    /** A builder to tune the deadline index or presize the tables. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- registration tokens -------------------------------------------------------------------------

    @Override
    public void insertToken(RegistrationToken token) {
        requireNonNull(token, "token");
        writeLock.lock();
        try {
            if (tokens.putIfAbsent(token.id(), token) != null) {
                throw new IllegalStateException("a registration token with id " + token.id() + " exists");
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Optional<RegistrationToken> findToken(String tokenId) {
        return Optional.ofNullable(tokens.get(requireNonNull(tokenId, "tokenId")));
    }

    @Override
    public List<RegistrationToken> listTokens(@Nullable String afterId, int limit) {
        requireLimit(limit);
        NavigableMap<String, RegistrationToken> view = afterId == null ? tokens : tokens.tailMap(afterId, false);
        List<RegistrationToken> page = new ArrayList<>(Math.min(limit, 256));
        for (RegistrationToken t : view.values()) {
            if (page.size() >= limit) {
                break;
            }
            page.add(t);
        }
        return page;
    }

    @Override
    public boolean revokeToken(String tokenId, Instant revokedAt) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(revokedAt, "revokedAt");
        writeLock.lock();
        try {
            RegistrationToken token = tokens.get(tokenId);
            if (token == null || token.isRevoked() || token.isExhausted()) {
                return false;
            }
            tokens.put(tokenId, token.withRevokedAt(revokedAt));
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public int recordFailedAttempt(String tokenId) {
        requireNonNull(tokenId, "tokenId");
        writeLock.lock();
        try {
            RegistrationToken token = tokens.get(tokenId);
            if (token == null) {
                return 0;
            }
            int count = token.failedAttempts() == Integer.MAX_VALUE ? Integer.MAX_VALUE : token.failedAttempts() + 1;
            tokens.put(tokenId, token.withFailedAttempts(count));
            return count;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public int pruneTokens(Instant cutoff, int limit) {
        requireNonNull(cutoff, "cutoff");
        requireLimit(limit);
        writeLock.lock();
        try {
            int deleted = 0;
            for (Iterator<RegistrationToken> it = tokens.values().iterator(); it.hasNext() && deleted < limit; ) {
                if (isPrunable(it.next(), cutoff)) {
                    it.remove();
                    deleted++;
                }
            }
            return deleted;
        } finally {
            writeLock.unlock();
        }
    }

    private static boolean isPrunable(RegistrationToken t, Instant cutoff) {
        if (t.expiresAt().isBefore(cutoff)) {
            return true;
        }
        Instant revokedAt = t.revokedAt();
        if (revokedAt != null && revokedAt.isBefore(cutoff)) {
            return true;
        }
        if (t.isExhausted()) {
            List<TokenRedemption> r = t.redemptions();
            return r.get(r.size() - 1).redeemedAt().isBefore(cutoff);
        }
        return false;
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
        AgentEntry entry;
        writeLock.lock();
        try {
            RegistrationToken token = tokens.get(tokenId);
            if (token == null || !token.isRedeemableAt(now)) {
                return false;
            }
            if (agents.get(agent.id()) != null) {
                throw new IllegalStateException("an agent with id " + agent.id() + " exists");
            }
            if (certificates.get(certificate.serial()) != null) {
                throw new IllegalStateException("a certificate with serial " + certificate.serial() + " exists");
            }
            // every check passed: from here on nothing can fail but an OutOfMemoryError
            String id = agent.id();
            entry = new AgentEntry(agent);
            // the record refers to the entry, and readers reach it through the record from the moment it is in
            // the thumbprint table: the monitor keeps them out until the entry is complete and in the id table
            synchronized (entry) {
                CertificateRecord record = CertificateRecord.of(certificate,
                        certificate.agentId().equals(id) ? entry : certificate.agentId(), bodies);
                certificates.add(record);
                entry.certificates = withCertificate(unattachedCertificates.remove(id), record);
                entry.writeDurable(agent, agent.version(), interner, pinRecord(agent.certificate(), entry),
                        pinRecordOrNull(agent.nextCertificate(), entry));
                index(entry, null, null);
                agents.add(entry);
            }
            agentsInIdOrder.add(entry);
            statusCounts.incrementAndGet(agent.status().ordinal());
            tokens.put(tokenId, token.withRedemption(redemption));
        } finally {
            writeLock.unlock();
        }
        wheel.update(entry);
        return true;
    }

    @Override
    public Optional<Agent> reenrollAgent(String tokenId, TokenRedemption redemption, Instant now, Agent updated,
            long expectedVersion, AgentCertificate certificate) {
        requireNonNull(tokenId, "tokenId");
        requireNonNull(redemption, "redemption");
        requireNonNull(now, "now");
        requireNonNull(updated, "updated");
        requireNonNull(certificate, "certificate");
        writeLock.lock(); // token uses and certificate records change only under this lock
        try {
            RegistrationToken token = tokens.get(tokenId);
            if (token == null || !token.isRedeemableAt(now)) {
                return Optional.empty();
            }
            if (certificates.get(certificate.serial()) != null) {
                throw new IllegalStateException("a certificate with serial " + certificate.serial() + " exists");
            }
            // the durable write checks the version under the entry's monitor; only if it succeeds is the
            // token used and the certificate recorded, so a failed condition writes nothing
            Optional<Agent> written = writeDurable(updated, expectedVersion, null);
            if (written.isPresent()) {
                insertCertificate(certificate);
                tokens.put(tokenId, token.withRedemption(redemption));
            }
            return written;
        } finally {
            writeLock.unlock();
        }
    }

    // ---- agents --------------------------------------------------------------------------------------

    @Override
    public Optional<Agent> findAgent(String agentId) {
        AgentEntry e = agents.get(requireNonNull(agentId, "agentId"));
        if (e == null) {
            return Optional.empty();
        }
        synchronized (e) {
            return Optional.of(e.toAgent());
        }
    }

    @Override
    public Optional<Agent> findAgentByThumbprint(String thumbprint) {
        Thumbprint key = Thumbprint.of(requireNonNull(thumbprint, "thumbprint"));
        Agent agent = pinnedBy(detachedPins.get(key), thumbprint);
        if (agent == null) {
            agent = certificates.find(key, r -> pinnedBy(entryOf(r), thumbprint));
        }
        return Optional.ofNullable(agent);
    }

    /** The entry of the record's agent, or null if that agent has none. */
    private @Nullable AgentEntry entryOf(CertificateRecord r) {
        AgentEntry e = r.entry();
        return e != null ? e : agents.get(r.agentId());
    }

    /** The agent of {@code e} if it exists and pins {@code thumbprint}, else null. */
    private static @Nullable Agent pinnedBy(@Nullable AgentEntry e, String thumbprint) {
        if (e == null) {
            return null;
        }
        synchronized (e) {
            return e.pins(thumbprint) ? e.toAgent() : null;
        }
    }

    @Override
    public List<Agent> findAgents(AgentQuery query) {
        requireNonNull(query, "query");
        List<Agent> page = new ArrayList<>(Math.min(query.limit(), 256));
        agentsInIdOrder.forEachAfter(query.afterId(), e -> {
            synchronized (e) {
                if (e.matches(query)) {
                    page.add(e.toAgent());
                }
            }
            return page.size() < query.limit();
        });
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

    @Override
    public HeartbeatWrite recordHeartbeat(String agentId, long expectedVersion, long bootEpoch, long sequence,
            Instant receivedAt, Instant deadline, @Nullable Duration clockSkew) {
        requireNonNull(receivedAt, "receivedAt");
        requireNonNull(deadline, "deadline");
        AgentEntry e = agents.get(requireNonNull(agentId, "agentId"));
        if (e == null) {
            return HeartbeatWrite.NOT_FOUND;
        }
        long deadlineSecond = deadline.getEpochSecond();
        int deadlineNano = deadline.getNano();
        HeartbeatWrite result;
        boolean earlier;
        synchronized (e) {
            if (e.version() != expectedVersion) {
                return HeartbeatWrite.VERSION_CHANGED;
            }
            if (!e.isNewer(bootEpoch, sequence)) {
                return HeartbeatWrite.STALE;
            }
            result = bootEpoch > e.bootEpoch() ? HeartbeatWrite.ACCEPTED_NEW_EPOCH : HeartbeatWrite.ACCEPTED;
            earlier = e.deadlineAfter(deadlineSecond, deadlineNano);
            e.writeHeartbeat(bootEpoch, sequence, receivedAt.getEpochSecond(), receivedAt.getNano(), deadlineSecond,
                    deadlineNano, clockSkew);
        }
        refileIfEarlier(e, earlier, deadlineSecond, deadlineNano);
        return result;
    }

    @Override
    public RoutineHeartbeat recordRoutineHeartbeat(String agentId, String thumbprint, long bootEpoch, long sequence,
            Instant receivedAt, Instant deadline, @Nullable Duration clockSkew, RenewalPolicy renewal) {
        // both keys compare against fields inline in the entry, as bytes eight at a time: no stored string is
        // read; the two byte copies are the only allocation and do not escape
        AgentEntry e = agents.get(agentId, agentId.getBytes(StandardCharsets.ISO_8859_1));
        if (e == null) {
            return RoutineHeartbeat.FALLBACK; // unknown, or an id outside ISO-8859-1: the full path decides
        }
        if (e.warm() == WARM_SENTINEL) {
            Thread.onSpinWait(); // never in practice; the comparison keeps the warming read
        }
        byte[] presented = thumbprint.getBytes(StandardCharsets.ISO_8859_1);
        long deadlineSecond = deadline.getEpochSecond();
        int deadlineNano = deadline.getNano();
        RoutineHeartbeat result;
        boolean earlier;
        synchronized (e) {
            earlier = e.deadlineAfter(deadlineSecond, deadlineNano);
            result = e.writeRoutineHeartbeat(presented, bootEpoch, sequence, receivedAt.getEpochSecond(),
                    receivedAt.getNano(), deadlineSecond, deadlineNano, clockSkew, renewal);
        }
        if (result == RoutineHeartbeat.ACCEPTED || result == RoutineHeartbeat.ACCEPTED_RENEW_DUE) {
            refileIfEarlier(e, earlier, deadlineSecond, deadlineNano);
        }
        return result;
    }

    /**
     * After an accepted heartbeat moved an entry's deadline: re-files the entry if the deadline moved earlier
     * than the bucket it is filed in. A deadline that did not move earlier needs nothing (the wheel files an
     * entry at or before the tick of its deadline), which is every heartbeat but those after the clock went
     * back or the timeout shrank, so the common case costs one comparison made under the monitor already
     * held, instead of a tick division and a read of the wheel's field.
     */
    private void refileIfEarlier(AgentEntry e, boolean earlier, long deadlineSecond, int deadlineNano) {
        if (earlier && DeadlineWheel.needsRefile(wheel.tickOf(deadlineSecond, deadlineNano), e.filedTick)) {
            wheel.update(e);
        }
    }

    // ---- timeout monitor -----------------------------------------------------------------------------

    @Override
    public List<Agent> findOverdue(Instant now, int limit) {
        requireNonNull(now, "now");
        requireLimit(limit);
        return wheel.poll(now.getEpochSecond(), now.getNano(), limit, AgentEntry::toAgent);
    }

    @Override
    public Optional<Agent> expireAgent(Agent inactive, long expectedVersion, Instant now) {
        requireNonNull(inactive, "inactive");
        requireNonNull(now, "now");
        return writeDurable(inactive, expectedVersion, now);
    }

    /**
     * The same agents as {@link #findOverdue}, as handles that hold the entry and the id, status and version
     * read under its monitor: no {@link Agent} is built.
     */
    @Override
    public List<? extends OverdueAgent> findOverdueAgents(Instant now, int limit) {
        requireNonNull(now, "now");
        requireLimit(limit);
        return wheel.poll(now.getEpochSecond(), now.getNano(), limit,
                e -> new Overdue(this, e, e.status(), e.version()));
    }

    /**
     * Writes only what an expiry changes (status, inactive reason, status-change time, version) under the
     * entry's monitor: no interning, no thumbprint index update, no read-back, and no id lookup for a handle
     * from {@link #findOverdueAgents}. It also takes the entry out of the deadline index while it is in cache
     * (if the index's lock is free), instead of leaving that to the next sweep.
     */
    @Override
    public boolean expireOverdue(OverdueAgent overdue, InactiveReason reason, Instant now) {
        requireNonNull(overdue, "overdue");
        requireNonNull(reason, "reason");
        requireNonNull(now, "now");
        AgentEntry e = overdue instanceof Overdue o && o.store() == this ? o.entry() : agents.get(overdue.id());
        if (e == null) {
            return false;
        }
        long second = now.getEpochSecond();
        int nano = now.getNano();
        synchronized (e) {
            if (e.version() != overdue.version() || !e.deadlineBefore(second, nano)) {
                return false;
            }
            AgentStatus before = e.status();
            e.expire(reason, second, nano);
            if (before != AgentStatus.INACTIVE) {
                statusCounts.decrementAndGet(before.ordinal());
                statusCounts.incrementAndGet(AgentStatus.INACTIVE.ordinal());
            }
            wheel.tryRemoveUnwatched(e);
        }
        return true;
    }

    @Override
    public int extendDeadlines(Instant deadline) {
        requireNonNull(deadline, "deadline");
        long second = deadline.getEpochSecond();
        int nano = deadline.getNano();
        int[] extended = {0};
        agents.forEach(e -> {
            synchronized (e) {
                if (e.watched() && e.extendDeadline(second, nano)) {
                    extended[0]++;
                }
            }
        });
        return extended[0]; // later deadlines need no re-filing: the wheel re-files lazily
    }

    @Override
    public Optional<Instant> recordSweep(Instant now) {
        requireNonNull(now, "now");
        while (true) {
            Instant previous = lastSweep.get();
            Instant next = previous == null || now.isAfter(previous) ? now : previous;
            if (lastSweep.compareAndSet(previous, next)) {
                return Optional.ofNullable(previous);
            }
        }
    }

    // ---- certificates --------------------------------------------------------------------------------

    @Override
    public void insertCertificate(AgentCertificate certificate) {
        requireNonNull(certificate, "certificate");
        writeLock.lock();
        try {
            if (certificates.get(certificate.serial()) != null) {
                throw new IllegalStateException("a certificate with serial " + certificate.serial() + " exists");
            }
            AgentEntry e = agents.get(certificate.agentId());
            String agentId = certificate.agentId();
            CertificateRecord record = CertificateRecord.of(certificate, e == null ? agentId : e, bodies);
            certificates.add(record);
            if (e != null) {
                e.certificates = withCertificate(e.certificates, record);
            } else {
                unattachedCertificates.put(agentId, withCertificate(unattachedCertificates.get(agentId), record));
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Optional<AgentCertificate> findCertificate(String serial) {
        CertificateRecord record = certificates.get(requireNonNull(serial, "serial"));
        return record == null ? Optional.empty() : Optional.of(record.toCertificate(bodies));
    }

    @Override
    public List<AgentCertificate> findCertificates(String agentId) {
        requireNonNull(agentId, "agentId");
        AgentEntry e = agents.get(agentId);
        List<AgentCertificate> list = new ArrayList<>(2);
        for (CertificateRecord r = e != null ? e.certificates : unattachedCertificates.get(agentId); r != null;
                r = r.nextOfAgent) {
            list.add(r.toCertificate(bodies));
        }
        return list;
    }

    @Override
    public List<String> revokeCertificates(String agentId, Instant revokedAt) {
        requireNonNull(agentId, "agentId");
        requireNonNull(revokedAt, "revokedAt");
        writeLock.lock();
        try {
            AgentEntry e = agents.get(agentId);
            List<String> revoked = new ArrayList<>(2);
            for (CertificateRecord r = e != null ? e.certificates : unattachedCertificates.get(agentId); r != null;
                    r = r.nextOfAgent) {
                if (r.revokedAt() == null) {
                    r.revoke(revokedAt);
                    revoked.add(r.serial());
                }
            }
            return revoked;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public boolean revokeCertificate(String serial, Instant revokedAt) {
        requireNonNull(serial, "serial");
        requireNonNull(revokedAt, "revokedAt");
        writeLock.lock();
        try {
            CertificateRecord r = certificates.get(serial);
            if (r == null || r.revokedAt() != null) {
                return false;
            }
            r.revoke(revokedAt);
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    // ---- internals -----------------------------------------------------------------------------------

    /**
     * updateAgent and expireAgent: writes the durable state of {@code updated} with version
     * {@code expectedVersion + 1} if the version matches and, when {@code overdueAt} is given, the deadline
     * is before it.
     */
    private Optional<Agent> writeDurable(Agent updated, long expectedVersion, @Nullable Instant overdueAt) {
        AgentEntry e = agents.get(updated.id());
        if (e == null) {
            return Optional.empty();
        }
        CertificateRecord current = pinRecord(updated.certificate(), e);
        CertificateRecord next = pinRecordOrNull(updated.nextCertificate(), e);
        Agent result;
        boolean nowWatched;
        synchronized (e) {
            if (e.version() != expectedVersion) {
                return Optional.empty();
            }
            if (overdueAt != null && !e.deadlineBefore(overdueAt.getEpochSecond(), overdueAt.getNano())) {
                return Optional.empty();
            }
            AgentStatus before = e.status();
            CertificateRecord oldCurrent = e.certificate();
            CertificateRecord oldNext = e.nextCertificate();
            e.writeDurable(updated, expectedVersion + 1, interner, current, next);
            index(e, oldCurrent, oldNext);
            if (before != updated.status()) {
                statusCounts.decrementAndGet(before.ordinal());
                statusCounts.incrementAndGet(updated.status().ordinal());
            }
            nowWatched = e.watched() && !AgentEntry.isWatched(before);
            result = e.toAgent();
        }
        if (nowWatched) {
            wheel.update(e); // back under watch (e.g. INACTIVE -> ACTIVE): file it again
        }
        return Optional.of(result);
    }

    /**
     * Updates the index of detached pins after the entry's pins changed from the old ones (pins of stored
     * certificates need no index: see {@link #detachedPins}). Hold the entry's monitor.
     */
    private void index(AgentEntry e, @Nullable CertificateRecord oldCurrent, @Nullable CertificateRecord oldNext) {
        if (oldCurrent != null && !oldCurrent.stored() && !pinsDetached(e, oldCurrent)) {
            detachedPins.remove(oldCurrent, e);
        }
        if (oldNext != null && !oldNext.stored() && !pinsDetached(e, oldNext)) {
            detachedPins.remove(oldNext, e);
        }
        CertificateRecord current = e.certificate();
        CertificateRecord next = e.nextCertificate();
        if (!current.stored()) {
            detachedPins.put(current, e);
        }
        if (next != null && !next.stored()) {
            detachedPins.put(next, e);
        }
    }

    /** Whether the entry pins a detached record with this thumbprint. Hold the entry's monitor. */
    private static boolean pinsDetached(AgentEntry e, Thumbprint thumbprint) {
        CertificateRecord current = e.certificate();
        CertificateRecord next = e.nextCertificate();
        return (!current.stored() && current.sameThumbprint(thumbprint))
                || (next != null && !next.stored() && next.sameThumbprint(thumbprint));
    }

    /**
     * The stored certificate record of entry {@code e}'s agent this pin stands for, or a detached record when
     * there is none (a pin of another agent's certificate is detached too: {@link #findAgentByThumbprint}
     * finds the agents pinning stored records through the records' owners).
     */
    private CertificateRecord pinRecord(CertificatePin pin, AgentEntry e) {
        CertificateRecord record = certificates.get(pin.serial());
        return record != null && record.matches(pin) && record.belongsTo(e) ? record
                : CertificateRecord.detached(pin, e);
    }

    private @Nullable CertificateRecord pinRecordOrNull(@Nullable CertificatePin pin, AgentEntry e) {
        return pin == null ? null : pinRecord(pin, e);
    }

    /**
     * Links {@code record} into the chain starting at {@code oldest}, after every record that does not start
     * later (oldest first), and returns the new oldest. Call under the write lock; readers may walk the chain
     * meanwhile.
     */
    private static CertificateRecord withCertificate(@Nullable CertificateRecord oldest, CertificateRecord record) {
        if (oldest == null || oldest.startsAfter(record)) {
            record.nextOfAgent = oldest;
            return record;
        }
        CertificateRecord r = oldest;
        while (r.nextOfAgent != null && !r.nextOfAgent.startsAfter(record)) {
            r = r.nextOfAgent;
        }
        record.nextOfAgent = r.nextOfAgent;
        r.nextOfAgent = record;
        return oldest;
    }

    private static void requireLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
    }

    /**
     * {@link #findOverdueAgents}' handle: the entry itself and what the monitor needs, read under its monitor.
     * The id is made only when asked for (a UUID id is no stored string).
     */
    private record Overdue(InMemoryAgentStore store, AgentEntry entry, AgentStatus status, long version)
            implements OverdueAgent {
        @Override
        public String id() {
            return entry.id();
        }
    }

    /** How many agents the deadline index holds; for tests. */
    int watchedCount() {
        return wheel.size();
    }

    /** How many index entries all sweeps examined so far; for tests of a sweep's cost. */
    long examinedCount() {
        return wheel.examined();
    }

    @Override
    public String toString() {
        return "InMemoryAgentStore[agents=" + agents.size() + ", tokens=" + tokens.size() + ", certificates="
                + certificates.size() + "]";
    }

    /** Builder for {@link InMemoryAgentStore}. */
    public static final class Builder {
        private Duration tick = DEFAULT_TICK;
        private int wheelSize = DEFAULT_WHEEL_SIZE;
        private int expectedAgents = 16;

        private Builder() {}

        /**
         * Width of one bucket of the deadline index, whole milliseconds, at least 1 ms. Smaller ticks make a
         * sweep examine fewer not-yet-due agents; the default suits heartbeat intervals of seconds.
         */
        public Builder tick(Duration tick) {
            requireNonNull(tick, "tick");
            if (tick.compareTo(Duration.ofMillis(1)) < 0 || tick.toNanos() % 1_000_000 != 0) {
                throw new IllegalArgumentException("tick must be a whole number of milliseconds >= 1, got " + tick);
            }
            this.tick = tick;
            return this;
        }

        /** Number of buckets of the deadline index, a power of two. */
        public Builder wheelSize(int buckets) {
            if (buckets < 1 || Integer.bitCount(buckets) != 1) {
                throw new IllegalArgumentException("wheel size must be a power of two, got " + buckets);
            }
            this.wheelSize = buckets;
            return this;
        }

        /** Presizes the tables for about this many agents. */
        public Builder expectedAgents(int agents) {
            if (agents < 0) {
                throw new IllegalArgumentException("expected agents must be >= 0, got " + agents);
            }
            this.expectedAgents = agents;
            return this;
        }

        public InMemoryAgentStore build() {
            return new InMemoryAgentStore(this);
        }
    }
}

package dev.agentmanager.store.inmemory;

import dev.agentmanager.RenewalPolicy;
import dev.agentmanager.model.Agent;
import dev.agentmanager.model.AgentHealth;
import dev.agentmanager.model.AgentLiveness;
import dev.agentmanager.model.AgentQuery;
import dev.agentmanager.model.AgentStatus;
import dev.agentmanager.model.Capability;
import dev.agentmanager.model.InactiveReason;
import dev.agentmanager.spi.RoutineHeartbeat;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One agent, stored compactly: primitive fields instead of {@link Instant}, {@link Duration} and enum
 * objects, a UUID id as two words, name and token id packed in one array ({@link EntryText}), shared
 * (interned) capability sets (declared and allowed together, {@link CapabilitySets}), label maps and version
 * strings, and certificate pins that are the certificate records themselves. Every field but the final ones,
 * the wheel links and {@link #certificates} is guarded by the entry's own monitor; the heartbeat path takes
 * only that monitor.
 */
final class AgentEntry extends DeadlineWheel.Node {
    private static final AgentStatus[] STATUSES = AgentStatus.values();
    private static final InactiveReason[] REASONS = InactiveReason.values();
    private static final AgentHealth[] HEALTHS = AgentHealth.values();
    /** Marks an absent instant or duration in a {@code ...Nano} field. */
    private static final int NONE = -1;
    private static final byte ACTIVE = (byte) AgentStatus.ACTIVE.ordinal();
    /** In {@link #routine}: the agent is ACTIVE and its current pin is a hex thumbprint (so held as words). */
    private static final long ROUTINE = 1;
    /** In {@link #routine}: the agent has a next certificate pinned (so it is not told to renew). */
    private static final long HAS_NEXT = 2;

    // Field order matters here: HotSpot lays out longs first, in declaration order, right after the header
    // and the wheel links, so the fields the routine heartbeat reads and writes (the first block) share the
    // entry's first cache lines. Everything the heartbeat path needs is a long for that reason.

    // ---- the heartbeat path's block (guarded by this but the final ones)
    final long idMsb;
    final long idLsb;
    /**
     * {@link #ROUTINE} when ACTIVE with a hex thumbprint pinned, plus {@link #HAS_NEXT}: derived state, so every
     * write of {@code status}, {@code certificate} or {@code nextCertificate} ends with {@link #refreshRoutine}.
     */
    private long routine;
    // the current certificate's thumbprint words and validity in whole milliseconds (floor), copied from it
    // so that the heartbeat path reads nothing but this entry (see setCertificate)
    private long pin0;
    private long pin1;
    private long pin2;
    private long pin3;
    private long pinNotBeforeMillis;
    private long pinNotAfterMillis;
    private long bootEpoch;
    private long sequence;
    private long lastHeartbeatSecond;
    /**
     * The nanosecond of the last heartbeat (high 32 bits, {@link #NONE} before the first) and of the deadline
     * (low 32 bits), in one long ({@link #nanos(int, int)}): a beat writes both with one store, and the entry
     * is 8 bytes smaller (224).
     */
    private long nanos = nanos(NONE, 0);
    private long deadlineSecond;

    // ---- the rest (guarded by this but the final ones)
    /**
     * The id when it is not a canonical UUID, else null: a UUID id (what {@code AgentManager} assigns) is held
     * only as {@link #idMsb} and {@link #idLsb}, and {@link #id()} rebuilds its string on read. That saves the
     * string (about 80 bytes) per agent; the lookup never needed it.
     */
    final @Nullable String id;
    /**
     * 1 when the id is a canonical UUID, held as {@link #idMsb} and {@link #idLsb} ({@link #id} is null), else
     * 0. An int, declared as the class's first int, so that it fills the 4-byte gap the wheel links leave next
     * to the header: the lookup reads it with the id words, in the same cache line.
     */
    final int uuidId;
    private long registeredAtSecond;
    private int registeredAtNano;
    private long statusChangedAtSecond;
    private int statusChangedAtNano;
    private long version;
    private long clockSkewSeconds;
    private int clockSkewNano = NONE;
    /** The name and the registration-token id, packed ({@link EntryText}). */
    private byte[] text;
    private byte status;
    private byte inactiveReason;
    private byte health;
    /** The declared capabilities and the allowed names, in one shared value: no more memory than either alone. */
    private CapabilitySets capabilities;
    private Map<String, String> labels;
    private @Nullable String agentVersion;
    private CertificateRecord certificate;
    private @Nullable CertificateRecord nextCertificate;

    /** The oldest of the agent's certificate records (linked oldest first); written under the store's write lock. */
    volatile @Nullable CertificateRecord certificates;

    /**
     * A new entry with {@code agent}'s id and liveness. Its durable state follows with {@link #writeDurable}, and
     * its record chain with {@link #certificates}, under the entry's monitor and before it is published: the
     * certificate records made in between refer to the entry.
     */
    AgentEntry(Agent agent) {
        String given = agent.id();
        boolean uuid = Keys.isCanonicalUuid(given);
        this.uuidId = uuid ? 1 : 0;
        this.idMsb = uuid ? Keys.uuidMsb(given) : 0;
        this.idLsb = uuid ? Keys.uuidLsb(given) : 0;
        this.id = uuid ? null : given;
        AgentLiveness l = agent.liveness();
        Instant last = l.lastHeartbeatAt();
        if (last != null) {
            lastHeartbeatSecond = last.getEpochSecond();
            nanos = nanos(last.getNano(), 0);
        }
        bootEpoch = l.bootEpoch();
        sequence = l.sequence();
        deadlineSecond = l.deadline().getEpochSecond();
        nanos = nanos(lastHeartbeatNano(), l.deadline().getNano());
        Duration skew = l.clockSkew();
        if (skew != null) {
            clockSkewSeconds = skew.getSeconds();
            clockSkewNano = skew.getNano();
        }
    }

    /** The agent's id: {@link #id}, or the canonical string of the inline UUID. Needs no monitor (final fields). */
    String id() {
        String s = id;
        return s != null ? s : new UUID(idMsb, idLsb).toString();
    }

    /** Whether the agent's id is {@code s}. Allocation-free; needs no monitor. */
    boolean hasId(String s) {
        return uuidId != 0 ? Keys.uuidEquals(s, idMsb, idLsb) : s.equals(id);
    }

    // ---- durable state (hold the monitor) ----------------------------------------------------------------

    /** Overwrites the durable state with {@code agent}'s (its liveness and version are ignored). */
    void writeDurable(Agent agent, long newVersion, Interner interner, CertificateRecord current,
            @Nullable CertificateRecord next) {
        text = EntryText.of(agent.name(), agent.registrationTokenId()); // unique per agent: interning would only cost
        status = (byte) agent.status().ordinal();
        InactiveReason reason = agent.inactiveReason();
        inactiveReason = (byte) (reason == null ? NONE : reason.ordinal());
        health = (byte) agent.health().ordinal();
        capabilities = interner.capabilities(agent.capabilities(), agent.allowedCapabilities());
        labels = interner.labels(agent.labels());
        agentVersion = interner.string(agent.agentVersion());
        setCertificate(current);
        nextCertificate = next;
        registeredAtSecond = agent.registeredAt().getEpochSecond();
        registeredAtNano = agent.registeredAt().getNano();
        statusChangedAtSecond = agent.statusChangedAt().getEpochSecond();
        statusChangedAtNano = agent.statusChangedAt().getNano();
        version = newVersion;
        refreshRoutine();
    }

    private void setCertificate(CertificateRecord c) {
        certificate = c;
        pin0 = c.t0;
        pin1 = c.t1;
        pin2 = c.t2;
        pin3 = c.t3;
        pinNotBeforeMillis = millis(c.notBeforeSecond(), c.notBeforeNano());
        pinNotAfterMillis = millis(c.notAfterSecond(), c.notAfterNano());
    }

    /** Epoch milliseconds (floor), saturated at +-2^53 so that differences of two never overflow. */
    private static long millis(long second, int nano) {
        long bound = 1L << 53;
        long clamped = Math.max(-bound / 1000, Math.min(bound / 1000, second));
        return clamped * 1000 + nano / 1_000_000;
    }

    /** Recomputes {@link #routine} after status or pins changed. */
    private void refreshRoutine() {
        routine = (status == ACTIVE && certificate.hexThumbprint ? ROUTINE : 0) | (nextCertificate != null ? HAS_NEXT : 0);
    }

    long version() {
        return version;
    }

    AgentStatus status() {
        return STATUSES[status];
    }

    CertificateRecord certificate() {
        return certificate;
    }

    @Nullable CertificateRecord nextCertificate() {
        return nextCertificate;
    }

    /** Whether {@code thumbprint} is the current or next pinned certificate. */
    boolean pins(String thumbprint) {
        CertificateRecord next = nextCertificate;
        return certificate.hasThumbprint(thumbprint) || (next != null && next.hasThumbprint(thumbprint));
    }

    /** Whether the timeout monitor watches this agent (ACTIVE or PENDING). */
    static boolean isWatched(AgentStatus status) {
        return status == AgentStatus.ACTIVE || status == AgentStatus.PENDING;
    }

    @Override
    boolean watched() {
        return isWatched(STATUSES[status]);
    }

    // ---- liveness (hold the monitor) ---------------------------------------------------------------------

    @Override
    long deadlineSecond() {
        return deadlineSecond;
    }

    @Override
    int deadlineNano() {
        return (int) nanos;
    }

    /** Packs a last-heartbeat nanosecond ({@link #NONE} for none) and a deadline nanosecond into {@link #nanos}. */
    private static long nanos(int lastHeartbeatNano, int deadlineNano) {
        return ((long) lastHeartbeatNano << 32) | (deadlineNano & 0xFFFF_FFFFL);
    }

    /** The last heartbeat's nanosecond of the second, {@link #NONE} before the first heartbeat. */
    private int lastHeartbeatNano() {
        return (int) (nanos >> 32);
    }

    /** Whether the deadline is before the instant given as seconds and nanos. */
    boolean deadlineBefore(long second, int nano) {
        return deadlineSecond < second || (deadlineSecond == second && deadlineNano() < nano);
    }

    /** Whether the deadline is after the instant given as seconds and nanos. */
    boolean deadlineAfter(long second, int nano) {
        return deadlineSecond > second || (deadlineSecond == second && deadlineNano() > nano);
    }

    /** Whether (epoch, sequence) is newer than the last accepted pair. */
    boolean isNewer(long epoch, long seq) {
        return epoch > bootEpoch || (epoch == bootEpoch && seq > sequence);
    }

    long bootEpoch() {
        return bootEpoch;
    }

    /** Records an accepted heartbeat. Allocation-free. */
    void writeHeartbeat(long epoch, long seq, long receivedSecond, int receivedNano, long deadlineSec, int deadlineNs,
            @Nullable Duration skew) {
        bootEpoch = epoch;
        sequence = seq;
        lastHeartbeatSecond = receivedSecond;
        nanos = nanos(receivedNano, deadlineNs);
        deadlineSecond = deadlineSec;
        if (skew != null) {
            clockSkewSeconds = skew.getSeconds();
            clockSkewNano = skew.getNano();
        }
    }

    /**
     * A sum of words from each cache line the routine heartbeat reads and writes after the lookup (the pin, the
     * sequence, the deadline), read without the monitor and ignored but for one comparison: it only makes the
     * lines' misses start together with the lookup's instead of after the monitor's CAS.
     */
    long warm() {
        return pin0 + sequence + deadlineSecond;
    }

    /**
     * The routine-heartbeat fast path ({@link dev.agentmanager.spi.IAgentStore#recordRoutineHeartbeat}):
     * checks status, certificate, validity and sequence and records the beat. Allocation-free; hold the
     * monitor.
     */
    RoutineHeartbeat writeRoutineHeartbeat(byte[] thumbprint, long epoch, long seq, long receivedSecond,
            int receivedNano, long deadlineSec, int deadlineNs, @Nullable Duration skew, RenewalPolicy renewal) {
        long receivedMillis = receivedSecond * 1000 + receivedNano / 1_000_000;
        long r = routine;
        // validity in whole milliseconds is conservative: an instant in the first or last millisecond of the
        // validity falls back to the exact check of the full path
        if ((r & ROUTINE) == 0 || epoch != bootEpoch || receivedMillis <= pinNotBeforeMillis
                || receivedMillis >= pinNotAfterMillis || !Keys.thumbprintEquals(thumbprint, pin0, pin1, pin2, pin3)) {
            return RoutineHeartbeat.FALLBACK;
        }
        if (seq <= sequence) {
            return RoutineHeartbeat.STALE;
        }
        writeHeartbeat(epoch, seq, receivedSecond, receivedNano, deadlineSec, deadlineNs, skew);
        if ((r & HAS_NEXT) != 0) {
            return RoutineHeartbeat.ACCEPTED;
        }
        long start = pinNotBeforeMillis;
        // the pin is the presented thumbprint, whose leading 64 bits are pin0: no parsing
        return receivedMillis >= start + (long) ((pinNotAfterMillis - start) * renewal.shareForLeadingBits(pin0))
                ? RoutineHeartbeat.ACCEPTED_RENEW_DUE : RoutineHeartbeat.ACCEPTED;
    }

    /** Moves the deadline to the given instant if that is later; returns whether it moved. */
    boolean extendDeadline(long second, int nano) {
        if (deadlineBefore(second, nano)) {
            deadlineSecond = second;
            nanos = nanos(lastHeartbeatNano(), nano);
            return true;
        }
        return false;
    }

    /**
     * The timeout monitor's expiry ({@link dev.agentmanager.spi.IAgentStore#expireOverdue}): status INACTIVE
     * with {@code reason} since the given instant, and the next version; nothing else changes.
     */
    void expire(InactiveReason reason, long atSecond, int atNano) {
        status = (byte) AgentStatus.INACTIVE.ordinal();
        inactiveReason = (byte) reason.ordinal();
        statusChangedAtSecond = atSecond;
        statusChangedAtNano = atNano;
        version++;
        refreshRoutine(); // no longer ACTIVE: its next heartbeat takes the full path, which reactivates it
    }

    // ---- reads (hold the monitor) ------------------------------------------------------------------------

    /** Whether the agent matches every criterion of {@code q} but paging (mirrors {@link AgentQuery#matches}). */
    boolean matches(AgentQuery q) {
        if (!q.statuses().isEmpty() && !q.statuses().contains(STATUSES[status])) {
            return false;
        }
        String capability = q.capabilityName();
        if (capability != null) {
            boolean found = false;
            for (Capability c : capabilities.declared()) {
                if (c.name().equals(capability) && c.satisfies(q.minimumCapabilityVersion())) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        for (Map.Entry<String, String> e : q.labels().entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    AgentLiveness liveness() {
        return new AgentLiveness(
                lastHeartbeatNano() == NONE ? null : Instant.ofEpochSecond(lastHeartbeatSecond, lastHeartbeatNano()),
                bootEpoch, sequence, Instant.ofEpochSecond(deadlineSecond, deadlineNano()),
                clockSkewNano == NONE ? null : Duration.ofSeconds(clockSkewSeconds, clockSkewNano));
    }

    /** The stored agent, durable state and liveness merged. */
    Agent toAgent() {
        return new Agent(id(), EntryText.name(text), STATUSES[status],
                inactiveReason == NONE ? null : REASONS[inactiveReason],
                capabilities.declared(), capabilities.allowed(), labels, agentVersion, HEALTHS[health],
                certificate.pin(), nextCertificate == null ? null : nextCertificate.pin(),
                Instant.ofEpochSecond(registeredAtSecond, registeredAtNano),
                Instant.ofEpochSecond(statusChangedAtSecond, statusChangedAtNano), EntryText.tokenId(text), version,
                liveness());
    }
}

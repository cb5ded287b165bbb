package dev.agentmanager.spi;

import dev.agentmanager.model.Agent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The liveness role of a store: heartbeats, deadlines and what the timeout monitor needs. Liveness is written
 * only here and never bumps an agent's durable version. Whether a heartbeat is acceptable (certificate,
 * status, scope) is core's decision; this role only applies the ordered, version-checked write.
 */
public interface LivenessStore {

    /**
     * Atomically records liveness if the agent's durable version is {@code expectedVersion} and
     * ({@code bootEpoch}, {@code sequence}) is newer than the stored pair (a higher epoch, or the same epoch and
     * a higher sequence). On success sets last-heartbeat time, epoch, sequence, deadline and clock skew; the
     * durable version does not change.
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

    /**
     * Takes the fleet's sweep lock for {@code owner} until {@code now + lease}, if no other owner holds it at
     * {@code now} (across processes: one sweep at a time in the fleet, so that self-preservation's cap holds for
     * the fleet, not per replica). An owner that holds it takes it again. A holder that dies leaves it to the
     * next caller once the lease has passed.
     *
     * @return whether {@code owner} holds the lock now
     */
    boolean tryLockSweep(String owner, Instant now, Duration lease);

    /** Releases the sweep lock if {@code owner} holds it; otherwise does nothing. */
    void unlockSweep(String owner, Instant now);

    /**
     * How many agents are INACTIVE for missed heartbeats since {@code since} or later (their status changed
     * then): the fleet's recent expiries, which self-preservation counts against its cap.
     */
    long countExpiredSince(Instant since);

    /**
     * Records a pause of the fleet's timeout monitor, so that every replica compensates it (not only the one
     * whose sweep noticed it). Keeps the recorded pause that is compensated longest.
     */
    void recordPause(MonitorPause pause);

    /** The recorded pause if it is still compensated at {@code now} (its {@code until} is after it). */
    Optional<MonitorPause> findPause(Instant now);
}
